package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/account"
	"zhdj/internal/app"
	"zhdj/internal/auth"
	"zhdj/internal/config"
	"zhdj/internal/graphiql"
	"zhdj/internal/pgtest"
	"zhdj/internal/seed"
	"zhdj/internal/site"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type testBundle struct {
	app    *app.App
	server *httptest.Server
	demo   *seed.Report
	db     *pgtest.DB
	cfg    config.Config
}

// setup wires the real application (config → app.New → handler) to a fresh
// database with the demo school, and serves it over real HTTP.
func setup(t *testing.T, env map[string]string) *testBundle {
	t.Helper()
	return setupWith(t, env, nil)
}

func setupWith(t *testing.T, env map[string]string, tracer pgx.QueryTracer) *testBundle {
	t.Helper()
	return setupOn(t, pgtest.NewDB(t), env, tracer)
}

// setupOn is setupWith on a database the test made.
func setupOn(t *testing.T, db *pgtest.DB, env map[string]string, tracer pgx.QueryTracer) *testBundle {
	t.Helper()
	vars := map[string]string{
		"ZHDJ_DATABASE_URL": db.URL, "ZHDJ_AUTO_MIGRATE": "false", "ZHDJ_ORIGIN_REFRESH": "1h",
		// Cheap password hashing keeps the suite fast; production uses the defaults.
		"ZHDJ_ARGON2_MEMORY_KIB": "1024", "ZHDJ_ARGON2_ITERATIONS": "1", "ZHDJ_ARGON2_PARALLELISM": "1",
		// Tests send many requests from one address; TestRateLimits turns them on.
		"ZHDJ_RATE_LIMITS": "off",
		// Tests read what they just wrote; TestCockpitCache turns the cache on.
		"ZHDJ_COCKPIT_MAX_AGE": "off",
		// Anonymous reads right after a write would race the change's
		// announcement; the response cache's tests turn it on.
		"ZHDJ_RESPONSE_CACHE_BYTES": "off",
		// One key for the servers of a deployment (see replica).
		"ZHDJ_JWT_KEYS": account.RandomSigningKey("test"),
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var opts []app.Option
	if tracer != nil {
		opts = append(opts, app.WithQueryTracer(tracer))
	}
	a, err := app.New(context.Background(), cfg, log, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	rep, err := seed.Demo(context.Background(), seed.Services{Tenants: a.Tenants, Org: a.Org, Sites: a.Sites, Accounts: a.Accounts, Members: a.Members}, demoPassword)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return &testBundle{app: a, server: srv, demo: rep, db: db, cfg: cfg}
}

// replica starts a second server on b's database, as a second process of
// a deployment: its own pool, its own job client and its own HTTP server.
func (b *testBundle) replica(t *testing.T) *testBundle {
	t.Helper()
	a, err := app.New(context.Background(), b.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return &testBundle{app: a, server: srv, demo: b.demo, db: b.db, cfg: b.cfg}
}

const demoPassword = "zhdj-demo-2026"

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	status int
	header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

func (r *gqlResponse) code(i int) string {
	if i >= len(r.Errors) {
		return ""
	}
	c, _ := r.Errors[i].Extensions["code"].(string)
	return c
}

// post sends a GraphQL document as JSON.
func (b *testBundle) post(t *testing.T, query string, vars map[string]any, header ...string) *gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b.raw(t, http.MethodPost, "/graphql", "application/json", body, header...)
}

func (b *testBundle) raw(t *testing.T, method, path, ctype string, body []byte, header ...string) *gqlResponse {
	t.Helper()
	req, err := http.NewRequest(method, b.server.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &gqlResponse{status: res.StatusCode, header: res.Header}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || strings.HasPrefix(res.Header.Get("Content-Type"), "application/graphql-response+json") {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("response is not JSON: %v\n%s", err, raw)
		}
	}
	return out
}

func decode[T any](t *testing.T, r *gqlResponse) T {
	t.Helper()
	var v T
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, &v); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
	return v
}

const siteQuery = `query Front($slug: String!) {
  site(slug: $slug) {
    id slug name origins
    theme { colors { primary background } fonts { heading } radius logoMediaId }
    navigation { label kind url pageSlug filter { types } children { label kind pageSlug } }
    homeBlocks { __typename ... on LinkListBlock { links { url } } ... on FeaturedBlock { limit } }
    orgUnit { id kind name depth parent { name } ancestors { name } children { code children { code } } sites { slug } }
    school { id code name }
  }
}`

type siteData struct {
	Site *struct {
		ID, Slug, Name string
		Origins        []string
		Theme          struct {
			Colors      struct{ Primary, Background string }
			Fonts       struct{ Heading string }
			Radius      *int
			LogoMediaID *string
		}
		Navigation []struct {
			Label, Kind   string
			URL, PageSlug *string
			Children      []struct{ Label, Kind string }
		}
		HomeBlocks []struct {
			Typename string `json:"__typename"`
		}
		OrgUnit struct {
			ID, Kind, Name string
			Depth          int
			Parent         struct{ Name string }
			Ancestors      []struct{ Name string }
			Children       []struct {
				Code     string
				Children []struct{ Code string }
			}
			Sites []struct{ Slug string }
		}
		School struct{ ID, Code, Name string }
	}
}

func TestSiteQueries(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)

	t.Run("BySlug", func(t *testing.T) {
		d := decode[siteData](t, b.post(t, siteQuery, map[string]any{"slug": "znzz"}))
		s := d.Site
		if s == nil || s.Name != "智能制造学院红色引擎" {
			t.Fatalf("site: %+v", s)
		}
		if s.Theme.Colors.Primary != "#c62828" || s.Theme.Colors.Background != "#ffffff" || s.Theme.Radius == nil || *s.Theme.Radius != 12 || s.Theme.LogoMediaID != nil {
			t.Fatalf("theme: %+v", s.Theme)
		}
		if len(s.Navigation) != 5 || s.Navigation[0].Kind != "CONTENT_LIST" || s.Navigation[0].URL != nil || s.Navigation[4].URL == nil {
			t.Fatalf("navigation: %+v", s.Navigation)
		}
		if len(s.Navigation[3].Children) != 2 || s.Navigation[3].Children[1].Kind != "PAGE" {
			t.Fatalf("nested navigation: %+v", s.Navigation[3])
		}
		wantBlocks := []string{"HeroBlock", "FeaturedBlock", "ContentListBlock", "LinkListBlock"}
		for i, w := range wantBlocks {
			if s.HomeBlocks[i].Typename != w {
				t.Fatalf("block %d is %s, want %s", i, s.HomeBlocks[i].Typename, w)
			}
		}
		u := s.OrgUnit
		if u.Kind != "GENERAL_BRANCH" || u.Depth != 1 || u.Parent.Name != "示范职业技术学院党委" || len(u.Ancestors) != 1 {
			t.Fatalf("org unit: %+v", u)
		}
		if len(u.Children) != 2 || u.Children[1].Code != "ZNZZ-XS" || len(u.Children[1].Children) != 1 {
			t.Fatalf("children: %+v", u.Children)
		}
		if len(u.Sites) != 1 || u.Sites[0].Slug != "znzz" || s.School.Code != "demo" {
			t.Fatalf("sites/school: %+v %+v", u.Sites, s.School)
		}
	})

	t.Run("ByOrigin", func(t *testing.T) {
		d := decode[struct{ SiteByOrigin struct{ Slug string } }](t,
			b.post(t, `{ siteByOrigin(origin: "HTTP://LOCALHOST:3001") { slug } }`, nil))
		if d.SiteByOrigin.Slug != "xxgc" {
			t.Fatalf("got %+v", d)
		}
	})

	t.Run("UnknownSlugIsNotFound", func(t *testing.T) {
		r := b.post(t, `{ site(slug: "no-such-site") { id } }`, nil)
		if r.code(0) != "NOT_FOUND" || string(r.Data) != `{"site":null}` {
			t.Fatalf("got %+v data %s", r.Errors, r.Data)
		}
	})

	t.Run("UnknownOriginIsNotFound", func(t *testing.T) {
		r := b.post(t, `{ siteByOrigin(origin: "https://evil.example.com") { id } }`, nil)
		if r.code(0) != "NOT_FOUND" {
			t.Fatalf("got %+v", r.Errors)
		}
	})

	t.Run("MalformedOriginNamesTheField", func(t *testing.T) {
		r := b.post(t, `{ siteByOrigin(origin: "javascript:alert(1)") { id } }`, nil)
		fields, _ := r.Errors[0].Extensions["fields"].(map[string]any)
		if r.code(0) != "BAD_USER_INPUT" || fields["origin"] == nil {
			t.Fatalf("got %+v", r.Errors)
		}
	})

	t.Run("NodeRoundTrip", func(t *testing.T) {
		d := decode[siteData](t, b.post(t, siteQuery, map[string]any{"slug": "xxgc"}))
		ids := map[string]string{d.Site.ID: "Site", d.Site.OrgUnit.ID: "OrgUnit", d.Site.School.ID: "School"}
		for id, typ := range ids {
			n := decode[struct {
				Node struct {
					Typename string `json:"__typename"`
				}
			}](t, b.post(t, `query($id: ID!) { node(id: $id) { __typename } }`, map[string]any{"id": id}))
			if n.Node.Typename != typ {
				t.Fatalf("node(%s) is %q, want %s", id, n.Node.Typename, typ)
			}
		}
		r := b.post(t, `{ node(id: "not-an-id") { id } }`, nil)
		if r.code(0) != "BAD_USER_INPUT" {
			t.Fatalf("garbage id: %+v", r.Errors)
		}
	})
}

