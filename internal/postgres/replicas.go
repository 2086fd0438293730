package postgres

// Read replicas: the anonymous public reads of requests go to streaming
// replicas of the primary, everything else to the primary.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/reqmeta"
)

// ErrNotAReplica is returned by OpenReplicas for a URL whose server is not
// in recovery: a primary (or a promoted replica) given as a replica would
// serve reads that the real primary's writes never reach.
var ErrNotAReplica = errors.New("is not a replica")

// Replicas routes reads to streaming replicas of one primary.
//
// A request's tenant transactions and batches go to a replica when the
// request is anonymous (it carries no token and no cookie: ctx was given
// by WithReplicas) and its operation is a public read (reqmeta's
// Public); everything else, a signed-in session's reads included, goes to
// the primary, so a writer always reads its own writes.
//
// Run checks every replica a few times a second. A replica is in
// rotation while it answers, is in recovery, and has replayed what the
// primary had written at most MaxLag ago (measured by WAL positions
// sampled on the primary, so an idle primary does not look like a lagging
// replica). One that fails, falls behind or is promoted is taken out and
// put back once a check finds it healthy again. A replica that fails
// before a read began is also taken out at once, and the read goes to the
// primary.
//
// Fence keeps announced changes visible: called when a change is
// announced (after its commit), it reads the primary's WAL position, and
// until a replica is seen to have replayed past it, reads go to the
// primary. A reader told of a change (or served an answer computed after
// it) therefore never reads from a replica that has not replayed it.
type Replicas struct {
	primary *pgxpool.Pool
	members []*replica
	maxLag  time.Duration
	log     *slog.Logger
	next    atomic.Uint64

	fence      atomic.Uint64 // WAL position a replica must have replayed to be read
	fenceMu    sync.Mutex    // changes of the fence
	unknownGen uint64        // Fence failures so far
	pending    uint64        // positions Fence read while the fence was unknown

	mu      sync.Mutex
	samples []walSample // the primary's positions, oldest first
}

type walSample struct {
	at  time.Time
	lsn uint64
}

type replica struct {
	name     string // host:port/database, never the password
	pool     *pgxpool.Pool
	usable   atomic.Bool
	replayed atomic.Uint64
	log      *slog.Logger

	mu    sync.Mutex
	state string // "ok", "lagging", "down", "not a replica"
	lag   time.Duration
}

// ReplicaStatus is one replica as last checked.
type ReplicaStatus struct {
	Name   string
	State  string // ok, lagging, down, not a replica
	Lag    time.Duration
	Usable bool
}

// OpenReplicas opens a pool to each replica URL (with the same settings
// as the primary's). A replica that cannot be reached now starts out of
// rotation; one that answers and is not in recovery is refused with
// ErrNotAReplica.
func OpenReplicas(ctx context.Context, primary *pgxpool.Pool, urls []string, maxLag time.Duration, log *slog.Logger,
	tune ...func(*pgxpool.Config)) (*Replicas, error) {
	rs := &Replicas{primary: primary, maxLag: maxLag, log: log}
	for _, u := range urls {
		cfg, err := poolConfig(u, tune)
		if err != nil {
			rs.Close()
			return nil, err
		}
		name := net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))) + "/" + cfg.ConnConfig.Database
		cfg.ConnConfig.RuntimeParams["application_name"] = "zhdj-replica-read"
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			rs.Close()
			return nil, fmt.Errorf("postgres: replica %s: %w", name, err)
		}
		r := &replica{name: name, pool: pool, log: log, state: "down"}
		rs.members = append(rs.members, r)
		checkCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		inRecovery, _, err := r.position(checkCtx)
		cancel()
		switch {
		case err != nil:
			log.Warn("postgres: replica unreachable at start; out of rotation until it answers", "replica", name, "err", err)
		case !inRecovery:
			rs.Close()
			return nil, fmt.Errorf("postgres: ZHDJ_DATABASE_REPLICA_URLS: %s %w (pg_is_in_recovery() is false): give streaming replicas of the primary, or leave it empty",
				name, ErrNotAReplica)
		}
	}
	return rs, nil
}

