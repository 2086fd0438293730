// Package respcache is the public read path's cache of whole GraphQL
// answers: what anonymous readers of a school's sites are shown (queries
// of @publicRead root fields only, sent without a token or cookie) is kept
// in memory per operation, variables and language, answered with
// Cache-Control public, a strong ETag and 304 Not Modified, and forgotten
// on every server process as soon as the school's data changes.
//
// Coherence: each answer remembers, for every school it read (the tenant
// transactions it began, told through reqmeta), that school's generations
// as it began to read, one per area of public data; the database announces
// every change a site may show on commit with its area (migration 00038,
// over the live hub), which moves that generation, and an answer whose
// generations of the areas it shows moved is never served. An
// answer computed while a change committed is therefore born stale and not
// served either. While the hub is not listening (its connection lost, so
// announcements may be missed) nothing is served from the cache, and
// everything is forgotten when it listens again. The max-age bounds what
// does not announce (counters of sign-ups and votes).
//
// Concurrent requests for an answer not in the cache compute it once.
// Memory is bounded by MaxBytes of kept answers (least recently used go).
package respcache

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"zhdj/internal/i18n"
	"zhdj/internal/operation"
	"zhdj/internal/reqmeta"
)

// Options configure a Cache.
type Options struct {
	// MaxBytes bounds the answers kept (their bodies and keys).
	MaxBytes int64
	// MaxEntryBytes is the largest answer kept (larger ones are answered,
	// not kept).
	MaxEntryBytes int
	// Listening reports whether change announcements are being received
	// (nil: always).
	Listening func() bool
	// Disabled keeps nothing and shares nothing: every reader's answer is
	// computed for them (the HTTP caching headers are still set).
	Disabled bool
}

// Cache keeps public answers. Its methods are safe for concurrent use.
type Cache struct {
	opt     Options
	entries *lru.Cache[string, *entry]
	addMu   sync.Mutex // one replacement of a key at a time: its bytes counted once
	bytes   atomic.Int64
	docs    *lru.Cache[string, bool] // operation (document and name) → public, as executed
	flights singleflight.Group
	now     func() time.Time

	mu    sync.RWMutex
	gens  map[uuid.UUID]generations // per school
	every uint64                    // moves with any school's change
	epoch uint64                    // moves when everything is forgotten

	hits, misses, computed atomic.Int64
	forgotten              [5]atomic.Int64 // Forget calls per area
}

// Areas of a school's public data (the announcements' "a", the schema's
// @publicRead reads): a change to the site area (the school, its org
// units, sites, media) forgets all the school's answers, a change to
// another only the answers that read it.
var areas = []string{"site", "content", "volunteer", "suggestions", "comments"}

func areaIndex(name string) int {
	for i, a := range areas {
		if a == name {
			return i
		}
	}
	return 0 // unknown: as if everything changed
}

// generations are a school's, one per area.
type generations [5]uint64

type entry struct {
	key     string
	op      string // the operation's name, for the request log and metrics
	body    []byte
	etag    string
	maxAge  int
	stored  time.Time
	epoch   uint64
	every   uint64 // when no school was read: any change forgets it
	schools map[uuid.UUID]generations
	reads   []int // the areas besides the site's
}

func (e *entry) weight() int64 { return int64(len(e.body) + len(e.key) + 256) }

// New returns a Cache.
func New(opt Options) *Cache {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = 64 << 20
	}
	if opt.MaxEntryBytes <= 0 {
		opt.MaxEntryBytes = 1 << 20
	}
	c := &Cache{opt: opt, gens: map[uuid.UUID]generations{}, now: time.Now}
	// Counted by bytes, not entries: the entry bound only keeps the list's
	// own bookkeeping finite.
	c.entries, _ = lru.NewWithEvict[string, *entry](1<<20, func(_ string, e *entry) { c.bytes.Add(-e.weight()) })
	c.docs, _ = lru.New[string, bool](4096)
	return c
}

// Forget moves a school's generation of an area ("site" or unknown: all
// of the school's answers): the answers that read it are not served again.
func (c *Cache) Forget(school uuid.UUID, area string) {
	c.mu.Lock()
	i := areaIndex(area)
	g := c.gens[school]
	g[i]++
	c.gens[school] = g
	c.every++
	c.mu.Unlock()
	c.forgotten[i].Add(1)
}

// ForgetAll forgets every answer (after announcements may have been missed).
func (c *Cache) ForgetAll() {
	c.mu.Lock()
	c.epoch++
	c.mu.Unlock()
	c.entries.Purge()
}

// Stats are the cache's counters.
type Stats struct {
	Hits, Misses, Computed int64 // answers served from it, not found, computed
	Entries                int
	Bytes                  int64
	// Forgotten counts the announced changes by area ("site", "content", …).
	Forgotten map[string]int64
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	s := Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Computed: c.computed.Load(), Entries: c.entries.Len(), Bytes: c.bytes.Load(),
		Forgotten: map[string]int64{}}
	for i, a := range areas {
		s.Forgotten[a] = c.forgotten[i].Load()
	}
	return s
}

