// Command frontpage measures the read path front ends hit most: the front
// page of a college site (its latest 20 published items with author names,
// cover URLs with srcset, and tags) on a school with 20,000 items. It runs
// the zhdj GraphQL server and, side by side on the same machine, a
// hand-written handler (net/http + pgx, the same SQL, no GraphQL) as the
// floor, loads each with the same number of concurrent clients, and reports
// requests per second, p50 and p99 latency, and GraphQL's share of the
// floor's throughput (target: at least 70 % at 32 clients).
//
//	go run ./bench/frontpage [-items 20000] [-clients 32] [-duration 10s]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"zhdj/bench/internal/stack"
	"zhdj/internal/pgcluster"
)

func main() {
	items := flag.Int("items", 20000, "published items in the school")
	clients := flag.Int("clients", 32, "concurrent clients")
	duration := flag.Duration("duration", 10*time.Second, "load per run")
	bin := flag.String("zhdj", "", "zhdj binary (built into a temporary folder when empty)")
	floorAddr := flag.String("floor-addr", "", "internal: run the hand-written floor server on this address")
	only := flag.String("only", "", "graphql or floor: load only one (for profiling)")
	compare := flag.String("compare", "", "another zhdj binary (an older build), served from a stack of its own and loaded in turn with this one")
	flag.Parse()
	if *floorAddr != "" {
		if err := serveFloor(*floorAddr); err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*items, *clients, *duration, *bin, *only, *compare); err != nil {
		fmt.Fprintln(os.Stderr, "bench/frontpage:", err)
		os.Exit(1)
	}
}

const frontPageQuery = `query Front {
  contents(site: "xxgc", first: 20) {
    edges { node { title slug publishedAt tags cover { url srcset } authors { displayName } } }
  }
}`

