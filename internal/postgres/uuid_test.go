package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"zhdj/internal/pgtest"
)

// TestUUIDs: with ids sent as 16 bytes (see Open), every way the code
// passes and reads them still works: values, nil and non-nil pointers,
// arrays, and an id given where text is expected.
func TestUUIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewDB(t).Pool
	id := uuid.New()
	var back uuid.UUID
	var asText string
	if err := pool.QueryRow(ctx, `SELECT $1::uuid, $1::uuid::text`, id).Scan(&back, &asText); err != nil || back != id || asText != id.String() {
		t.Fatalf("uuid round trip: %v %s %q", err, back, asText)
	}
	if err := pool.QueryRow(ctx, `SELECT $1::text`, id).Scan(&asText); err != nil || asText != id.String() {
		t.Fatalf("uuid as a text parameter: %v %q", err, asText)
	}
	var none, some *uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT $1::uuid, $2::uuid`, (*uuid.UUID)(nil), &id).Scan(&none, &some); err != nil || none != nil || some == nil || *some != id {
		t.Fatalf("pointers: %v %v %v", err, none, some)
	}
	ids := []uuid.UUID{uuid.New(), id}
	var arr []uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT $1::uuid[]`, ids).Scan(&arr); err != nil || !slices.Equal(arr, ids) {
		t.Fatalf("arrays: %v %v", err, arr)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM unnest($1::uuid[]) u WHERE u = $2`, ids, id).Scan(&n); err != nil || n != 1 {
		t.Fatalf("array and value in one statement: %v %d", err, n)
	}
}
