package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultLease is how long a process may go without renewing its lease
// before its running jobs are given to the others.
const DefaultLease = 30 * time.Second

// Lease keeps a job client's row in job_clients fresh while the process
// lives, and gives back to the queue the running jobs of clients whose row
// has lapsed.
//
// River marks a job running when a client fetches it and only that client
// finishes it; River's own rescuer returns a job still running after its
// timeout (minutes for long jobs), and a unique job (one search drain per
// school) blocks every later request meanwhile. A process that dies
// (kill -9, OOM, a lost node) stops renewing, and within the lease plus one
// renewal its jobs are available again to the processes still alive, each
// exactly once (one UPDATE takes them from running). A job that was mid-way
// when its process died runs again from the start, so workers are written
// to be safe to repeat.
type Lease struct {
	pool  *pgxpool.Pool
	id    string
	host  string
	lapse time.Duration
	every time.Duration
	log   *slog.Logger
}

// NewLease returns a lease for a new client ID on this host.
func NewLease(pool *pgxpool.Pool, lapse time.Duration, log *slog.Logger) *Lease {
	if lapse <= 0 {
		lapse = DefaultLease
	}
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := fmt.Sprintf("%s_%d_%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	return &Lease{pool: pool, id: id, host: host, lapse: lapse, every: max(lapse/6, 100*time.Millisecond), log: log}
}

// ClientID is the River client ID the lease stands for.
func (l *Lease) ClientID() string { return l.id }

// Run renews the lease and rescues lapsed clients' jobs until ctx ends.
func (l *Lease) Run(ctx context.Context) {
	t := time.NewTicker(l.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := l.renew(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("jobs: renew the lease", "client", l.id, "err", err)
		}
		if _, err := l.Rescue(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("jobs: rescue the jobs of stopped processes", "err", err)
		}
	}
}

func (l *Lease) renew(ctx context.Context) error {
	_, err := l.pool.Exec(ctx, renewLease, l.id, l.host, os.Getpid(), l.lapse.Seconds())
	return err
}

func (l *Lease) release(ctx context.Context) error {
	_, err := l.pool.Exec(ctx, releaseLease, l.id)
	return err
}

// Rescued is a job given back to the queue.
type Rescued struct {
	ID     int64
	Kind   string
	Client string
}

// Rescue makes the running jobs of every client whose lease has lapsed
// available again (discarded when they have no attempts left), and forgets
// clients gone for a day. It returns the jobs it gave back.
func (l *Lease) Rescue(ctx context.Context) ([]Rescued, error) {
	rows, err := l.pool.Query(ctx, rescueLapsed)
	if err != nil {
		return nil, fmt.Errorf("jobs: rescue: %w", err)
	}
	var out []Rescued
	for rows.Next() {
		var r Rescued
		if err := rows.Scan(&r.ID, &r.Kind, &r.Client); err != nil {
			rows.Close()
			return nil, fmt.Errorf("jobs: rescue: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs: rescue: %w", err)
	}
	for _, r := range out {
		l.log.Warn("jobs: gave back a job whose process stopped", "job", r.ID, "kind", r.Kind, "client", r.Client)
	}
	// A day without a renewal: the client is gone for good (its jobs,
	// if any were missed, are River's rescuer's).
	if _, err := l.pool.Exec(ctx, forgetStoppedClients); err != nil {
		return out, fmt.Errorf("jobs: forget stopped clients: %w", err)
	}
	return out, nil
}
