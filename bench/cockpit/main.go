// Command cockpit measures the data cockpit of a grown school: 10,000
// members in 100 branches of 10 colleges, 200,000 learning facts and
// 1,000,000 ledger entries over a year, 200,000 task assignments and a
// year of monthly theme days with their attendance; the cockpit of the
// whole school, of a college and of a branch, for the year and the
// quarter, over HTTP against a real server at 8 clients.
package main

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/bench/internal/stack"
	"zhdj/internal/cockpit/cockpitdb"
)

func main() {
	members := flag.Int("members", 10000, "people of the school")
	facts := flag.Int("facts", 200000, "learning facts over the year")
	entries := flag.Int("entries", 1000000, "ledger entries over the year")
	clients := flag.Int("clients", 8, "concurrent readers of the cockpit")
	duration := flag.Duration("duration", 10*time.Second, "how long each cockpit is read")
	bin := flag.String("zhdj", "", "zhdj binary (built into a temporary folder when empty)")
	flag.Parse()
	if err := run(*members, *facts, *entries, *clients, *duration, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench/cockpit:", err)
		os.Exit(1)
	}
}

func run(members, facts, entries, clients int, d time.Duration, bin string) error {
	ctx := context.Background()
	// The warnings job would scan the grown school while it is measured.
	s, err := stack.Start(ctx, bin, "ZHDJ_ARGON2_MEMORY_KIB=1024", "ZHDJ_ARGON2_ITERATIONS=1", "ZHDJ_ARGON2_PARALLELISM=1", "ZHDJ_RATE_LIMITS=off",
		"ZHDJ_WARNING_SCAN=off")
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Run("seed"); err != nil {
		return err
	}
	fmt.Printf("seeding %d members, %d facts, %d ledger entries, tasks and meetings …\n", members, facts, entries)
	t0 := time.Now()
	if err := seed(ctx, s.OwnerURL, members, facts, entries); err != nil {
		return err
	}
	fmt.Printf("  seeded in %.0f s\n", time.Since(t0).Seconds())
	if os.Getenv("BENCH_PG_STATS") != "" {
		if err := stack.Exec(ctx, s.AdminURL, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
			return err
		}
	}
	base := s.Env
	// First what one computation costs (every reader computes), then what
	// readers see with the cache of computed cockpits (the default).
	for _, mode := range []struct{ name, maxAge string }{
		{"computed for every reader (ZHDJ_COCKPIT_MAX_AGE=off)", "off"},
		{"with the default cache (ZHDJ_COCKPIT_MAX_AGE=5s)", "5s"},
	} {
		fmt.Printf("== %s\n", mode.name)
		s.Env = append(append([]string{}, base...), "ZHDJ_COCKPIT_MAX_AGE="+mode.maxAge)
		if err := measure(ctx, s, clients, d); err != nil {
			return err
		}
		s.StopServer()
	}
	return nil
}

