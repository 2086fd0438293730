package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zhdj/internal/app"
	"zhdj/internal/pgcluster"
)

// balancer is a round-robin load balancer as deployments put in front of
// several server processes: it sends each request to the next backend
// whose /readyz answered 200 at its last check (every 20 ms).
type balancer struct {
	backends []*url.URL
	ready    []atomic.Bool
	next     atomic.Uint64
	stop     chan struct{}
}

func newBalancer(t *testing.T, backends ...string) *httptest.Server {
	b := &balancer{ready: make([]atomic.Bool, len(backends)), stop: make(chan struct{})}
	for _, s := range backends {
		u, _ := url.Parse(s)
		b.backends = append(b.backends, u)
	}
	check := func() {
		for i, u := range b.backends {
			res, err := http.Get(u.String() + "/readyz")
			ok := err == nil && res.StatusCode == http.StatusOK
			if err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			b.ready[i].Store(ok)
		}
	}
	check()
	go func() {
		for {
			select {
			case <-b.stop:
				return
			case <-time.After(20 * time.Millisecond):
				check()
			}
		}
	}()
	srv := httptest.NewServer(b)
	t.Cleanup(func() { close(b.stop); srv.Close() })
	return srv
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for range len(b.backends) {
		i := int(b.next.Add(1) % uint64(len(b.backends)))
		if b.ready[i].Load() {
			httputil.NewSingleHostReverseProxy(b.backends[i]).ServeHTTP(w, r)
			return
		}
	}
	http.Error(w, "no backend ready", http.StatusBadGateway)
}

// Three server processes behind a load balancer: one is stopped (as by
// SIGTERM) while readers and writers keep coming, and no request fails —
// it says it is draining, the balancer takes it out, and it finishes what
// it had; a page published meanwhile shows through the balancer within a
// second, whichever process answers.
func TestThreeProcessesAndARestart(t *testing.T) {
	t.Parallel()
	a := setup(t, withAnswers)
	b := a.replica(t)
	// The third runs as `zhdj serve` does: its own listener, stopped by
	// cancelling its context, with a drain delay.
	cfg := a.cfg
	cfg.ShutdownDelay = 300 * time.Millisecond
	metricsPort, err := pgcluster.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg.MetricsAddr = fmt.Sprintf("127.0.0.1:%d", metricsPort) // served by Run, off the public port
	third, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(third.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- third.Run(stop, l) }()
	lb := newBalancer(t, a.server.URL, b.server.URL, "http://"+l.Addr().String())
	through := &testBundle{app: a.app, server: lb, demo: a.demo, db: a.db, cfg: a.cfg}
	student, _ := through.login(t, "student", demoPassword)
	eventually(t, "the third serves its metrics", func() bool {
		res, err := http.Get("http://" + cfg.MetricsAddr + "/metrics")
		if err != nil {
			return false
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode == 200 && strings.Contains(string(body), "zhdj_db_pool_connections")
	})

	const front = `{ contents(site: "xxgc", first: 1) { edges { node { title } } } }`
	var failures atomic.Int64
	var firstFailure atomic.Value
	var requests atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second}
			for {
				select {
				case <-done:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, lb.URL+"/graphql?query="+url.QueryEscape(front), nil)
				if c%2 == 1 { // a signed-in reader: computed every time
					req.Header.Set("Authorization", "Bearer "+student)
				}
				res, err := client.Do(req)
				requests.Add(1)
				if err != nil {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || strings.Contains(string(body), `"errors"`) {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, res.Status+" "+string(body))
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	cancel() // SIGTERM to the third
	ownerExec(t, a, publishRaw("scaled-1", "XXGC", "三进程发布", "", "<p>正文</p>", nil, nil, "published"))
	published := time.Now()
	eventually(t, "the new page through the balancer", func() bool {
		return strings.Contains(string(through.get(t, front).Data), "三进程发布")
	})
	if lag := time.Since(published); lag > time.Second {
		t.Errorf("the new page showed after %s (bound 1 s)", lag)
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("the third stopped with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the third did not stop")
	}
	time.Sleep(300 * time.Millisecond) // the two left carry the load
	close(done)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d requests failed; the first: %v", n, requests.Load(), firstFailure.Load())
	} else {
		t.Logf("%d requests, none failed, while one of three processes stopped", requests.Load())
	}
	if requests.Load() < 50 {
		t.Errorf("only %d requests", requests.Load())
	}
}

// Three processes agree at once on what the database decides: a site's new
// origin changed through one is allowed by CORS on the others (their
// periodic refresh is an hour away: the change's announcement tells them),
// and failed logins spread over the three lock the account on every one.
func TestThreeProcessesAgree(t *testing.T) {
	t.Parallel()
	a := setup(t, identityEnv())
	procs := []*testBundle{a, a.replica(t), a.replica(t)}
	admin, _ := a.login(t, "admin", demoPassword)
	site := decode[struct {
		Site struct {
			ID      string
			Origins []string
		}
	}](t, a.post(t, `{ site(slug: "xxgc") { id origins } }`, nil)).Site
	const added = "https://xxgc.example.edu.cn"
	allows := func(p *testBundle) bool {
		return p.post(t, `{ __typename }`, nil, "Origin", added).header.Get("Access-Control-Allow-Origin") == added
	}
	for i, p := range procs {
		if allows(p) {
			t.Fatalf("process %d allows %s before it is added", i, added)
		}
	}
	if r := a.post(t, `mutation($in: UpdateSiteInput!) { updateSite(input: $in) { site { origins } } }`,
		map[string]any{"in": map[string]any{"id": site.ID, "origins": append(site.Origins, added)}}, bearer(admin)...); len(r.Errors) > 0 {
		t.Fatalf("update origins: %+v", r.Errors)
	}
	for i, p := range procs {
		eventually(t, fmt.Sprintf("process %d allows the new origin", i), func() bool { return allows(p) })
	}

	for i := range 5 {
		if r := procs[i%3].post(t, loginMutation, map[string]any{"id": "editor", "pw": fmt.Sprintf("wrong password %d", i)}); r.code(0) != "UNAUTHENTICATED" {
			t.Fatalf("failure %d: %+v", i, r.Errors)
		}
	}
	for i, p := range procs {
		if r := p.post(t, loginMutation, map[string]any{"id": "editor", "pw": demoPassword}); r.code(0) != "RATE_LIMITED" {
			t.Errorf("process %d after five failures on three: %+v", i, r.Errors)
		}
	}
}