// serveFrontPage starts a stack for bin (built when empty) with the
// demo school and items published items, serving and indexed.
func serveFrontPage(ctx context.Context, bin string, items int) (*stack.Stack, error) {
	// GraphQL's own cost first: the response cache is turned on later.
	s, err := stack.Start(ctx, bin, "ZHDJ_RESPONSE_CACHE_BYTES=off")
	if err != nil {
		return nil, err
	}
	if err := s.Run("seed"); err != nil {
		s.Close()
		return nil, err
	}
	fmt.Printf("seeding %d published items …\n", items)
	if err := seedItems(ctx, s.OwnerURL, items); err != nil {
		s.Close()
		return nil, err
	}
	if _, err := s.Serve(); err != nil {
		s.Close()
		return nil, err
	}
	if err := stack.WaitIndexed(ctx, s.OwnerURL); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// graphQLFront is the front page's request to the server at base.
func graphQLFront(base string) func() (*http.Request, error) {
	body, _ := json.Marshal(map[string]any{"query": frontPageQuery})
	return func() (*http.Request, error) {
		r, err := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
		if err == nil {
			r.Header.Set("Content-Type", "application/json")
		}
		return r, err
	}
}

func run(items, clients int, d time.Duration, bin, only, compare string) error {
	ctx := context.Background()
	s, err := serveFrontPage(ctx, bin, items)
	if err != nil {
		return err
	}
	defer s.Close()
	var other *stack.Stack
	if compare != "" {
		fmt.Println("the other build:")
		if other, err = serveFrontPage(ctx, compare, items); err != nil {
			return err
		}
		defer other.Close()
	}

	port, _ := pgcluster.FreePort()
	floorAddr := fmt.Sprintf("127.0.0.1:%d", port)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	floor := exec.Command(self, "-floor-addr", floorAddr)
	floor.Env = append(s.Env, "FLOOR_DATABASE_URL="+s.ServerURL)
	floor.Stdout, floor.Stderr = os.Stdout, os.Stderr
	if err := floor.Start(); err != nil {
		return err
	}
	defer func() { _ = floor.Process.Kill(); _ = floor.Wait() }()
	if err := stack.WaitReady("http://" + floorAddr + "/healthz"); err != nil {
		return err
	}

	gql := graphQLFront(s.BaseURL)
	hand := func() (*http.Request, error) {
		return http.NewRequest(http.MethodGet, "http://"+floorAddr+"/front?site=xxgc&n=20", nil)
	}
	// Both answer the same data: check before measuring.
	if err := sameItems(gql, hand); err != nil {
		return err
	}

	if other != nil {
		return compareBuilds(hand, gql, graphQLFront(other.BaseURL), clients, d)
	}
	fmt.Printf("\n%d clients, %s per run, 2 cores shared by server, PostgreSQL and load\n\n", clients, d)
	fmt.Printf("%-30s %10s %10s %10s\n", "server", "req/s", "p50 ms", "p99 ms")
	var floorRes, gqlRes stack.Result
	if only != "graphql" {
		floorRes = stack.Load(hand, clients, d)
		printResult("hand-written (net/http + pgx)", floorRes)
	}
	if only != "floor" {
		gqlRes = stack.Load(gql, clients, d)
		printResult("zhdj GraphQL", gqlRes)
	}
	if only != "" {
		return nil
	}
	ratio := gqlRes.RPS / floorRes.RPS
	verdict := "ok"
	if ratio < 0.70 {
		verdict = "MISSED"
	}
	fmt.Printf("\nGraphQL reaches %.0f %% of the floor's throughput (target ≥ 70 %%): %s\n", ratio*100, verdict)
	return cached(s, hand, floorRes, clients, d)
}

// cached restarts the server with the response cache (its default) and
// loads the front page again: the answer kept, and GET with If-None-Match
// answered 304; then the floor again, for the ratio in the same minute.
func cached(s *stack.Stack, hand func() (*http.Request, error), floorRes stack.Result, clients int, d time.Duration) error {
	s.StopServer()
	var env []string
	for _, e := range s.Env {
		if e != "ZHDJ_RESPONSE_CACHE_BYTES=off" {
			env = append(env, e)
		}
	}
	s.Env = env
	if _, err := s.Serve(); err != nil {
		return err
	}
	gql := graphQLFront(s.BaseURL)
	if err := sameItems(gql, hand); err != nil {
		return err
	}
	getURL := s.BaseURL + "/graphql?query=" + url.QueryEscape(frontPageQuery)
	res, err := http.Get(getURL)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	etag := res.Header.Get("ETag")
	if etag == "" || !strings.HasPrefix(res.Header.Get("Cache-Control"), "public") {
		return fmt.Errorf("the front page over GET is not public: %v", res.Header)
	}
	notModified := func() (*http.Request, error) {
		r, err := http.NewRequest(http.MethodGet, getURL, nil)
		if err == nil {
			r.Header.Set("If-None-Match", etag)
		}
		return r, err
	}
	fmt.Printf("\nwith the response cache (the default):\n")
	cachedRes := stack.Load(gql, clients, d)
	printResult("zhdj GraphQL, kept answer", cachedRes)
	nm := stack.Load(notModified, clients, d)
	printResult("zhdj GET, If-None-Match → 304", nm)
	again := stack.Load(hand, clients, d)
	printResult("hand-written, again", again)
	floorRPS := (floorRes.RPS + again.RPS) / 2
	ratio := cachedRes.RPS / floorRPS
	verdict := "ok"
	if ratio < 3 || cachedRes.P99 >= 10*time.Millisecond {
		verdict = "MISSED"
	}
	fmt.Printf("\nthe kept answer: %.1f× the floor's throughput (the mean of its two runs), p99 %.1f ms (target ≥ 3×, p99 < 10 ms): %s\n",
		ratio, float64(cachedRes.P99.Microseconds())/1000, verdict)
	return nil
}

// compareBuilds loads the floor, then the other build and this one in
// turn, twice each, and prints each against the floor and this build
// against the other.
func compareBuilds(hand, this, other func() (*http.Request, error), clients int, d time.Duration) error {
	if err := sameItems(other, hand); err != nil {
		return err
	}
	fmt.Printf("\n%d clients, %s per run, 2 cores shared by the servers, PostgreSQL and load\n\n", clients, d)
	fmt.Printf("%-30s %10s %10s %10s\n", "server", "req/s", "p50 ms", "p99 ms")
	floor := stack.Load(hand, clients, d)
	printResult("hand-written (net/http + pgx)", floor)
	var sums [2]float64
	for round := 1; round <= 2; round++ {
		for i, b := range []struct {
			name string
			req  func() (*http.Request, error)
		}{{"other build GraphQL", other}, {"this build GraphQL", this}} {
			r := stack.Load(b.req, clients, d)
			printResult(fmt.Sprintf("%s (%d)", b.name, round), r)
			sums[i] += r.RPS
		}
	}
	fmt.Printf("\nother build: %.0f %% of the floor; this build: %.0f %% of the floor (target ≥ 70 %%); this build at %.0f %% of the other\n",
		sums[0]/2/floor.RPS*100, sums[1]/2/floor.RPS*100, sums[1]/sums[0]*100)
	return nil
}

// seedItems adds n published articles to 信息工程学院 with 50 ready covers
// (each with three derivatives) and an author, as the schema owner.
func seedItems(ctx context.Context, ownerURL string, n int) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	for _, sql := range []string{
		`SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'demo'), true)`,
		`INSERT INTO media (tenant_id, purpose, visibility, org_unit_id, filename, mime_type, size_bytes, status, object_key, width, height)
		 SELECT u.tenant_id, 'cover', 'public', u.id, 'cover' || g || '.jpg', 'image/jpeg', 100000, 'ready', 'bench/cover' || g, 1600, 900
		 FROM generate_series(1, 50) g, org_units u WHERE u.code = 'XXGC'`,
		`INSERT INTO media_derivatives (tenant_id, media_id, width, height, object_key, mime_type, size_bytes)
		 SELECT m.tenant_id, m.id, w, w * 9 / 16, m.object_key || '-w' || w, 'image/jpeg', 10000
		 FROM media m, unnest(ARRAY[320, 640, 1280]) w WHERE m.object_key LIKE 'bench/%'`,
		fmt.Sprintf(`INSERT INTO contents (tenant_id, type, slug, title, summary, cover_id, tags, topics, org_unit_id, status, published_at, body)
		 SELECT u.tenant_id, 'article', 'item-' || g, '学习贯彻党的二十大精神 第' || g || '讲', '摘要 ' || g,
		        (SELECT id FROM media WHERE object_key = 'bench/cover' || (g %% 50 + 1)), ARRAY['党建动态', '学习'], ARRAY['理论学习'],
		        u.id, 'published', now() - g * interval '1 minute', '{"html":"<p>正文</p>"}'
		 FROM generate_series(1, %d) g, org_units u WHERE u.code = 'XXGC'`, n),
		`INSERT INTO content_authors (tenant_id, content_id, account_id, position)
		 SELECT c.tenant_id, c.id, a.id, 0 FROM contents c, accounts a WHERE a.username = 'editor'`,
	} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `ANALYZE`)
	return err
}

