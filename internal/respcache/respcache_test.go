package respcache

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/reqmeta"
)

// fake is a GraphQL handler standing in for the server: it reads the
// school's data (telling the request, as tenant transactions do), marks
// the operation public unless it is a mutation, and answers with the
// school's current version of the data.
type fake struct {
	school  uuid.UUID
	version atomic.Int64
	calls   atomic.Int64
	delay   time.Duration
	during  func() // runs while the answer is computed
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	ctx := r.Context()
	m := reqmeta.From(ctx)
	body, _ := io.ReadAll(r.Body)
	q := r.URL.Query().Get("query") + string(body)
	if !strings.Contains(q, "mutation") {
		m.SetPublic(10, []string{"content"})
	}
	reqmeta.ReadsTenant(ctx, f.school)
	v := f.version.Load()
	if f.during != nil {
		f.during()
	}
	time.Sleep(f.delay)
	w.Header().Set("Content-Type", "application/json")
	if strings.Contains(q, "fail") {
		fmt.Fprint(w, `{"errors":[{"message":"no"}],"data":null}`)
		return
	}
	fmt.Fprintf(w, `{"data":{"version":%d,"q":%q}}`, v, r.URL.Query().Get("variables"))
}

func get(t *testing.T, h http.Handler, query, vars string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	u := "/graphql?query=" + url.QueryEscape(query)
	if vars != "" {
		u += "&variables=" + url.QueryEscape(vars)
	}
	r := httptest.NewRequest(http.MethodGet, u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	r = r.WithContext(reqmeta.With(r.Context(), &reqmeta.Meta{}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestKeepsAndForgets(t *testing.T) {
	f := &fake{school: uuid.New()}
	c := New(Options{})
	h := c.Handler(f)
	const q = "{ contents(site: \"xxgc\") { id } }"
	first := get(t, h, q, `{"b":1,"a":2}`)
	if first.Code != 200 || !strings.HasPrefix(first.Header().Get("Cache-Control"), "public, max-age=10") || first.Header().Get("ETag") == "" {
		t.Fatalf("first: %d %v", first.Code, first.Header())
	}
	// The same variables in another order are the same answer.
	if again := get(t, h, q, `{"a":2, "b":1}`); again.Body.String() != first.Body.String() || f.calls.Load() != 1 {
		t.Fatalf("again: %d calls, %s", f.calls.Load(), again.Body)
	}
	if c.Stats().Hits != 1 {
		t.Errorf("stats: %+v", c.Stats())
	}
	// The reader has it: 304, nothing computed.
	if nm := get(t, h, q, `{"a":2,"b":1}`, "If-None-Match", `"x", `+first.Header().Get("ETag")); nm.Code != http.StatusNotModified || nm.Body.Len() != 0 || f.calls.Load() != 1 {
		t.Errorf("If-None-Match: %d %q, %d calls", nm.Code, nm.Body, f.calls.Load())
	}
	// Other variables, another language: other answers.
	get(t, h, q, `{"a":3}`)
	get(t, h, q, `{"a":2,"b":1}`, "Accept-Language", "en")
	if f.calls.Load() != 3 {
		t.Errorf("%d calls for three answers", f.calls.Load())
	}
	// A change in the school: computed again.
	f.version.Add(1)
	c.Forget(f.school, "content")
	if after := get(t, h, q, `{"b":1,"a":2}`); !strings.Contains(after.Body.String(), `"version":1`) || after.Header().Get("ETag") == first.Header().Get("ETag") {
		t.Errorf("after the change: %s %v", after.Body, after.Header())
	}
	// Another school's change, or another area's, forgets nothing here.
	c.Forget(uuid.New(), "content")
	c.Forget(f.school, "comments")
	calls := f.calls.Load()
	get(t, h, q, `{"b":1,"a":2}`)
	if f.calls.Load() != calls {
		t.Errorf("another school's change forgot this one")
	}
	c.ForgetAll()
	get(t, h, q, `{"b":1,"a":2}`)
	if f.calls.Load() != calls+1 {
		t.Errorf("ForgetAll kept it")
	}
}

func TestNeverKeeps(t *testing.T) {
	for _, c := range []struct {
		name, query string
		header      []string
		control     string
	}{
		{"signed in", "{ contents { id } }", []string{"Authorization", "Bearer x"}, "private, no-store"},
		{"with a cookie", "{ contents { id } }", []string{"Cookie", "s=1"}, "private, no-store"},
		{"a mutation", "mutation { login { accessToken } }", nil, "no-store"},
		{"an error", "{ fail }", nil, "no-store"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fake{school: uuid.New()}
			h := New(Options{}).Handler(f)
			for range 2 {
				w := get(t, h, c.query, "", c.header...)
				if w.Header().Get("Cache-Control") != c.control || w.Header().Get("ETag") != "" {
					t.Errorf("headers: %v", w.Header())
				}
			}
			if f.calls.Load() != 2 {
				t.Errorf("%d calls, want both computed", f.calls.Load())
			}
		})
	}
}

// An answer computed while the school changed is never served: it may
// show what was there before.
func TestBornStale(t *testing.T) {
	f := &fake{school: uuid.New()}
	c := New(Options{})
	f.during = func() { c.Forget(f.school, "site") }
	h := c.Handler(f)
	get(t, h, "{ a }", "")
	f.during = nil
	get(t, h, "{ a }", "")
	if f.calls.Load() != 2 {
		t.Errorf("%d calls: the answer computed during the change was served", f.calls.Load())
	}
}

// Nothing is served while announcements may be missed.
func TestNotListening(t *testing.T) {
	f := &fake{school: uuid.New()}
	var up atomic.Bool
	h := New(Options{Listening: up.Load}).Handler(f)
	get(t, h, "{ a }", "")
	get(t, h, "{ a }", "")
	up.Store(true)
	get(t, h, "{ a }", "")
	get(t, h, "{ a }", "")
	if f.calls.Load() != 3 {
		t.Errorf("%d calls, want 3 (two while not listening, one kept after)", f.calls.Load())
	}
}

// Many readers of an answer not kept compute it once.
func TestStampedeComputesOnce(t *testing.T) {
	f := &fake{school: uuid.New()}
	c := New(Options{})
	h := c.Handler(f)
	get(t, h, "{ hot }", "") // the operation is known to be public
	c.Forget(f.school, "content")
	f.delay = 50 * time.Millisecond
	before := f.calls.Load()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if w := get(t, h, "{ hot }", ""); w.Code != 200 || !strings.Contains(w.Body.String(), "version") {
				t.Errorf("%d %s", w.Code, w.Body)
			}
		})
	}
	wg.Wait()
	if n := f.calls.Load() - before; n != 1 {
		t.Errorf("%d computations for 50 readers", n)
	}
}