func (c *Cache) listening() bool { return c.opt.Listening == nil || c.opt.Listening() }

// valid reports whether e may be served now.
func (c *Cache) valid(e *entry) bool {
	if c.now().Sub(e.stored) >= time.Duration(e.maxAge)*time.Second {
		return false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e.epoch != c.epoch {
		return false
	}
	if len(e.schools) == 0 {
		return e.every == c.every
	}
	for s, g := range e.schools {
		cur := c.gens[s]
		if cur[0] != g[0] {
			return false
		}
		for _, a := range e.reads {
			if cur[a] != g[a] {
				return false
			}
		}
	}
	return true
}

// Handler serves next through the cache.
func (c *Cache) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		w.Header().Add("Vary", "Authorization")
		if !Anonymous(r) {
			// Someone's own answer: never kept, by us or anyone between.
			h.Set("Cache-Control", "private, no-store")
			next.ServeHTTP(w, r)
			return
		}
		inm, ok := parseIfNoneMatch(r.Header.Get("If-None-Match"))
		if !ok {
			writeError(w, http.StatusBadRequest, "If-None-Match is not a list of entity tags (\"…\", W/\"…\") or *")
			return
		}
		op, ok := readOperation(r)
		if !ok {
			h.Set("Cache-Control", "no-store")
			next.ServeHTTP(w, r)
			return
		}
		public, known := c.docs.Get(op.doc)
		if known && !public {
			h.Set("Cache-Control", "no-store")
			next.ServeHTTP(w, r)
			return
		}
		key := op.key(i18n.Negotiate(r.Header.Get("Accept-Language")))
		if !c.opt.Disabled && c.listening() {
			if e, ok := c.entries.Get(key); ok && c.valid(e) {
				c.hits.Add(1)
				c.write(w, r, e, inm)
				return
			}
		}
		c.misses.Add(1)
		if !known || c.opt.Disabled {
			// Not yet known to be public: run it as it is, and learn. (Off:
			// every reader's answer is computed for them.)
			res := c.compute(r, next, op, key)
			c.answer(w, r, res, inm)
			return
		}
		v, _, shared := c.flights.Do(key, func() (any, error) { return c.compute(r, next, op, key), nil })
		res := v.(*result)
		if shared && res.entry == nil {
			// The one computed for another reader cannot be shared (an
			// error, a limit): this reader's own.
			res = c.compute(r, next, op, key)
		}
		c.answer(w, r, res, inm)
	})
}

// Anonymous reports whether r is an anonymous reader's: it carries no
// token and no cookie, so its answer is the same for every such reader.
func Anonymous(r *http.Request) bool {
	return r.Header.Get("Authorization") == "" && r.Header.Get("Cookie") == ""
}

// result is a computed answer: kept (entry) or as it came (rec).
type result struct {
	entry *entry
	rec   *recorder
}

