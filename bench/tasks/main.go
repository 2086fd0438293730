// Command tasks measures the work a school hands its members and what it
// suggests they study: publishing a task to the whole school (10,000
// people: one set-based statement), a member's task list, and "for you",
// each over HTTP against a real server, with latency percentiles at a
// number of concurrent clients.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"zhdj/bench/internal/stack"
)

const password = "bench-password-2026"

func main() {
	members := flag.Int("members", 10000, "people of the school")
	tasks := flag.Int("tasks", 20, "tasks published to the whole school before the lists are read")
	clients := flag.Int("clients", 8, "concurrent readers of the lists")
	duration := flag.Duration("duration", 10*time.Second, "how long each list is read")
	bin := flag.String("zhdj", "", "zhdj binary (built into a temporary folder when empty)")
	flag.Parse()
	if err := run(*members, *tasks, *clients, *duration, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench/tasks:", err)
		os.Exit(1)
	}
}

func run(members, tasks, clients int, d time.Duration, bin string) error {
	ctx := context.Background()
	s, err := stack.Start(ctx, bin, "ZHDJ_ARGON2_MEMORY_KIB=1024", "ZHDJ_ARGON2_ITERATIONS=1", "ZHDJ_ARGON2_PARALLELISM=1", "ZHDJ_RATE_LIMITS=off")
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Run("seed"); err != nil {
		return err
	}
	fmt.Printf("seeding %d members, 600 published items and what they studied …\n", members)
	if err := seed(ctx, s.OwnerURL, members); err != nil {
		return err
	}
	if os.Getenv("BENCH_PG_STATS") != "" {
		if err := stack.Exec(ctx, s.AdminURL, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
			return err
		}
	}
	if _, err := s.Serve(); err != nil {
		return err
	}
	if err := stack.WaitIndexed(ctx, s.OwnerURL); err != nil {
		return err
	}
	post := stack.NewClient(s.BaseURL, 64).Post
	login := func(user, pw string) (string, error) {
		var out struct{ Login struct{ AccessToken string } }
		err := post("", `mutation($u: String!, $p: String!) { login(input: {school: "demo", identifier: $u, password: $p}) { accessToken } }`,
			map[string]any{"u": user, "p": pw}, &out)
		return out.Login.AccessToken, err
	}
	admin, err := login("admin", "zhdj-demo-2026")
	if err != nil {
		return fmt.Errorf("admin sign-in: %w", err)
	}
	var me struct {
		Me struct {
			Roles []struct{ OrgUnit struct{ ID string } }
		}
	}
	if err := post(admin, `{ me { roles { orgUnit { id } } } }`, nil, &me); err != nil {
		return err
	}
	if len(me.Me.Roles) == 0 {
		return fmt.Errorf("the demo admin holds no role")
	}
	school := me.Me.Roles[0].OrgUnit.ID // the party committee: the whole school

	// Publishing to the whole school: one statement assigns every member.
	const publish = `mutation($in: PublishTaskInput!) { publishTask(input: $in) { task { id assigneeCount } } }`
	var times []time.Duration
	assigned := 0
	for i := range tasks {
		var out struct {
			PublishTask struct{ Task struct{ AssigneeCount int } }
		}
		t0 := time.Now()
		err := post(admin, publish, map[string]any{"in": map[string]any{"orgUnit": school, "title": fmt.Sprintf("全校任务 %d", i+1),
			"deadline": time.Now().Add(time.Duration(24*(i+1)) * time.Hour).UTC().Format(time.RFC3339), "checklist": []string{"学习", "提交心得"},
			"assignees": map[string]any{"orgUnit": school}}}, &out)
		times = append(times, time.Since(t0))
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		assigned = out.PublishTask.Task.AssigneeCount
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	worst := times[len(times)-1]
	verdict := "ok"
	if worst >= 2*time.Second {
		verdict = "MISSED"
	}
	fmt.Printf("\npublishing a task to the whole school (%d assignees each, %d tasks): median %.0f ms, slowest %.0f ms (target < 2000 ms): %s\n",
		assigned, tasks, ms(times[len(times)/2]), ms(worst), verdict)

	// Readers: a sample of members, signed in.
	readers := make([]string, 200)
	if err := stack.Parallel(len(readers), 16, func(i int) error {
		tok, err := login(fmt.Sprintf("bench%05d", i*(members/len(readers))), password)
		readers[i] = tok
		return err
	}); err != nil {
		return err
	}
	if err := stack.Exec(ctx, s.OwnerURL, `ANALYZE`); err != nil {
		return err
	}
	if os.Getenv("BENCH_PG_STATS") != "" {
		if err := stack.Exec(ctx, s.AdminURL, `SELECT pg_stat_statements_reset()`); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		name, doc string
		target    time.Duration
	}{
		{"myTasks", `{ myTasks(first: 20) { edges { node { status deadline orgUnit { name } task { title orgUnit { name } } latestSubmission { decision } } } } }`, 30 * time.Millisecond},
		{"forYou", `{ forYou(first: 20) { edges { node { required score content { __typename title } } } } }`, 50 * time.Millisecond},
	} {
		before := s.CPU()
		lat, failed := stack.PostLoad(post, readers, c.doc, nil, clients, d)
		cpu := s.CPU().Sub(before)
		p95 := lat[len(lat)*95/100]
		verdict := "ok"
		if p95 >= c.target {
			verdict = "MISSED"
		}
		fmt.Printf("%s at %d clients: %.0f req/s; p50 %.1f ms, p95 %.1f ms (target < %d ms): %s, p99 %.1f ms; %d failed\n", c.name, clients,
			float64(len(lat))/d.Seconds(), ms(lat[len(lat)/2]), ms(p95), c.target.Milliseconds(), verdict, ms(lat[len(lat)*99/100]), failed)
		fmt.Printf("  CPU per request: zhdj %d µs, PostgreSQL %d µs\n", cpu.Server.Microseconds()/int64(len(lat)), cpu.Postgres.Microseconds()/int64(len(lat)))
		if os.Getenv("BENCH_PG_STATS") != "" {
			if err := stack.TopStatements(ctx, s.AdminURL, c.name); err != nil {
				return err
			}
		}
	}
	return nil
}

// seed adds members (people with accounts), published items with tags and
// topics (and lessons of a series), a plan for activists, and for every
// member some reading progress (their interests) and a few completed items.
func seed(ctx context.Context, ownerURL string, members int) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'demo'), true)`); err != nil {
			return err
		}
		if err := stack.SeedStudents(ctx, tx, members, "activist", password); err != nil {
			return err
		}
		for _, q := range []string{
			`INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at, tags, topics, body)
			 SELECT u.tenant_id, 'article', 'bench-article-' || g, '学习材料 ' || g, u.id, 'published', now() - g * interval '1 hour',
			        ARRAY['标签' || (g % 40)], ARRAY['专题' || (g % 12)], '{"html": "<p>正文</p>"}'
			 FROM generate_series(1, 500) g, org_units u WHERE u.code = 'XXGC'`,
			`INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at, tags, body)
			 SELECT u.tenant_id, 'micro_lesson', 'bench-lesson-' || g, '微党课 ' || g, u.id, 'published', now() - g * interval '2 hours',
			        ARRAY['标签' || (g % 40)], jsonb_build_object('durationSeconds', 600, 'series', CASE WHEN g % 2 = 0 THEN '党史' ELSE '' END)
			 FROM generate_series(1, 100) g, org_units u WHERE u.code = 'XXGC'`,
			`INSERT INTO learning_plans (tenant_id, org_unit_id, stage, period, required_lessons)
			 SELECT tenant_id, id, 'activist', 'quarter', 6 FROM org_units WHERE code = 'DW'
			 ON CONFLICT (tenant_id, org_unit_id, stage) DO NOTHING`,
			// Each member read five items (their interests) and completed two lessons.
			`INSERT INTO learning_progress (tenant_id, person_id, content_id, mode, seconds, required_seconds, updated_at)
			 SELECT p.tenant_id, p.id, c.id, 'read', 30, 60, now()
			 FROM people p CROSS JOIN LATERAL generate_series(0, 4) k
			 JOIN contents c ON c.tenant_id = p.tenant_id AND c.slug = 'bench-article-' || (1 + (abs(hashtext(p.name)) + k * 97) % 500)
			 WHERE p.name LIKE 'bench%'`,
			`INSERT INTO learning_facts (tenant_id, person_id, kind, source_type, source_id, occurred_at)
			 SELECT p.tenant_id, p.id, 'lesson_completed', 'content', c.id, now()
			 FROM people p CROSS JOIN LATERAL generate_series(0, 1) k
			 JOIN contents c ON c.tenant_id = p.tenant_id AND c.slug = 'bench-lesson-' || (1 + (abs(hashtext(p.name)) + k * 31) % 100)
			 WHERE p.name LIKE 'bench%'`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `ANALYZE`)
	return err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
