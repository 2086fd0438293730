// Package postgres holds what every domain package needs from PostgreSQL:
// the connection pool, migrations, transactions scoped to one tenant, and the
// single place where driver errors become apperr kinds.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxuuid "github.com/vgarvardt/pgx-google-uuid/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/reqmeta"
)

// Open connects a pool to url and checks that the server answers; tune
// functions may adjust the pool configuration first (tests add a tracer).
// It returns an error naming the database on failure (never the password).
func Open(ctx context.Context, url string, tune ...func(*pgxpool.Config)) (*pgxpool.Pool, error) {
	cfg, err := poolConfig(url, tune)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect to %s: %w", cfg.ConnConfig.Database, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: ping %s on %s:%d: %w", cfg.ConnConfig.Database, cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return pool, nil
}

// poolConfig is the configuration of every pool zhdj opens.
func poolConfig(url string, tune []func(*pgxpool.Config)) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse database URL: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "zhdj"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	// uuid.UUID is a driver.Valuer and an sql.Scanner: without this pgx
	// would send and read every id through its text form (a tenth of the
	// server's CPU on a sign-up); registered, ids go as 16 bytes.
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		pgxuuid.Register(c.TypeMap())
		return nil
	}
	for _, t := range tune {
		t(cfg)
	}
	return cfg, nil
}

// Beginner is what InTx needs: a pool or a connection.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// InTx runs fn in a transaction that is committed when fn returns nil and
// rolled back otherwise. The transaction carries no tenant: use it for the
// few global look-ups (tenants, site routing) only.
func InTx(ctx context.Context, db Beginner, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db, fn)
}

// InTenantTx runs fn in a transaction whose app.tenant_id setting is
// tenantID, so that row-level security policies see only that tenant's rows.
// The request in ctx, if any, is told that it reads tenantID's data (the
// response cache keeps its answer only while that school is unchanged).
// The setting is transaction-local: a connection returned to the pool
// carries no tenant.
func InTenantTx(ctx context.Context, db Beginner, tenantID uuid.UUID, fn func(tx pgx.Tx) error) error {
	if tenantID == uuid.Nil {
		return errors.New("postgres: tenant transaction without a tenant")
	}
	reqmeta.ReadsTenant(ctx, tenantID)
	done, err := onReplica(ctx, db, func(replica *pgxpool.Pool, ran *bool) error {
		return inTenantTx(ctx, replica, tenantID, func(tx pgx.Tx) error { *ran = true; return fn(tx) })
	})
	if done {
		return err
	}
	return inTenantTx(ctx, db, tenantID, fn)
}

func inTenantTx(ctx context.Context, db Beginner, tenantID uuid.UUID, fn func(tx pgx.Tx) error) error {
	if tb, ok := db.(txBeginner); ok {
		// BEGIN and the tenant setting in one round trip (one simple-protocol
		// message; a UUID's text form needs no quoting beyond the literal).
		return pgx.BeginTxFunc(ctx, tb, pgx.TxOptions{
			BeginQuery: "BEGIN; SELECT set_config('app.tenant_id', '" + tenantID.String() + "', true)",
		}, fn)
	}
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, setTenant, tenantID.String()); err != nil {
			return fmt.Errorf("postgres: set tenant: %w", err)
		}
		return fn(tx)
	})
}

// Querier runs statements; inside InTenantTxCommitWith, in its transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// InTenantTxCommitWith is a tenant transaction in two round trips, for
// writes that lock a row many requests want (an activity's places): reads
// go with BEGIN and the tenant setting; decide checks what they found (it
// may run more statements on q) and returns the final statements, which go
// with COMMIT. Locks the final statements take are held for the server's
// work only, never across a round trip to this process — under load such
// a round trip takes milliseconds in which everyone else waits for the row.
//
// An error of a read's callback or of decide rolls back and is returned. If
// a final statement fails, the transaction is rolled back and that error
// returned; a final callback's own error cannot stop the COMMIT, so make
// such conditions fail in the statement. decide may return a nil batch to
// simply commit.
func InTenantTxCommitWith(ctx context.Context, pool *pgxpool.Pool, tenantID uuid.UUID, reads *pgx.Batch,
	decide func(q Querier) (*pgx.Batch, error)) error {
	if tenantID == uuid.Nil {
		return errors.New("postgres: tenant transaction without a tenant")
	}
	reqmeta.ReadsTenant(ctx, tenantID)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: acquire: %w", err)
	}
	defer conn.Release()
	defer func() {
		// Whatever went wrong (an error, a failed statement, a panic), the
		// connection goes back to the pool outside any transaction; Release
		// closes it if even that fails.
		if pc := conn.Conn().PgConn(); !pc.IsClosed() && pc.TxStatus() != 'I' {
			_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	first := &pgx.Batch{}
	first.Queue("BEGIN")
	first.Queue(setTenant, tenantID.String())
	if reads != nil {
		first.QueuedQueries = append(first.QueuedQueries, reads.QueuedQueries...)
	}
	if err := conn.SendBatch(ctx, first).Close(); err != nil {
		return err
	}
	final, err := decide(conn)
	if err != nil {
		return err
	}
	if final == nil {
		final = &pgx.Batch{}
	}
	final.Queue("COMMIT")
	return conn.SendBatch(ctx, final).Close()
}

type txBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// Err translates a driver error into an apperr kind where the database has
// told us something the caller can act on: no rows → NotFound, unique
// violation → Conflict, check or foreign-key violation → Invalid. what names
// the thing concerned ("site", "org unit") in the message; the original
// error is kept as the cause and never shown to clients.
func Err(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &apperr.Error{Kind: apperr.NotFound, Msg: what + " not found", Err: err}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return &apperr.Error{Kind: apperr.Conflict, Msg: what + " already exists", Err: err}
		case "23503": // foreign_key_violation
			return &apperr.Error{Kind: apperr.Invalid, Msg: what + " refers to something that does not exist", Err: err}
		case "23514", "22P02", "22001": // check_violation, invalid_text_representation, string too long
			return &apperr.Error{Kind: apperr.Invalid, Msg: what + " breaks a data rule", Err: err}
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return &apperr.Error{Kind: apperr.Conflict, Msg: what + " was changed concurrently; try again", Err: err}
		}
	}
	return err
}