// measure serves zhdj and reads each cockpit at clients for d.
func measure(ctx context.Context, s *stack.Stack, clients int, d time.Duration) error {
	if _, err := s.Serve(); err != nil {
		return err
	}
	post := stack.NewClient(s.BaseURL, 64).Post
	var login struct{ Login struct{ AccessToken string } }
	if err := post("", `mutation { login(input: {school: "demo", identifier: "admin", password: "zhdj-demo-2026"}) { accessToken } }`, nil, &login); err != nil {
		return fmt.Errorf("admin sign-in: %w", err)
	}
	admin := login.Login.AccessToken
	ids, err := unitIDs(ctx, s.OwnerURL, "DW", "BC01", "BC01-B01")
	if err != nil {
		return err
	}
	if os.Getenv("BENCH_EXPLAIN") != "" {
		if err := explain(ctx, s.OwnerURL); err != nil {
			return err
		}
	}
	if os.Getenv("BENCH_PG_STATS") != "" {
		if err := stack.Exec(ctx, s.AdminURL, `SELECT pg_stat_statements_reset()`); err != nil {
			return err
		}
	}
	const doc = `query($u: ID!, $p: PeriodInput) { cockpit(orgUnit: $u, period: $p) {
		people { total assessed byStage { stage people } nearNextStage }
		learning { learners rate facts weekly { start count people } }
		points { mean p10 p25 p50 p75 p90 topUnits { orgUnit { name } meanPoints } bottomUnits { orgUnit { name } meanPoints } }
		tasks { assigned approved overdue completionRate weekly { start assigned overdue } }
		volunteering { participants rate hours }
		meetings { byKind { kind held expected present attendees } attendanceRate }
		warnings { open byRule { rule open } } } }`
	const target = 200 * time.Millisecond
	for _, c := range []struct {
		name, unit string
		period     map[string]any
	}{
		{"the school, this year", "DW", map[string]any{"kind": "YEAR"}},
		{"the school, this quarter", "DW", map[string]any{"kind": "QUARTER"}},
		{"a college, this year", "BC01", map[string]any{"kind": "YEAR"}},
		{"a branch, this year", "BC01-B01", map[string]any{"kind": "YEAR"}},
		{"the school, the last 90 days", "DW", map[string]any{"kind": "CUSTOM", "from": time.Now().AddDate(0, 0, -90).UTC().Format(time.RFC3339),
			"to": time.Now().UTC().Format(time.RFC3339)}},
	} {
		vars := map[string]any{"u": ids[c.unit], "p": c.period}
		var sample struct {
			Cockpit struct {
				People   struct{ Assessed int }
				Learning struct{ Facts int }
				Points   struct{ Mean float64 }
			}
		}
		if err := post(admin, doc, vars, &sample); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		before := s.CPU()
		lat, failed := stack.PostLoad(post, []string{admin}, doc, vars, clients, d)
		cpu := s.CPU().Sub(before)
		p95 := lat[len(lat)*95/100]
		verdict := "ok"
		if p95 >= target {
			verdict = "MISSED"
		}
		fmt.Printf("cockpit of %s (%d assessed, %d facts, mean %.1f points) at %d clients: %.0f req/s; p50 %.1f ms, p95 %.1f ms (target < %d ms): %s, p99 %.1f ms; %d failed\n",
			c.name, sample.Cockpit.People.Assessed, sample.Cockpit.Learning.Facts, sample.Cockpit.Points.Mean, clients, float64(len(lat))/d.Seconds(),
			ms(lat[len(lat)/2]), ms(p95), target.Milliseconds(), verdict, ms(lat[len(lat)*99/100]), failed)
		fmt.Printf("  CPU per request: zhdj %d µs, PostgreSQL %d µs\n", cpu.Server.Microseconds()/int64(len(lat)), cpu.Postgres.Microseconds()/int64(len(lat)))
		if os.Getenv("BENCH_PG_STATS") != "" {
			if err := stack.TopStatements(ctx, s.AdminURL, c.name); err != nil {
				return err
			}
		}
	}
	return nil
}

