package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/app"
	"zhdj/internal/config"
	"zhdj/internal/content"
	"zhdj/internal/jobs"
	"zhdj/internal/media"
	"zhdj/internal/media/s3"
	"zhdj/internal/miniotest"
	"zhdj/internal/pgtest"
	"zhdj/internal/seed"
)

// asZhdj makes the test binary the zhdj command (see TestMain), so that a
// test can start real `zhdj serve` processes and kill them.
const asZhdj = "ZHDJ_TEST_RUN_AS_ZHDJ"

// server is a `zhdj serve` process.
type server struct {
	cmd *exec.Cmd
	url string
	log *bytes.Buffer
}

func startServer(t *testing.T, env []string) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &server{url: "http://" + addr, log: &bytes.Buffer{}}
	s.cmd = exec.Command(os.Args[0], "serve")
	s.cmd.Env = append(append(os.Environ(), asZhdj+"=1", "ZHDJ_HTTP_ADDR="+addr), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() })
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("zhdj serve did not become ready: %v\n%s", err, s.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
}

func (s *server) searchTitles(t *testing.T, q string) []string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": `query($q: String!) { search(site: "xxgc", query: $q) { edges { node { ... on Article { title } } } } }`,
		"variables": map[string]any{"q": q}})
	res, err := http.Post(s.url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			Search struct {
				Edges []struct{ Node struct{ Title string } }
			}
		}
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
		t.Fatalf("search: %v %+v", err, out.Errors)
	}
	var titles []string
	for _, e := range out.Data.Search.Edges {
		titles = append(titles, e.Node.Title)
	}
	return titles
}

