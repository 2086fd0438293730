package graph

import (
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
)

// publicFields are the root query fields marked @publicRead, with their
// max-age in seconds.
func publicFields(s *ast.Schema) map[string]int {
	out := map[string]int{}
	if s.Query == nil {
		return out
	}
	for _, f := range s.Query.Fields {
		d := f.Directives.ForName("publicRead")
		if d == nil {
			continue
		}
		maxAge := 10
		if a := d.Arguments.ForName("maxAge"); a != nil && a.Value != nil {
			if n, err := strconv.Atoi(a.Value.Raw); err == nil {
				maxAge = n
			}
		} else if def := s.Directives["publicRead"]; def != nil {
			if a := def.Arguments.ForName("maxAge"); a != nil && a.DefaultValue != nil {
				if n, err := strconv.Atoi(a.DefaultValue.Raw); err == nil {
					maxAge = n
				}
			}
		}
		out[f.Name] = maxAge
	}
	return out
}

// publicMaxAge says whether op is a query of public root fields only (and
// __typename), and the smallest of their max-ages.
func publicMaxAge(doc *ast.QueryDocument, op *ast.OperationDefinition, public map[string]int) (int, bool) {
	if op == nil || op.Operation != ast.Query {
		return 0, false
	}
	maxAge, found := 0, false
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
				age, ok := public[s.Name]
				if !ok {
					return false
				}
				if !found || age < maxAge {
					maxAge, found = age, true
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
		return 0, false
	}
	return maxAge, true
}
