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
//
// File names are the exception: they come from people's devices, and the
// media service cleans them (control characters, bidi overrides, paths)
// into display text that is never used as a key.

const textProblem = "must be UTF-8 text without the NUL character (U+0000)"

// cleanedField names the input fields whose text is cleaned, not refused.
const cleanedField = "filename"

func badText(s string) bool { return strings.ContainsRune(s, 0) || !utf8.ValidString(s) }

// textRule refuses such string literals in arguments and in variables'
// default values.
func textRule() core.Rule {
	return core.Rule{
		Name: "ZhdjText",
		RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
			check := func(name string, v *ast.Value) {
				if p := badLiteral(name, v); p != nil {
					addError(core.Message("a string %s", textProblem), core.At(p))
				}
			}
			observers.OnField(func(_ *core.Walker, f *ast.Field) {
				for _, a := range f.Arguments {
					check(a.Name, a.Value)
				}
			})
			observers.OnOperation(func(_ *core.Walker, op *ast.OperationDefinition) {
				for _, d := range op.VariableDefinitions {
					check(d.Variable, d.DefaultValue)
				}
			})
		},
	}
}

// badLiteral returns the position of a bad string in v, the value of the
// argument or input field name (list items keep their list's name).
func badLiteral(name string, v *ast.Value) *ast.Position {
	if v == nil || name == cleanedField {
		return nil
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		if badText(v.Raw) {
			return v.Position
		}
	case ast.ListValue:
		for _, c := range v.Children {
			if p := badLiteral(name, c.Value); p != nil {
				return p
			}
		}
	case ast.ObjectValue:
		for _, c := range v.Children {
			if p := badLiteral(c.Name, c.Value); p != nil {
				return p
			}
		}
	}
	return nil
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
			if k != cleanedField && (badText(k) || holdsBadText(e)) {
				return true
			}
		}
	}
	return false
}
