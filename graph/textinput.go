package graph

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// No text this platform takes may hold the NUL character (U+0000):
// PostgreSQL cannot store it, and a name, title or query with one is
// never what a person meant. Literals in the document are refused while it
// is validated (nulRule), variables before the operation runs
// (nulVariable); either way the request fails as bad input and nothing is
// done.

const nulProblem = "may not contain the NUL character (U+0000)"

// nulRule refuses string literals holding U+0000, wherever they stand.
func nulRule() core.Rule {
	return core.Rule{
		Name: "ZhdjNoNUL",
		RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
			observers.OnValue(func(_ *core.Walker, v *ast.Value) {
				if (v.Kind == ast.StringValue || v.Kind == ast.BlockValue) && strings.ContainsRune(v.Raw, 0) {
					addError(core.Message("a string %s", nulProblem), core.At(v.Position))
				}
			})
		},
	}
}

// nulVariable returns the name of a variable whose value holds U+0000 in
// some string (in a list or an input object too).
func nulVariable(vars map[string]any) (string, bool) {
	for name, v := range vars {
		if holdsNUL(v) {
			return name, true
		}
	}
	return "", false
}

func holdsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case []any:
		for _, e := range v {
			if holdsNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.ContainsRune(k, 0) || holdsNUL(e) {
				return true
			}
		}
	}
	return false
}
