package stack

import (
	"context"
	"fmt"

	"github.com/alexedwards/argon2id"
	"github.com/jackc/pgx/v5"
)

// topStatements prints where PostgreSQL spent its time during a phase
// (BENCH_PG_STATS=1) and starts counting the next one.
func TopStatements(ctx context.Context, url, phase string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT calls, total_exec_time, total_plan_time, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
		FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 15`)
	if err != nil {
		return err
	}
	defer rows.Close()
	fmt.Printf("\n%8s %10s %10s  statement (pg_stat_statements, %s)\n", "calls", "exec ms", "plan ms", phase)
	for rows.Next() {
		var calls int64
		var execMS, planMS float64
		var q string
		if err := rows.Scan(&calls, &execMS, &planMS, &q); err != nil {
			return err
		}
		fmt.Printf("%8d %10.0f %10.0f  %s\n", calls, execMS, planMS, q)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `SELECT pg_stat_statements_reset()`)
	return err
}

// Exec runs one statement on the server at url.
func Exec(ctx context.Context, url, sql string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// SeedStudents adds, in tx (scoped to the demo school), n students named
// bench00000… at stage in 学生第一党支部, each with an account of that
// name and password (hashed cheaply: benches measure other things).
func SeedStudents(ctx context.Context, tx pgx.Tx, n int, stage, password string) error {
	hash, err := argon2id.CreateHash(password, &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO people (tenant_id, name, gender, category, org_unit_id, stage)
		SELECT u.tenant_id, 'bench' || lpad((g - 1)::text, 5, '0'), 'female', 'student', u.id, $2
		FROM generate_series(1, $1) g, org_units u WHERE u.code = 'XXGC-XS1'`, n, stage); err != nil {
		return fmt.Errorf("seed students: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO accounts (tenant_id, username, display_name, password_hash, person_id)
		SELECT tenant_id, name, name, $1, id FROM people WHERE name LIKE 'bench%'`, hash); err != nil {
		return fmt.Errorf("seed students' accounts: %w", err)
	}
	return nil
}