func printResult(name string, r stack.Result) {
	fmt.Printf("%-30s %10.0f %10.2f %10.2f", name, r.RPS, float64(r.P50.Microseconds())/1000, float64(r.P99.Microseconds())/1000)
	if r.Errors > 0 {
		fmt.Printf("   (%d errors)", r.Errors)
	}
	fmt.Println()
}

// sameItems checks that both servers return the same 20 slugs.
func sameItems(gql, hand func() (*http.Request, error)) error {
	get := func(newReq func() (*http.Request, error)) ([]byte, error) {
		req, _ := newReq()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		return io.ReadAll(res.Body)
	}
	g, err := get(gql)
	if err != nil {
		return err
	}
	h, err := get(hand)
	if err != nil {
		return err
	}
	var gq struct {
		Data struct {
			Contents struct {
				Edges []struct{ Node struct{ Slug string } }
			}
		}
	}
	var hq struct{ Items []struct{ Slug string } }
	if err := json.Unmarshal(g, &gq); err != nil {
		return fmt.Errorf("graphql answer: %w: %s", err, g)
	}
	if err := json.Unmarshal(h, &hq); err != nil {
		return fmt.Errorf("floor answer: %w: %s", err, h)
	}
	if len(gq.Data.Contents.Edges) != 20 || len(hq.Items) != 20 {
		return fmt.Errorf("expected 20 items from both: graphql %d, floor %d", len(gq.Data.Contents.Edges), len(hq.Items))
	}
	for i := range hq.Items {
		if gq.Data.Contents.Edges[i].Node.Slug != hq.Items[i].Slug {
			return fmt.Errorf("item %d differs: %s vs %s", i, gq.Data.Contents.Edges[i].Node.Slug, hq.Items[i].Slug)
		}
	}
	return nil
}
