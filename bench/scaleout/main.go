// Command scaleout measures zhdj as several stateless processes over one
// PostgreSQL and one MinIO: a college front page (the latest 20 of 2,000
// published items with tags and authors) through a round-robin proxy to
// one process and then to three, without the response cache and with it;
// and the stale window after a publish — how long until every answer
// through the proxy, whichever process gives it, shows the new item.
//
// All of it shares the machine's cores (the processes, PostgreSQL, the
// proxy and the load), so three processes cannot be faster than one on
// two cores: what it shows is that coordination costs nothing (the
// uncached figure holds) and that the cached path is not serialised.
//
// Usage:
//
//	go run ./bench/scaleout [-items 2000] [-clients 32] [-duration 10s] [-rounds 10]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"zhdj/bench/internal/stack"
	"zhdj/internal/pgcluster"
)

const front = `query Front { contents(site: "xxgc", first: 20) { edges { node { title slug publishedAt tags authors { displayName } } } } }`

func main() {
	items := flag.Int("items", 2000, "published items of the site")
	clients := flag.Int("clients", 32, "concurrent clients")
	duration := flag.Duration("duration", 10*time.Second, "load per run")
	rounds := flag.Int("rounds", 10, "publishes whose stale window is measured")
	bin := flag.String("zhdj", "", "zhdj binary (built into a temporary folder when empty)")
	flag.Parse()
	if err := run(*items, *clients, *duration, *rounds, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench/scaleout:", err)
		os.Exit(1)
	}
}

func run(items, clients int, d time.Duration, rounds int, bin string) error {
	ctx := context.Background()
	s, err := stack.Start(ctx, bin)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Run("seed"); err != nil {
		return err
	}
	if err := stack.Exec(ctx, s.OwnerURL, fmt.Sprintf(`DO $$ BEGIN
		PERFORM set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'demo'), true);
		INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at, tags)
		SELECT u.tenant_id, 'article', 'scale-' || g, '扩展测试 ' || g, u.id, 'published', now() - g * interval '1 minute', ARRAY['党建', '学习']
		FROM org_units u, generate_series(1, %d) g WHERE u.code = 'XXGC';
	END $$`, items)); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("%d published items; %d clients, %s per run, 2 cores shared by every process, PostgreSQL, the proxy and the load\n\n", items, clients, d)
	fmt.Printf("%-44s %10s %10s %10s\n", "", "req/s", "p50 ms", "p99 ms")
	for _, mode := range []struct {
		name string
		env  string
	}{{"without the response cache", "ZHDJ_RESPONSE_CACHE_BYTES=off"}, {"with the response cache", ""}} {
		var one stack.Result
		for _, n := range []int{1, 3} {
			procs, addrs, err := serve(s, n, mode.env)
			if err != nil {
				return err
			}
			proxy := roundRobin(addrs)
			req := func() (*http.Request, error) {
				return http.NewRequest(http.MethodGet, proxy+"/graphql?query="+url.QueryEscape(front), nil)
			}
			r := stack.Load(req, clients, d)
			printResult(fmt.Sprintf("%s, %d process(es)", mode.name, n), r)
			if n == 1 {
				one = r
			} else {
				fmt.Printf("  three processes: %.0f %% of one's throughput (target: no lower without the cache)\n", r.RPS/one.RPS*100)
				if mode.env == "" {
					if err := staleWindow(ctx, s, proxy, rounds); err != nil {
						return err
					}
				}
			}
			stopAll(procs)
		}
	}
	return nil
}

// serve starts n `zhdj serve` processes on ports of their own, and says
// where each listens.
func serve(s *stack.Stack, n int, env string) ([]*exec.Cmd, []string, error) {
	var procs []*exec.Cmd
	var addrs []string
	for range n {
		port, err := pgcluster.FreePort()
		if err != nil {
			return nil, nil, err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		cmd := exec.Command(s.Bin, "serve")
		cmd.Env = append(append([]string{}, s.Env...), "ZHDJ_HTTP_ADDR="+addr)
		if env != "" {
			cmd.Env = append(cmd.Env, env)
		}
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, nil, err
		}
		procs, addrs = append(procs, cmd), append(addrs, addr)
		if err := stack.WaitReady("http://" + addr + "/readyz"); err != nil {
			stopAll(procs)
			return nil, nil, err
		}
	}
	return procs, addrs, nil
}

func stopAll(procs []*exec.Cmd) {
	for _, p := range procs {
		_ = p.Process.Signal(os.Interrupt)
	}
	for _, p := range procs {
		_ = p.Wait()
	}
}

// roundRobin starts a proxy sending each request to the next address.
func roundRobin(addrs []string) string {
	var targets []*httputil.ReverseProxy
	transport := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}
	for _, addr := range addrs {
		u, _ := url.Parse("http://" + addr)
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.Transport = transport
		targets = append(targets, rp)
	}
	var next atomic.Uint64
	port, _ := pgcluster.FreePort()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		targets[next.Add(1)%uint64(len(targets))].ServeHTTP(w, r)
	})}
	go func() { _ = srv.ListenAndServe() }()
	_ = stack.WaitReady("http://" + addr + "/healthz")
	return "http://" + addr
}

// staleWindow publishes rounds items, one at a time, and measures until
// the front page through the proxy shows each.
func staleWindow(ctx context.Context, s *stack.Stack, proxy string, rounds int) error {
	conn, err := pgx.Connect(ctx, s.OwnerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var lags []time.Duration
	for i := range rounds {
		// Kept by every process first.
		for range 6 {
			if _, err := fetch(proxy); err != nil {
				return err
			}
		}
		title := fmt.Sprintf("刚刚发布 %d", i)
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'demo'), true)`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at)
				SELECT tenant_id, 'article', $2, $1, id, 'published', now() FROM org_units WHERE code = 'XXGC'`, title, fmt.Sprintf("fresh-%d", i))
			return err
		}); err != nil {
			return err
		}
		published := time.Now()
		// Three answers in a row with it: each process has it.
		for seen := 0; seen < 3; {
			body, err := fetch(proxy)
			if err != nil {
				return err
			}
			if strings.Contains(body, title) {
				seen++
			} else {
				seen = 0
			}
			if time.Since(published) > 10*time.Second {
				return fmt.Errorf("round %d: the new item did not show within 10 s", i)
			}
		}
		lags = append(lags, time.Since(published))
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	verdict := "ok"
	if lags[len(lags)-1] > time.Second {
		verdict = "MISSED"
	}
	fmt.Printf("  stale window after a publish, through the proxy to three processes (%d rounds): median %.1f ms, worst %.1f ms (target ≤ 1 s): %s\n",
		len(lags), ms(lags[len(lags)/2]), ms(lags[len(lags)-1]), verdict)
	return nil
}

func fetch(proxy string) (string, error) {
	res, err := http.Get(proxy + "/graphql?query=" + url.QueryEscape(`{ contents(site: "xxgc", first: 1) { edges { node { title } } } }`))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return string(body), err
}

func printResult(name string, r stack.Result) {
	fmt.Printf("%-44s %10.0f %10.2f %10.2f", name, r.RPS, ms(r.P50), ms(r.P99))
	if r.Errors > 0 {
		fmt.Printf("  (%d errors)", r.Errors)
	}
	fmt.Println()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