// compute runs next for r, keeping a public answer.
func (c *Cache) compute(r *http.Request, next http.Handler, op request, key string) *result {
	c.computed.Add(1)
	c.mu.RLock()
	epoch, every := c.epoch, c.every
	c.mu.RUnlock()
	listening := c.listening()
	var smu sync.Mutex
	schools := map[uuid.UUID]generations{}
	meta := reqmeta.From(r.Context())
	if meta == nil {
		meta = &reqmeta.Meta{}
		r = r.WithContext(reqmeta.With(r.Context(), meta))
	}
	meta.SetOnTenant(func(s uuid.UUID) {
		smu.Lock()
		defer smu.Unlock()
		if _, ok := schools[s]; ok {
			return
		}
		c.mu.RLock()
		schools[s] = c.gens[s]
		c.mu.RUnlock()
	})
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	next.ServeHTTP(rec, r)
	meta.SetOnTenant(nil)
	public, maxAge, reads := meta.Public()
	if site := meta.SiteMaxAge(); site > 0 {
		maxAge = site // the site's own, when it set one
	}
	failed := rec.status != http.StatusOK || bytes.HasPrefix(rec.body.Bytes(), []byte(`{"errors"`))
	if !failed {
		c.docs.Add(op.doc, public)
	}
	if !public || failed || maxAge <= 0 {
		return &result{rec: rec}
	}
	body := rec.body.Bytes()
	sum := sha256.Sum256(body)
	smu.Lock()
	e := &entry{key: key, op: meta.Operation(), body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`, maxAge: maxAge, stored: c.now(),
		epoch: epoch, every: every, schools: schools}
	for _, r := range reads {
		e.reads = append(e.reads, areaIndex(r))
	}
	smu.Unlock()
	if !c.opt.Disabled && listening && len(body) <= c.opt.MaxEntryBytes {
		c.addMu.Lock()
		c.entries.Remove(key) // a stale one's bytes are uncounted (the eviction callback)
		c.entries.Add(key, e)
		c.bytes.Add(e.weight())
		c.addMu.Unlock()
		for c.bytes.Load() > c.opt.MaxBytes {
			if _, _, ok := c.entries.RemoveOldest(); !ok {
				break
			}
		}
	}
	return &result{entry: e}
}

// answer writes a computed result.
func (c *Cache) answer(w http.ResponseWriter, r *http.Request, res *result, inm []string) {
	if res.entry != nil {
		c.write(w, r, res.entry, inm)
		return
	}
	h := w.Header()
	for k, vs := range res.rec.header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(res.rec.status)
	_, _ = w.Write(res.rec.body.Bytes())
}

// write answers r with a kept answer, or 304 when the reader has it.
func (c *Cache) write(w http.ResponseWriter, r *http.Request, e *entry, inm []string) {
	if m := reqmeta.From(r.Context()); m != nil && m.Operation() == "" {
		m.SetOperation(e.op)
	}
	h := w.Header()
	age := max(0, int(c.now().Sub(e.stored)/time.Second))
	left := max(0, e.maxAge-age)
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(left)+", stale-while-revalidate="+strconv.Itoa(e.maxAge))
	h.Set("ETag", e.etag)
	h.Set("Age", strconv.Itoa(age))
	for _, t := range inm {
		if t == "*" || t == e.etag || t == "W/"+e.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(e.body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(e.body)
}

// request is what names an answer: the document (its SHA-256, as the
// persisted-query protocol names it) and operation name, and the
// variables (canonical JSON).
type request struct {
	doc  string
	vars string
}

func (o request) key(lang i18n.Lang) string {
	sum := sha256.Sum256([]byte(o.doc + "\x00" + o.vars + "\x00" + string(lang)))
	return string(sum[:])
}

// readOperation reads the operation of a GraphQL request over GET or POST
// (JSON), leaving the body for the handler. A request it cannot read (a
// multipart upload, malformed JSON, a hash that does not match the query)
// is not cached: the handler answers it.
func readOperation(r *http.Request) (request, bool) {
	var query, name, hash string
	var vars json.RawMessage
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		query, name = q.Get("query"), q.Get("operationName")
		if v := q.Get("variables"); v != "" {
			vars = json.RawMessage(v)
		}
		if x := q.Get("extensions"); x != "" {
			var ext extensions
			if json.Unmarshal([]byte(x), &ext) != nil {
				return request{}, false
			}
			hash = ext.PersistedQuery.Hash
		}
	case http.MethodPost:
		if !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/json") {
			return request{}, false
		}
		body, err := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return request{}, false
		}
		var p struct {
			Query         string          `json:"query"`
			OperationName string          `json:"operationName"`
			Variables     json.RawMessage `json:"variables"`
			Extensions    extensions      `json:"extensions"`
		}
		if json.Unmarshal(body, &p) != nil {
			return request{}, false
		}
		query, name, vars, hash = p.Query, p.OperationName, p.Variables, p.Extensions.PersistedQuery.Hash
	}
	doc := strings.ToLower(hash)
	if query != "" {
		if h := operation.Hash(query); doc != "" && doc != h {
			return request{}, false
		} else {
			doc = h
		}
	}
	if doc == "" {
		return request{}, false
	}
	canon := "null"
	if len(vars) > 0 && string(vars) != "null" {
		d := json.NewDecoder(bytes.NewReader(vars))
		d.UseNumber()
		var v any
		if d.Decode(&v) != nil {
			return request{}, false
		}
		b, err := json.Marshal(v) // object keys sorted
		if err != nil {
			return request{}, false
		}
		canon = string(b)
	}
	return request{doc: doc + "\x00" + name, vars: canon}, true
}

type extensions struct {
	PersistedQuery struct {
		Hash string `json:"sha256Hash"`
	} `json:"persistedQuery"`
}

// parseIfNoneMatch reads an If-None-Match header: entity tags or *.
func parseIfNoneMatch(s string) ([]string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	if s == "*" {
		return []string{"*"}, true
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		t := strings.TrimSpace(part)
		if t == "" {
			continue
		}
		weak := strings.HasPrefix(t, "W/")
		tag := strings.TrimPrefix(t, "W/")
		if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' || strings.ContainsAny(tag[1:len(tag)-1], "\" \t") {
			return nil, false
		}
		if weak {
			tag = "W/" + tag
		}
		out = append(out, tag)
	}
	return out, len(out) > 0
}

// writeError answers a request the cache refuses, as GraphQL errors are.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": map[string]any{"code": "BAD_USER_INPUT"}}}})
}

// recorder keeps what the handler answered.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}