func TestOrgUnitsConnection(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	d := decode[siteData](t, b.post(t, siteQuery, map[string]any{"slug": "xxgc"}))
	root := d.Site.OrgUnit.ID // 信息工程学院党总支: 3 branches and 2 groups below

	q := `query($under: ID!, $after: String) {
	  orgUnits(under: $under, first: 2, after: $after) {
	    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { code kind } }
	  }
	}`
	type page struct {
		OrgUnits struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   *string
			}
			Edges []struct {
				Node struct{ Code, Kind string }
			}
		}
	}
	var codes []string
	var after any
	for i := 0; ; i++ {
		if i > 5 {
			t.Fatal("paging does not end")
		}
		p := decode[page](t, b.post(t, q, map[string]any{"under": root, "after": after}))
		if p.OrgUnits.TotalCount != 5 {
			t.Fatalf("total %d", p.OrgUnits.TotalCount)
		}
		for _, e := range p.OrgUnits.Edges {
			codes = append(codes, e.Node.Code)
		}
		if !p.OrgUnits.PageInfo.HasNextPage {
			break
		}
		after = *p.OrgUnits.PageInfo.EndCursor
	}
	want := "XXGC-JG XXGC-XS1 XXGC-XS2 XXGC-XS1-G1 XXGC-XS1-G2"
	if got := strings.Join(codes, " "); got != want {
		t.Fatalf("order %q, want %q", got, want)
	}

	for _, tc := range []struct{ name, query string }{
		{"PageTooLarge", `query($under: ID!) { orgUnits(under: $under, first: 1000) { totalCount } }`},
		{"BadCursor", `query($under: ID!) { orgUnits(under: $under, after: "bogus") { totalCount } }`},
	} {
		r := b.post(t, tc.query, map[string]any{"under": root})
		if r.code(0) != "BAD_USER_INPUT" {
			t.Fatalf("%s: %+v", tc.name, r.Errors)
		}
	}
}

