package content

import (
	"strings"
	"testing"

	"zhdj/internal/apperr"
)

// TestSanitizer has one case per attack vector: each must be stripped while
// ordinary rich text survives.
func TestSanitizer(t *testing.T) {
	t.Parallel()
	s := NewSanitizer([]string{"player.bilibili.com"})
	cases := []struct {
		name, in string
		mustNot  []string
		mustKeep []string
	}{
		{"script tag", `<p>学习</p><script>alert(1)</script>`, []string{"<script", "alert"}, []string{"<p>学习</p>"}},
		{"onerror handler", `<img src="https://a.cn/x.png" onerror="alert(1)">`, []string{"onerror", "alert"}, []string{`src="https://a.cn/x.png"`}},
		{"javascript link", `<a href="javascript:alert(1)">点我</a>`, []string{"javascript:"}, []string{"点我"}},
		{"javascript with entities", `<a href="jav&#x61;script:alert(1)">x</a>`, []string{"javascript", "alert"}, nil},
		{"svg payload", `<svg onload="alert(1)"><script>alert(2)</script></svg><p>ok</p>`, []string{"<svg", "onload", "alert"}, []string{"<p>ok</p>"}},
		{"style tag and attribute", `<style>body{display:none}</style><p style="position:fixed">x</p>`, []string{"<style", "position:fixed", "display:none"}, []string{"<p>x</p>"}},
		{"iframe from elsewhere", `<iframe src="https://evil.example.com/x"></iframe><p>y</p>`, []string{"iframe", "evil"}, []string{"<p>y</p>"}},
		{"iframe over http", `<iframe src="http://player.bilibili.com/player.html?bvid=1"></iframe>`, []string{"iframe"}, nil},
		{"allowed iframe", `<iframe src="https://player.bilibili.com/player.html?bvid=BV1" width="640" height="360" allowfullscreen></iframe>`, nil, []string{`<iframe src="https://player.bilibili.com/player.html?bvid=BV1"`}},
		{"data url image", `<img src="data:image/svg+xml;base64,PHN2Zz4=">`, []string{"data:"}, nil},
		{"form", `<form action="https://evil.cn"><input name="pw"></form>`, []string{"<form", "<input"}, nil},
		{"ordinary rich text", `<h2>标题</h2><p><strong>重点</strong> <em>强调</em></p><ul><li>一</li></ul><blockquote>引用</blockquote><table><tr><td>1</td></tr></table>`,
			nil, []string{"<h2>标题</h2>", "<strong>重点</strong>", "<li>一</li>", "<blockquote>引用</blockquote>", "<td>1</td>"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := s.Clean(tc.in)
			for _, bad := range tc.mustNot {
				if strings.Contains(strings.ToLower(out), strings.ToLower(bad)) {
					t.Errorf("%q survived: %s", bad, out)
				}
			}
			for _, good := range tc.mustKeep {
				if !strings.Contains(out, good) {
					t.Errorf("%q lost: %s", good, out)
				}
			}
		})
	}
	if out := NewSanitizer(nil).Clean(`<iframe src="https://player.bilibili.com/x"></iframe>`); strings.Contains(out, "iframe") {
		t.Fatalf("iframe allowed with no hosts configured: %s", out)
	}
}

func TestFieldsValidation(t *testing.T) {
	t.Parallel()
	f := Fields{Slug: "Bad Slug", Tags: []string{"ok", "has space"}, Lesson: &Lesson{DurationSeconds: 100, Chapters: []Chapter{{AtSeconds: 50, Title: "b"}, {AtSeconds: 10, Title: "a"}}}}
	err := f.validate(TypeMicroLesson)
	for _, field := range []string{"slug", "tags[1]", "lesson.chapters[1].atSeconds"} {
		if apperr.FieldsOf(err)[field] == "" {
			t.Errorf("%s not reported: %v", field, err)
		}
	}
	g := Fields{Slug: "ok-slug", Article: &Article{}}
	if err := g.validate(TypeComic); apperr.FieldsOf(err)["body"] == "" {
		t.Errorf("article body on a comic: %v", err)
	}
}
