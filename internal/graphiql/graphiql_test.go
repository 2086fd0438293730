package graphiql

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestAssetsMatchTheirSums: every embedded file is the one fetch-assets.sh
// fetched (its contents hash to SHA256SUMS), and nothing else is there.
func TestAssetsMatchTheirSums(t *testing.T) {
	sums, err := fs.ReadFile(Files(), "SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{"SHA256SUMS": true}
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", sc.Text())
		}
		file := name
		if !strings.HasPrefix(name, "LICENSE") {
			file += ".gz"
		}
		listed[file] = true
		raw, err := fs.ReadFile(Files(), file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if file != name {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if raw, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
		}
		h := sha256.Sum256(raw)
		if got := hex.EncodeToString(h[:]); got != sum {
			t.Errorf("%s: sha256 %s, SHA256SUMS says %s (edited by hand? run make graphiql-assets)", name, got, sum)
		}
	}
	entries, _ := fs.ReadDir(Files(), ".")
	for _, e := range entries {
		if !listed[e.Name()] {
			t.Errorf("%s is embedded but not in SHA256SUMS", e.Name())
		}
	}
}

// TestPageLoadsOnlyItsOwnFiles: the page refers to nothing off its own
// origin, and every file it refers to is served, compressed or not.
func TestPageLoadsOnlyItsOwnFiles(t *testing.T) {
	srv := httptest.NewServer(Handler("zhdj GraphQL", "/graphql"))
	defer srv.Close()
	get := func(path, enc string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", enc) // set by hand: the client does not decompress
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	res := get("/", "")
	html, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("page: %d %v", res.StatusCode, res.Header)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(string(html), -1)
	if len(refs) != 6 {
		t.Fatalf("page refers to %d files: %s", len(refs), html)
	}
	for _, m := range refs {
		ref := m[1]
		if !strings.HasPrefix(ref, Prefix) {
			t.Fatalf("the page loads %q from elsewhere", ref)
		}
		plain := get(ref, "")
		body, _ := io.ReadAll(plain.Body)
		if plain.StatusCode != 200 || plain.Header.Get("Content-Encoding") != "" || len(body) == 0 {
			t.Fatalf("%s: %d %v (%d bytes)", ref, plain.StatusCode, plain.Header, len(body))
		}
		if strings.HasSuffix(ref, "init.js") {
			if !strings.Contains(string(body), `"/graphql"`) || !strings.Contains(string(body), "graphqlWs.createClient") {
				t.Fatalf("init.js does not talk to the endpoint (over HTTP and WebSocket): %s", body)
			}
			continue
		}
		zipped := get(ref, "br, gzip;q=0.8")
		if zipped.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(zipped.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("%s: %v", ref, zipped.Header)
		}
		zr, err := gzip.NewReader(zipped.Body)
		if err != nil {
			t.Fatal(err)
		}
		unzipped, _ := io.ReadAll(zr)
		if !bytes.Equal(unzipped, body) {
			t.Fatalf("%s: the compressed and plain answers differ", ref)
		}
	}
	for _, bad := range []string{Prefix + "nope.js", Prefix + "../graphiql.go", Prefix + "LICENSE.react", Prefix + "SHA256SUMS"} {
		if res := get(bad, "gzip"); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, res.StatusCode)
		}
	}
	if res := get(Prefix+"react.production.min.js", "gzip;q=0"); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got gzip")
	}
}