// nested returns a query that nests parent{…} n levels deep.
func nested(n int) string {
	return `{ site(slug: "xxgc") { orgUnit { ` + strings.Repeat("parent { ", n) + "name" + strings.Repeat(" }", n) + " } } }"
}

func TestRequestLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)

	t.Run("BodyTooLarge", func(t *testing.T) {
		big := `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 5<<20) + `"}}`
		r := b.raw(t, http.MethodPost, "/graphql", "application/json", []byte(big))
		if r.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", r.status)
		}
	})

	t.Run("MalformedGraphQL", func(t *testing.T) {
		r := b.post(t, `{ site(slug: "xxgc" { id }`, nil)
		if r.code(0) != "BAD_USER_INPUT" || r.Errors[0].Extensions["reason"] != "GRAPHQL_PARSE_FAILED" {
			t.Fatalf("got %d %+v", r.status, r.Errors)
		}
	})

	t.Run("MalformedJSON", func(t *testing.T) {
		r := b.raw(t, http.MethodPost, "/graphql", "application/json", []byte(`{"query": `))
		if r.status < 400 || r.status >= 500 || len(r.Errors) == 0 {
			t.Fatalf("got %d %+v", r.status, r.Errors)
		}
	})

	t.Run("BatchedOperationsRefused", func(t *testing.T) {
		r := b.raw(t, http.MethodPost, "/graphql", "application/json", []byte(`[{"query":"{ __typename }"},{"query":"{ __typename }"}]`))
		if r.status < 400 || r.status >= 500 {
			t.Fatalf("batched request answered %d", r.status)
		}
	})

	t.Run("ShallowNestingAllowed", func(t *testing.T) {
		r := b.post(t, nested(5), nil)
		if len(r.Errors) != 0 {
			t.Fatalf("5 levels refused: %+v", r.Errors)
		}
	})

	t.Run("Depth50Refused", func(t *testing.T) {
		r := b.post(t, nested(50), nil)
		if r.code(0) != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "deep") || string(r.Data) != "" && string(r.Data) != "null" {
			t.Fatalf("got %d %+v data %s", r.status, r.Errors, r.Data)
		}
	})

	t.Run("DepthThroughFragmentsRefused", func(t *testing.T) {
		frags := ""
		for i := 0; i < 20; i++ {
			frags += " fragment F" + strconv.Itoa(i) + " on OrgUnit { parent { ...F" + strconv.Itoa(i+1) + " } }"
		}
		frags += " fragment F20 on OrgUnit { name }"
		r := b.post(t, `{ site(slug: "xxgc") { orgUnit { ...F0 } } }`+frags, nil)
		if r.code(0) != "BAD_USER_INPUT" {
			t.Fatalf("got %+v", r.Errors)
		}
	})

	t.Run("FiveHundredAliasesRefused", func(t *testing.T) {
		var sb strings.Builder
		sb.WriteString("{")
		for i := 0; i < 500; i++ {
			sb.WriteString(" a" + strconv.Itoa(i) + `: site(slug: "xxgc") { id }`)
		}
		sb.WriteString(" }")
		r := b.post(t, sb.String(), nil)
		if r.code(0) != "BAD_USER_INPUT" || string(r.Data) != "" && string(r.Data) != "null" {
			t.Fatalf("got %d %+v", r.status, r.Errors)
		}
	})

	t.Run("ComplexityRefused", func(t *testing.T) {
		q := `query($u: ID!) { orgUnits(under: $u, first: 100) { edges { node { children { children { children { sites { name } } } } } } } }`
		r := b.post(t, q, map[string]any{"u": "x"})
		if r.code(0) != "BAD_USER_INPUT" || r.Errors[0].Extensions["reason"] != "COMPLEXITY_LIMIT_EXCEEDED" {
			t.Fatalf("got %+v", r.Errors)
		}
	})

	// Every connection counts by its page size: under a limit of 500,
	// each is refused with first: 100 and passes with first: 5 (it may
	// still need a signed-in caller); three paged lists of 100 deep are
	// refused under the default limit.
	t.Run("PageSizesMultiply", func(t *testing.T) {
		env := identityEnv()
		env["ZHDJ_MAX_COMPLEXITY"] = "500"
		low := setup(t, env)
		threeDeep := `{ activities(site: "xxgc", first: 100) { edges { node { partners { activities(first: 100) { partners { activities(first: 100) { id } } } } } } } }`
		if r := b.post(t, threeDeep, nil); len(r.Errors) == 0 || r.Errors[0].Extensions["reason"] != "COMPLEXITY_LIMIT_EXCEEDED" {
			t.Errorf("three deep: %+v", r.Errors)
		}
		// The page size given in a variable counts the same.
		byVar := `query($n: Int) { contents(site: "xxgc", first: $n) { edges { node { id title sites { id } } } } }`
		if r := low.post(t, byVar, map[string]any{"n": 100}); len(r.Errors) == 0 || r.Errors[0].Extensions["reason"] != "COMPLEXITY_LIMIT_EXCEEDED" {
			t.Errorf("first in a variable: %+v", r.Errors)
		}
		for name, q := range map[string]string{
			"contents":   `{ contents(site: "xxgc", first: %d) { edges { node { id title sites { id } } } } }`,
			"activities": `{ activities(site: "xxgc", first: %d) { edges { node { id title partners { name } } } } }`,
			"search":     `{ search(site: "xxgc", query: "党", first: %d) { edges { node { ... on Article { id title sites { id slug name } } } } } }`,
			"members":    `{ members(first: %d) { edges { node { id history { kind } } } } }`,
			"auditLog":   `{ auditLog(first: %d) { edges { node { at action actor { username } } } } }`,
			"media":      `{ media(first: %d) { edges { node { id derivatives { url } } } } }`,
			"orgUnits":   `{ orgUnits(under: "x", first: %d) { edges { node { name children { name } } } } }`,
		} {
			refused := func(r *gqlResponse) bool {
				return len(r.Errors) > 0 && r.Errors[0].Extensions["reason"] == "COMPLEXITY_LIMIT_EXCEEDED"
			}
			page := 100
			if name == "search" {
				page = 50 // its largest page
			}
			big := low.post(t, fmt.Sprintf(q, page), nil)
			if !refused(big) {
				t.Errorf("%s with first: %d was not refused: %+v", name, page, big.Errors)
			}
			if small := low.post(t, fmt.Sprintf(q, 5), nil); refused(small) {
				t.Errorf("%s with first: 5 was refused", name)
			}
		}
	})

	t.Run("MutationOverGETRefused", func(t *testing.T) {
		r := b.raw(t, http.MethodGet, "/graphql?query="+url.QueryEscape(`mutation { __typename }`), "", nil)
		if len(r.Errors) == 0 || r.status == http.StatusOK {
			t.Fatalf("mutation over GET: %d %s", r.status, r.Data)
		}
	})

	t.Run("QueryOverGET", func(t *testing.T) {
		r := b.raw(t, http.MethodGet, "/graphql?query="+url.QueryEscape(`{ site(slug: "xxgc") { slug } }`), "", nil)
		if r.status != http.StatusOK || !strings.Contains(string(r.Data), "xxgc") {
			t.Fatalf("query over GET: %d %s %+v", r.status, r.Data, r.Errors)
		}
	})

	t.Run("FormPostRefused", func(t *testing.T) {
		r := b.raw(t, http.MethodPost, "/graphql", "text/plain", []byte(`{"query":"{ __typename }"}`))
		if r.status != http.StatusUnsupportedMediaType {
			t.Fatalf("text/plain POST answered %d", r.status)
		}
	})

	t.Run("IntrospectionOnLocally", func(t *testing.T) {
		r := b.post(t, `{ __schema { queryType { name } } }`, nil)
		if len(r.Errors) != 0 {
			t.Fatalf("introspection refused locally: %+v", r.Errors)
		}
	})
}

