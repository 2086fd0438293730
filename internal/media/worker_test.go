package media

import (
	"context"
	"errors"
	"testing"
)

// TestProbeFailed: a failed probe fails (and so deletes) the file only when
// the file could be reached and the probe was not stopped.
func TestProbeFailed(t *testing.T) {
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	down := errors.New("connection refused")
	for name, c := range map[string]struct {
		ctx           context.Context
		stat          error
		wantPermanent bool
	}{
		"unreadable video":       {context.Background(), nil, true},
		"store out of reach":     {context.Background(), down, false},
		"server shutting down":   {stopped, nil, false},
		"stopped and store down": {stopped, down, false},
	} {
		err := probeFailed(c.ctx, func() error { return c.stat })
		var perm permanent
		if got := errors.As(err, &perm); got != c.wantPermanent || err == nil {
			t.Errorf("%s: %v (permanent %v, want %v)", name, err, got, c.wantPermanent)
		}
	}
}
