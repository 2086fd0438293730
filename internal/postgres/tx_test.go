package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/pgcluster"
	"zhdj/internal/pgtest"
	"zhdj/internal/postgres"
)

// TestInTenantTxCommitWith: the final statements commit with the
// transaction; a failing one, or an error of fn, keeps nothing; the one
// connection of the pool is clean for the next caller either way.
func TestInTenantTxCommitWith(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if _, err := owner.Exec(ctx, `CREATE TABLE probe (n int PRIMARY KEY, tenant text NOT NULL); GRANT ALL ON probe TO `+pgcluster.ServerRole); err != nil {
		t.Fatal(err)
	}
	pool, err := postgres.Open(ctx, db.URL, func(c *pgxpool.Config) { c.MaxConns = 1 })
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	tenant := uuid.New()
	insert := `INSERT INTO probe VALUES ($1, current_setting('app.tenant_id')) RETURNING n`
	rows := func() []int {
		t.Helper()
		var ns []int
		r, err := pool.Query(ctx, `SELECT n FROM probe ORDER BY n`)
		if err != nil {
			t.Fatal(err)
		}
		ns, err = pgx.CollectRows(r, pgx.RowTo[int])
		if err != nil {
			t.Fatal(err)
		}
		return ns
	}

	// fn's own statements and the final ones commit together; callbacks see
	// the results.
	var got, read int
	reads := &pgx.Batch{}
	reads.Queue(`SELECT count(*) FROM probe WHERE tenant = current_setting('app.tenant_id')`).QueryRow(func(row pgx.Row) error { return row.Scan(&read) })
	reads.Queue(insert, 1)
	err = postgres.InTenantTxCommitWith(ctx, pool, tenant, reads, func(q postgres.Querier) (*pgx.Batch, error) {
		if read != 0 {
			return nil, fmt.Errorf("read %d rows before any insert", read)
		}
		b := &pgx.Batch{}
		b.Queue(insert, 2).QueryRow(func(row pgx.Row) error { return row.Scan(&got) })
		return b, nil
	})
	if err != nil || got != 2 {
		t.Fatalf("commit with a final statement: err %v, returned %d", err, got)
	}
	var stored string
	if err := pool.QueryRow(ctx, `SELECT tenant FROM probe WHERE n = 2`).Scan(&stored); err != nil || stored != tenant.String() {
		t.Fatalf("the final statement ran with tenant %q (%v), want %s", stored, err, tenant)
	}

	// A final statement that fails: nothing of the transaction is kept.
	err = postgres.InTenantTxCommitWith(ctx, pool, tenant, nil, func(q postgres.Querier) (*pgx.Batch, error) {
		if _, err := q.Exec(ctx, insert, 3); err != nil {
			return nil, err
		}
		b := &pgx.Batch{}
		b.Queue(insert, 4)
		b.Queue(insert, 1) // duplicate key
		return b, nil
	})
	if !postgres.IsUniqueViolation(err, "") {
		t.Fatalf("a failing final statement returned %v, want the unique violation", err)
	}

	// fn's error: rolled back, returned as is.
	stop := errors.New("stop")
	err = postgres.InTenantTxCommitWith(ctx, pool, tenant, nil, func(q postgres.Querier) (*pgx.Batch, error) {
		if _, err := q.Exec(ctx, insert, 5); err != nil {
			return nil, err
		}
		return nil, stop
	})
	if !errors.Is(err, stop) {
		t.Fatalf("fn's error came back as %v", err)
	}

	// A read's error: rolled back.
	bad := &pgx.Batch{}
	bad.Queue(insert, 7)
	bad.Queue(`SELECT 1`).QueryRow(func(pgx.Row) error { return stop })
	err = postgres.InTenantTxCommitWith(ctx, pool, tenant, bad, func(postgres.Querier) (*pgx.Batch, error) {
		t.Error("decide ran after a failed read")
		return nil, nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("a read's error came back as %v", err)
	}

	// No final statements: a plain commit.
	err = postgres.InTenantTxCommitWith(ctx, pool, tenant, nil, func(q postgres.Querier) (*pgx.Batch, error) {
		_, err := q.Exec(ctx, insert, 6)
		return nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if ns := rows(); len(ns) != 3 || ns[0] != 1 || ns[1] != 2 || ns[2] != 6 {
		t.Fatalf("stored %v, want [1 2 6] (nothing of the failed transactions)", ns)
	}
	var setting string
	if err := pool.QueryRow(ctx, `SELECT current_setting('app.tenant_id', true)`).Scan(&setting); err != nil || setting != "" {
		t.Fatalf("the pooled connection still carries tenant %q (%v)", setting, err)
	}
}
