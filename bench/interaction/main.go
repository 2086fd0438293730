// Command interaction measures the two interaction paths a college site
// leans on: the hot list of its suggestions (read by every visitor of the
// site's 互动 page) and posting comments through the sensitive-word filter
// (a notice goes out and students answer at once).
//
// It starts its own PostgreSQL, MinIO and zhdj server and grows the demo
// school: 10 more colleges of 10 branches, 200,000 suggestions (-suggestions)
// over a year spread over every branch (votes skewed: most few, some many;
// a few private, a few waiting for review), 1,000,000 comments (-comments)
// on 2,000 items of the two college sites, and a word list of 20,000 words
// (-words) set through the API. Then it measures:
//
//   - the hot list of the xxgc site, signed out, first page and a page ten
//     pages deep (keyset), at 8 clients (-clients): p95 < 20 ms;
//   - comments posted by 200 signed-in students (-posters), a tenth
//     carrying a listed word padded with spaces, from 32 clients
//     (-post-clients) for 10 s (-duration): at least 1,000 comments/s; then
//     it checks in the database that every answered post is stored once,
//     the flagged ones waiting for review.
//
// Usage:
//
//	go run ./bench/interaction [-suggestions 200000] [-comments 1000000] [-words 20000] [-clients 8] [-post-clients 32] [-duration 10s]
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"zhdj/bench/internal/stack"
)

const password = "bench-password-2026"

func main() {
	suggestions := flag.Int("suggestions", 200000, "suggestions of the school")
	comments := flag.Int("comments", 1000000, "comments already on the sites")
	words := flag.Int("words", 20000, "listed words")
	clients := flag.Int("clients", 8, "concurrent readers of the hot list")
	posters := flag.Int("posters", 200, "students posting comments")
	postClients := flag.Int("post-clients", 32, "concurrent clients posting comments")
	duration := flag.Duration("duration", 10*time.Second, "how long each load runs")
	bin := flag.String("zhdj", "", "zhdj binary (built into a temporary folder when empty)")
	flag.Parse()
	if err := run(*suggestions, *comments, *words, *clients, *posters, *postClients, *duration, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench/interaction:", err)
		os.Exit(1)
	}
}

func run(suggestions, comments, words, clients, posters, postClients int, d time.Duration, bin string) error {
	ctx := context.Background()
	s, err := stack.Start(ctx, bin, "ZHDJ_ARGON2_MEMORY_KIB=1024", "ZHDJ_ARGON2_ITERATIONS=1", "ZHDJ_ARGON2_PARALLELISM=1", "ZHDJ_RATE_LIMITS=off",
		"ZHDJ_WARNING_SCAN=off")
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Run("seed"); err != nil {
		return err
	}
	fmt.Printf("seeding %d suggestions, %d comments, %d students …\n", suggestions, comments, posters)
	t0 := time.Now()
	if err := seed(ctx, s.OwnerURL, suggestions, comments, posters); err != nil {
		return err
	}
	fmt.Printf("  seeded in %.0f s\n", time.Since(t0).Seconds())
	// First without the response cache: what one computation costs.
	base := s.Env
	s.Env = append(append([]string{}, base...), "ZHDJ_RESPONSE_CACHE_BYTES=off")
	if _, err := s.Serve(); err != nil {
		return err
	}
	// The search indexer's start-up pass would compete for the cores.
	if err := stack.WaitIndexed(ctx, s.OwnerURL); err != nil {
		return err
	}
	post := stack.NewClient(s.BaseURL, 2*postClients).Post
	var login struct{ Login struct{ AccessToken string } }
	if err := post("", `mutation { login(input: {school: "demo", identifier: "admin", password: "zhdj-demo-2026"}) { accessToken } }`, nil, &login); err != nil {
		return fmt.Errorf("admin sign-in: %w", err)
	}
	admin := login.Login.AccessToken
	list := wordList(words)
	var set struct{ SetWordList struct{ Version int } }
	if err := post(admin, `mutation($w: [String!]!) { setWordList(words: $w) { version } }`, map[string]any{"w": list}, &set); err != nil {
		return fmt.Errorf("word list: %w", err)
	}
	pgStats := os.Getenv("BENCH_PG_STATS") != ""
	if pgStats {
		if err := stack.Exec(ctx, s.AdminURL, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
			return err
		}
	}
	var student struct{ Login struct{ AccessToken string } }
	if err := post("", `mutation($p: String!) { login(input: {school: "demo", identifier: "bench00000", password: $p}) { accessToken } }`,
		map[string]any{"p": password}, &student); err != nil {
		return fmt.Errorf("a student's sign-in: %w", err)
	}
	fmt.Println("== without the response cache (ZHDJ_RESPONSE_CACHE_BYTES=off)")
	if err := hotList(s, post, "", "signed out", clients, d); err != nil {
		return err
	}
	if err := hotList(s, post, student.Login.AccessToken, "signed in (votedByMe: never from a cache)", clients, d); err != nil {
		return err
	}
	if err := posting(ctx, s, post, list, posters, postClients, d); err != nil {
		return err
	}
	fmt.Println("== with the response cache (the default)")
	s.StopServer()
	s.Env = base
	if _, err := s.Serve(); err != nil {
		return err
	}
	return hotList(s, stack.NewClient(s.BaseURL, 2*postClients).Post, "", "signed out", clients, d)
}

