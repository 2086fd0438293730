package stack

import (
	"context"
	"fmt"

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
