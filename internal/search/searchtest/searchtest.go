// Package searchtest holds the contract every search.Index passes:
// Exercise runs it against an engine (the built-in one on every run,
// Meilisearch whenever MEILI_URL is set).
package searchtest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
	"zhdj/internal/search"
)

// Fixture is a fresh engine with two tenants it may hold documents of.
type Fixture struct {
	Index  search.Index
	Tenant uuid.UUID
	Other  uuid.UUID
}

var (
	siteA = uuid.MustParse("00000000-0000-4000-8000-00000000000a")
	siteB = uuid.MustParse("00000000-0000-4000-8000-00000000000b")
	areaP = uuid.MustParse("00000000-0000-4000-8000-0000000000a1") // parent area
	areaC = uuid.MustParse("00000000-0000-4000-8000-0000000000a2") // its child
	unit  = uuid.MustParse("00000000-0000-4000-8000-0000000000c1")
)

func id(n int) uuid.UUID {
	return uuid.MustParse("10000000-0000-4000-8000-" + strings.Repeat("0", 12-len(itoa(n))) + itoa(n))
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// Corpus is a small Chinese corpus for tenant (documents 1..8) on siteA
// (and some on siteB).
func Corpus(tenant uuid.UUID) []*search.Document {
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	child := areaC
	d := func(n int, kind search.Kind, typ search.Type, title, summary, body string, tags, topics []string, sites ...uuid.UUID) *search.Document {
		return &search.Document{Key: search.Key{Kind: kind, ID: id(n)}, Tenant: tenant, Type: typ, Title: title, Summary: summary, Body: body,
			Tags: tags, Topics: topics, OrgUnitID: unit, Sites: sites, At: at.Add(time.Duration(n) * time.Hour), Version: 1}
	}
	docs := []*search.Document{
		d(1, search.KindContent, search.TypeArticle, "党史学习教育动员大会召开", "学院党委部署党史学习教育。", "全体党员参加大会。", []string{"党史"}, []string{"理论学习"}, siteA, siteB),
		d(2, search.KindContent, search.TypeArticle, "信息工程学院开展主题党日活动", "支部书记带领党员重温入党誓词。", "活动中，大家交流了学习党史的体会。", []string{"主题党日"}, []string{"组织生活"}, siteA),
		d(3, search.KindContent, search.TypeMicroLesson, "微党课：伟大建党精神", "十分钟讲清伟大建党精神。", "讲稿全文。", []string{"微党课"}, []string{"理论学习"}, siteA),
		d(4, search.KindContent, search.TypeComic, "主题漫画：红色家书", "用漫画讲述革命先辈的家书。", "", []string{`引号"与\反斜杠`}, []string{"党史"}, siteA),
		d(5, search.KindActivity, search.TypeActivity, "社区志愿服务：关爱老人", "走进社区，为老人提供志愿服务。", "地点：和平社区", nil, []string{"敬老助老"}, siteA, siteB),
		d(6, search.KindActivity, search.TypeActivity, "乡村振兴志愿者招募", "暑期赴乡村开展支教志愿服务。", "", nil, []string{"乡村振兴"}, siteA),
		d(7, search.KindContent, search.TypeArticle, "党建课程建设经验交流会", "各学院交流党建课程建设经验。", "", nil, []string{"理论学习"}, siteA),
		d(8, search.KindContent, search.TypeArticle, "只在另一站点的新闻：志愿服务表彰", "表彰优秀志愿者。", "", nil, nil, siteB),
	}
	docs[4].AreaID, docs[4].Areas = &child, []uuid.UUID{areaC, areaP}
	docs[5].AreaID, docs[5].Areas = &child, []uuid.UUID{areaC, areaP}
	return docs
}

// Exercise runs the contract against the engine newFixture returns.
func Exercise(t *testing.T, newFixture func(t *testing.T) *Fixture) {
	ctx := context.Background()
	setup := func(t *testing.T) *Fixture {
		t.Helper()
		f := newFixture(t)
		for _, tn := range []uuid.UUID{f.Tenant, f.Other} {
			if err := f.Index.Configure(ctx, tn, search.DefaultSettings()); err != nil {
				t.Fatalf("configure: %v", err)
			}
		}
		if err := f.Index.Upsert(ctx, f.Tenant, Corpus(f.Tenant)); err != nil {
			t.Fatalf("upsert: %v", err)
		}
		// The other school has a document that would match everything.
		other := Corpus(f.Other)[:1]
		other[0].Title = "志愿服务党史党课新闻（另一所学校）"
		if err := f.Index.Upsert(ctx, f.Other, other); err != nil {
			t.Fatalf("upsert other: %v", err)
		}
		return f
	}
	query := func(f *Fixture, text string, mod ...func(*search.Query)) search.Query {
		q := search.Query{Tenant: f.Tenant, Site: siteA, Text: text, Terms: search.QueryTerms(text), Synonyms: search.DefaultSettings().Synonyms,
			Order: search.OrderRelevance, First: 20}
		for _, m := range mod {
			m(&q)
		}
		return q
	}
	run := func(t *testing.T, f *Fixture, q search.Query) *search.Result {
		t.Helper()
		res, err := f.Index.Search(ctx, q)
		if err != nil {
			t.Fatalf("search %q: %v", q.Text, err)
		}
		return res
	}
	ids := func(res *search.Result) []int {
		var out []int
		for _, h := range res.Hits {
			for n := 1; n <= 8; n++ {
				if h.ID == id(n) {
					out = append(out, n)
				}
			}
		}
		return out
	}

	t.Run("WordsInsideCompounds", func(t *testing.T) {
		f := setup(t)
		got := ids(run(t, f, query(f, "志愿")))
		// 8 is on another site; the other school's document never shows.
		if !slices.Contains(got, 5) || !slices.Contains(got, 6) || slices.Contains(got, 8) || len(got) != 2 {
			t.Fatalf("志愿 found %v, want 5 and 6 only", got)
		}
	})
	t.Run("TitleAboveBody", func(t *testing.T) {
		f := setup(t)
		got := ids(run(t, f, query(f, "党史")))
		if len(got) < 2 || got[0] != 1 || !slices.Contains(got, 2) || slices.Index(got, 1) > slices.Index(got, 2) {
			t.Fatalf("党史 ranked %v, want the title hit 1 before the body hit 2", got)
		}
	})
	t.Run("PrefixAsYouType", func(t *testing.T) {
		f := setup(t)
		if got := ids(run(t, f, query(f, "乡村振"))); !slices.Contains(got, 6) {
			t.Fatalf("乡村振 found %v, want 6", got)
		}
	})
	t.Run("Synonyms", func(t *testing.T) {
		f := setup(t)
		if got := ids(run(t, f, query(f, "党课"))); !slices.Contains(got, 7) || !slices.Contains(got, 3) {
			t.Fatalf("党课 found %v, want 3 and 7 (党建课程 is a synonym)", got)
		}
	})
	t.Run("OtherSite", func(t *testing.T) {
		f := setup(t)
		got := ids(run(t, f, query(f, "志愿", func(q *search.Query) { q.Site = siteB })))
		slices.Sort(got)
		if !slices.Equal(got, []int{5, 8}) {
			t.Fatalf("site B found %v, want [5 8]", got)
		}
	})
	t.Run("OtherTenant", func(t *testing.T) {
		f := setup(t)
		res := run(t, f, query(f, "另一所学校"))
		if len(res.Hits) != 0 {
			t.Fatalf("found another school's document: %v", ids(res))
		}
		res = run(t, f, query(f, "另一所学校", func(q *search.Query) { q.Tenant = f.Other }))
		if len(res.Hits) != 1 {
			t.Fatalf("the other school finds %d of its own documents, want 1", len(res.Hits))
		}
	})
	t.Run("Filters", func(t *testing.T) {
		f := setup(t)
		from := time.Date(2026, 5, 1, 13, 30, 0, 0, time.UTC) // between 5 and 6
		for _, c := range []struct {
			name string
			text string
			mod  func(*search.Query)
			want []int
		}{
			{"types", "动员", func(q *search.Query) { q.Filter.Types = []search.Type{search.TypeMicroLesson} }, nil},
			{"types", "精神", func(q *search.Query) { q.Filter.Types = []search.Type{search.TypeMicroLesson} }, []int{3}},
			{"parent area finds child area", "志愿", func(q *search.Query) { q.Filter.Areas = []uuid.UUID{areaP} }, []int{5, 6}},
			{"topics", "志愿", func(q *search.Query) { q.Filter.Topics = []string{"乡村振兴"} }, []int{6}},
			{"types and topics", "党史", func(q *search.Query) {
				q.Filter.Types, q.Filter.Topics = []search.Type{search.TypeArticle}, []string{"理论学习", "组织生活"}
			}, []int{1, 2}},
			{"a type with a topic, not either", "党史", func(q *search.Query) {
				q.Filter.Types, q.Filter.Topics = []search.Type{search.TypeComic, search.TypeMicroLesson}, []string{"理论学习"}
			}, nil},
			{"many types and topics", "党史", func(q *search.Query) {
				q.Filter.Types = []search.Type{search.TypeArticle, search.TypeComic, search.TypeMicroLesson}
				q.Filter.Topics = []string{"理论学习", "党史", "a", "b", "c", "d", "e", "f"}
			}, []int{1, 4}},
			{"tag with quote and backslash", "红色", func(q *search.Query) { q.Filter.Tags = []string{`引号"与\反斜杠`} }, []int{4}},
			{"injection stays a value", "党史", func(q *search.Query) { q.Filter.Tags = []string{`x" OR tags = "党史`} }, nil},
			{"operators stay a value", "党史", func(q *search.Query) { q.Filter.Topics = []string{`理论学习") OR (type = "article`} }, nil},
			{"from", "志愿", func(q *search.Query) { q.Filter.From = &from }, []int{6}},
			{"to", "志愿", func(q *search.Query) { q.Filter.To = &from }, []int{5}},
			{"org units", "志愿", func(q *search.Query) { q.Filter.OrgUnits = []uuid.UUID{uuid.New()} }, nil},
		} {
			got := ids(run(t, f, query(f, c.text, c.mod)))
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
	})
	t.Run("Facets", func(t *testing.T) {
		f := setup(t)
		res := run(t, f, query(f, "学习", func(q *search.Query) {
			q.Facets = []search.Facet{search.FacetType, search.FacetTopic, search.FacetArea, search.FacetTag}
		}))
		counts := map[string]int{}
		for _, v := range res.Facets[search.FacetType] {
			counts[v.Value] = v.Count
		}
		if counts["article"] != len(hitsOfType(res, search.TypeArticle)) || counts["article"] == 0 {
			t.Fatalf("type facet %v does not match the hits %v", res.Facets[search.FacetType], ids(res))
		}
		if _, ok := res.Facets[search.FacetArea]; !ok {
			t.Fatal("the area facet is missing though it was asked for")
		}
		res = run(t, f, query(f, "志愿", func(q *search.Query) { q.Facets = []search.Facet{search.FacetArea, search.FacetTopic} }))
		if len(res.Facets[search.FacetArea]) != 1 || res.Facets[search.FacetArea][0] != (search.FacetValue{Value: areaC.String(), Count: 2}) {
			t.Fatalf("area facet %v, want %s: 2", res.Facets[search.FacetArea], areaC)
		}
		if len(res.Facets[search.FacetTopic]) != 2 {
			t.Fatalf("topic facet %v, want two topics", res.Facets[search.FacetTopic])
		}
	})
	t.Run("Highlights", func(t *testing.T) {
		f := setup(t)
		res := run(t, f, query(f, "漫画"))
		if len(res.Hits) != 1 || !strings.Contains(res.Hits[0].TitleHighlight, "<mark>漫画</mark>") {
			t.Fatalf("hits %+v, want 漫画 marked in the title", res.Hits)
		}
	})
	t.Run("Pages", func(t *testing.T) {
		f := setup(t)
		for _, order := range []search.Order{search.OrderRelevance, search.OrderNewest} {
			var seen []int
			after := ""
			for range 10 {
				res := run(t, f, query(f, "学习", func(q *search.Query) { q.First, q.After, q.Order = 1, after, order }))
				seen = append(seen, ids(res)...)
				if !res.HasNext {
					break
				}
				after = res.Hits[len(res.Hits)-1].Cursor
			}
			all := ids(run(t, f, query(f, "学习", func(q *search.Query) { q.Order = order })))
			if !slices.Equal(seen, all) {
				t.Fatalf("%s: paging one at a time gave %v, one page gave %v", order, seen, all)
			}
		}
		_, err := f.Index.Search(ctx, query(f, "学习", func(q *search.Query) { q.After = "not-a-cursor" }))
		if apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("a forged cursor gave %v, want Invalid", err)
		}
	})
	t.Run("UpsertDeleteFingerprints", func(t *testing.T) {
		f := setup(t)
		docs := Corpus(f.Tenant)
		docs[0].Title, docs[0].Version = "改过的标题：廉政教育", 2
		if err := f.Index.Upsert(ctx, f.Tenant, docs[:1]); err != nil {
			t.Fatal(err)
		}
		if err := f.Index.Upsert(ctx, f.Tenant, docs[:1]); err != nil { // again: idempotent
			t.Fatal(err)
		}
		if got := ids(run(t, f, query(f, "廉政"))); !slices.Equal(got, []int{1}) {
			t.Fatalf("after the update 廉政 found %v", got)
		}
		if err := f.Index.Delete(ctx, f.Tenant, []search.Key{docs[1].Key, {Kind: search.KindContent, ID: uuid.New()}}); err != nil {
			t.Fatal(err)
		}
		fps, err := f.Index.Fingerprints(ctx, f.Tenant)
		if err != nil {
			t.Fatal(err)
		}
		if len(fps) != 7 || fps[docs[0].Key] != docs[0].Fingerprint() {
			t.Fatalf("fingerprints %d (want 7), doc 1 %q want %q", len(fps), fps[docs[0].Key], docs[0].Fingerprint())
		}
		if _, ok := fps[docs[1].Key]; ok {
			t.Fatal("a deleted document is still in the index")
		}
	})
	t.Run("Rebuild", func(t *testing.T) {
		f := setup(t)
		docs := Corpus(f.Tenant)[2:4]
		sent := false
		err := f.Index.Rebuild(ctx, f.Tenant, search.DefaultSettings(), func() ([]*search.Document, error) {
			if sent {
				return nil, nil
			}
			sent = true
			return docs, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		fps, err := f.Index.Fingerprints(ctx, f.Tenant)
		if err != nil {
			t.Fatal(err)
		}
		if len(fps) != 2 {
			t.Fatalf("after the rebuild the index holds %d documents, want 2", len(fps))
		}
		if got := ids(run(t, f, query(f, "漫画"))); !slices.Equal(got, []int{4}) {
			t.Fatalf("after the rebuild 漫画 found %v", got)
		}
		// The other tenant is untouched.
		if fps, _ := f.Index.Fingerprints(ctx, f.Other); len(fps) != 1 {
			t.Fatalf("the other tenant holds %d documents after this one's rebuild, want 1", len(fps))
		}
	})
}

func hitsOfType(res *search.Result, t search.Type) []search.Hit {
	var out []search.Hit
	for _, h := range res.Hits {
		if h.Type == t {
			out = append(out, h)
		}
	}
	return out
}