// hotList reads the xxgc site's hot suggestions signed out: the first page
// and one ten pages deep.
func hotList(s *stack.Stack, post func(token, doc string, vars map[string]any, out any) error, token, who string, clients int, d time.Duration) error {
	const doc = `query($after: String) { suggestions(site: "xxgc", orderBy: HOT, first: 20, after: $after) {
		edges { cursor node { id title category votes votedByMe status pinned authorName createdAt } } pageInfo { hasNextPage } } }`
	type page struct {
		Suggestions struct {
			Edges []struct{ Cursor string }
		}
	}
	var deep string
	for range 10 {
		var p page
		vars := map[string]any{}
		if deep != "" {
			vars["after"] = deep
		}
		if err := post(token, doc, vars, &p); err != nil {
			return fmt.Errorf("hot list: %w", err)
		}
		if len(p.Suggestions.Edges) != 20 {
			return fmt.Errorf("hot list: a page of %d", len(p.Suggestions.Edges))
		}
		deep = p.Suggestions.Edges[19].Cursor
	}
	const target = 20 * time.Millisecond
	for _, c := range []struct {
		name string
		vars map[string]any
	}{
		{"first page", map[string]any{}},
		{"page 11 (keyset)", map[string]any{"after": deep}},
	} {
		stack.PostLoad(post, []string{token}, doc, c.vars, clients, 2*time.Second) // warm-up
		before := s.CPU()
		lat, failed := stack.PostLoad(post, []string{token}, doc, c.vars, clients, d)
		cpu := s.CPU().Sub(before)
		p95 := lat[len(lat)*95/100]
		verdict := "ok"
		if p95 >= target {
			verdict = "MISSED"
		}
		fmt.Printf("hot list of a site, %s, %s, at %d clients: %.0f req/s; p50 %.1f ms, p95 %.1f ms (target < %d ms): %s, p99 %.1f ms; %d failed\n",
			c.name, who, clients, float64(len(lat))/d.Seconds(), ms(lat[len(lat)/2]), ms(p95), target.Milliseconds(), verdict, ms(lat[len(lat)*99/100]), failed)
		fmt.Printf("  CPU per request: zhdj %d µs, PostgreSQL %d µs\n", cpu.Server.Microseconds()/int64(len(lat)), cpu.Postgres.Microseconds()/int64(len(lat)))
		if os.Getenv("BENCH_PG_STATS") != "" {
			if err := stack.TopStatements(context.Background(), s.AdminURL, c.name); err != nil {
				return err
			}
		}
	}
	return nil
}

