package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/pgtest"
	"zhdj/internal/postgres"
)

// TestEveryTenantTableIsIsolated guards future migrations: any table with a
// tenant_id column must have row-level security enabled and forced.
func TestEveryTenantTableIsIsolated(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	rows, err := db.Pool.Query(context.Background(), `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'r'
		  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)`)
	if err != nil {
		t.Fatal(err)
	}
	type tbl struct {
		name          string
		rls, forceRLS bool
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tbl, error) {
		var x tbl
		return x, r.Scan(&x.name, &x.rls, &x.forceRLS)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) < 5 {
		t.Fatalf("only %d tenant tables found: %v", len(tables), tables)
	}
	for _, x := range tables {
		if !x.rls || !x.forceRLS {
			t.Errorf("table %s: row level security enabled=%v forced=%v", x.name, x.rls, x.forceRLS)
		}
	}
}

func TestServerRoleCannotBypass(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	if err := postgres.CheckServerRole(ctx, db.Pool); err != nil {
		t.Fatalf("test server role refused: %v", err)
	}
	owner, err := postgres.Open(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if err := postgres.CheckServerRole(ctx, owner); err == nil || !strings.Contains(err.Error(), "owns") {
		t.Fatalf("owner role accepted as server role: %v", err)
	}
	admin, err := postgres.Open(ctx, strings.Replace(pgtest.AdminURL(t), "/postgres?", "/"+db.Name+"?", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := postgres.CheckServerRole(ctx, admin); err == nil || !strings.Contains(err.Error(), "superuser") {
		t.Fatalf("superuser accepted as server role: %v", err)
	}
}

// TestTenantIsolation proves that the database, not the query, keeps
// tenants apart: SQL that forgets WHERE tenant_id still sees one tenant.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	a, b := uuid.New(), uuid.New()
	for i, id := range []uuid.UUID{a, b} {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO tenants (id, code, name) VALUES ($1, $2, $3)`, id, "school-"+string(rune('a'+i)), "学校"); err != nil {
			t.Fatal(err)
		}
		err := postgres.InTenantTx(ctx, db.Pool, id, func(tx pgx.Tx) error {
			for j := 0; j < 3; j++ {
				unit := uuid.New()
				kind, parent, path := "committee", (*uuid.UUID)(nil), strings.ReplaceAll(unit.String(), "-", "")
				if j > 0 {
					var root uuid.UUID
					var rootPath string
					if err := tx.QueryRow(ctx, `SELECT id, path FROM org_units WHERE parent_id IS NULL`).Scan(&root, &rootPath); err != nil {
						return err
					}
					kind, parent, path = "branch", &root, rootPath+"."+path
				}
				if _, err := tx.Exec(ctx, `INSERT INTO org_units (tenant_id, id, parent_id, kind, name, code, path) VALUES ($1, $2, $3, $4, 'x', $5, $6)`,
					id, unit, parent, kind, "U"+string(rune('0'+j)), path); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	count := func(tenant uuid.UUID) int {
		var n int
		run := func(tx pgx.Tx) error { return tx.QueryRow(ctx, `SELECT count(*) FROM org_units`).Scan(&n) }
		var err error
		if tenant == uuid.Nil {
			err = postgres.InTx(ctx, db.Pool, run)
		} else {
			err = postgres.InTenantTx(ctx, db.Pool, tenant, run)
		}
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(a); n != 3 {
		t.Fatalf("tenant A sees %d units, want its own 3", n)
	}
	if n := count(b); n != 3 {
		t.Fatalf("tenant B sees %d units, want its own 3", n)
	}
	if n := count(uuid.Nil); n != 0 {
		t.Fatalf("a transaction without a tenant sees %d units, want 0", n)
	}
	// After a tenant transaction the pooled connection carries no tenant.
	var setting string
	if err := db.Pool.QueryRow(ctx, `SELECT coalesce(current_setting('app.tenant_id', true), '')`).Scan(&setting); err != nil {
		t.Fatal(err)
	}
	if setting != "" {
		t.Fatalf("pooled connection still carries tenant %q", setting)
	}
	// Writing a row for another tenant is refused.
	err := postgres.InTenantTx(ctx, db.Pool, a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE org_units SET tenant_id = $1`, b)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Fatalf("moving rows to another tenant: %v", err)
	}
	// The audit log cannot be changed, even by its owner.
	owner, err := postgres.Open(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	err = postgres.InTenantTx(ctx, db.Pool, a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO audit_log (tenant_id, action) VALUES ($1, 'test')`, a)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, pool := range []interface {
		Begin(context.Context) (pgx.Tx, error)
	}{db.Pool, owner} {
		err = postgres.InTenantTx(ctx, pool, a, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM audit_log`)
			return err
		})
		if err == nil {
			t.Fatal("audit log rows deleted")
		}
	}
}

// TestOnlyListedTablesHaveOpenReads: every policy that lets a tenant table
// be read names the transaction's tenant, except on the tables listed here
// with the reason.
func TestOnlyListedTablesHaveOpenReads(t *testing.T) {
	t.Parallel()
	open := map[string]string{
		// Site routing finds a site by slug or origin before any tenant is
		// known; only active sites, and their public configuration.
		"sites":                 "active sites, for routing by slug",
		"site_origins":          "origins, for routing and CORS before the tenant is known",
		"registered_operations": "the sites' registered operations (hashes of what their front ends send), the allow-list checked before the tenant is known",
		// Published documents only; RLS on reads would forbid its GIN
		// indexes (see migration 00007); every query names its tenant.
		"search_documents": "published documents, searched through GIN indexes",
	}
	db := pgtest.NewDB(t)
	rows, err := db.Pool.Query(context.Background(), `
		SELECT tablename, policyname, coalesce(qual, '') FROM pg_policies
		WHERE schemaname = 'public' AND cmd IN ('SELECT', 'ALL')`)
	if err != nil {
		t.Fatal(err)
	}
	type policy struct{ table, name, qual string }
	policies, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (policy, error) {
		var p policy
		return p, r.Scan(&p.table, &p.name, &p.qual)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range policies {
		if !strings.Contains(p.qual, "app_tenant()") && open[p.table] == "" {
			t.Errorf("table %s: policy %s lets rows be read without naming the tenant (%q)", p.table, p.name, p.qual)
		}
	}
}
