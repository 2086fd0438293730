package meili_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	ms "github.com/meilisearch/meilisearch-go"

	"zhdj/internal/apperr"
	"zhdj/internal/search"
	"zhdj/internal/search/meili"
	"zhdj/internal/search/searchtest"
)

func TestQuote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`党史`, `"党史"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{`\"`, `"\\\""`},
		{`x" OR sites = "other`, `"x\" OR sites = \"other"`},
		{`]) OR (published = false`, `"]) OR (published = false"`},
		{`'single'`, `"'single'"`},
	} {
		if got := meili.Quote(c.in); got != c.want {
			t.Errorf("Quote(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestFilterOfQuery(t *testing.T) {
	site, area := uuid.New(), uuid.New()
	from := time.Unix(1700000000, 0)
	q := search.Query{Site: site, Filter: search.Filter{
		Types:  []search.Type{search.TypeArticle},
		Areas:  []uuid.UUID{area},
		Topics: []string{`a" OR published = false OR x = "`},
		Tags:   []string{`[b]`, `c\`},
		From:   &from,
	}}
	got := meili.FilterOf(q)
	want := `sites = "` + site.String() + `" AND published = true AND type IN ["article"] AND areas IN ["` + area.String() +
		`"] AND topics IN ["a\" OR published = false OR x = \""] AND tags IN ["[b]", "c\\"] AND at >= 1700000000`
	if got != want {
		t.Fatalf("filter\n got %s\nwant %s", got, want)
	}
}

func TestSettings(t *testing.T) {
	s := meili.Settings(search.Settings{Synonyms: map[string][]string{"党课": {"党建课程"}}})
	if !slices.Equal(s.SearchableAttributes, []string{"title", "summary", "tags", "topics", "body"}) {
		t.Errorf("searchable attributes %v: title must come first, body last", s.SearchableAttributes)
	}
	for _, a := range []string{"sites", "published", "type", "areas", "topics", "tags", "at"} {
		if !slices.Contains(s.FilterableAttributes, a) {
			t.Errorf("%s is not filterable", a)
		}
	}
	if !slices.Equal(s.SortableAttributes, []string{"at"}) || s.Synonyms["党课"][0] != "党建课程" {
		t.Errorf("sortable %v synonyms %v", s.SortableAttributes, s.Synonyms)
	}
	if len(s.LocalizedAttributes) != 1 || !slices.Equal(s.LocalizedAttributes[0].Locales, []string{"cmn"}) {
		t.Errorf("localized attributes %+v, want Chinese (cmn)", s.LocalizedAttributes)
	}
	if s.TypoTolerance == nil || !s.TypoTolerance.Enabled {
		t.Error("typo tolerance is off")
	}
}

// fakeServer records requests and answers like Meilisearch for the few
// endpoints the adapter's writes use.
type fakeServer struct {
	mu       sync.Mutex
	requests []string
	bodies   map[string]string
	down     bool
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	f.bodies[r.Method+" "+r.URL.Path] = string(body)
	down := f.down
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case down:
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"message":"down","code":"x","type":"system","link":""}`)
	case strings.HasPrefix(r.URL.Path, "/tasks/"):
		fmt.Fprintf(w, `{"uid":%s,"status":"succeeded","type":"documentAdditionOrUpdate"}`, strings.TrimPrefix(r.URL.Path, "/tasks/"))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/indexes/"):
		fmt.Fprint(w, `{"uid":"x","primaryKey":"id"}`)
	default:
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, `{"taskUid":7,"status":"enqueued","type":"x"}`)
	}
}

func TestWritesWhatItShould(t *testing.T) {
	fake := &fakeServer{bodies: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ix := meili.New(meili.Config{URL: srv.URL, APIKey: "k", TaskTimeout: 2 * time.Second})
	tenant := uuid.MustParse("11111111-2222-4333-8444-555555555555")
	ctx := context.Background()
	if err := ix.Configure(ctx, tenant, search.DefaultSettings()); err != nil {
		t.Fatal(err)
	}
	docs := searchtest.Corpus(tenant)
	if err := ix.Upsert(ctx, tenant, docs[:1]); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(ctx, tenant, []search.Key{docs[1].Key}); err != nil {
		t.Fatal(err)
	}
	uid := "zhdj_11111111222243338444555555555555"
	fake.mu.Lock()
	defer fake.mu.Unlock()
	settings := fake.bodies["PATCH /indexes/"+uid+"/settings"]
	for _, want := range []string{`"searchableAttributes":["title","summary","tags","topics","body"]`, `"党课":["党建课程"]`, `"locales":["cmn"]`} {
		if !strings.Contains(settings, want) {
			t.Errorf("settings %s lack %s", settings, want)
		}
	}
	var sent []map[string]any
	if err := json.Unmarshal([]byte(fake.bodies["POST /indexes/"+uid+"/documents"]), &sent); err != nil || len(sent) != 1 {
		t.Fatalf("documents sent: %v %v", sent, err)
	}
	d := sent[0]
	if d["id"] != "content-"+docs[0].ID.String() || d["title"] != docs[0].Title || d["published"] != true || d["fingerprint"] != docs[0].Fingerprint() {
		t.Errorf("document sent %v", d)
	}
	if got := fake.bodies["POST /indexes/"+uid+"/documents/delete-batch"]; got != `["content-`+docs[1].ID.String()+`"]` {
		t.Errorf("delete sent %s", got)
	}
}

func TestDownIsUnavailable(t *testing.T) {
	fake := &fakeServer{bodies: map[string]string{}, down: true}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ix := meili.New(meili.Config{URL: srv.URL, TaskTimeout: time.Second}, meiliNoRetry()...)
	tenant := uuid.New()
	err := ix.Upsert(context.Background(), tenant, searchtest.Corpus(tenant)[:1])
	if apperr.KindOf(err) != apperr.Unavailable {
		t.Fatalf("a down server gave %v, want Unavailable", err)
	}
}

func TestTenantToken(t *testing.T) {
	ix := meili.New(meili.Config{URL: "http://127.0.0.1:1", SearchKey: "search-key-secret-0123456789", SearchKeyUID: "6062abda-a5aa-4414-ac91-ecd7944c0f8d"})
	tenant, site := uuid.New(), uuid.New()
	tok, index, exp, err := ix.Token(tenant, site, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if index != ix.UID(tenant) || time.Until(exp) > 10*time.Minute || time.Until(exp) < 9*time.Minute {
		t.Fatalf("index %s expires %v", index, exp)
	}
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		SearchRules map[string]struct {
			Filter string `json:"filter"`
		} `json:"searchRules"`
		APIKeyUID string `json:"apiKeyUid"`
		Exp       int64  `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	rule, ok := claims.SearchRules[ix.UID(tenant)]
	if len(claims.SearchRules) != 1 || !ok || rule.Filter != `sites = "`+site.String()+`" AND published = true` {
		t.Fatalf("search rules %+v: want only this school's index, pinned to the site and published documents", claims.SearchRules)
	}
	if claims.Exp != exp.Unix() || claims.APIKeyUID != "6062abda-a5aa-4414-ac91-ecd7944c0f8d" {
		t.Fatalf("claims %+v", claims)
	}
	_, _, _, err = meili.New(meili.Config{URL: "http://127.0.0.1:1"}).Token(tenant, site, time.Minute)
	if apperr.KindOf(err) != apperr.Unavailable {
		t.Fatalf("no search key gave %v", err)
	}
}

// TestContract runs the engine contract against a real Meilisearch when
// MEILI_URL (and MEILI_MASTER_KEY, if it has one) is set.
func TestContract(t *testing.T) {
	u := os.Getenv("MEILI_URL")
	if u == "" {
		t.Skip("SKIPPED: MEILI_URL is not set, so the Meilisearch integration suite did not run (set MEILI_URL and MEILI_MASTER_KEY to run it)")
	}
	searchtest.Exercise(t, func(t *testing.T) *searchtest.Fixture {
		prefix := "zhdjtest" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
		ix := meili.New(meili.Config{URL: u, APIKey: os.Getenv("MEILI_MASTER_KEY"), Prefix: prefix})
		return &searchtest.Fixture{Index: ix, Tenant: uuid.New(), Other: uuid.New()}
	})
}

func meiliNoRetry() []ms.Option { return []ms.Option{ms.WithCustomRetries(nil, 0)} }