// seed grows the demo school: 10 colleges of 10 branches (two groups
// each) under its committee, members spread over the branches in every
// stage, a year of facts and ledger entries (the roll-ups kept by the
// ledger's trigger as in production), 20 tasks to everyone, monthly theme
// days in every branch with their attendance.
func seed(ctx context.Context, ownerURL string, members, facts, entries int) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'demo'), true)`); err != nil {
			return err
		}
		if err := stack.SeedColleges(ctx, tx, 10, 10); err != nil {
			return err
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO people (tenant_id, name, gender, category, org_unit_id, stage, stage_since)
			  SELECT u.tenant_id, 'bench' || lpad(g::text, 5, '0'), 'female', 'student', u.id,
			         (ARRAY['full', 'full', 'full', 'probationary', 'candidate', 'activist', 'activist', 'applicant'])[1 + g % 8],
			         current_date - (g % 900)
			  FROM generate_series(0, $1 - 1) g
			  JOIN LATERAL (SELECT id, tenant_id FROM org_units WHERE code = 'BC' || lpad((1 + g % 10)::text, 2, '0') || '-B' || lpad((1 + (g / 10) % 10)::text, 2, '0')) u ON true`,
				[]any{members}},
			// A year of facts, of every kind, spread over the people and the days.
			{`INSERT INTO learning_facts (tenant_id, person_id, kind, source_type, source_id, occurred_at, details)
			  SELECT p.tenant_id, p.id, k.kind, 'bench', gen_random_uuid(), now() - (g % 365) * interval '1 day' - (g % 600) * interval '1 minute', k.details
			  FROM generate_series(0, $1 - 1) g
			  JOIN LATERAL (SELECT id, tenant_id FROM people WHERE name = 'bench' || lpad(((g::bigint * 7919) % $2)::text, 5, '0')) p ON true
			  JOIN LATERAL (SELECT (ARRAY['reading_completed', 'reading_completed', 'lesson_completed', 'quiz_completed', 'event_attended',
			                              'task_approved', 'volunteer_hours_confirmed'])[1 + g % 7] AS kind,
			                       CASE g % 7 WHEN 3 THEN '{"passed": true, "right": 9, "total": 10}'::jsonb WHEN 6 THEN '{"hours": 2}'::jsonb
			                                  ELSE '{}'::jsonb END AS details) k ON true`, []any{facts, members}},
			// Their entries, and as many more (earlier, uncapped awards) to reach entries.
			{`INSERT INTO points_entries (tenant_id, person_id, amount, kind, source_type, source_id, idempotency_key, occurred_at)
			  SELECT f.tenant_id, f.person_id, 1 + (hashtext(f.id::text) & 3), f.kind, 'fact', f.id, 'fact:' || f.id, f.occurred_at FROM learning_facts f
			  WHERE f.source_type = 'bench'`, nil},
			{`INSERT INTO points_entries (tenant_id, person_id, amount, kind, source_type, source_id, idempotency_key, occurred_at)
			  SELECT p.tenant_id, p.id, 1 + g % 3, (ARRAY['reading_completed', 'lesson_completed', 'quiz_completed', 'event_attended'])[1 + g % 4],
			         'fact', x.id, 'fact:' || x.id, now() - (g % 365) * interval '1 day' - (g % 500) * interval '1 minute'
			  FROM generate_series(0, $1 - 1) g
			  JOIN LATERAL (SELECT id, tenant_id FROM people WHERE name = 'bench' || lpad(((g::bigint * 104729) % $2)::text, 5, '0')) p ON true
			  CROSS JOIN LATERAL (SELECT gen_random_uuid() AS id WHERE g >= 0) x`, []any{entries - facts, members}},
			{`DELETE FROM points_pending`, nil},
			// 20 tasks to everyone, due over the year.
			{`INSERT INTO tasks (tenant_id, org_unit_id, title, deadline, audience, assignee_count)
			  SELECT u.tenant_id, u.id, '基准任务 ' || t, now() - (t * 18) * interval '1 day' + interval '30 days', '{"orgUnit": "DW"}', $1
			  FROM org_units u, generate_series(1, 20) t WHERE u.code = 'DW'`, []any{members}},
			{`INSERT INTO task_assignments (tenant_id, task_id, person_id, org_unit_id, deadline, status)
			  SELECT t.tenant_id, t.id, p.id, p.org_unit_id, t.deadline,
			         CASE WHEN t.deadline > now() THEN 'assigned' WHEN hashtext(p.id::text || t.id::text) % 5 = 0 THEN 'overdue' ELSE 'approved' END
			  FROM tasks t JOIN people p ON p.tenant_id = t.tenant_id AND p.name LIKE 'bench%' WHERE t.title LIKE '基准任务%'`, nil},
			// A theme day a month in every branch, everyone expected, most present.
			{`INSERT INTO events (tenant_id, org_unit_id, kind, title, starts_at, ends_at, code_secret)
			  SELECT b.tenant_id, b.id, 'theme_day', '主题党日 ' || m, date_trunc('month', now()) - m * interval '1 month' + interval '14 days',
			         date_trunc('month', now()) - m * interval '1 month' + interval '14 days 2 hours', decode(md5(b.id::text || m), 'hex')
			  FROM org_units b, generate_series(1, 12) m WHERE b.code LIKE 'BC__-B__'`, nil},
			{`INSERT INTO event_attendees (tenant_id, event_id, person_id, voting, status)
			  SELECT e.tenant_id, e.id, p.id, p.stage = 'full', CASE WHEN hashtext(p.id::text || e.id::text) % 10 = 0 THEN 'leave' ELSE 'present' END
			  FROM events e JOIN people p ON p.tenant_id = e.tenant_id AND p.org_unit_id = e.org_unit_id WHERE e.title LIKE '主题党日 %'`, nil},
		} {
			if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
				return fmt.Errorf("seed: %w\n%s", err, q.sql)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `VACUUM ANALYZE`)
	return err
}