// Close closes the replicas' pools.
func (rs *Replicas) Close() {
	if rs == nil {
		return
	}
	for _, r := range rs.members {
		r.pool.Close()
	}
}

// Status reports every replica as last checked.
func (rs *Replicas) Status() []ReplicaStatus {
	if rs == nil {
		return nil
	}
	out := make([]ReplicaStatus, 0, len(rs.members))
	for _, r := range rs.members {
		r.mu.Lock()
		out = append(out, ReplicaStatus{Name: r.name, State: r.state, Lag: r.lag, Usable: r.usable.Load()})
		r.mu.Unlock()
	}
	return out
}

// Run checks the replicas every interval until ctx ends.
func (rs *Replicas) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rs.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Check samples the primary's WAL position and checks every replica once.
func (rs *Replicas) Check(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var lsn uint64
	if err := rs.primary.QueryRow(ctx, primaryPosition).Scan(&lsn); err != nil {
		// Without the primary's position no lag can be told: the replicas
		// keep their state until the next check.
		if ctx.Err() == nil {
			rs.log.Warn("postgres: read the primary's WAL position", "err", err)
		}
		return
	}
	now := time.Now()
	rs.settleFence(ctx)
	rs.mu.Lock()
	rs.samples = append(rs.samples, walSample{at: now, lsn: lsn})
	keep := 2*rs.maxLag + 5*time.Second
	drop := 0
	for drop < len(rs.samples)-1 && now.Sub(rs.samples[drop].at) > keep {
		drop++
	}
	rs.samples = rs.samples[drop:]
	samples := rs.samples
	rs.mu.Unlock()

	var wg sync.WaitGroup
	for _, r := range rs.members {
		wg.Go(func() {
			inRecovery, replayed, err := r.position(ctx)
			switch {
			case err != nil:
				r.set("down", 0, false, err)
			case !inRecovery:
				r.set("not a replica", 0, false, ErrNotAReplica)
			default:
				r.replayed.Store(replayed)
				lag := lagOf(samples, replayed, now)
				if lag > rs.maxLag {
					r.set("lagging", lag, false, nil)
				} else {
					r.set("ok", lag, true, nil)
				}
			}
		})
	}
	wg.Wait()
}

// lagOf is how long ago the primary had written no more than a replica
// has replayed: now less the latest sample at or below replayed (all of
// the samples' span when none is).
func lagOf(samples []walSample, replayed uint64, now time.Time) time.Duration {
	for i := len(samples) - 1; i >= 0; i-- {
		if samples[i].lsn <= replayed {
			return now.Sub(samples[i].at)
		}
	}
	if len(samples) == 0 {
		return 0
	}
	return now.Sub(samples[0].at) + time.Nanosecond
}

// Fence makes reads wait, on the primary, for the replicas to replay
// everything committed so far (call it when a change is announced).
func (rs *Replicas) Fence(ctx context.Context) {
	if rs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var lsn uint64
	err := rs.primary.QueryRow(ctx, primaryPosition).Scan(&lsn)
	rs.fenceMu.Lock()
	defer rs.fenceMu.Unlock()
	switch {
	case err != nil:
		// Until a check reads a position after this, nothing goes to a replica.
		rs.fence.Store(unknownFence)
		rs.unknownGen++
	case rs.fence.Load() == unknownFence:
		rs.pending = max(rs.pending, lsn)
	case lsn > rs.fence.Load():
		rs.fence.Store(lsn)
	}
}

// unknownFence is the fence while the primary's position is unknown: no
// replica has replayed that far.
const unknownFence = ^uint64(0)

// settleFence replaces an unknown fence by the primary's position read
// after it became unknown (and by the fences set meanwhile).
func (rs *Replicas) settleFence(ctx context.Context) {
	rs.fenceMu.Lock()
	gen, unknown := rs.unknownGen, rs.fence.Load() == unknownFence
	rs.fenceMu.Unlock()
	if !unknown {
		return
	}
	var lsn uint64
	if err := rs.primary.QueryRow(ctx, primaryPosition).Scan(&lsn); err != nil {
		return
	}
	rs.fenceMu.Lock()
	defer rs.fenceMu.Unlock()
	if rs.unknownGen == gen { // no Fence failed while we read
		rs.fence.Store(max(lsn, rs.pending))
		rs.pending = 0
	}
}

