package app_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zhdj/internal/ratelimit"
)

// TestRateLimits: searches per client address are counted across two
// server processes (each counts locally and shares its counts through
// the database), refused with RATE_LIMITED and retryAfter past the limit;
// a school's own setting replaces the default for its signed-in users;
// and operations overall are limited per address.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	env := identityEnv()
	env["ZHDJ_RATE_LIMITS"] = "search=10/1h,graphql=off"
	a := setup(t, env)
	b := a.replica(t)
	ctx := context.Background()
	search := `{ search(site: "xxgc", query: "党") { totalCount } }`
	allowed := func(s *testBundle, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			if r := s.post(t, search, nil); len(r.Errors) != 0 {
				t.Fatalf("search %d: %+v", i+1, r.Errors)
			}
		}
	}
	refused := func(s *testBundle, q string, header ...string) {
		t.Helper()
		r := s.post(t, q, nil, header...)
		if r.code(0) != "RATE_LIMITED" {
			t.Fatalf("past the limit: %+v", r.Errors)
		}
		if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra < 1 || ra > 3600 {
			t.Fatalf("retryAfter %v", r.Errors[0].Extensions["retryAfter"])
		}
	}
	allowed(a, 6)
	if err := a.app.Limits.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	allowed(b, 1)
	if err := b.app.Limits.Flush(ctx); err != nil { // b now knows of a's six
		t.Fatal(err)
	}
	allowed(b, 3)
	refused(b, search)
	if err := b.app.Limits.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// a learns the shared total with its next count: at most one more.
	if r := a.post(t, search, nil); len(r.Errors) == 0 {
		if err := a.app.Limits.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	refused(a, search)
	// Other fields of the same operation still answer.
	if r := a.post(t, `{ site(slug: "xxgc") { slug } }`, nil); len(r.Errors) != 0 {
		t.Fatalf("an unlimited field: %+v", r.Errors)
	}

	// A school's own limit applies to its site's visitors, signed in or
	// not (searches count per address in the site's school).
	env = identityEnv()
	env["ZHDJ_RATE_LIMITS"] = "search=10/1h,graphql=off"
	d := setup(t, env)
	ownerExec(t, d, `UPDATE tenants SET settings = settings || '{"rateLimits": {"search": "3/1h"}}'`)
	if err := d.app.Limits.LoadOverrides(ctx); err != nil {
		t.Fatal(err)
	}
	allowed(d, 2)
	admin, _ := d.login(t, "admin", demoPassword)
	if r := d.post(t, search, nil, bearer(admin)...); len(r.Errors) != 0 {
		t.Fatalf("signed-in search: %+v", r.Errors)
	}
	refused(d, search)
	refused(d, search, bearer(admin)...)

	// Operations overall, per address.
	env = identityEnv()
	env["ZHDJ_RATE_LIMITS"] = "graphql=5/1h"
	c := setup(t, env)
	for i := 0; i < 5; i++ {
		if r := c.post(t, `{ site(slug: "xxgc") { slug } }`, nil); len(r.Errors) != 0 {
			t.Fatalf("request %d: %+v", i+1, r.Errors)
		}
	}
	refused(c, `{ site(slug: "xxgc") { slug } }`)
}

// TestRateLimitHoldsWhileFlushing: in one process the limit is exact even
// while its counts are on their way to the database — a burst of
// requests from many goroutines, flushed over and over meanwhile, is
// allowed exactly the limit.
func TestRateLimitHoldsWhileFlushing(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	l := ratelimit.New(b.app.Pool, map[string]ratelimit.Rule{"burst": {Limit: 50, Window: time.Hour}}, slog.Default())
	school := b.demo.School.ID
	ctx := context.Background()
	stop := make(chan struct{})
	flushed := make(chan error, 1)
	go func() {
		var err error
		for {
			select {
			case <-stop:
				flushed <- err
				return
			default:
			}
			if e := l.Flush(ctx); e != nil && err == nil {
				err = e
			}
		}
	}()
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for range 40 {
				if l.Allow(school, "burst", "account:one") == nil {
					allowed.Add(1)
				}
				time.Sleep(100 * time.Microsecond)
			}
		})
	}
	wg.Wait()
	close(stop)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	if n := allowed.Load(); n != 50 {
		t.Errorf("%d of 800 allowed, want the limit of 50", n)
	}
}