// TestKilledServerLosesNoBackgroundWork runs two `zhdj serve` processes on
// one database and kills (SIGKILL) the first in the middle of a search
// drain, a scheduled publication, an image's processing and a webhook
// delivery, each held at a lock so that it is mid-way for certain. The
// second process finishes all four, and the search changes made after the
// kill, within two minutes; the item is published once, the image gets its
// derivatives once, and the webhook is delivered again with the same
// delivery id.
func TestKilledServerLosesNoBackgroundWork(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	store := miniotest.Start(t)
	env := []string{"ZHDJ_DATABASE_URL=" + db.URL, "ZHDJ_AUTO_MIGRATE=false", "ZHDJ_LOG_LEVEL=warn", "ZHDJ_JOB_LEASE=3s",
		"ZHDJ_WEBHOOK_ALLOW_PRIVATE=true", "ZHDJ_ARGON2_MEMORY_KIB=1024", "ZHDJ_ARGON2_ITERATIONS=1",
		"ZHDJ_S3_ENDPOINT=" + store.Endpoint, "ZHDJ_S3_ACCESS_KEY=" + store.AccessKey, "ZHDJ_S3_SECRET_KEY=" + store.SecretKey, "ZHDJ_S3_SECURE=false"}

	// The demo school, written by an App that runs no background work.
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"ZHDJ_DATABASE_URL": db.URL, "ZHDJ_AUTO_MIGRATE": "false", "ZHDJ_ARGON2_MEMORY_KIB": "1024", "ZHDJ_ARGON2_ITERATIONS": "1"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.NoBackground = true
	a, err := app.New(ctx, cfg, app.NewLogger(cfg))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := seed.Demo(ctx, seed.Services{Tenants: a.Tenants, Org: a.Org, Sites: a.Sites, Accounts: a.Accounts, Members: a.Members}, "zhdj-demo-2026")
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	school := rep.School.ID

	// The webhook receiver hangs on the first delivery (the one the killed
	// process makes) and takes the others.
	var mu sync.Mutex
	var deliveries []string // "event delivery-id"
	release := make(chan struct{})
	defer close(release)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev struct{ Event, Slug string }
		_ = json.Unmarshal(body, &ev)
		mu.Lock()
		deliveries = append(deliveries, ev.Event+" "+ev.Slug+" "+r.Header.Get("X-Zhdj-Delivery"))
		first := len(deliveries) == 1
		mu.Unlock()
		if first {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	defer hook.Close()

	// The schema owner in the school, behind the API's back.
	connect := func() *pgx.Conn {
		t.Helper()
		c, err := pgx.Connect(ctx, db.OwnerURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		if _, err := c.Exec(ctx, `SELECT set_config('app.tenant_id', $1, false)`, school.String()); err != nil {
			t.Fatal(err)
		}
		return c
	}
	owner, locker := connect(), connect()
	asOwner := func(sql string, args ...any) pgx.Row { return owner.QueryRow(ctx, sql, args...) }
	var webhookID, scheduledID uuid.UUID
	if err := asOwner(`INSERT INTO site_webhooks (tenant_id, site_id, url, secret)
		SELECT tenant_id, id, $1, 'secret' FROM sites WHERE slug = 'xxgc' RETURNING id`, hook.URL).Scan(&webhookID); err != nil {
		t.Fatal(err)
	}
	publishAt := time.Now().Add(-time.Second).UTC().Truncate(time.Microsecond)
	if err := asOwner(`WITH cover AS (INSERT INTO media (tenant_id, purpose, visibility, org_unit_id, filename, mime_type, size_bytes, status, object_key)
			SELECT u.tenant_id, 'cover', 'public', u.id, 'c.png', 'image/png', 10, 'ready', 'test/cover.png' FROM org_units u WHERE u.code = 'XXGC' RETURNING tenant_id, id, org_unit_id)
		INSERT INTO contents (tenant_id, type, slug, title, summary, org_unit_id, status, publish_at, cover_id, body)
		SELECT tenant_id, 'article', 'scheduled-one', '定时发布的文章', '', org_unit_id, 'scheduled', $1, id, '{"html": "<p>x</p>"}' FROM cover RETURNING id`, publishAt).Scan(&scheduledID); err != nil {
		t.Fatal(err)
	}
	insertArticle := func(slug, title string) {
		t.Helper()
		var id uuid.UUID
		if err := asOwner(`INSERT INTO contents (tenant_id, type, slug, title, summary, org_unit_id, status, published_at, body)
			SELECT u.tenant_id, 'article', $1, $2, '', u.id, 'published', now(), '{"html": "<p>x</p>"}' FROM org_units u WHERE u.code = 'XXGC' RETURNING id`, slug, title).Scan(&id); err != nil {
			t.Fatal(err)
		}
	}

	// An uploaded image waiting to be processed (derivatives made).
	objects, err := s3.New(ctx, s3.Config{Endpoint: store.Endpoint, AccessKey: store.AccessKey, SecretKey: store.SecretKey, Bucket: "zhdj-media", Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 1600, 900))
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		t.Fatal(err)
	}
	imageKey := "t/" + school.String() + "/crash-test.png"
	if err := objects.Put(ctx, imageKey, bytes.NewReader(pngBuf.Bytes()), int64(pngBuf.Len()), "image/png"); err != nil {
		t.Fatal(err)
	}
	var mediaID uuid.UUID
	if err := asOwner(`INSERT INTO media (tenant_id, purpose, visibility, org_unit_id, filename, declared_type, mime_type, size_bytes, status, object_key)
		SELECT u.tenant_id, 'cover', 'public', u.id, 'crash.png', 'image/png', 'image/png', $1, 'processing', $2 FROM org_units u WHERE u.code = 'XXGC' RETURNING id`,
		pngBuf.Len(), imageKey).Scan(&mediaID); err != nil {
		t.Fatal(err)
	}

	// Hold the locks that stop the four jobs mid-way: the search
	// documents (the drain's writes), the scheduled item's row and the
	// image's row (processing's last write).
	held, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := held.Exec(ctx, `LOCK TABLE search_documents IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	if _, err := held.Exec(ctx, `SELECT 1 FROM contents WHERE id = $1 FOR UPDATE`, scheduledID); err != nil {
		t.Fatal(err)
	}
	if _, err := held.Exec(ctx, `SELECT 1 FROM media WHERE id = $1 FOR UPDATE`, mediaID); err != nil {
		t.Fatal(err)
	}

	victim := startServer(t, env)
	insertArticle("before-kill", "崩溃之前发布的党课")
	ins, err := jobs.NewInserter(db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := ins.InsertTx(ctx, tx, content.PublishArgs{TenantID: school, ContentID: scheduledID, PublishAt: publishAt}, nil); err != nil {
			return err
		}
		if _, err := ins.InsertTx(ctx, tx, media.ProcessArgs{TenantID: school, MediaID: mediaID}, nil); err != nil {
			return err
		}
		_, err := ins.InsertTx(ctx, tx, content.WebhookArgs{TenantID: school, WebhookID: webhookID, Event: "update", ContentID: scheduledID, Slug: "before-kill", Version: 1, At: time.Now()}, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// Wait until the victim is in the middle of all three.
	running := func() map[string]int {
		out := map[string]int{}
		rows, err := db.Pool.Query(ctx, `SELECT kind, count(*) FROM river_job WHERE state = 'running' GROUP BY kind`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			out[k] = n
		}
		return out
	}
	deadline := time.Now().Add(time.Minute)
	for {
		r := running()
		mu.Lock()
		hooked := len(deliveries) == 1
		mu.Unlock()
		if r["search.drain"] == 1 && r["content.publish"] == 1 && r["media.process"] == 1 && hooked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the victim never got mid-way: running %v, deliveries %d\n%s", r, len(deliveries), victim.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	victim.kill(t)
	if err := held.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	survivor := startServer(t, env)
	insertArticle("after-kill", "崩溃之后发布的党课")

	// Two minutes is the bound the platform promises; with a 3 s lease
	// this takes seconds.
	deadline = time.Now().Add(2 * time.Minute)
	for {
		found := strings.Join(survivor.searchTitles(t, "党课"), ",")
		var status string
		if err := asOwner(`SELECT status FROM contents WHERE id = $1`, scheduledID).Scan(&status); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := len(deliveries)
		mu.Unlock()
		var mediaStatus string
		if err := asOwner(`SELECT status FROM media WHERE id = $1`, mediaID).Scan(&mediaStatus); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(found, "崩溃之前") && strings.Contains(found, "崩溃之后") && status == "published" && n >= 3 && mediaStatus == "ready" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after two minutes: search %q, scheduled item %s, %d deliveries, image %s, running %v\n%s", found, status, n, mediaStatus, running(), survivor.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // let anything done twice show
	// A drain another change or the periodic sweep kicked may be running
	// for a moment; none may stay running (one the victim held, say).
	for settle := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		r := running()
		if len(r) == 0 {
			break
		}
		if time.Now().After(settle) {
			t.Fatalf("jobs still running: %v", r)
		}
	}
	// Published once: one publish event (it queues one webhook delivery).
	var publishes int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'content.webhook' AND args->>'event' = 'publish' AND args->>'content_id' = $1`, scheduledID.String()).Scan(&publishes); err != nil {
		t.Fatal(err)
	}
	var derivatives int
	if err := asOwner(`SELECT count(*) FROM media_derivatives WHERE media_id = $1`, mediaID).Scan(&derivatives); err != nil || derivatives == 0 {
		t.Fatalf("the processed image has %d derivatives (%v)", derivatives, err)
	}
	if publishes != 1 {
		t.Fatalf("%d publish events for the scheduled item, want 1", publishes)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(deliveries) != 3 {
		t.Fatalf("deliveries: %q (want the hung one, its retry and the publication)", deliveries)
	}
	retried := 0
	for _, d := range deliveries {
		if d == deliveries[0] {
			retried++
		}
	}
	if retried != 2 || !strings.HasPrefix(deliveries[0], "update before-kill ") {
		t.Fatalf("deliveries: %q (want the hung update twice, with one delivery id)", deliveries)
	}
}
