package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"zhdj/internal/console"
	"zhdj/internal/operation"
)

// apq is a request body or GET parameters naming a document by its hash.
func apq(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

func (b *testBundle) postAPQ(t *testing.T, query, hash string, header ...string) *gqlResponse {
	t.Helper()
	body := map[string]any{"extensions": apq(hash)}
	if query != "" {
		body["query"] = query
	}
	raw, _ := json.Marshal(body)
	return b.raw(t, "POST", "/graphql", "application/json", raw, header...)
}

func (b *testBundle) getAPQ(t *testing.T, hash string, header ...string) *gqlResponse {
	t.Helper()
	ext, _ := json.Marshal(apq(hash))
	return b.raw(t, "GET", "/graphql?extensions="+url.QueryEscape(string(ext)), "", nil, header...)
}

// Automatic persisted queries: a hash the servers do not know asks for the
// document; the document with its hash is kept and then named by the hash
// alone, on every server process, over POST and GET; a hash that is not
// the document's is refused.
func TestPersistedQueries(t *testing.T) {
	t.Parallel()
	a := setup(t, nil)
	b := a.replica(t)
	const doc = `query Front { contents(site: "xxgc", first: 1) { edges { node { title } } } }`
	hash := operation.Hash(doc)
	if r := a.postAPQ(t, "", hash); r.code(0) != "PERSISTED_QUERY_NOT_FOUND" || r.Errors[0].Message != "PersistedQueryNotFound" {
		t.Errorf("an unknown hash: %+v", r.Errors)
	}
	if r := a.postAPQ(t, doc, operation.Hash("something else")); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("a hash that is not the document's: %+v", r.Errors)
	}
	if r := a.postAPQ(t, doc, hash); len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"contents"`) {
		t.Fatalf("the document with its hash: %s %+v", r.Data, r.Errors)
	}
	for _, r := range []*gqlResponse{a.postAPQ(t, "", hash), b.postAPQ(t, "", hash), b.getAPQ(t, hash)} {
		if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"contents"`) {
			t.Errorf("the hash alone: %s %+v", r.Data, r.Errors)
		}
	}
}

// With ZHDJ_OPERATIONS=registered only operations registered for a site
// run: from that site's origins, that site's; from elsewhere, any site's.
func TestRegisteredOperationsOnly(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_OPERATIONS": "registered"})
	ctx := context.Background()
	const front = `query Front { contents(site: "xxgc", first: 1) { edges { node { title } } } }`
	xxgc, err := b.app.Sites.RouteBySlug(ctx, "xxgc")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.app.Operations.Register(ctx, xxgc.TenantID, xxgc.SiteID, map[string]string{"Front": front}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.app.Operations.Register(ctx, xxgc.TenantID, xxgc.SiteID, map[string]string{"Empty": "  "}); err == nil {
		t.Error("an empty document registered")
	}
	if err := b.app.Operations.Load(ctx); err != nil {
		t.Fatal(err)
	}
	hash := operation.Hash(front)
	consoleOps, err := console.Operations("admin")
	if err != nil || consoleOps["Login"] == "" {
		t.Fatalf("the console's operations: %v", err)
	}
	for _, c := range []struct {
		name   string
		r      *gqlResponse
		allowd bool
	}{
		{"the registered document", b.post(t, front, nil), true},
		{"its hash alone", b.postAPQ(t, "", hash), true},
		{"its hash over GET, from the site's origin", b.getAPQ(t, hash, "Origin", "http://localhost:3001"), true},
		{"from another site's origin", b.post(t, front, nil, "Origin", "http://localhost:3002"), false},
		{"a document not registered", b.post(t, `{ site(slug: "xxgc") { name } }`, nil), false},
		{"a mutation not registered", b.post(t, `mutation { logout }`, nil), false},
		// The console built into the binary runs without registration, as
		// it sends its documents; not from a site's origin.
		{"the console's sign-in", b.post(t, consoleOps["Login"], map[string]any{"in": map[string]any{"school": "demo", "identifier": "admin", "password": demoPassword}}), true},
		{"the console's sign-in changed by a byte", b.post(t, consoleOps["Login"]+" ", map[string]any{"in": map[string]any{"school": "demo", "identifier": "admin", "password": demoPassword}}), false},
		{"the console's sign-in from a site's origin", b.post(t, consoleOps["Login"], map[string]any{"in": map[string]any{"school": "demo", "identifier": "admin", "password": demoPassword}},
			"Origin", "http://localhost:3001"), false},
	} {
		if ok := len(c.r.Errors) == 0; ok != c.allowd {
			t.Errorf("%s: %s %+v", c.name, c.r.Data, c.r.Errors)
		}
		if !c.allowd && (c.r.code(0) != "FORBIDDEN" || !strings.Contains(c.r.Errors[0].Message, "登记")) {
			t.Errorf("%s: refused as %+v", c.name, c.r.Errors)
		}
	}
}
