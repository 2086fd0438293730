// Package ratelimit limits how often a client address or an account may do
// an expensive or abusable thing (GraphQL requests overall, searches,
// sign-ups, uploads, exports), with one count shared by every server
// process.
//
// Counts live in PostgreSQL in fixed windows (rate_windows), but a request
// does not write there: each process counts locally and adds its counts
// to the shared rows in one statement every FlushEvery, reading back the
// totals. A request is allowed while the last shared total plus this
// process's unsent count is under the limit, so the limit holds across
// processes to within what they admit in one flush interval.
package ratelimit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
)

// Rule is a limit: at most Limit times per Window.
type Rule struct {
	Limit  int
	Window time.Duration
}

func (r Rule) String() string { return fmt.Sprintf("%d/%s", r.Limit, r.Window) }

// Off reports whether the rule limits nothing.
func (r Rule) Off() bool { return r.Limit <= 0 || r.Window <= 0 }

// ParseRule reads "LIMIT/WINDOW" (120/1m, 20/1h) or "off".
func ParseRule(s string) (Rule, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return Rule{}, nil
	}
	n, w, ok := strings.Cut(s, "/")
	limit, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || limit <= 0 {
		return Rule{}, fmt.Errorf("%q is not LIMIT/WINDOW such as 120/1m, or off", s)
	}
	win, err := time.ParseDuration(strings.TrimSpace(w))
	if err != nil || win < time.Second || win > 24*time.Hour {
		return Rule{}, fmt.Errorf("%q: the window must be a duration from 1s to 24h", s)
	}
	return Rule{Limit: limit, Window: win}, nil
}

// ParseRules reads "name=LIMIT/WINDOW,…" (a rule set to off limits nothing).
func ParseRules(s string) (map[string]Rule, error) {
	out := map[string]Rule{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, spec, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not name=LIMIT/WINDOW", part)
		}
		r, err := ParseRule(spec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", strings.TrimSpace(name), err)
		}
		out[strings.TrimSpace(name)] = r
	}
	return out, nil
}

// Limiter counts and decides. The zero Limiter is not usable: see New.
type Limiter struct {
	pool     *pgxpool.Pool
	defaults map[string]Rule
	log      *slog.Logger
	now      func() time.Time
	// FlushEvery is how often local counts are added to the shared ones.
	FlushEvery time.Duration

	loadMu sync.Mutex // serialises LoadOverrides

	// forgotAt is when this process last deleted day-old windows (hourly;
	// only Flush touches it).
	forgotAt time.Time

	mu        sync.Mutex
	counters  map[windowKey]*counter
	overrides map[uuid.UUID]map[string]Rule // per school, from tenants.settings.rateLimits
}

type windowKey struct {
	key   string // rule, school and subject
	start int64  // window start, unix seconds
}

type counter struct {
	shared  int64 // the total last read from the database
	pending int64 // counted here, not yet added there
	sending int64 // counted here, being added there by a flush
	window  time.Duration
}

// count is what the counter has seen: the shared total and what this
// process has not seen come back in it yet.
func (c *counter) count() int64 { return c.shared + c.sending + c.pending }

// New returns a Limiter with the default rules (by name); schools may
// override them in tenants.settings.rateLimits ({"search": "300/1m"}).
func New(pool *pgxpool.Pool, defaults map[string]Rule, log *slog.Logger) *Limiter {
	return &Limiter{pool: pool, defaults: defaults, log: log, now: time.Now, FlushEvery: 250 * time.Millisecond,
		counters: map[windowKey]*counter{}, overrides: map[uuid.UUID]map[string]Rule{}}
}

// Rule returns the rule name has in school (uuid.Nil: the default).
func (l *Limiter) Rule(school uuid.UUID, name string) Rule {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rule(school, name)
}

// rule is Rule with l.mu held.
func (l *Limiter) rule(school uuid.UUID, name string) Rule {
	if r, ok := l.overrides[school][name]; ok {
		return r
	}
	return l.defaults[name]
}

// Allow counts one use of rule name by subject (a client address or an
// account) in school, or answers RateLimited with when to retry.
func (l *Limiter) Allow(school uuid.UUID, name, subject string) error {
	if subject == "" {
		return nil
	}
	l.mu.Lock()
	r := l.rule(school, name)
	if r.Off() {
		l.mu.Unlock()
		return nil
	}
	now := l.now()
	start := now.Truncate(r.Window)
	k := windowKey{key: name + ":" + school.String() + ":" + subject, start: start.Unix()}
	c := l.counters[k]
	if c == nil {
		c = &counter{window: r.Window}
		l.counters[k] = c
	}
	if c.count() >= int64(r.Limit) {
		l.mu.Unlock()
		return &apperr.Error{Kind: apperr.RateLimited, RetryAfter: max(start.Add(r.Window).Sub(now), time.Second),
			Msg: fmt.Sprintf("too many requests of this kind (%s at most %d per %s); try again later", name, r.Limit, r.Window)}
	}
	c.pending++
	l.mu.Unlock()
	return nil
}