// posting has posters students post comments on a published item of the
// xxgc site from clients clients for d, a tenth with a listed word padded
// with spaces, and checks what was stored.
func posting(ctx context.Context, s *stack.Stack, post func(token, doc string, vars map[string]any, out any) error, list []string, posters, clients int,
	d time.Duration) error {
	var item struct {
		Contents struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	if err := post("", `{ contents(site: "xxgc", first: 1) { edges { node { id } } } }`, nil, &item); err != nil || len(item.Contents.Edges) == 0 {
		return fmt.Errorf("an item to comment on: %v", err)
	}
	content := item.Contents.Edges[0].Node.ID
	tokens := make([]string, posters)
	if err := stack.Parallel(posters, 8, func(i int) error {
		var out struct{ Login struct{ AccessToken string } }
		err := post("", `mutation($u: String!, $p: String!) { login(input: {school: "demo", identifier: $u, password: $p}) { accessToken } }`,
			map[string]any{"u": fmt.Sprintf("bench%05d", i), "p": password}, &out)
		tokens[i] = out.Login.AccessToken
		return err
	}); err != nil {
		return fmt.Errorf("students' sign-in: %w", err)
	}
	const doc = `mutation($c: ID!, $b: String!) { postComment(input: {site: "xxgc", content: $c, body: $b}) { comment { id status } } }`
	run := func(d time.Duration, tag string) (lat []time.Duration, sent, flagged, pending, failed int64, firstErr error) {
		var mu sync.Mutex
		var nSent, nFlagged, nPending, nFailed atomic.Int64
		deadline := time.Now().Add(d)
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(c), 7))
				var mine []time.Duration
				for i := c; time.Now().Before(deadline); i += clients {
					body, hit := commentText(rng, list)
					body = tag + body
					var out struct {
						PostComment struct{ Comment struct{ Status string } }
					}
					t0 := time.Now()
					err := post(tokens[i%len(tokens)], doc, map[string]any{"c": content, "b": body}, &out)
					mine = append(mine, time.Since(t0))
					if err != nil {
						nFailed.Add(1)
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						continue
					}
					nSent.Add(1)
					if hit {
						nFlagged.Add(1)
					}
					if out.PostComment.Comment.Status == "PENDING" {
						nPending.Add(1)
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		return lat, nSent.Load(), nFlagged.Load(), nPending.Load(), nFailed.Load(), firstErr
	}
	run(2*time.Second, "预热 ")
	if os.Getenv("BENCH_PG_STATS") != "" {
		if err := stack.Exec(ctx, s.AdminURL, `SELECT pg_stat_statements_reset()`); err != nil {
			return err
		}
	}
	before := s.CPU()
	lat, sent, flagged, pending, failed, firstErr := run(d, "基准 ")
	cpu := s.CPU().Sub(before)
	rate := float64(sent) / d.Seconds()
	verdict := "ok"
	if rate < 1000 {
		verdict = "MISSED"
	}
	fmt.Printf("comments through the filter (%d words) from %d clients: %d posted in %s = %.0f comments/s (target ≥ 1,000): %s; p50 %.1f ms, p95 %.1f ms, p99 %.1f ms; %d failed\n",
		len(list), clients, sent, d, rate, verdict, ms(lat[len(lat)/2]), ms(lat[len(lat)*95/100]), ms(lat[len(lat)*99/100]), failed)
	if firstErr != nil {
		fmt.Printf("  first failure: %v\n", firstErr)
	}
	if os.Getenv("BENCH_PG_STATS") != "" {
		if err := stack.TopStatements(ctx, s.AdminURL, "comments"); err != nil {
			return err
		}
	}
	if sent > 0 {
		fmt.Printf("  CPU per comment: zhdj %d µs, PostgreSQL %d µs\n", cpu.Server.Microseconds()/sent, cpu.Postgres.Microseconds()/sent)
	}
	// What was stored: every answered post once, the flagged ones waiting.
	conn, err := pgx.Connect(ctx, s.OwnerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var stored, waiting int64
	if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'demo'), true)`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'pending') FROM comments WHERE body LIKE '基准 %'`).Scan(&stored, &waiting)
	}); err != nil {
		return err
	}
	fmt.Printf("  stored %d (answered %d), %d waiting for review (flagged %d, answered PENDING %d)\n", stored, sent, waiting, flagged, pending)
	if stored != sent || waiting != flagged || pending != flagged {
		return fmt.Errorf("stored comments do not match the answers")
	}
	return nil
}

