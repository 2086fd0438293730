// Command search measures the built-in search engine (PostgreSQL full-text
// search over gse-segmented Chinese) through the real server:
//
//  1. indexing: -docs published Chinese articles are inserted (each queues
//     itself for indexing by trigger) and the running server's indexer
//     drains them; reports documents per second;
//  2. searching: -clients concurrent searchers send short queries with two
//     filters (type and topic) and three facets (type, topic, tag) over
//     GraphQL for -duration; reports p50/p95/p99 and throughput, with the
//     documents as indexed and after the server's compaction;
//  3. lag: -burst items change in one transaction; reports how long until
//     the index holds them all;
//  4. searching again once the burst has scattered part of the documents
//     that the server's compaction had put in search order.
//
// It starts its own PostgreSQL, MinIO and zhdj server.
//
//	go run ./bench/search [-docs 100000] [-clients 8] [-burst 10000] [-duration 10s]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"zhdj/bench/internal/stack"
)

func main() {
	docs := flag.Int("docs", 100000, "published documents")
	clients := flag.Int("clients", 8, "concurrent searchers")
	burst := flag.Int("burst", 10000, "items changed at once for the lag measurement")
	duration := flag.Duration("duration", 10*time.Second, "search load duration")
	bin := flag.String("zhdj", "", "zhdj binary (built into a temporary folder when empty)")
	flag.Parse()
	if err := run(*docs, *clients, *burst, *duration, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench/search:", err)
		os.Exit(1)
	}
}

// Phrases the generated articles are made of (what such a school writes).
var phrases = []string{
	"深入学习贯彻党的二十大精神", "党史学习教育", "主题党日活动", "志愿服务进社区", "乡村振兴", "三会一课", "微党课",
	"组织生活会", "入党积极分子培训", "发展对象", "预备党员转正", "红色家书", "廉政教育", "劳动教育", "文明校园",
	"关爱老人", "支教", "垃圾分类", "理论学习中心组", "青年大学习", "校企合作", "工匠精神", "职业技能大赛",
	"学院党委", "党总支", "党支部书记", "辅导员", "学生党员", "教工党员", "先锋模范作用", "服务群众", "社区治理",
}

// filler is body text between the phrases.
var filler = []string{
	"会议由总支书记主持，各支部委员参加。", "活动结束后，同学们纷纷表示收获很大。",
	"下一步，学院将持续推进相关工作，形成长效机制。", "此次活动得到了合作单位的大力支持。",
}

var topics = []string{"理论学习", "组织生活", "志愿服务", "廉政建设", "校园文化", "乡村振兴", "技能成才", "党建动态"}

