package graph

import (
	"strings"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// Every text this platform takes is UTF-8 without the NUL character
// (U+0000): PostgreSQL stores nothing else, and a name, title or query
// holding either is never what a person meant. (JSON bodies cannot carry
// other bytes; a query in a GET URL can.) Literals in the document are
// refused while it is validated (textRule), variables before the operation
// runs (badTextVariable); either way the request fails as bad input and
// nothing is done.

const textProblem = "must be UTF-8 text without the NUL character (U+0000)"

func badText(s string) bool { return strings.ContainsRune(s, 0) || !utf8.ValidString(s) }

// textRule refuses such string literals, wherever they stand.
func textRule() core.Rule {
	return core.Rule{
		Name: "ZhdjText",
		RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
			observers.OnValue(func(_ *core.Walker, v *ast.Value) {
				if (v.Kind == ast.StringValue || v.Kind == ast.BlockValue) && badText(v.Raw) {
					addError(core.Message("a string %s", textProblem), core.At(v.Position))
				}
			})
		},
	}
}

// badTextVariable returns the name of a variable with such a string in its
// value (in a list or an input object too).
func badTextVariable(vars map[string]any) (string, bool) {
	for name, v := range vars {
		if holdsBadText(v) {
			return name, true
		}
	}
	return "", false
}

func holdsBadText(v any) bool {
	switch v := v.(type) {
	case string:
		return badText(v)
	case []any:
		for _, e := range v {
			if holdsBadText(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if badText(k) || holdsBadText(e) {
				return true
			}
		}
	}
	return false
}
