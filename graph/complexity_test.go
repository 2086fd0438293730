package graph

import (
	"context"
	"sort"
	"strings"
	"testing"

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
		if typ.Kind != ast.Object || strings.HasPrefix(typ.Name, "__") {
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

// TestListCostsMultiply: the cost of a paged field follows first (or its
// default), an unpaged list its assumed size, and a huge page does not
// overflow.
func TestListCostsMultiply(t *testing.T) {
	p := newPricedSchema(NewExecutableSchema(Config{}))
	ctx := context.Background()
	cases := []struct {
		typ, field string
		child      int
		args       map[string]any
		want       int
	}{
		{"Query", "contents", 10, map[string]any{"first": int64(100)}, 1001},
		{"Query", "contents", 10, map[string]any{}, 201},
		{"Query", "members", 3, map[string]any{"first": 50}, 151},
		{"Partner", "activities", 2, map[string]any{}, 11}, // first defaults to 5
		{"OrgUnit", "children", 2, nil, 41},
		{"ContentConnection", "edges", 7, nil, 8},
		{"Query", "search", 1 << 40, map[string]any{"first": int64(1 << 40)}, 1<<62 + 1},
	}
	for _, c := range cases {
		got, ok := p.Complexity(ctx, c.typ, c.field, c.child, c.args)
		if !ok || got != c.want {
			t.Errorf("%s.%s(child %d, %v) = %d, %v; want %d", c.typ, c.field, c.child, c.args, got, ok, c.want)
		}
	}
}
