package console

import (
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	r := res.Body
	if res.Header.Get("Content-Encoding") == "gzip" {
		z, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = z
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// firstAsset is a built file of the app under dir ("assets/…").
func firstAsset(t *testing.T, dir, ext string) string {
	t.Helper()
	var found string
	_ = fs.WalkDir(dist, "dist/"+dir+"/assets", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ext) && found == "" {
			found = strings.TrimPrefix(p, "dist/"+dir+"/")
		}
		return nil
	})
	if found == "" {
		t.Fatalf("no built %s file in dist/%s: run make web", ext, dir)
	}
	return found
}

func TestAdminServesTheBuiltApp(t *testing.T) {
	h := Admin()
	for _, path := range []string{"/admin/", "/admin/content/abc", "/admin/members"} {
		res := get(t, h, path)
		if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-cache" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Fatalf("%s: %d %v", path, res.StatusCode, res.Header)
		}
		if b := body(t, res); !strings.Contains(b, `<div id="app">`) || !strings.Contains(b, `/admin/assets/`) {
			t.Fatalf("%s: not the console's page: %.200s", path, b)
		}
	}
	js := firstAsset(t, "admin", ".js")
	res := get(t, h, "/admin/"+js, "Accept-Encoding", "gzip, br")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("%s: %d %v", js, res.StatusCode, res.Header)
	}
	plain := body(t, get(t, h, "/admin/"+js))
	if zipped := body(t, res); zipped != plain || len(plain) < 1000 {
		t.Fatalf("gzipped and plain %s differ (%d, %d bytes)", js, len(zipped), len(plain))
	}
	// A missing asset is a 404, not the page (a stale tab must not run HTML as a script).
	if res := get(t, h, "/admin/assets/gone-1234.js"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("missing asset: %d", res.StatusCode)
	}
	// Paths cannot climb out of the built folder.
	if b := body(t, get(t, h, "/admin/../site/index.html")); !strings.Contains(b, "/admin/assets/") {
		t.Fatalf("climbed out: %.200s", b)
	}
}

func TestSiteTellsThePageWhereTheAPIIs(t *testing.T) {
	h := Site(`http://127.0.0.1:8080/graphql?a="><script>`)
	b := body(t, get(t, h, "/"))
	if !strings.Contains(b, `<meta name="zhdj-api" content="http://127.0.0.1:8080/graphql?a=&#34;&gt;&lt;script&gt;">`) {
		t.Fatalf("the API address is not in the page, escaped: %.400s", b)
	}
	if res := get(t, h, "/"+firstAsset(t, "site", ".js")); res.StatusCode != http.StatusOK {
		t.Fatalf("site asset: %d", res.StatusCode)
	}
}
