package postgres

import (
	"testing"
	"time"
)

// A replica's lag is how long ago the primary had written no more than
// the replica replayed, so an idle primary never makes it look behind.
func TestLagOf(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 10, 0, time.UTC)
	at := func(s int) time.Time { return now.Add(-time.Duration(s) * time.Second) }
	// The primary wrote up to 100 ten seconds ago, 200 five, 300 one.
	samples := []walSample{{at(10), 100}, {at(5), 200}, {at(1), 300}}
	for _, c := range []struct {
		name     string
		samples  []walSample
		replayed uint64
		want     time.Duration
	}{
		{"caught up with the last sample", samples, 300, time.Second},
		{"between two samples: as of the earlier", samples, 250, 5 * time.Second},
		{"exactly at a sample", samples, 200, 5 * time.Second},
		{"behind every sample: more than their span", samples, 50, 10*time.Second + time.Nanosecond},
		{"an idle primary: one position for long", []walSample{{at(9), 100}, {at(5), 100}, {at(0), 100}}, 100, 0},
		{"no samples yet", nil, 0, 0},
	} {
		if got := lagOf(c.samples, c.replayed, now); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
