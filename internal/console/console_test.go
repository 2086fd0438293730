package console

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
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

// TestOperationsManifests: each app's manifest lists every operation its
// ops.ts writes, each under the SHA-256 of its document.
func TestOperationsManifests(t *testing.T) {
	named := regexp.MustCompile(`\b(?:query|mutation|subscription)\s+([A-Za-z_]\w*)`)
	for _, app := range []string{"admin", "site"} {
		ops, err := Operations(app)
		if err != nil {
			t.Fatal(err)
		}
		src, err := os.ReadFile(filepath.Join("..", "..", "web", "src", app, "ops.ts"))
		if err != nil {
			t.Fatal(err)
		}
		want := named.FindAllStringSubmatch(string(src), -1)
		if len(want) == 0 || len(ops) != len(want) {
			t.Errorf("%s: %d operations in the manifest, %d in ops.ts", app, len(ops), len(want))
		}
		for _, m := range want {
			if body := ops[m[1]]; !strings.Contains(body, m[1]) {
				t.Errorf("%s: %s is not in the manifest (make web)", app, m[1])
			}
		}
		raw, err := fs.ReadFile(dist, "dist/"+app+"/operations.json")
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Operations []struct{ ID, Name, Body string }
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for _, o := range m.Operations {
			if sum := sha256.Sum256([]byte(o.Body)); hex.EncodeToString(sum[:]) != o.ID {
				t.Errorf("%s: %s's id is not its document's SHA-256", app, o.Name)
			}
		}
	}
	if _, err := Operations("nothing"); err != nil {
		t.Errorf("an app without a manifest: %v", err)
	}
}
