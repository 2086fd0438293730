// Package rekey reseals personal data with the newest key after a key is
// added to ZHDJ_PII_KEYS, so that the old key can be removed: it goes over
// every sealed column the domains list (pii.Column), school by school, in
// small transactions that lock only the rows they reseal, and tells how
// many values each key version still holds.
//
// Rotation: add a key with a higher version (zhdj keys generate prints
// one) after the old ones and restart every server; new values are sealed
// with it at once. Then reseal (a background job the servers start
// themselves, or zhdj keys reseal with a progress bar) until zhdj keys
// status shows nothing under the old version, and only then remove it.
package rekey

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"zhdj/internal/pii"
	"zhdj/internal/postgres"
)

// batchSize is how many values one transaction reseals.
const batchSize = 200

// Service reseals the columns with the keyring's active key.
type Service struct {
	pool    *pgxpool.Pool
	keyring *pii.Keyring
	columns []pii.Column
}

// NewService returns a Service over columns (every domain's SealedColumns).
func NewService(pool *pgxpool.Pool, keyring *pii.Keyring, columns ...[]pii.Column) *Service {
	s := &Service{pool: pool, keyring: keyring}
	for _, c := range columns {
		s.columns = append(s.columns, c...)
	}
	return s
}

// Count is how many values of a column one key version seals.
type Count struct {
	Table, Column string
	Version       int
	N             int64
}

// Status counts the sealed values of every column by key version, over
// every school, in column and version order.
func (s *Service) Status(ctx context.Context) ([]Count, error) {
	tenants, err := s.tenants(ctx)
	if err != nil {
		return nil, err
	}
	sums := map[[2]string]map[int]int64{}
	for _, t := range tenants {
		err := postgres.InTenantTx(ctx, s.pool, t, func(tx pgx.Tx) error {
			for _, c := range s.columns {
				rows, err := tx.Query(ctx, countSQL(c), t)
				if err != nil {
					return err
				}
				byVersion, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
					V int
					N int64
				}])
				if err != nil {
					return err
				}
				k := [2]string{c.Table, c.Column}
				if sums[k] == nil {
					sums[k] = map[int]int64{}
				}
				for _, r := range byVersion {
					sums[k][r.V] += r.N
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("rekey: count: %w", err)
		}
	}
	var out []Count
	for _, c := range s.columns {
		for v, n := range sums[[2]string{c.Table, c.Column}] {
			out = append(out, Count{Table: c.Table, Column: c.Column, Version: v, N: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Table != out[j].Table {
			return out[i].Table < out[j].Table
		}
		if out[i].Column != out[j].Column {
			return out[i].Column < out[j].Column
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}

// Stale counts the values not sealed with the active key.
func (s *Service) Stale(ctx context.Context) (int64, error) {
	counts, err := s.Status(ctx)
	var n int64
	for _, c := range counts {
		if c.Version != s.keyring.Active() {
			n += c.N
		}
	}
	return n, err
}

// Reseal seals every value not sealed with the active key again with it,
// telling progress (done of total) after each batch, and returns how many
// it resealed. A value whose key the keyring lacks fails it: that key must
// be listed again first.
func (s *Service) Reseal(ctx context.Context, progress func(done, total int64)) (int64, error) {
	total, err := s.Stale(ctx)
	if err != nil {
		return 0, err
	}
	if progress == nil {
		progress = func(int64, int64) {}
	}
	progress(0, total)
	tenants, err := s.tenants(ctx)
	if err != nil {
		return 0, err
	}
	var done int64
	for _, t := range tenants {
		for _, c := range s.columns {
			for {
				n, err := s.resealBatch(ctx, t, c)
				if err != nil {
					return done, err
				}
				if n == 0 {
					break
				}
				done += int64(n)
				progress(done, max(total, done))
			}
		}
	}
	return done, nil
}

// resealBatch reseals up to batchSize values of c in t, skipping rows
// another transaction holds (it reseals them on its next pass).
func (s *Service) resealBatch(ctx context.Context, t uuid.UUID, c pii.Column) (int, error) {
	active := s.keyring.Active()
	n := 0
	err := postgres.InTenantTx(ctx, s.pool, t, func(tx pgx.Tx) error {
		n = 0
		rows, err := tx.Query(ctx, staleSQL(c), t, active, batchSize)
		if err != nil {
			return err
		}
		type sealed struct {
			ID    uuid.UUID
			Value []byte
		}
		batch, err := pgx.CollectRows(rows, pgx.RowToStructByPos[sealed])
		if err != nil {
			return err
		}
		for _, r := range batch {
			fresh, err := s.keyring.Reseal(r.Value, c.Context)
			if err != nil {
				return fmt.Errorf("rekey: %s.%s of %s (key version %d): %w", c.Table, c.Column, r.ID, pii.KeyVersion(r.Value), err)
			}
			if _, err := tx.Exec(ctx, updateSQL(c), t, r.ID, fresh); err != nil {
				return err
			}
		}
		n = len(batch)
		return nil
	})
	return n, err
}

func (s *Service) tenants(ctx context.Context) ([]uuid.UUID, error) {
	rows, err := s.pool.Query(ctx, schools)
	if err != nil {
		return nil, fmt.Errorf("rekey: schools: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// ResealArgs is the background reseal to key Version, queued by each
// server at start while values are sealed with an older key (one at a time
// however many servers queue it).
type ResealArgs struct {
	Version int `json:"version"`
}

// Kind names the job.
func (ResealArgs) Kind() string { return "pii.reseal" }

// InsertOpts puts the job in its version's queue (Queue) and makes it
// unique per version while it waits or runs.
func (a ResealArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue(a.Version), UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// Queue is the job queue of the reseal to key version v. A server works
// the queues of the versions its keyring opens (Queues), so that during a
// rolling restart an older server, which lacks the new key, never takes
// the job from one that has it.
func Queue(v int) string { return fmt.Sprintf("pii_reseal_v%d", v) }

// Queues are the reseal queues a server with keyring works.
func Queues(keyring *pii.Keyring) []string {
	var out []string
	for _, v := range keyring.Versions() {
		out = append(out, Queue(v))
	}
	return out
}

// ResealWorker runs the background reseal.
type ResealWorker struct {
	river.WorkerDefaults[ResealArgs]
	Rekey *Service
	// Progress, when set, is told of each batch (the server logs it).
	Progress func(done, total int64)
}

// Work reseals everything stale. A server that does not have the job's key
// yet leaves it for one that does (it does not work that queue: this only
// guards against a job put in the wrong one).
func (w *ResealWorker) Work(ctx context.Context, job *river.Job[ResealArgs]) error {
	if w.Rekey.keyring.Active() < job.Args.Version {
		return river.JobSnooze(10 * time.Second)
	}
	_, err := w.Rekey.Reseal(ctx, w.Progress)
	return err
}
