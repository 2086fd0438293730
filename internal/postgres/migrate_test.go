package postgres_test

import (
	"context"
	"testing"

	"zhdj/internal/pgtest"
	"zhdj/internal/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestMigrateUpDownUp proves every migration's Down section undoes its Up
// section: all the way down and up again must succeed and end current.
func TestMigrateUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.EmptyDB(t)
	m, err := postgres.NewMigrator(db.Pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	applied, err := m.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 {
		t.Fatal("no migrations applied to an empty database")
	}
	cur, target, err := m.Versions(ctx)
	if err != nil || cur != target {
		t.Fatalf("after up: current %d target %d err %v", cur, target, err)
	}
	for range applied {
		if _, err := m.Down(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var tables int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'goose_db_version'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Fatalf("%d tables left after migrating all the way down", tables)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if !s.Applied {
			t.Fatalf("migration %d not applied after up", s.Version)
		}
	}
}
