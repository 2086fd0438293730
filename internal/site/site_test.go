package site

import (
	"testing"

	"zhdj/internal/apperr"
)

func TestNormalizeOrigin(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"https://dj.example.edu.cn":       "https://dj.example.edu.cn",
		"HTTPS://DJ.Example.edu.cn/":      "https://dj.example.edu.cn",
		"https://dj.example.edu.cn:443":   "https://dj.example.edu.cn",
		"http://localhost:3000":           "http://localhost:3000",
		"http://127.0.0.1:8080":           "http://127.0.0.1:8080",
		"http://[::1]:5173":               "http://[::1]:5173",
		" https://h5.jsj.example.edu.cn ": "https://h5.jsj.example.edu.cn",
	}
	for in, want := range good {
		got, err := NormalizeOrigin(in)
		if err != nil || got != want {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{
		"javascript:alert(1)", "http://", "https://", "ftp://example.com", "example.com",
		"https://example.com/path", "https://example.com?x=1", "https://example.com#top",
		"https://user:pw@example.com", "https://exa mple.com", "https://example.com:99999",
		"https://example.com:", "data:text/html,hi", "//example.com", "https://-bad-.com", "",
	}
	for _, in := range bad {
		if got, err := NormalizeOrigin(in); err == nil {
			t.Errorf("NormalizeOrigin(%q) = %q, want an error", in, got)
		}
	}
}

func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	e, ok := err.(*apperr.Error)
	if !ok || e.Kind != apperr.Invalid {
		t.Fatalf("got %T %v, want an Invalid *apperr.Error", err, err)
	}
	return e.Fields
}

func TestParseTheme(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		json  string
		field string // "" means valid
	}{
		{"empty", ``, ""},
		{"full", `{"colors":{"primary":"#c8161d","text":"#111"},"fonts":{"body":"\"PingFang SC\", sans-serif"},"logoMediaId":"abc_123","radius":8}`, ""},
		{"unknown key", `{"colours":{"primary":"#fff"}}`, "theme"},
		{"unknown nested key", `{"colors":{"primary":"#fff","shadow":"#000"}}`, "theme"},
		{"not a colour", `{"colors":{"primary":"red; background:url(x)"}}`, "theme.colors.primary"},
		{"bad hex length", `{"colors":{"accent":"#12345"}}`, "theme.colors.accent"},
		{"font with css injection", `{"fonts":{"body":"x;}body{display:none"}}`, "theme.fonts.body"},
		{"radius out of range", `{"radius":1000}`, "theme.radius"},
		{"wrong type", `{"colors":"red"}`, "theme"},
		{"not json", `{colors:`, "theme"},
		{"trailing data", `{} {}`, "theme"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTheme("theme", []byte(tc.json))
			f := fields(t, err)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if _, ok := f[tc.field]; !ok {
				t.Fatalf("error %v does not name %q", err, tc.field)
			}
		})
	}
}

func TestParseNavigation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		json  string
		field string
	}{
		{"ok", `[{"label":"党建动态","kind":"content_list","filter":{"types":["article"],"tags":["党建动态"]}},
		         {"label":"微党课","kind":"group","children":[{"label":"全部","kind":"content_list","filter":{"types":["micro_lesson"]}}]},
		         {"label":"学校官网","kind":"external","url":"https://www.example.edu.cn"},
		         {"label":"关于我们","kind":"page","pageSlug":"about-us"}]`, ""},
		{"javascript url", `[{"label":"x","kind":"external","url":"javascript:alert(1)"}]`, "navigation[0].url"},
		{"unknown kind", `[{"label":"x","kind":"iframe"}]`, "navigation[0].kind"},
		{"empty label", `[{"label":" ","kind":"page","pageSlug":"ab"}]`, "navigation[0].label"},
		{"filter on page", `[{"label":"x","kind":"page","pageSlug":"ab","filter":{}}]`, "navigation[0].filter"},
		{"bad content type", `[{"label":"x","kind":"content_list","filter":{"types":["video"]}}]`, "navigation[0].filter.types[0]"},
		{"empty group", `[{"label":"x","kind":"group"}]`, "navigation[0].children"},
		{"too deep", `[{"label":"1","kind":"group","children":[{"label":"2","kind":"group","children":[{"label":"3","kind":"group","children":[{"label":"4","kind":"page","pageSlug":"ab"}]}]}]}]`, "navigation[0].children[0].children[0].children"},
		{"unknown key", `[{"label":"x","kind":"page","pageSlug":"ab","onclick":"x"}]`, "navigation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseNavigation("navigation", []byte(tc.json))
			f := fields(t, err)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if _, ok := f[tc.field]; !ok {
				t.Fatalf("error %v does not name %q", err, tc.field)
			}
		})
	}
}

func TestParseHomeBlocks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		json  string
		field string
	}{
		{"ok", `[{"type":"hero","title":"学习贯彻","subtitle":"x","imageMediaId":"m1","linkUrl":"https://example.com"},
		         {"type":"content_list","title":"最新","filter":{"types":["article"]},"limit":10},
		         {"type":"featured","limit":5},
		         {"type":"links","links":[{"label":"学习强国","url":"https://www.xuexi.cn"}]}]`, ""},
		{"unknown type", `[{"type":"html"}]`, "homeBlocks[0].type"},
		{"limit too big", `[{"type":"featured","limit":500}]`, "homeBlocks[0].limit"},
		{"missing filter", `[{"type":"content_list","limit":5}]`, "homeBlocks[0].filter"},
		{"bad link", `[{"type":"links","links":[{"label":"x","url":"javascript:void(0)"}]}]`, "homeBlocks[0].links[0].url"},
		{"links on hero", `[{"type":"hero","links":[{"label":"x","url":"https://a.b"}]}]`, "homeBlocks[0].links"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseHomeBlocks("homeBlocks", []byte(tc.json))
			f := fields(t, err)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if _, ok := f[tc.field]; !ok {
				t.Fatalf("error %v does not name %q", err, tc.field)
			}
		})
	}
}