// Distinct variables without end do not grow the cache past its bound.
func TestMemoryBound(t *testing.T) {
	f := &fake{school: uuid.New()}
	const capBytes = 2 << 20
	c := New(Options{MaxBytes: capBytes})
	h := c.Handler(f)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 100000 {
		get(t, h, "{ page }", fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat("x", 200)))
	}
	s := c.Stats()
	if s.Bytes > capBytes || s.Entries == 0 || s.Entries >= 100000 {
		t.Errorf("kept %d answers in %d bytes (bound %d)", s.Entries, s.Bytes, capBytes)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 8*capBytes {
		t.Errorf("the heap grew by %d bytes for a bound of %d", grown, capBytes)
	}
}

func TestIfNoneMatch(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"*", []string{"*"}, true},
		{`"abc"`, []string{`"abc"`}, true},
		{`W/"abc", "def"`, []string{`W/"abc"`, `"def"`}, true},
		{`abc`, nil, false},
		{`"ab"c"`, nil, false},
		{`"unterminated`, nil, false},
		{`, ,`, nil, false},
	} {
		got, ok := parseIfNoneMatch(c.in)
		if ok != c.ok || strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q: %q %v, want %q %v", c.in, got, ok, c.want, c.ok)
		}
	}
	f := &fake{school: uuid.New()}
	w := get(t, New(Options{}).Handler(f), "{ a }", "", "If-None-Match", "garbage")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "BAD_USER_INPUT") || f.calls.Load() != 0 {
		t.Errorf("garbage: %d %s", w.Code, w.Body)
	}
}

// Disabled keeps nothing and shares nothing (concurrent readers each get
// their own), and still says what the answer is.
func TestDisabled(t *testing.T) {
	f := &fake{school: uuid.New(), delay: 20 * time.Millisecond}
	h := New(Options{Disabled: true}).Handler(f)
	var wg sync.WaitGroup
	for range 2 {
		get(t, h, "{ a }", "")
	}
	for range 4 {
		wg.Go(func() {
			if w := get(t, h, "{ a }", ""); !strings.HasPrefix(w.Header().Get("Cache-Control"), "public") || w.Header().Get("ETag") == "" {
				t.Errorf("headers: %v", w.Header())
			}
		})
	}
	wg.Wait()
	if f.calls.Load() != 6 {
		t.Errorf("%d calls, want every answer computed", f.calls.Load())
	}
}

// An answer computed again replaces the stale one in the count of bytes.
func TestReplacedAnswerCountsOnce(t *testing.T) {
	f := &fake{school: uuid.New()}
	c := New(Options{})
	h := c.Handler(f)
	get(t, h, "{ a }", "")
	one := c.Stats().Bytes
	for range 50 {
		c.Forget(f.school, "content")
		get(t, h, "{ a }", "")
	}
	if s := c.Stats(); s.Entries != 1 || s.Bytes != one {
		t.Errorf("after 50 replacements: %+v, want 1 entry of %d bytes", s, one)
	}
}
