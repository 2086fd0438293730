package pgsearch_test

import (
	"context"
	"strings"
	"testing"

	"zhdj/internal/pgtest"
	"zhdj/internal/search"
	"zhdj/internal/search/pgsearch"
	"zhdj/internal/search/searchtest"
	"zhdj/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestContract(t *testing.T) {
	searchtest.Exercise(t, func(t *testing.T) *searchtest.Fixture {
		db := pgtest.NewDB(t)
		svc := tenant.NewService(db.Pool)
		a, err := svc.Create(context.Background(), tenant.CreateInput{Code: "school-a", Name: "甲校"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := svc.Create(context.Background(), tenant.CreateInput{Code: "school-b", Name: "乙校"})
		if err != nil {
			t.Fatal(err)
		}
		return &searchtest.Fixture{Index: pgsearch.New(db.Pool), Tenant: a.ID, Other: b.ID}
	})
}

func TestVectorAndQuery(t *testing.T) {
	d := &search.Document{Title: "志愿服务", Summary: "关爱老人", Body: "It's <b>ok</b>"}
	v := pgsearch.Vector(d)
	for _, want := range []string{"'志愿':", "A", "'老人':", "B", "'it':", "C"} {
		if !strings.Contains(v, want) {
			t.Errorf("vector %q lacks %q", v, want)
		}
	}
	q := search.Query{Terms: search.QueryTerms("党课 学习"), Synonyms: map[string][]string{"党课": {"党建课程"}}}
	if got, want := pgsearch.TSQuery(q), "('党课' | ('党建' & '课程')) & '学习':*"; got != want {
		t.Errorf("tsquery %q, want %q", got, want)
	}
}
