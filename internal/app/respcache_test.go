package app_test

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

var withAnswers = map[string]string{"ZHDJ_RESPONSE_CACHE_BYTES": "16777216"}

// get sends a query over GET.
func (b *testBundle) get(t *testing.T, query string, header ...string) *gqlResponse {
	t.Helper()
	return b.raw(t, http.MethodGet, "/graphql?query="+url.QueryEscape(query), "", nil, header...)
}

// kept waits until query is answered from the cache: once the process
// listens and the announcements of earlier writes have come (they forget
// what was computed before them).
func (b *testBundle) kept(t *testing.T, query string) {
	t.Helper()
	eventually(t, "the answer is kept", func() bool {
		hits := b.app.Answers.Stats().Hits
		b.get(t, query)
		return b.app.Answers.Stats().Hits > hits
	})
}

// quiet waits until no announcement of a change has come for a while (the
// set-up's writes announce theirs a moment after they commit).
func (b *testBundle) quiet(t *testing.T) {
	t.Helper()
	last := b.app.Answers.Stats().Forgotten
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(300 * time.Millisecond)
		now := b.app.Answers.Stats().Forgotten
		if maps.Equal(now, last) {
			return
		}
		last = now
	}
	t.Fatal("announcements did not stop")
}

// The public read path: an anonymous reader's answer of a public query is
// kept, answered again without the database, and 304 when the reader has
// it; a signed-in reader's is private; garbage in If-None-Match and a
// mutation over GET are refused.
func TestPublicAnswers(t *testing.T) {
	t.Parallel()
	tracer := &countingTracer{}
	b := setupWith(t, withAnswers, tracer)
	ownerExec(t, b, publishRaw("cached-1", "XXGC", "缓存测试", "", "<p>正文</p>", nil, nil, "published"))
	const front = `{ contents(site: "xxgc", first: 5) { edges { node { title } } } }`
	first := b.get(t, front)
	etag := first.header.Get("ETag")
	if first.status != 200 || !strings.Contains(string(first.Data), "缓存测试") || etag == "" ||
		!strings.HasPrefix(first.header.Get("Cache-Control"), "public, max-age=") || !strings.Contains(first.header.Get("Cache-Control"), "stale-while-revalidate=") ||
		!strings.Contains(strings.Join(first.header.Values("Vary"), ","), "Authorization") {
		t.Fatalf("first: %d %v %s", first.status, first.header, first.Data)
	}
	b.quiet(t)
	b.kept(t, front)
	before := tracer.n.Load()
	hits := b.app.Answers.Stats().Hits
	again := b.get(t, front)
	if string(again.Data) != string(first.Data) || again.header.Get("ETag") != etag {
		t.Errorf("again: %s %v", again.Data, again.header)
	}
	// The same over POST is the same answer.
	if r := b.post(t, front, nil); r.header.Get("ETag") != etag {
		t.Errorf("over POST: %v", r.header)
	}
	notModified := b.get(t, front, "If-None-Match", etag)
	if notModified.status != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", notModified.status)
	}
	if n := tracer.n.Load() - before; n != 0 {
		t.Errorf("%d statements for answers the cache had: %v", n, tracer.sqls[before:])
	}
	if s := b.app.Answers.Stats(); s.Hits < hits+3 {
		t.Errorf("stats: %+v", s)
	}

	admin, _ := b.login(t, "admin", demoPassword)
	if r := b.get(t, front, bearer(admin)...); r.header.Get("Cache-Control") != "private, no-store" || r.header.Get("ETag") != "" {
		t.Errorf("signed in: %v", r.header)
	}
	if r := b.get(t, front, "If-None-Match", "garbage"); r.status != http.StatusBadRequest || r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("If-None-Match garbage: %d %+v", r.status, r.Errors)
	}
	if r := b.get(t, `mutation { logout }`); r.status == 200 && len(r.Errors) == 0 || r.header.Get("ETag") != "" {
		t.Errorf("a mutation over GET: %d %+v %v", r.status, r.Errors, r.header)
	}
	if r := b.get(t, `{ me { username } }`); r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("a query that is not public: %v", r.header)
	}
}

