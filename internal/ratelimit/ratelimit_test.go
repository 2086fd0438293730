package ratelimit

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
)

func TestParseRules(t *testing.T) {
	got, err := ParseRules(" search=120/1m, export=20/1h ,signup=off,")
	if err != nil {
		t.Fatal(err)
	}
	if got["search"] != (Rule{120, time.Minute}) || got["export"] != (Rule{20, time.Hour}) || !got["signup"].Off() || len(got) != 3 {
		t.Fatalf("rules: %+v", got)
	}
	for _, bad := range []string{"search", "search=120", "search=x/1m", "search=0/1m", "search=5/0s", "search=5/48h", "search=-1/1m"} {
		if _, err := ParseRules(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestLocalCounting: without the database, a process alone still keeps
// to the limit, per subject and per school, and a new window starts over.
func TestLocalCounting(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 30, 0, time.UTC)
	l := New(nil, map[string]Rule{"search": {3, time.Minute}}, nil)
	l.now = func() time.Time { return now }
	school := uuid.New()
	for i := 0; i < 3; i++ {
		if err := l.Allow(school, "search", "ip:1.2.3.4"); err != nil {
			t.Fatal(err)
		}
	}
	err := l.Allow(school, "search", "ip:1.2.3.4")
	var ae *apperr.Error
	if !apperr.Is(err, apperr.RateLimited) || !asErr(err, &ae) || ae.RetryAfter != 30*time.Second {
		t.Fatalf("the fourth: %v", err)
	}
	if err := l.Allow(school, "search", "ip:5.6.7.8"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	if err := l.Allow(uuid.New(), "search", "ip:1.2.3.4"); err != nil {
		t.Fatalf("another school: %v", err)
	}
	if err := l.Allow(school, "export", "ip:1.2.3.4"); err != nil {
		t.Fatalf("a rule that is not set: %v", err)
	}
	now = now.Add(time.Minute)
	if err := l.Allow(school, "search", "ip:1.2.3.4"); err != nil {
		t.Fatalf("the next window: %v", err)
	}
}

func asErr(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*target = e
	return ok
}