// Run adds the local counts to the shared ones every FlushEvery, and
// reloads the schools' overrides every refresh, until ctx ends.
func (l *Limiter) Run(ctx context.Context, refresh time.Duration) {
	if err := l.LoadOverrides(ctx); err != nil {
		l.log.Warn("rate limits: load the schools' settings", "err", err)
	}
	flush := time.NewTicker(l.FlushEvery)
	defer flush.Stop()
	reload := time.NewTicker(refresh)
	defer reload.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			if err := l.Flush(fctx); err != nil {
				l.log.Warn("rate limits: share the last counts before stopping", "err", err)
			}
			cancel()
			return
		case <-flush.C:
			if err := l.Flush(ctx); err != nil && ctx.Err() == nil {
				l.log.Warn("rate limits: share the counts", "err", err)
			}
		case <-reload.C:
			if err := l.LoadOverrides(ctx); err != nil && ctx.Err() == nil {
				l.log.Warn("rate limits: load the schools' settings", "err", err)
			}
		}
	}
}

// Flush adds the local counts to the shared rows and reads back their
// totals; windows that have ended are forgotten here and, after a day,
// there.
func (l *Limiter) Flush(ctx context.Context) error {
	now := l.now()
	l.mu.Lock()
	var keys []string
	var starts []time.Time
	var hits []int64
	for k, c := range l.counters {
		if time.Unix(k.start, 0).Add(c.window).Before(now) {
			delete(l.counters, k) // the window is over: its counts decide nothing more
			continue
		}
		if c.pending == 0 {
			continue
		}
		keys, starts, hits = append(keys, k.key), append(starts, time.Unix(k.start, 0)), append(hits, c.pending)
		// Still counted while the flush is on its way (until the total
		// that includes them comes back).
		c.sending, c.pending = c.sending+c.pending, 0
	}
	l.mu.Unlock()
	if len(keys) == 0 {
		return nil
	}
	rows, err := l.pool.Query(ctx, addHits, keys, starts, hits)
	if err != nil {
		l.restore(keys, starts, hits)
		return fmt.Errorf("ratelimit: flush: %w", err)
	}
	type total struct {
		k windowKey
		n int64
	}
	var totals []total
	for rows.Next() {
		var t total
		var start time.Time
		if err := rows.Scan(&t.k.key, &start, &t.n); err != nil {
			rows.Close()
			l.settle(keys, starts, hits, false) // the statement ran: they were added
			return fmt.Errorf("ratelimit: flush: %w", err)
		}
		t.k.start = start.Unix()
		totals = append(totals, t)
	}
	if err := rows.Err(); err != nil {
		l.restore(keys, starts, hits) // the statement failed: nothing was added
		return fmt.Errorf("ratelimit: flush: %w", err)
	}
	l.settle(keys, starts, hits, false)
	l.mu.Lock()
	for _, t := range totals {
		if c := l.counters[t.k]; c != nil && t.n > c.shared {
			c.shared = t.n
		}
	}
	l.mu.Unlock()
	if now.Sub(l.forgotAt) >= time.Hour {
		l.forgotAt = now
		if _, err := l.pool.Exec(ctx, forgetOldWindows); err != nil {
			return fmt.Errorf("ratelimit: forget old windows: %w", err)
		}
	}
	return nil
}

// restore puts back counts a failed flush took, so that none is lost.
func (l *Limiter) restore(keys []string, starts []time.Time, hits []int64) {
	l.settle(keys, starts, hits, true)
}

// settle ends a flush's sending of hits: they go back to pending (again:
// the flush failed) or into the shared total, until the next flush reads
// the total that includes them.
func (l *Limiter) settle(keys []string, starts []time.Time, hits []int64, again bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, key := range keys {
		c := l.counters[windowKey{key: key, start: starts[i].Unix()}]
		if c == nil {
			continue
		}
		c.sending -= hits[i]
		if again {
			c.pending += hits[i]
		} else {
			c.shared += hits[i]
		}
	}
}

// LoadOverrides reads every school's rateLimits settings.
func (l *Limiter) LoadOverrides(ctx context.Context) error {
	// One load at a time: a load that began earlier, and read older
	// settings, cannot finish after a later one and undo it.
	l.loadMu.Lock()
	defer l.loadMu.Unlock()
	rows, err := l.pool.Query(ctx, schoolOverrides)
	if err != nil {
		return fmt.Errorf("ratelimit: settings: %w", err)
	}
	defer rows.Close()
	out := map[uuid.UUID]map[string]Rule{}
	for rows.Next() {
		var id uuid.UUID
		var raw []byte
		if err := rows.Scan(&id, &raw); err != nil {
			return fmt.Errorf("ratelimit: settings: %w", err)
		}
		var specs map[string]string
		if err := json.Unmarshal(raw, &specs); err != nil {
			l.log.Warn("rate limits: a school's rateLimits is not an object of \"LIMIT/WINDOW\" strings; its defaults apply", "tenant", id, "err", err)
			continue
		}
		rules := map[string]Rule{}
		for name, spec := range specs {
			r, err := ParseRule(spec)
			if err != nil {
				l.log.Warn("rate limits: a school's rule is not valid; the default applies", "tenant", id, "rule", name, "err", err)
				continue
			}
			rules[name] = r
		}
		out[id] = rules
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ratelimit: settings: %w", err)
	}
	l.mu.Lock()
	l.overrides = out
	l.mu.Unlock()
	return nil
}