// pick returns a replica for a read, or nil for the primary.
func (rs *Replicas) pick() *replica {
	fence := rs.fence.Load()
	n := len(rs.members)
	start := int(rs.next.Add(1))
	for i := range n {
		r := rs.members[(start+i)%n]
		if r.usable.Load() && r.replayed.Load() >= fence {
			return r
		}
	}
	return nil
}

type replicasKey struct{}

// WithReplicas returns ctx whose public reads may go to rs (give it only
// to requests without a token or cookie; nil rs: none).
func WithReplicas(ctx context.Context, rs *Replicas) context.Context {
	if rs == nil || len(rs.members) == 0 {
		return ctx
	}
	return context.WithValue(ctx, replicasKey{}, rs)
}

// replicaFor returns the replica a read on db in ctx goes to, or nil.
func replicaFor(ctx context.Context, db Beginner) *replica {
	rs, _ := ctx.Value(replicasKey{}).(*Replicas)
	if rs == nil || db != Beginner(rs.primary) {
		return nil
	}
	if m := reqmeta.From(ctx); m == nil {
		return nil
	} else if public, _, _ := m.Public(); !public {
		return nil
	}
	return rs.pick()
}

// onReplica runs read on the replica that a public read of db in ctx goes
// to, if any (done: its result stands). A replica that fails before read
// has read anything (ran still false) is taken out of rotation and done is
// false: the caller reads the primary instead, which is safe, since a read
// on a replica wrote nothing.
func onReplica(ctx context.Context, db Beginner, read func(replica *pgxpool.Pool, ran *bool) error) (done bool, err error) {
	r := replicaFor(ctx, db)
	if r == nil {
		return false, nil
	}
	ran := false
	err = read(r.pool, &ran)
	if err == nil || ran || ctx.Err() != nil {
		return true, err
	}
	r.failed(err)
	return false, nil
}

// readResults are a batch's results that set *read once one of them came.
type readResults struct {
	pgx.BatchResults
	read *bool
}

func (r readResults) Exec() (pgconn.CommandTag, error) {
	tag, err := r.BatchResults.Exec()
	*r.read = *r.read || err == nil
	return tag, err
}

func (r readResults) Query() (pgx.Rows, error) {
	rows, err := r.BatchResults.Query()
	*r.read = *r.read || err == nil
	return rows, err
}

func (r readResults) QueryRow() pgx.Row { return readRow{r.BatchResults.QueryRow(), r.read} }

type readRow struct {
	pgx.Row
	read *bool
}

func (r readRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	*r.read = *r.read || err == nil || errors.Is(err, pgx.ErrNoRows)
	return err
}

// position reads whether the server is in recovery and what it replayed.
func (r *replica) position(ctx context.Context) (inRecovery bool, replayed uint64, err error) {
	err = r.pool.QueryRow(ctx, replicaPosition).Scan(&inRecovery, &replayed)
	return inRecovery, replayed, err
}

// failed takes r out of rotation after a read found it failing.
func (r *replica) failed(err error) { r.set("down", 0, false, err) }

func (r *replica) set(state string, lag time.Duration, usable bool, err error) {
	r.mu.Lock()
	was := r.state
	r.state, r.lag = state, lag
	r.mu.Unlock()
	r.usable.Store(usable)
	if was == state {
		return
	}
	switch {
	case usable:
		r.log.Info("postgres: replica in rotation", "replica", r.name, "lag", lag)
	case err != nil:
		r.log.Warn("postgres: replica out of rotation", "replica", r.name, "state", state, "err", err)
	default:
		r.log.Warn("postgres: replica out of rotation", "replica", r.name, "state", state, "lag", lag)
	}
}
