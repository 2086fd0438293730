// Command learning measures micro-lesson heartbeats: viewers, each signed
// in as a person of the demo school, watch one lesson and send heartbeats
// over HTTP at a quick cadence with the position the wall clock allows.
// It reports heartbeats per second and their latency, then checks in the
// database that every person's watched seconds are exactly what the
// heartbeats the server counted add up to.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"zhdj/bench/internal/stack"
)

const password = "bench-password-2026"

func main() {
	viewers := flag.Int("viewers", 2000, "people watching at once")
	duration := flag.Duration("duration", 20*time.Second, "how long they watch")
	cadence := flag.Duration("cadence", 600*time.Millisecond, "time between one viewer's heartbeats (a player sends one every 10–15 s; quicker here, to load the server)")
	bin := flag.String("zhdj", "", "zhdj binary (built into a temporary folder when empty)")
	flag.Parse()
	if err := run(*viewers, *duration, *cadence, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench/learning:", err)
		os.Exit(1)
	}
}

// viewer is what one viewer sent and what the server said it counted.
type viewer struct {
	token, session string
	person         string
	counted        int // seconds the server's verdicts counted
	beats          int
	verdicts       map[string]int
}

func run(viewers int, d, cadence time.Duration, bin string) error {
	ctx := context.Background()
	s, err := stack.Start(ctx, bin, "ZHDJ_ARGON2_MEMORY_KIB=1024", "ZHDJ_ARGON2_ITERATIONS=1", "ZHDJ_ARGON2_PARALLELISM=1")
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Run("seed"); err != nil {
		return err
	}
	fmt.Printf("seeding %d viewers and a ten-minute micro-lesson …\n", viewers)
	if err := seed(ctx, s.OwnerURL, viewers); err != nil {
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
	post := stack.NewClient(s.BaseURL, viewers).Post
	var lesson struct{ Content struct{ ID string } }
	if err := post("", `{ content(site: "xxgc", slug: "bench-lesson") { id } }`, nil, &lesson); err != nil {
		return err
	}

	fmt.Printf("signing in %d viewers and starting their sessions …\n", viewers)
	vs := make([]*viewer, viewers)
	if err := stack.Parallel(viewers, 16, func(i int) error {
		v := &viewer{person: fmt.Sprintf("bench%05d", i), verdicts: map[string]int{}}
		var login struct{ Login struct{ AccessToken string } }
		if err := post("", `mutation($u: String!, $p: String!) { login(input: {school: "demo", identifier: $u, password: $p}) { accessToken } }`,
			map[string]any{"u": v.person, "p": password}, &login); err != nil {
			return err
		}
		v.token = login.Login.AccessToken
		var started struct {
			StartLearning struct{ Session struct{ ID string } }
		}
		if err := post(v.token, `mutation($c: ID!) { startLearning(input: {content: $c, mode: WATCH}) { session { id } } }`,
			map[string]any{"c": lesson.Content.ID}, &started); err != nil {
			return err
		}
		v.session = started.StartLearning.Session.ID
		vs[i] = v
		return nil
	}); err != nil {
		return err
	}

	// The sessions and the progress were created a moment ago: statistics
	// as autovacuum would have them by now, or the planner scans those
	// tables it last saw empty.
	if err := stack.Exec(ctx, s.OwnerURL, `ANALYZE`); err != nil {
		return err
	}
	if os.Getenv("BENCH_PG_STATS") != "" {
		if err := stack.Exec(ctx, s.AdminURL, `SELECT pg_stat_statements_reset()`); err != nil {
			return err
		}
	}
	const beat = `mutation($s: ID!, $p: Int) { recordProgress(input: {session: $s, position: $p, playing: true}) { verdict } }`
	fmt.Printf("watching: %d viewers, a heartbeat every %s each, for %s …\n", viewers, cadence, d)
	cpuBefore := s.CPU()
	var mu sync.Mutex
	var lat []time.Duration
	var failed atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for _, v := range vs {
		wg.Go(func() {
			// Viewers start spread over one cadence, as people do.
			time.Sleep(time.Duration(rand.Int64N(int64(cadence))))
			begin := time.Now()
			prev, mine := 0, make([]time.Duration, 0, int(d/cadence)+2)
			for time.Now().Before(deadline) {
				pos := int(time.Since(begin).Seconds())
				var out struct{ RecordProgress struct{ Verdict string } }
				t0 := time.Now()
				err := post(v.token, beat, map[string]any{"s": v.session, "p": pos}, &out)
				mine = append(mine, time.Since(t0))
				if err != nil {
					failed.Add(1)
				} else {
					verdict := out.RecordProgress.Verdict
					v.verdicts[verdict]++
					if verdict == "COUNTED" {
						v.counted += pos - prev
					}
					if verdict != "REJECTED_FUTURE" && verdict != "REJECTED_POSITION" {
						prev = pos
					}
				}
				v.beats++
				if rest := cadence - time.Since(t0); rest > 0 {
					time.Sleep(rest)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := s.CPU().Sub(cpuBefore)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	rate := float64(len(lat)) / elapsed.Seconds()
	verdict := "ok"
	if rate < 3000 {
		verdict = "MISSED"
	}
	fmt.Printf("\n%d heartbeats from %d viewers in %.1fs: %.0f heartbeats/s (target ≥ 3000): %s; p50 %.1f ms, p95 %.1f ms, p99 %.1f ms; %d failed\n",
		len(lat), viewers, elapsed.Seconds(), rate, verdict, ms(lat[len(lat)/2]), ms(lat[len(lat)*95/100]), ms(lat[len(lat)*99/100]), failed.Load())
	fmt.Printf("CPU per heartbeat: zhdj %d µs, PostgreSQL %d µs\n", cpu.Server.Microseconds()/int64(len(lat)), cpu.Postgres.Microseconds()/int64(len(lat)))
	totals := map[string]int{}
	for _, v := range vs {
		for k, n := range v.verdicts {
			totals[k] += n
		}
	}
	fmt.Printf("verdicts: %v\n", totals)
	if os.Getenv("BENCH_PG_STATS") != "" {
		if err := stack.TopStatements(ctx, s.AdminURL, "heartbeats"); err != nil {
			return err
		}
	}
	return verify(ctx, s.OwnerURL, vs)
}

// verify checks that every person's watched seconds in the database are
// what the server's verdicts counted.
func verify(ctx context.Context, ownerURL string, vs []*viewer) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'demo'), false)`); err != nil {
		return err
	}
	rows, err := conn.Query(ctx, `SELECT p.name, lp.seconds FROM learning_progress lp JOIN people p ON p.tenant_id = lp.tenant_id AND p.id = lp.person_id
		WHERE p.name LIKE 'bench%'`)
	if err != nil {
		return err
	}
	stored := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			return err
		}
		stored[name] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	wrong := 0
	for _, v := range vs {
		if stored[v.person] != v.counted {
			if wrong < 5 {
				fmt.Printf("  %s: %d s stored, %d s counted by the verdicts\n", v.person, stored[v.person], v.counted)
			}
			wrong++
		}
	}
	if wrong > 0 {
		return fmt.Errorf("%d of %d people have watched seconds other than their heartbeats counted", wrong, len(vs))
	}
	fmt.Printf("stored: every one of %d people's watched seconds is exactly what their heartbeats counted\n", len(vs))
	return nil
}

// seed adds viewers (people with accounts) and a published ten-minute
// micro-lesson, as the schema owner.
func seed(ctx context.Context, ownerURL string, viewers int) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'demo'), true)`); err != nil {
			return err
		}
		if err := stack.SeedStudents(ctx, tx, viewers, "activist", password); err != nil {
			return err
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at, body)
			  SELECT u.tenant_id, 'micro_lesson', 'bench-lesson', '党史中的青年', u.id, 'published', now(), '{"durationSeconds": 600}'
			  FROM org_units u WHERE u.code = 'XXGC'`, nil},
		} {
			if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
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