// A shared cache between readers (one that follows Cache-Control and
// Vary) never hands one reader's answer to another: the same query asked
// by a student who voted and by an anonymous reader.
func TestSharedCacheKeepsViewersApart(t *testing.T) {
	t.Parallel()
	b := setup(t, withAnswers)
	student, _ := b.login(t, "student", demoPassword)
	unit := testGlobalID(2, b.demo.School.ID, b.rowID(t, "org_units", "code", "XXGC-XS1"))
	r := b.post(t, postSuggestionMutation, map[string]any{"in": map[string]any{"orgUnit": unit, "category": "study", "title": "共享缓存", "body": "内容",
		"public": true}}, bearer(student)...)
	id := decode[struct {
		PostSuggestion struct{ Suggestion opinion }
	}](t, r).PostSuggestion.Suggestion.ID
	b.post(t, `mutation($s: ID!) { voteSuggestion(suggestion: $s, vote: true) { suggestion { votes } } }`, map[string]any{"s": id}, bearer(student)...)
	eventually(t, "the suggestion shows on the site", func() bool {
		return strings.Contains(string(b.get(t, `{ suggestions(site: "xxgc") { edges { node { title } } } }`).Data), "共享缓存")
	})

	proxy := httptest.NewServer(newSharedCache(b.server.URL))
	t.Cleanup(proxy.Close)
	through := func(token string) string {
		req, _ := http.NewRequest(http.MethodGet, proxy.URL+"/graphql?query="+url.QueryEscape(`{ suggestions(site: "xxgc") { edges { node { title votedByMe } } } }`), nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return string(body)
	}
	voted := `"title":"共享缓存","votedByMe":true`
	for i, c := range []struct {
		token string
		voted bool
	}{{"", false}, {student, true}, {"", false}, {student, true}} {
		if got := through(c.token); strings.Contains(got, voted) != c.voted || !strings.Contains(got, "共享缓存") {
			t.Errorf("reader %d (signed in %v) got: %s", i, c.token != "", got)
		}
	}
}

// sharedCache is a shared HTTP cache as a CDN or reverse proxy is: it
// keeps GET answers marked public for their max-age, keyed by the URL and
// the request headers the answer's Vary names, and answers later requests
// from them.
type sharedCache struct {
	origin string
	mu     sync.Mutex
	kept   map[string]kept
}

type kept struct {
	vary   []string
	body   []byte
	header http.Header
}

func newSharedCache(origin string) *sharedCache {
	return &sharedCache{origin: origin, kept: map[string]kept{}}
}

func (c *sharedCache) key(r *http.Request, vary []string) string {
	k := r.URL.String()
	for _, h := range vary {
		k += "\x00" + h + "=" + r.Header.Get(h)
	}
	return k
}

func (c *sharedCache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	for _, e := range c.kept {
		if got, ok := c.kept[c.key(r, e.vary)]; ok {
			c.mu.Unlock()
			for k, v := range got.header {
				w.Header()[k] = v
			}
			w.Header().Set("X-Shared-Cache", "hit")
			_, _ = w.Write(got.body)
			return
		}
	}
	c.mu.Unlock()
	req, _ := http.NewRequest(r.Method, c.origin+r.URL.String(), r.Body)
	req.Header = r.Header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if r.Method == http.MethodGet && strings.Contains(res.Header.Get("Cache-Control"), "public") {
		var vary []string
		for _, v := range res.Header.Values("Vary") {
			for _, h := range strings.Split(v, ",") {
				vary = append(vary, strings.TrimSpace(h))
			}
		}
		c.mu.Lock()
		c.kept[c.key(r, vary)] = kept{vary: vary, body: body, header: res.Header.Clone()}
		c.mu.Unlock()
	}
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(body)
}

// What is published through one process is read through another within
// a second, every time, and the old page is never seen after that.
func TestPublicAnswersAcrossProcesses(t *testing.T) {
	t.Parallel()
	a := setup(t, withAnswers)
	b := a.replica(t)
	const front = `{ contents(site: "xxgc", first: 1) { edges { node { title } } } }`
	var worst time.Duration
	for i := range 5 {
		title := "跨进程发布 " + string(rune('A'+i))
		before := string(b.get(t, front).Data)
		if strings.Contains(before, title) {
			t.Fatalf("round %d: already there", i)
		}
		b.get(t, front) // kept by b
		ownerExec(t, a, publishRaw("across-"+string(rune('a'+i)), "XXGC", title, "", "<p>正文</p>", nil, nil, "published"))
		published := time.Now()
		seen := time.Time{}
		for time.Since(published) < 1500*time.Millisecond {
			got := string(b.get(t, front).Data)
			switch {
			case strings.Contains(got, title) && seen.IsZero():
				seen = time.Now()
			case !strings.Contains(got, title) && !seen.IsZero():
				t.Fatalf("round %d: the old page again after the new one: %s", i, got)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if seen.IsZero() {
			t.Fatalf("round %d: not seen through the other process within 1.5 s", i)
		}
		lag := seen.Sub(published)
		worst = max(worst, lag)
		if lag > time.Second {
			t.Errorf("round %d: seen after %s (bound 1 s)", i, lag)
		}
	}
	t.Logf("worst stale window over 5 rounds: %s", worst)
}

// A change forgets the answers that show what changed: a comment posted
// forgets an item's comments, not the front page; a change to the site
// forgets everything of the school.
func TestAnswersForgottenByArea(t *testing.T) {
	t.Parallel()
	b := setup(t, withAnswers)
	ownerExec(t, b, publishRaw("area-1", "XXGC", "分区测试", "", "<p>正文</p>", nil, nil, "published"))
	item := decode[struct{ Content struct{ ID string } }](t, b.post(t, `{ content(site: "xxgc", slug: "area-1") { id } }`, nil)).Content.ID
	student, _ := b.login(t, "student", demoPassword)
	const front = `{ contents(site: "xxgc", first: 3) { edges { node { title } } } }`
	comments := `{ comments(site: "xxgc", content: "` + item + `") { edges { node { body } } } }`
	computed := func() int64 { return b.app.Answers.Stats().Computed }
	b.quiet(t)
	b.kept(t, front)
	b.kept(t, comments)
	b.quiet(t)
	b.kept(t, front)
	before := b.app.Answers.Stats().Forgotten
	if r := b.post(t, `mutation($c: ID!) { postComment(input: {site: "xxgc", content: $c, body: "分区评论"}) { comment { status } } }`, map[string]any{"c": item},
		bearer(student)...); !strings.Contains(string(r.Data), "VISIBLE") {
		t.Fatalf("comment: %s %+v", r.Data, r.Errors)
	}
	eventually(t, "the comment shows", func() bool { return strings.Contains(string(b.get(t, comments).Data), "分区评论") })
	n := computed()
	b.get(t, front)
	after := b.app.Answers.Stats().Forgotten
	if after["comments"] <= before["comments"] {
		t.Errorf("the comment was not announced as a comment: %v → %v", before, after)
	}
	if after["site"] == before["site"] && after["content"] == before["content"] && computed() != n {
		t.Errorf("a comment forgot the front page")
	}
	ownerExec(t, b, `UPDATE sites SET name = '信息工程学院党建（新）' WHERE slug = 'xxgc'`)
	eventually(t, "the front page is computed again after the site changed", func() bool {
		n := computed()
		b.get(t, front)
		return computed() > n
	})
}

// A site sets the max-age of its anonymous readers' answers (Cache-Control
// and the response cache); another site keeps the schema's; a bad value is
// refused on its field; 0 goes back to the schema's.
func TestSiteMaxAge(t *testing.T) {
	t.Parallel()
	b := setup(t, withAnswers)
	admin, _ := b.login(t, "admin", demoPassword)
	id := decode[struct {
		Site struct{ ID string }
	}](t, b.get(t, `{ site(slug: "xxgc") { id } }`)).Site.ID
	const update = `mutation($in: UpdateSiteInput!) { updateSite(input: $in) { site { publicMaxAge } } }`
	set := func(n int) *gqlResponse {
		return b.post(t, update, map[string]any{"in": map[string]any{"id": id, "publicMaxAge": n}}, bearer(admin)...)
	}
	if got := decode[struct {
		UpdateSite struct{ Site struct{ PublicMaxAge *int } }
	}](t, set(120)).UpdateSite.Site.PublicMaxAge; got == nil || *got != 120 {
		t.Fatalf("publicMaxAge after setting 120: %v", got)
	}
	maxAge := func(slug string) string {
		r := b.get(t, `{ contents(site: "`+slug+`", first: 1) { edges { node { title } } } }`)
		return r.header.Get("Cache-Control")
	}
	eventually(t, "xxgc's answers are kept 120 s", func() bool { return strings.HasPrefix(maxAge("xxgc"), "public, max-age=120,") })
	if cc := maxAge("znzz"); !strings.HasPrefix(cc, "public, max-age=10,") {
		t.Errorf("znzz: %s", cc)
	}
	for _, bad := range []int{-1, 86401} {
		r := set(bad)
		fields, _ := r.Errors[0].Extensions["fields"].(map[string]any)
		if r.code(0) != "BAD_USER_INPUT" || fields["input.publicMaxAge"] == nil {
			t.Errorf("publicMaxAge %d: %+v", bad, r.Errors)
		}
	}
	if got := decode[struct {
		UpdateSite struct{ Site struct{ PublicMaxAge *int } }
	}](t, set(0)).UpdateSite.Site.PublicMaxAge; got != nil {
		t.Errorf("publicMaxAge after 0: %d", *got)
	}
	eventually(t, "xxgc's answers are back to the schema's", func() bool { return strings.HasPrefix(maxAge("xxgc"), "public, max-age=10,") })
}