// TestTextIsUTF8WithoutNUL: a string holding U+0000 or bytes that are not
// UTF-8, as a literal (in a GET URL too) or in a variable (inside an input
// object or a list too), is refused as bad input before anything runs;
// other control characters are ordinary text.
func TestTextIsUTF8WithoutNUL(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	admin, _ := b.login(t, "admin", demoPassword)
	article := func(title string) map[string]any {
		return map[string]any{"type": "ARTICLE", "fields": map[string]any{"slug": "nul", "title": title, "article": map[string]any{"html": "<p>x</p>"}}}
	}
	for name, c := range map[string]struct {
		query      string
		vars       map[string]any
		wantReason string // gqlgen's reason for a literal; none for a variable
		wantField  string
	}{
		"literal": {query: `mutation { createContent(input: {type: ARTICLE, fields: {slug: "nul", title: "标题\u0000", article: {html: "<p>x</p>"}}}) { content { id } } }`,
			wantReason: "GRAPHQL_VALIDATION_FAILED"},
		"literal in a list": {query: `{ search(site: "xxgc", query: "党史", filter: {tags: ["a", "b\u0000"]}) { totalCount } }`,
			wantReason: "GRAPHQL_VALIDATION_FAILED"},
		"variable input object": {query: createArticle, vars: map[string]any{"in": article("标题\x00")}, wantField: "$in"},
		"variable list": {query: `query($t: [String!]) { search(site: "xxgc", query: "党史", filter: {tags: $t}) { totalCount } }`,
			vars: map[string]any{"t": []string{"a", "\x00"}}, wantField: "$t"},
		"sign-in": {query: `mutation($id: String!) { login(input: {school: "demo", identifier: $id, password: "x"}) { accessToken } }`,
			vars: map[string]any{"id": "adm\x00in"}, wantField: "$id"},
	} {
		r := b.post(t, c.query, c.vars, bearer(admin)...)
		if r.code(0) != "BAD_USER_INPUT" || len(r.Errors) != 1 || r.Errors[0].Extensions["reason"] != nilIfEmpty(c.wantReason) {
			t.Errorf("%s: %+v", name, r.Errors)
			continue
		}
		if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); c.wantField != "" && fields[c.wantField] == nil {
			t.Errorf("%s: the error names no %s: %+v", name, c.wantField, r.Errors[0])
		}
	}
	// JSON cannot carry bytes that are not UTF-8; a URL can.
	r := b.raw(t, http.MethodGet, "/graphql?query="+url.QueryEscape("{ site(slug: \"x\xffc\") { id } }"), "", nil)
	if r.code(0) != "BAD_USER_INPUT" || r.Errors[0].Extensions["reason"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("bytes that are not UTF-8 in a GET query: %+v", r.Errors)
	}
	var n int
	if err := b.count(t, b.demo.School.ID, `SELECT count(*) FROM contents WHERE slug = 'nul'`, &n); err != nil || n != 0 {
		t.Fatalf("%d items stored from refused requests %v", n, err)
	}
	// Tabs and new lines are text.
	if r := b.post(t, createArticle, map[string]any{"in": article("第一行\n\t第二行")}, bearer(admin)...); len(r.Errors) != 0 {
		t.Fatalf("a title with a new line and a tab: %+v", r.Errors)
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestProductionSwitches(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_ENV": "production",
		"ZHDJ_JWT_KEYS":      "k1:" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("j", 32))),
		"ZHDJ_PII_KEYS":      "1:" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("p", 32))),
		"ZHDJ_PII_INDEX_KEY": base64.StdEncoding.EncodeToString([]byte(strings.Repeat("i", 32))),
	})

	r := b.post(t, `{ __schema { queryType { name } } }`, nil)
	if len(r.Errors) == 0 {
		t.Fatal("introspection allowed in production")
	}
	r = b.post(t, `{ sitee(slug: "x") { id } }`, nil)
	if len(r.Errors) == 0 || strings.Contains(strings.ToLower(r.Errors[0].Message), "did you mean") {
		t.Fatalf("suggestions shown in production: %+v", r.Errors)
	}
	if res, err := http.Get(b.server.URL + "/"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Fatalf("GraphiQL served in production: %v %v", res.StatusCode, err)
	}

	if res, err := http.Get(b.server.URL + graphiql.Prefix + "graphiql.min.js"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Fatalf("GraphiQL's files served in production: %v %v", res.StatusCode, err)
	}

	local := setup(t, nil)
	// Locally GraphiQL comes from the server itself, files and all.
	page, err := http.Get(local.server.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || !strings.Contains(string(html), graphiql.Prefix+"graphiql.min.js") || strings.Contains(string(html), "://") {
		t.Fatalf("GraphiQL page: %d\n%s", page.StatusCode, html)
	}
	if res, err := http.Get(local.server.URL + graphiql.Prefix + "graphiql.min.js"); err != nil || res.StatusCode != 200 {
		t.Fatalf("GraphiQL's script: %v %v", res.StatusCode, err)
	}
	r = local.post(t, `{ sitee(slug: "x") { id } }`, nil)
	if len(r.Errors) == 0 || !strings.Contains(strings.ToLower(r.Errors[0].Message), "did you mean") {
		t.Fatalf("no suggestion locally: %+v", r.Errors)
	}
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	// Break the database underneath the running server (as the schema owner).
	owner, err := pgx.Connect(context.Background(), b.db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(context.Background())
	if _, err := owner.Exec(context.Background(), `ALTER TABLE sites RENAME TO sites_gone`); err != nil {
		t.Fatal(err)
	}
	r := b.post(t, `{ site(slug: "xxgc") { id } }`, nil, "X-Request-Id", "test-request-0001", "Accept-Language", "en-GB")
	if r.code(0) != "INTERNAL" || r.Errors[0].Message != "internal error" {
		t.Fatalf("got %+v", r.Errors)
	}
	if r.Errors[0].Extensions["requestId"] != "test-request-0001" || r.header.Get("X-Request-Id") != "test-request-0001" {
		t.Fatalf("request id not returned: %+v %v", r.Errors[0].Extensions, r.header)
	}
	all, _ := json.Marshal(r.Errors)
	for _, leak := range []string{"sites", "SQLSTATE", "relation", "pgx", "goroutine", ".go:"} {
		if strings.Contains(string(all), leak) {
			t.Fatalf("error leaks %q: %s", leak, all)
		}
	}
	res, err := http.Get(b.server.URL + "/readyz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", res.StatusCode, err)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_CORS_ORIGINS": "https://admin.example.edu.cn", "ZHDJ_ORIGIN_REFRESH": "20ms"})

	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, b.server.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, tc := range []struct {
		origin  string
		allowed bool
	}{
		{"http://localhost:3001", true},          // the xxgc site
		{"http://127.0.0.1:3002", true},          // the znzz site
		{"https://admin.example.edu.cn", true},   // configured
		{"https://evil.example.com", false},      // nobody lists it
		{"http://localhost:3001.evil.cn", false}, // look-alike
	} {
		res := preflight(tc.origin)
		got := res.Header.Get("Access-Control-Allow-Origin")
		if tc.allowed && (got != tc.origin || res.Header.Get("Access-Control-Allow-Credentials") != "true") {
			t.Errorf("%s: preflight allow-origin %q credentials %q", tc.origin, got, res.Header.Get("Access-Control-Allow-Credentials"))
		}
		if !tc.allowed && (got != "" || res.Header.Get("Access-Control-Allow-Credentials") != "") {
			t.Errorf("%s: refused origin got CORS headers %v", tc.origin, res.Header)
		}
		r := b.post(t, `{ __typename }`, nil, "Origin", tc.origin)
		if got := r.header.Get("Access-Control-Allow-Origin"); (got == tc.origin) != tc.allowed {
			t.Errorf("%s: POST allow-origin %q", tc.origin, got)
		}
	}

	// A new site's origin is allowed without a restart.
	ctx := context.Background()
	root, err := b.app.Org.UnitByCode(ctx, b.demo.School.ID, "JG")
	if err != nil {
		t.Fatal(err)
	}
	ctx = auth.WithPrincipal(ctx, auth.SystemPrincipal(b.demo.School.ID))
	if _, err := b.app.Sites.Create(ctx, site.CreateInput{OrgUnitID: root.ID, Slug: "jg", Name: "机关党建", Origins: []string{"https://jg.example.edu.cn"}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for preflight("https://jg.example.edu.cn").Header.Get("Access-Control-Allow-Origin") == "" {
		if time.Now().After(deadline) {
			t.Fatal("new site's origin never became allowed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(b.server.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", path, res.StatusCode, body)
		}
	}
	// A closed pool makes the service not ready.
	b.app.Pool.Close()
	res, err := http.Get(b.server.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database gone: %d", res.StatusCode)
	}
}

// asOwner runs fn in a transaction of the schema owner scoped to tenant:
// for seeding and checking rows behind the API's back.
func (b *testBundle) asOwner(t *testing.T, tenant uuid.UUID, fn func(ctx context.Context, tx pgx.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, b.db.OwnerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, tenant.String()); err != nil {
			return err
		}
		return fn(ctx, tx)
	})
}

// ownerExec runs statements as the schema owner in the demo school.
func ownerExec(t *testing.T, b *testBundle, stmts ...string) {
	t.Helper()
	err := b.asOwner(t, b.demo.School.ID, func(ctx context.Context, tx pgx.Tx) error {
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