func run(docs, clients, burst int, d time.Duration, bin string) error {
	ctx := context.Background()
	// The server would compact the documents right after indexing them
	// (a drain of 1,000 or more); the bench asks for it itself, after
	// measuring the documents as indexed.
	s, err := stack.Start(ctx, bin, "ZHDJ_SEARCH_COMPACT=off")
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Run("migrate", "up"); err != nil {
		return err
	}
	if err := s.Run("seed"); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, s.OwnerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'demo'), false)`); err != nil {
		return err
	}
	if _, err := s.Serve(); err != nil {
		return err
	}

	// 1. Indexing throughput through the running indexer.
	fmt.Printf("inserting %d published articles, micro-lessons and comics …\n", docs)
	start := time.Now()
	// A school's mix: 60 % articles, 25 % micro-lessons, 15 % comics.
	if _, err := conn.Exec(ctx, `INSERT INTO contents (tenant_id, type, slug, title, summary, tags, topics, org_unit_id, status, published_at, body)
		SELECT u.tenant_id, k.type, 'doc-' || g,
			p[1 + g % n] || '：' || p[1 + (g / 7) % n],
			'本文介绍' || p[1 + (g / 3) % n] || '和' || p[1 + (g / 11) % n] || '的做法与成效。',
			ARRAY[p[1 + (g / 5) % n]], ARRAY[t[1 + g % 8]], u.id, 'published', now() - g * interval '1 minute',
			CASE k.type
			WHEN 'article' THEN jsonb_build_object('html', '<p>' || k.text || '</p>')
			WHEN 'micro_lesson' THEN jsonb_build_object('transcript', k.text, 'speaker', '党支部书记')
			ELSE jsonb_build_object('panels', jsonb_build_array(jsonb_build_object('caption', k.text))) END
		FROM generate_series(1, $1) g, org_units u, (SELECT $2::text[] AS p, cardinality($2::text[]) AS n, $3::text[] AS t, $4::text[] AS f) v,
		LATERAL (SELECT CASE WHEN g % 20 < 12 THEN 'article' WHEN g % 20 < 17 THEN 'micro_lesson' ELSE 'comic' END AS type,
			p[1 + (g / 13) % n] || '，' || p[1 + (g / 17) % n] || '，' || p[1 + (g / 19) % n] || '。' || f[1 + g % 4] || f[1 + (g / 4) % 4] || f[1 + (g / 16) % 4] AS text) k
		WHERE u.code = 'XXGC'`, docs, phrases, topics, filler); err != nil {
		return err
	}
	fmt.Printf("inserted in %s; indexing …\n", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	before := s.CPU()
	if err := waitDrained(ctx, conn, 30*time.Minute); err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Printf("indexing: %d documents in %s = %.0f documents/s (target ≥ 1,000/s)\n", docs, took.Round(time.Millisecond), float64(docs)/took.Seconds())
	cpu := s.CPU().Sub(before)
	fmt.Printf("  CPU per document: zhdj %.0f µs, PostgreSQL %.0f µs\n", float64(cpu.Server.Microseconds())/float64(docs), float64(cpu.Postgres.Microseconds())/float64(docs))

	// What autovacuum does after such a load (statistics, the visibility
	// map, the GIN index's pending list), done now rather than in the
	// middle of the search phase: searches are measured in the steady state.
	vacuum := func() error {
		_, err := conn.Exec(ctx, `VACUUM (ANALYZE)`)
		return err
	}
	if err := vacuum(); err != nil {
		return err
	}
	if os.Getenv("BENCH_HOLD") != "" {
		fmt.Println("holding; owner URL:", s.OwnerURL)
		time.Sleep(time.Hour)
	}
	// 2. Search latency.
	queries := []string{"党史", "志愿", "学习", "乡村振兴", "党课", "社区", "廉政", "支部书记", "工匠", "垃圾分类"}
	types := []string{"ARTICLE", "MICRO_LESSON", "COMIC"}
	const q = `query($q: String!, $type: SearchType!, $topic: String!) { search(site: "xxgc", query: $q, first: 10,
		filter: {types: [$type], topics: [$topic]}, facets: [TYPE, TOPIC, TAG]) {
		totalCount edges { titleHighlight node { ... on Content { title slug } } } facets { facet values { label count } } } }`
	const broad = `query($q: String!, $topic: String!) { search(site: "xxgc", query: $q, first: 10,
		filter: {topics: [$topic]}, facets: [TYPE, TOPIC, TAG]) {
		totalCount edges { titleHighlight node { ... on Content { title slug } } } facets { facet values { label count } } } }`
	measure := func(name, query string) {
		before := s.CPU()
		res := stack.Load(func() (*http.Request, error) {
			body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{
				"q": queries[rand.IntN(len(queries))], "type": types[rand.IntN(len(types))], "topic": topics[rand.IntN(len(topics))]}})
			req, err := http.NewRequest(http.MethodPost, s.BaseURL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			return req, err
		}, clients, d)
		fmt.Printf("search, %s, 3 facets (%d documents, %d clients): %.0f req/s, p50 %s, p95 %s, p99 %s, %d errors (target p95 < 50 ms)\n",
			name, docs, clients, res.RPS, res.P50.Round(100*time.Microsecond), res.P95.Round(100*time.Microsecond), res.P99.Round(100*time.Microsecond), res.Errors)
		if n := res.RPS * d.Seconds(); n > 0 {
			cpu := s.CPU().Sub(before)
			fmt.Printf("  CPU per search: zhdj %.0f µs, PostgreSQL %.0f µs\n", float64(cpu.Server.Microseconds())/n, float64(cpu.Postgres.Microseconds())/n)
		}
	}
	// The documents lie in the order the indexer wrote them until a
	// compaction rewrites them in search order (the server's own, here
	// off, would run right after the drain); measured both ways.
	measure("2 filters (type, topic), documents as indexed", q)
	out, err := s.Output("search", "compact")
	if err != nil {
		return err
	}
	fmt.Print("zhdj search compact: ", out)
	if err := vacuum(); err != nil {
		return err
	}
	measure("2 filters (type, topic)", q)
	measure("1 filter (topic), for comparison", broad)

	// 3. Lag after a burst of changes.
	start = time.Now()
	if _, err := conn.Exec(ctx, `UPDATE contents SET title = title || '（修订）', version = version + 1 WHERE slug IN (SELECT 'doc-' || g FROM generate_series(1, $1) g)`, burst); err != nil {
		return err
	}
	if err := waitDrained(ctx, conn, 10*time.Minute); err != nil {
		return err
	}
	fmt.Printf("lag: %d changed items indexed %s after their commit (target < 60 s)\n", burst, time.Since(start).Round(time.Millisecond))

	// 4. Searches as the order decays: the burst moved its documents to
	// new pages, about as far as the server lets the order decay before it
	// compacts again (a spread of 1.25).
	if err := vacuum(); err != nil {
		return err
	}
	var spread float64
	if err := conn.QueryRow(ctx, `SELECT count(*)::float8 / (count(DISTINCT page) + count(DISTINCT (sites, topics, type)))
		FROM (SELECT DISTINCT (ctid::text::point)[0] AS page, sites, topics, type FROM search_documents) r`).Scan(&spread); err != nil {
		return err
	}
	measure(fmt.Sprintf("2 filters (type, topic), after the burst (spread %.2f)", spread), q)
	return nil
}

// waitDrained waits until the outbox is empty.
func waitDrained(ctx context.Context, conn *pgx.Conn, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM search_outbox`).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the outbox did not drain within %s", limit)
}
