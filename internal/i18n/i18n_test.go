package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// codeMessages returns the formats of the messages the code gives clients:
// the literal (or fmt.Sprintf, or "literal" + value) messages of apperr's
// constructors, of InvalidField and Validation.Add, and of Msg fields.
func codeMessages(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range []string{"..", "../../graph"} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() && d.Name() == "seed" {
				return filepath.SkipDir // demo data, not messages
			}
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.Contains(p, "generated") {
				return err
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				var arg ast.Expr
				switch c := n.(type) {
				case *ast.CallExpr:
					// A domain's own helper that wraps a message (member's
					// ruleError(field, rule, msg)): the message is translated
					// inside the wrapper's.
					if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "ruleError" && len(c.Args) == 3 {
						arg = c.Args[2]
						break
					}
					sel, ok := c.Fun.(*ast.SelectorExpr)
					if !ok {
						return true
					}
					switch sel.Sel.Name {
					case "Forbiddenf", "Conflictf", "NotFoundf", "Unauthenticatedf", "Unavailablef", "Invalidf":
						if len(c.Args) > 0 {
							arg = c.Args[0]
						}
					case "InvalidField", "Add":
						// Validation's Add (v.Add), not a header's (w.Header().Add).
						if _, onCall := sel.X.(*ast.CallExpr); len(c.Args) > 1 && !onCall {
							arg = c.Args[1]
						}
					}
				case *ast.KeyValueExpr:
					if k, ok := c.Key.(*ast.Ident); ok && k.Name == "Msg" {
						arg = c.Value
					}
					// Fields: map[string]string{"field": "what is wrong"}
					if k, ok := c.Key.(*ast.Ident); ok && k.Name == "Fields" {
						if cl, ok := c.Value.(*ast.CompositeLit); ok {
							for _, el := range cl.Elts {
								if kv, ok := el.(*ast.KeyValueExpr); ok {
									if f, ok := format(kv.Value); ok {
										out[f] = fset.Position(kv.Value.Pos()).String()
									}
								}
							}
						}
					}
				}
				if arg != nil {
					if f, ok := format(arg); ok {
						out[f] = fset.Position(arg.Pos()).String()
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func format(e ast.Expr) (string, bool) {
	switch v := e.(type) {
	case *ast.BasicLit:
		if v.Kind == token.STRING {
			s, err := strconv.Unquote(v.Value)
			return s, err == nil
		}
	case *ast.CallExpr:
		if sel, ok := v.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(v.Args) > 0 {
			return format(v.Args[0])
		}
	case *ast.BinaryExpr:
		if v.Op == token.ADD {
			l, lok := format(v.X)
			r, rok := format(v.Y)
			switch {
			case lok && rok:
				return l + r, true
			case lok:
				return l + "%s", true
			case rok:
				return "%s" + r, true
			}
		}
	}
	return "", false
}

// TestEveryMessageHasChinese: every message the code gives clients has a
// Chinese translation with the same values in it.
func TestEveryMessageHasChinese(t *testing.T) {
	msgs := codeMessages(t)
	if len(msgs) < 200 {
		t.Fatalf("found only %d messages in the code: the scan is broken", len(msgs))
	}
	cat := Formats()
	var missing []string
	for f, at := range msgs {
		if _, ok := cat[f]; !ok {
			missing = append(missing, at+": "+strconv.Quote(f))
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no Chinese for %s (add it to zh-CN.json)", m)
	}
	for en, zh := range cat {
		if count(en) != count(zh) {
			t.Errorf("%q has %d values, its Chinese %q has %d", en, count(en), zh, count(zh))
		}
		if zh == "" || zh == en && strings.ContainsAny(en, "abcdefghijklmnopqrstuvwxyz") {
			t.Errorf("%q is not translated", en)
		}
	}
}

func count(format string) int {
	n := 0
	for _, m := range verb.FindAllString(format, -1) {
		if m != "%%" {
			n++
		}
	}
	return n
}

func TestTranslate(t *testing.T) {
	for _, tc := range []struct{ en, zh string }{
		{"sign in first", "请先登录"},
		{"site not found", "未找到站点"},
		{"org unit not found", "未找到组织"},
		{"must be at least 10 characters", "至少 10 个字符"},
		{"an activity that is draft cannot become finished", "处于“草稿”状态的活动不能变为“已结束”"},
		{`a school with code "hzvtc" already exists`, `编码为 "hzvtc" 的学校已存在`},
		{"too many requests of this kind (search at most 120 per 1m0s); try again later", "此类请求过多（search 每 1m0s 最多 120 次），请稍后再试"},
		{"must be between 0 and the activity's span (3.5 h)", "须在 0 到活动时长（3.5 小时）之间"},
		{"someone saved this item since you opened it (now version 4, yours 3); reload and apply your change again", "您打开之后有人保存了该内容（当前为第 4 版，您的是第 3 版），请刷新后重新修改"},
		// A rule's formatted message inside the refusal, its values words.
		{"rule stage.sequence: a person at stage full cannot become full; the next stage is none (this is a final stage)",
			"规则 stage.sequence：处于“正式党员”阶段的人不能直接成为“正式党员”；下一阶段是“无（已是最终阶段）”"},
		{"something nobody translated", "something nobody translated"},
	} {
		if got := Translate(Chinese, tc.en); got != tc.zh {
			t.Errorf("%q: %q, want %q", tc.en, got, tc.zh)
		}
		if got := Translate(English, tc.en); got != tc.en {
			t.Errorf("English %q: %q", tc.en, got)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for header, want := range map[string]Lang{
		"":                            Chinese,
		"zh-CN,zh;q=0.9,en;q=0.8":     Chinese,
		"en-US,en;q=0.9":              English,
		"en":                          English,
		"fr-FR":                       Chinese,
		"zh-TW":                       Chinese,
		"en;q=0.5, zh;q=0.9":          Chinese,
		"de, en;q=0.7":                English,
		"this is not a language list": Chinese,
	} {
		if got := Negotiate(header); got != want {
			t.Errorf("%q: %v, want %v", header, got, want)
		}
	}
}