// IsDuplicateObject reports whether err says that what a CREATE would
// create exists already: duplicate_object (a role), duplicate_database, or
// a unique violation on the catalog when a concurrent creator won the race.
func IsDuplicateObject(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "42710" || pe.Code == "42P04" || pe.Code == "23505")
}

// IsUniqueViolation reports whether err is a unique violation of constraint
// (any unique constraint when constraint is empty).
func IsUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && (constraint == "" || pe.ConstraintName == constraint)
}

// CheckServerRole returns an error when the pool's role could bypass
// row-level security: a superuser, a role with BYPASSRLS, or the owner of a
// tenant-owned table would make tenant isolation depend on every query
// being right.
func CheckServerRole(ctx context.Context, pool *pgxpool.Pool) error {
	var name string
	var super, bypass bool
	var owned int
	err := pool.QueryRow(ctx, serverRoleFacts).Scan(&name, &super, &bypass, &owned)
	if err != nil {
		return fmt.Errorf("postgres: inspect server role: %w", err)
	}
	switch {
	case super:
		return fmt.Errorf("postgres: the server's database role %q is a superuser; connect as a role without SUPERUSER or BYPASSRLS (see README: database roles)", name)
	case bypass:
		return fmt.Errorf("postgres: the server's database role %q has BYPASSRLS; connect as a role without it (see README: database roles)", name)
	case owned > 0:
		return fmt.Errorf("postgres: the server's database role %q owns %d tenant tables; connect as a role that owns nothing (see README: database roles)", name, owned)
	}
	return nil
}

// TenantBatch sends the queries queued in b, with their result callbacks,
// in one round trip, scoped to tenant. The batch runs as one implicit
// transaction whose first statement sets app.tenant_id for that
// transaction only, so row-level security applies exactly as in InTenantTx
// and the pooled connection keeps no tenant. For read paths where round
// trips dominate.
func TenantBatch(ctx context.Context, pool *pgxpool.Pool, tenantID uuid.UUID, b *pgx.Batch) error {
	return tenantBatch(ctx, pool, setTenant, tenantID, b)
}

// TenantBatchOverArrays is TenantBatch for statements over arrays of
// gathered requests (id = ANY($1)), whose plans do not depend on how many
// there are: they run their prepared, generic plans. Left to choose,
// PostgreSQL plans such a statement anew at every run (a plan for the
// exact number of ids looks cheaper than the generic one), which costs
// more than running it.
func TenantBatchOverArrays(ctx context.Context, pool *pgxpool.Pool, tenantID uuid.UUID, b *pgx.Batch) error {
	return tenantBatch(ctx, pool, setTenantGenericPlans, tenantID, b)
}

func tenantBatch(ctx context.Context, pool *pgxpool.Pool, set string, tenantID uuid.UUID, b *pgx.Batch) error {
	if tenantID == uuid.Nil {
		return errors.New("postgres: tenant batch without a tenant")
	}
	done, err := onReplica(ctx, pool, func(replica *pgxpool.Pool, ran *bool) error {
		// Copies: a sent query keeps its statement as that connection
		// prepared it, and the primary, if it must go there, has not.
		copied := &pgx.Batch{}
		copied.Queue(set, tenantID.String())
		for _, q := range b.QueuedQueries {
			c := &pgx.QueuedQuery{SQL: q.SQL, Arguments: q.Arguments}
			if fn := q.Fn; fn != nil {
				// Read once a result came: a callback told of a lost
				// connection before any has read nothing.
				c.Fn = func(br pgx.BatchResults) error { return fn(readResults{br, ran}) }
			}
			copied.QueuedQueries = append(copied.QueuedQueries, c)
		}
		return replica.SendBatch(ctx, copied).Close()
	})
	if done {
		return err
	}
	full := &pgx.Batch{}
	full.Queue(set, tenantID.String())
	full.QueuedQueries = append(full.QueuedQueries, b.QueuedQueries...)
	return pool.SendBatch(ctx, full).Close()
}
