package media

import "testing"

// TestMostUnmatched: the sweep cleans up after files gone astray one at a
// time, never after most of them at once.
func TestMostUnmatched(t *testing.T) {
	for _, c := range []struct {
		unmatched, examined int
		want                bool
	}{
		{0, 0, false}, {1, 1, false}, {2, 2, false}, // too few to tell
		{1, 100, false}, {50, 100, false}, // up to half: removed
		{3, 3, true}, {51, 100, true}, {1000, 1000, true}, // most: kept
	} {
		if got := mostUnmatched(c.unmatched, c.examined); got != c.want {
			t.Errorf("%d unmatched of %d: %v, want %v", c.unmatched, c.examined, got, c.want)
		}
	}
}
