// Package console serves the web front ends built from web/ (Vue 3 and
// Element Plus, by Vite) and embedded in the binary: the admin console at
// /admin/ and the demo college front end. Both talk only to the public
// GraphQL API, so what the console can do any client can. The built files
// in dist are generated (make web) and never edited by hand; CI rebuilds
// them from the lock file and fails when they differ.
package console

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed all:dist
var dist embed.FS

// Prefix is where the console is served.
const Prefix = "/admin/"

// csp keeps scripts to the page's own files; images, video and uploads
// go to the object store's origin, which the page learns from the API.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src * data: blob:; media-src *; connect-src *; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// Admin serves the console under Prefix: its files, and index.html for
// every other path (the app's own routes, so a reload keeps the page).
func Admin() http.Handler {
	sub, _ := fs.Sub(dist, "dist/admin")
	return newApp(sub, Prefix, nil)
}

// Site serves the demo college front end at the root of a demo origin.
// api is the GraphQL endpoint the page calls (another origin, as a
// college's own front end would: the site's origins allow it).
func Site(api string) http.Handler {
	sub, _ := fs.Sub(dist, "dist/site")
	meta := []byte(`<meta name="zhdj-api" content="` + html.EscapeString(api) + `">`)
	return newApp(sub, "/", func(index []byte) []byte {
		return bytes.Replace(index, []byte("<head>"), append([]byte("<head>\n    "), meta...), 1)
	})
}

// Operations are the GraphQL operations an app sends (name → document,
// as the client sends it), from the manifest the build writes next to it
// (web/scripts/operations.mjs): app is "admin" (the console) or "site"
// (the demo front end). A binary built before `make web` has none.
func Operations(app string) (map[string]string, error) {
	b, err := fs.ReadFile(dist, "dist/"+app+"/operations.json")
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	var m struct {
		Operations []struct{ ID, Name, Body string }
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("console: the %s operations manifest: %w", app, err)
	}
	out := make(map[string]string, len(m.Operations))
	for _, o := range m.Operations {
		out[o.Name] = o.Body
	}
	return out, nil
}

type app struct {
	files  fs.FS
	prefix string
	index  []byte
	gz     sync.Map // name → gzipped bytes
}

func newApp(files fs.FS, prefix string, rewrite func([]byte) []byte) *app {
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		// A binary built before `make web`: say so instead of a blank page.
		index = []byte("<!doctype html><meta charset=utf-8><p>The web front end is not built into this binary: run make web.</p>")
	}
	if rewrite != nil {
		index = rewrite(index)
	}
	return &app{files: files, prefix: prefix, index: index}
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, a.prefix)), "/")
	body, err := fs.ReadFile(a.files, name)
	if name == "" || name == "index.html" || err != nil {
		if strings.HasPrefix(name, "assets/") {
			http.NotFound(w, r)
			return
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", csp)
		a.write(w, r, "index.html", a.index)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	// Built file names carry a hash of their content.
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	a.write(w, r, name, body)
}

// write sends body, gzipped (once, then kept) when the client takes it.
func (a *app) write(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	w.Header().Add("Vary", "Accept-Encoding")
	if len(body) > 1024 && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		z, ok := a.gz.Load(name)
		if !ok {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			z, _ = a.gz.LoadOrStore(name, buf.Bytes())
		}
		body = z.([]byte)
		w.Header().Set("Content-Encoding", "gzip")
	}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}