// wordList is n distinct listed words of 2–4 common characters (drawn
// with a fixed seed, so every run lists the same).
func wordList(n int) []string {
	rng := rand.New(rand.NewPCG(2026, 12))
	seen := map[string]bool{}
	out := make([]string, 0, n)
	for len(out) < n {
		w := hanzi(rng, 2+rng.IntN(3))
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// hanzi is n characters of the common CJK block.
func hanzi(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteRune(rune(0x4E00 + rng.IntN(0x9FA5-0x4E00)))
	}
	return b.String()
}

// phrases are what students write under a notice.
var phrases = []string{"学习了，深受启发！", "这篇文章写得很好，", "支持学院的安排。", "希望多组织这样的活动，", "我们支部也要认真学习。",
	"请问下次党课在什么时间？", "感谢老师的辛勤付出。", "内容很实用，", "已转发给同学们。", "期待下一期！"}

// commentText is a comment of 20–120 characters; a tenth carry a listed
// word with its characters padded by spaces (hit).
func commentText(rng *rand.Rand, list []string) (string, bool) {
	var b strings.Builder
	for b.Len() < 60+rng.IntN(240) {
		b.WriteString(phrases[rng.IntN(len(phrases))])
	}
	if rng.IntN(10) != 0 {
		return b.String(), false
	}
	w := []rune(list[rng.IntN(len(list))])
	parts := make([]string, len(w))
	for i, r := range w {
		parts[i] = string(r)
	}
	return b.String() + strings.Join(parts, " "), true
}

// seed grows the demo school (in one transaction as the schema owner).
func seed(ctx context.Context, ownerURL string, suggestions, comments, posters int) error {
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
		if err := stack.SeedStudents(ctx, tx, posters, "applicant", password); err != nil {
			return err
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			// Suggestions over a year to every branch; votes skewed (most
			// a few, one in a hundred hundreds); 1 in 10 private, 1 in 50
			// waiting for review, a third answered.
			{`INSERT INTO suggestions (tenant_id, org_unit_id, category, title, body, author_id, author_name, anonymous, public, status, moderation,
			                          due_at, votes, hot, created_at, answered_at)
			  SELECT b.tenant_id, b.id, (ARRAY['study', 'life', 'work'])[1 + g % 3], '基准建议 ' || g, '关于支部工作的建议，第 ' || g || ' 条。',
			         a.id, a.display_name, g % 7 = 0, g % 10 <> 0, CASE WHEN g % 3 = 0 THEN 'answered' ELSE 'open' END,
			         CASE WHEN g % 50 = 0 THEN 'pending' ELSE 'visible' END, t.at + interval '7 days', v.votes, suggestion_hot(v.votes, t.at), t.at,
			         CASE WHEN g % 3 = 0 THEN t.at + interval '2 days' END
			  FROM (SELECT array_agg(id ORDER BY code) AS ids FROM org_units WHERE kind = 'branch') br
			  CROSS JOIN generate_series(0, $1 - 1) g
			  CROSS JOIN LATERAL (SELECT now() - (g::bigint * 31536 / $1) * interval '1000 seconds' - (g % 997) * interval '1 second' AS at) t
			  CROSS JOIN LATERAL (SELECT CASE WHEN g % 100 = 0 THEN 100 + g % 400 ELSE (hashtext(g::text) & 15) END AS votes) v
			  JOIN org_units b ON b.id = br.ids[1 + (g * 7) % cardinality(br.ids)]
			  JOIN LATERAL (SELECT id, display_name FROM accounts WHERE username = 'bench' || lpad((g % $2)::text, 5, '0')) a ON true`,
				[]any{suggestions, posters}},
			// Comments on 2,000 items (1,000 per college site), a year of
			// them, nearly all visible.
			{`INSERT INTO comments (tenant_id, content_id, site_id, author_id, author_name, body, status, created_at)
			  SELECT si.tenant_id, it.id, si.id, a.id, a.display_name, '学习了，深受启发！第 ' || g || ' 条评论。',
			         CASE WHEN g % 100 = 0 THEN 'pending' ELSE 'visible' END, now() - (g::bigint * 31536 / $1) * interval '1000 seconds'
			  FROM generate_series(0, $1 - 1) g
			  JOIN LATERAL (SELECT id, tenant_id FROM sites WHERE slug = (ARRAY['xxgc', 'znzz'])[1 + g % 2]) si ON true
			  CROSS JOIN LATERAL (SELECT md5('item' || (g % 2000))::uuid AS id) it
			  JOIN LATERAL (SELECT id, display_name FROM accounts WHERE username = 'bench' || lpad((g % $2)::text, 5, '0')) a ON true`,
				[]any{comments, posters}},
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

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
