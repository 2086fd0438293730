package graph

import (
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestEveryListHasACost walks the schema: every connection is paged by
// `first`, every list of objects is priced (paged, or with an assumed
// size), and assumedSizes names no field that is not such a list.
func TestEveryListHasACost(t *testing.T) {
	s := NewExecutableSchema(Config{}).Schema()
	costs, unpriced := listCosts(s)
	sort.Strings(unpriced)
	for _, key := range unpriced {
		t.Errorf("%s is a list without a cost: add its typical length to assumedSizes (or page it with first)", key)
	}
	for _, typ := range s.Types {
		if (typ.Kind != ast.Object && typ.Kind != ast.Interface) || strings.HasPrefix(typ.Name, "__") {
			continue
		}
		for _, f := range typ.Fields {
			key := typ.Name + "." + f.Name
			if strings.HasSuffix(f.Type.Name(), "Connection") && !costs[key].paged {
				t.Errorf("%s returns a connection but has no first argument", key)
			}
		}
	}
	for key := range assumedSizes {
		if c, ok := costs[key]; !ok || c.paged {
			t.Errorf("assumedSizes has %s, which is not an unpaged list of objects", key)
		}
	}
}

// TestOperationCosts: a connection's page multiplies its edges only,
// other paged fields their selection, unpaged lists their assumed size;
// defaults apply when first is not given; variables count; huge pages
// saturate instead of overflowing.
func TestOperationCosts(t *testing.T) {
	es := NewExecutableSchema(Config{})
	c := &complexityLimit{limit: 5000}
	if err := c.Validate(es); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		query string
		vars  map[string]any
		want  int
	}{
		// 1 + 10 × (edges 1 + node 1 + id 1 + title 1)
		{`{ contents(site: "s", first: 10) { edges { node { id title } } } }`, nil, 41},
		// the default page (20), and totalCount, pageInfo once
		{`{ search(site: "s", query: "q") { totalCount pageInfo { hasNextPage } edges { cursor } } }`, nil, 1 + 1 + 2 + 20*2},
		// facets: 1 + 5 × (facet 1 + values (1 + 20 × 1))
		{`{ search(site: "s", query: "q", first: 1) { facets { facet values { count } } } }`, nil, 1 + 1 + 5*(1+1+20)},
		// paged, not a connection: 1 + 5 (first's default) × (1 + 3 × 1)
		{`{ volunteerPartners(site: "s") { activities { partners { name } } } }`, nil, 1 + 20*(1+5*(1+5*1))},
		{`query($n: Int) { members(first: $n) { edges { node { id } } } }`, map[string]any{"n": int64(50)}, 1 + 50*3},
		// an interface's list, priced by the interface
		{`{ contents(site: "s", first: 2) { edges { node { sites { id } } } } }`, nil, 1 + 2*(1+1+(1+3*1))},
		{`{ __schema { types { name } } }`, nil, 0},
		{`{ volunteerPartners(site: "s") { activities(first: 2147483647) { partners { activities(first: 2147483647) { partners { activities(first: 2147483647) { id } } } } } } }`, nil, costCap},
	}
	for _, tc := range cases {
		doc, errs := gqlparser.LoadQuery(es.Schema(), tc.query)
		if errs != nil {
			t.Fatalf("%s: %v", tc.query, errs)
		}
		if got := c.operationCost(doc.Operations[0], tc.vars); got != tc.want {
			t.Errorf("%s: cost %d, want %d", tc.query, got, tc.want)
		}
	}
}

// TestLimitedFieldsExist: every rate-limited field is a root field.
func TestLimitedFieldsExist(t *testing.T) {
	s := NewExecutableSchema(Config{}).Schema()
	for key := range limitedFields {
		typ, field, _ := strings.Cut(key, ".")
		def := s.Types[typ]
		if def == nil || def.Fields.ForName(field) == nil || (typ != "Query" && typ != "Mutation") {
			t.Errorf("limitedFields has %s, which is not a root field", key)
		}
	}
}
