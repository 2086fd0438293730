package graph

import (
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// publicField is a root query field marked @publicRead.
type publicField struct {
	maxAge int      // seconds
	reads  []string // its areas of public data, lower case ("content", …)
}

// publicFields are the root query fields marked @publicRead.
func publicFields(s *ast.Schema) map[string]publicField {
	out := map[string]publicField{}
	if s.Query == nil {
		return out
	}
	def := s.Directives["publicRead"]
	for _, f := range s.Query.Fields {
		d := f.Directives.ForName("publicRead")
		if d == nil {
			continue
		}
		p := publicField{maxAge: 10}
		if a := d.Arguments.ForName("maxAge"); a != nil && a.Value != nil {
			p.maxAge, _ = strconv.Atoi(a.Value.Raw)
		} else if def != nil {
			if a := def.Arguments.ForName("maxAge"); a != nil && a.DefaultValue != nil {
				p.maxAge, _ = strconv.Atoi(a.DefaultValue.Raw)
			}
		}
		if a := d.Arguments.ForName("reads"); a != nil && a.Value != nil {
			for _, c := range a.Value.Children {
				p.reads = append(p.reads, strings.ToLower(c.Value.Raw))
			}
		}
		out[f.Name] = p
	}
	return out
}

// publicMaxAge says whether op is a query of public root fields only (and
// __typename), the smallest of their max-ages and the areas they read.
func publicMaxAge(doc *ast.QueryDocument, op *ast.OperationDefinition, public map[string]publicField) (int, []string, bool) {
	if op == nil || op.Operation != ast.Query {
		return 0, nil, false
	}
	maxAge, found := 0, false
	var reads []string
	var walk func(ast.SelectionSet, int) bool
	walk = func(set ast.SelectionSet, depth int) bool {
		if depth > 10 {
			return false
		}
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Name == "__typename" {
					continue
				}
				p, ok := public[s.Name]
				if !ok {
					return false
				}
				if !found || p.maxAge < maxAge {
					maxAge, found = p.maxAge, true
				}
				for _, r := range p.reads {
					if !slices.Contains(reads, r) {
						reads = append(reads, r)
					}
				}
			case *ast.InlineFragment:
				if !walk(s.SelectionSet, depth+1) {
					return false
				}
			case *ast.FragmentSpread:
				f := doc.Fragments.ForName(s.Name)
				if f == nil || !walk(f.SelectionSet, depth+1) {
					return false
				}
			default:
				return false
			}
		}
		return true
	}
	if !walk(op.SelectionSet, 0) || !found {
		return 0, nil, false
	}
	return maxAge, reads, true
}