// unitIDs reads the API's IDs of the demo school's units of codes (an
// org unit's: its type, the school, the unit).
func unitIDs(ctx context.Context, ownerURL string, codes ...string) (map[string]string, error) {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	out := map[string]string{}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var tenant uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'demo'), true)::uuid`).Scan(&tenant); err != nil {
			return err
		}
		for _, c := range codes {
			var id uuid.UUID
			if err := tx.QueryRow(ctx, `SELECT id FROM org_units WHERE tenant_id = $1 AND code = $2`, tenant, c).Scan(&id); err != nil {
				return fmt.Errorf("unit %s: %w", c, err)
			}
			b := append([]byte{2}, tenant[:]...)
			out[c] = base64.RawURLEncoding.EncodeToString(append(b, id[:]...))
		}
		return nil
	})
	return out, err
}

// explain prints the plans of the cockpit's costliest statements for the
// whole school this year (BENCH_EXPLAIN=1).
func explain(ctx context.Context, ownerURL string) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var tenant uuid.UUID
		var path string
		if err := tx.QueryRow(ctx, `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'demo'), true)::uuid`).Scan(&tenant); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT path::text FROM org_units WHERE tenant_id = $1 AND code = 'DW'`, tenant).Scan(&path); err != nil {
			return err
		}
		from := time.Date(time.Now().Year(), 1, 1, 0, 0, 0, 0, time.FixedZone("UTC+8", 8*3600))
		for _, q := range []struct {
			name string
			sql  string
			args []any
		}{
			{"LearningWeeks", cockpitdb.LearningWeeks, []any{tenant, from.AddDate(0, 0, -7), time.Now(), path}},
			{"LearningPeriod", cockpitdb.LearningPeriod, []any{tenant, "year", time.Date(from.Year(), 1, 1, 0, 0, 0, 0, time.UTC), path}},
			{"LearningDays", cockpitdb.LearningDays, []any{tenant, time.Now().AddDate(0, 0, -90), time.Now(), path}},
			{"PeriodHistogram", cockpitdb.PeriodHistogram, []any{path, "year", time.Date(from.Year(), 1, 1, 0, 0, 0, 0, time.UTC), tenant}},
			{"DayHistogram", cockpitdb.DayHistogram, []any{path, time.Now().AddDate(0, 0, -90), time.Now(), tenant}},
			{"TasksByWeek", cockpitdb.TasksByWeek, []any{time.Now(), tenant, from, time.Now(), path}},
			{"EventsByKind", cockpitdb.EventsByKind, []any{tenant, from, time.Now(), path}},
			{"StageDates", cockpitdb.StageDates, []any{tenant, path, []string{"activist", "probationary"}}},
		} {
			rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q.sql, q.args...)
			if err != nil {
				return fmt.Errorf("explain %s: %w", q.name, err)
			}
			fmt.Println("\n" + q.name + ":")
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					return err
				}
				fmt.Println("  " + line)
			}
			rows.Close()
		}
		return nil
	})
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
