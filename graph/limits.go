package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// depthRule refuses operations whose fields nest deeper than max. Fields of
// introspection (__schema, __type) are left to gqlparser's own
// MaxIntrospectionDepth rule, so GraphiQL's schema query still works.
func depthRule(max int) core.Rule {
	return core.Rule{
		Name: "ZhdjMaxDepth",
		RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
			observers.OnOperation(func(_ *core.Walker, op *ast.OperationDefinition) {
				d := &depthWalker{max: max, visiting: map[string]bool{}, memo: map[fragmentAt]bool{}}
				if d.selectionSet(op.SelectionSet, 0) {
					addError(
						core.Message("the operation nests fields more than %d deep", max),
						core.At(op.Position),
					)
				}
			})
		},
	}
}

type depthWalker struct {
	max      int
	visiting map[string]bool
	// memo keeps the walk linear: a fragment spread twice in each of n
	// nested fragments would otherwise be walked 2^n times.
	memo map[fragmentAt]bool
}

type fragmentAt struct {
	name  string
	depth int
}

// selectionSet reports whether set, entered at depth, nests past max.
func (d *depthWalker) selectionSet(set ast.SelectionSet, depth int) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				continue
			}
			if depth+1 > d.max {
				return true
			}
			if d.selectionSet(s.SelectionSet, depth+1) {
				return true
			}
		case *ast.InlineFragment:
			if d.selectionSet(s.SelectionSet, depth) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || d.visiting[s.Name] {
				continue // unknown fragments and cycles are other rules' errors
			}
			key := fragmentAt{s.Name, depth}
			deep, seen := d.memo[key]
			if !seen {
				d.visiting[s.Name] = true
				deep = d.selectionSet(s.Definition.SelectionSet, depth)
				delete(d.visiting, s.Name)
				d.memo[key] = deep
			}
			if deep {
				return true
			}
		}
	}
	return false
}

// aliasRule refuses documents with more than max aliased fields, the usual
// way to multiply the work of one request.
func aliasRule(max int) core.Rule {
	return core.Rule{
		Name: "ZhdjMaxAliases",
		RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
			count, reported := 0, false
			observers.OnField(func(_ *core.Walker, f *ast.Field) {
				if f.Alias == "" || f.Alias == f.Name {
					return
				}
				count++
				if count > max && !reported {
					reported = true
					addError(core.Message("the document has more than %d aliased fields", max), core.At(f.Position))
				}
			})
		},
	}
}
