package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/app"
	"zhdj/internal/config"
	"zhdj/internal/pgtest"
	"zhdj/internal/postgres"
	"zhdj/internal/reqmeta"
)

// portTracer counts requests' statements (and batches) that succeeded, per
// server port: which of primary and replica a request read.
type portTracer struct {
	mu sync.Mutex
	n  map[uint16]int
}

func (p *portTracer) count(ctx context.Context, c *pgx.Conn, err error) {
	if reqmeta.From(ctx) == nil || err != nil {
		return
	}
	p.mu.Lock()
	if p.n == nil {
		p.n = map[uint16]int{}
	}
	p.n[c.Config().Port]++
	p.mu.Unlock()
}

func (p *portTracer) on(port uint16) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n[port]
}

func (p *portTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}
func (p *portTracer) TraceQueryEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryEndData) {
	p.count(ctx, c, d.Err)
}
func (p *portTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}
func (p *portTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (p *portTracer) TraceBatchEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceBatchEndData) {
	p.count(ctx, c, d.Err)
}

// process starts another server process on b's database with cfg.
func (b *testBundle) process(t *testing.T, cfg config.Config, opts ...app.Option) *testBundle {
	t.Helper()
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return &testBundle{app: a, server: srv, demo: b.demo, db: b.db, cfg: cfg}
}

// Anonymous public reads go to a streaming replica, everything else to the
// primary; a change announced is never read stale from a replica that has
// not replayed it; a replica paused behind the lag bound, or stopped, is
// read no more (no request fails) and is read again once it is back; a
// primary given as a replica is refused at start.
func TestReadReplicas(t *testing.T) {
	t.Parallel()
	standby := pgtest.NewStandby(t)
	db := pgtest.NewDB(t)
	tracer := &portTracer{}
	// patient tolerates a minute of lag: only the fence keeps it fresh.
	patient := setupOn(t, db, map[string]string{"ZHDJ_DATABASE_REPLICA_URLS": standby.URL(db), "ZHDJ_REPLICA_MAX_LAG": "1m"}, tracer)
	strictCfg := patient.cfg
	strictCfg.ReplicaMaxLag = 700e6 // 0.7 s
	strict := patient.process(t, strictCfg, app.WithQueryTracer(tracer))
	replica := uint16(standby.Port())
	const front = `{ contents(site: "xxgc", first: 5) { edges { node { title } } } }`

	// readsReplica sends the anonymous front page and reports whether it
	// read the replica (and that it was answered).
	readsReplica := func(b *testBundle) (bool, string) {
		t.Helper()
		before := tracer.on(replica)
		r := b.get(t, front)
		if r.status != 200 || len(r.Errors) > 0 {
			t.Fatalf("front page: %d %+v", r.status, r.Errors)
		}
		return tracer.on(replica) > before, string(r.Data)
	}
	for name, b := range map[string]*testBundle{"patient": patient, "strict": strict} {
		eventually(t, name+" reads the replica", func() bool { ok, _ := readsReplica(b); return ok })
	}

	// A signed-in reader's same query reads the primary.
	admin, _ := patient.login(t, "admin", demoPassword)
	before := tracer.on(replica)
	if r := patient.get(t, front, bearer(admin)...); r.status != 200 || len(r.Errors) > 0 {
		t.Fatalf("signed in: %d %+v", r.status, r.Errors)
	}
	if n := tracer.on(replica) - before; n != 0 {
		t.Errorf("a signed-in read went to the replica (%d statements)", n)
	}

	// Row-level security binds the server role on the replica too: without
	// a school, it sees no content.
	direct, err := postgres.Open(context.Background(), standby.URL(db))
	if err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := direct.QueryRow(context.Background(), `SELECT count(*) FROM contents`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("contents on the replica without a school: %d %v", rows, err)
	}
	direct.Close()

	// Replay paused: what is published is still shown at once, from the
	// primary, and never the old page after it has been.
	standby.Exec(t, `SELECT pg_wal_replay_pause()`)
	for i := range 3 {
		title := fmt.Sprintf("副本测试%d", i)
		ownerExec(t, patient, publishRaw(fmt.Sprintf("replica-%d", i), "XXGC", title, "", "<p>正文</p>", nil, nil, "published"))
		eventually(t, "the published item is shown", func() bool { _, page := readsReplica(patient); return strings.Contains(page, title) })
		for range 10 {
			if onReplica, page := readsReplica(patient); onReplica || !strings.Contains(page, title) {
				t.Fatalf("after %s was shown: replica read %v, page %s", title, onReplica, page)
			}
		}
	}
	// The strict process takes the paused replica out for its lag.
	eventually(t, "the paused replica is out for its lag", func() bool {
		s := strict.app.Replicas.Status()[0]
		return s.State == "lagging" && !s.Usable
	})
	if onReplica, _ := readsReplica(strict); onReplica {
		t.Error("the lagging replica was read")
	}
	standby.Exec(t, `SELECT pg_wal_replay_resume()`)
	for name, b := range map[string]*testBundle{"patient": patient, "strict": strict} {
		eventually(t, name+" reads the caught-up replica", func() bool {
			ok, page := readsReplica(b)
			return ok && strings.Contains(page, "副本测试2")
		})
	}

	// Stopped: every read is answered (by the primary) from the first one.
	standby.Stop(t)
	for range 20 {
		if onReplica, _ := readsReplica(patient); onReplica {
			t.Fatal("the stopped replica was read")
		}
	}
	eventually(t, "the stopped replica is down", func() bool { return strict.app.Replicas.Status()[0].State == "down" })
	readsReplica(strict)
	standby.Start(t)
	for name, b := range map[string]*testBundle{"patient": patient, "strict": strict} {
		eventually(t, name+" reads the restarted replica", func() bool { ok, _ := readsReplica(b); return ok })
	}
	res, err := http.Get(patient.server.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	ready, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(ready), `"replicas"`) || !strings.Contains(string(ready), `"state":"ok"`) {
		t.Errorf("readyz: %s", ready)
	}

	// The replicas' series the alert rules and dashboard name are exported.
	have := exported(patient.scrape(t))
	for name := range seriesInDeploy(t) {
		if strings.HasPrefix(name, "zhdj_replica_") && !have[name] {
			t.Errorf("deploy/ names %s, which a server with replicas does not export", name)
		}
	}

	// A primary given as a replica is refused.
	wrong := patient.cfg
	wrong.ReplicaURLs = []string{db.URL}
	if _, err := app.New(context.Background(), wrong, slog.New(slog.NewTextHandler(io.Discard, nil))); !errors.Is(err, postgres.ErrNotAReplica) ||
		!strings.Contains(err.Error(), "ZHDJ_DATABASE_REPLICA_URLS") {
		t.Errorf("a primary as a replica: %v", err)
	}
}
