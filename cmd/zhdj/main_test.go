package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/app"
	"zhdj/internal/audit"
	"zhdj/internal/config"
	"zhdj/internal/console"
	"zhdj/internal/operation"
	"zhdj/internal/pgtest"
)

func TestMain(m *testing.M) {
	if os.Getenv(asZhdj) != "" {
		main() // a `zhdj serve` started by a test
		return
	}
	pgtest.Main(m)
}

// TestOperatorBootstrap drives the commands an operator uses to set up a
// real deployment: tenant create, then user create with a role, then a login.
func TestOperatorBootstrap(t *testing.T) {
	db := pgtest.NewDB(t)
	t.Setenv("ZHDJ_DATABASE_URL", db.URL)
	t.Setenv("ZHDJ_ARGON2_MEMORY_KIB", "1024")
	t.Setenv("ZHDJ_ARGON2_ITERATIONS", "1")
	t.Setenv("ZHDJ_LOG_LEVEL", "error")
	ctx := context.Background()
	var out bytes.Buffer

	if err := run(ctx, []string{"tenant", "create", "--code", "hzvtc", "--name", "杭州示范职业技术学院"}, &out, &out); err != nil {
		t.Fatalf("tenant create: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"tenant", "create", "--code", "hzvtc", "--name", "again"}, &out, &out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate tenant: %v", err)
	}
	t.Setenv("ZHDJ_USER_PASSWORD", "组织部-strong-pass-1")
	if err := run(ctx, []string{"user", "create", "--school", "hzvtc", "--username", "orgdept", "--display-name", "组织部", "--role", "tenant_admin", "--org-unit", "DW"}, &out, &out); err != nil {
		t.Fatalf("user create: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"user", "create", "--school", "hzvtc", "--username", "weak", "--display-name", "x"}, &out, &out); err != nil {
		t.Fatalf("user without role: %v", err)
	}
	t.Setenv("ZHDJ_USER_PASSWORD", "123456")
	if err := run(ctx, []string{"user", "create", "--school", "hzvtc", "--username", "weak2", "--display-name", "x"}, &out, &out); err == nil {
		t.Fatal("a common password was accepted")
	}
	if err := run(ctx, []string{"user", "create", "--school", "hzvtc", "--username", "x", "--display-name", "x", "--role", "editor"}, &out, &out); err == nil {
		t.Fatal("--role without --org-unit accepted")
	}

	cfg, err := config.Load(func(k string) string {
		return map[string]string{"ZHDJ_DATABASE_URL": db.URL, "ZHDJ_ARGON2_MEMORY_KIB": "1024", "ZHDJ_ARGON2_ITERATIONS": "1"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, app.NewLogger(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	school, err := a.Tenants.ByCode(ctx, "hzvtc")
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.Accounts.Login(audit.WithClientIP(ctx, "127.0.0.1"), school.ID, "orgdept", "组织部-strong-pass-1", "test")
	if err != nil {
		t.Fatalf("login as the bootstrapped admin: %v", err)
	}
	p, err := a.Accounts.Authenticate(ctx, s.AccessToken)
	if err != nil || len(p.Bindings) != 1 || p.Bindings[0].Role != "tenant_admin" {
		t.Fatalf("principal: %+v %v", p, err)
	}
}

func TestHelpAndUnknownCommands(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, &out, &out); err != nil || !strings.Contains(out.String(), "migrate") {
		t.Fatalf("help: %v %s", err, out.String())
	}
	if err := run(context.Background(), []string{"frobnicate"}, &out, &out); err == nil {
		t.Fatal("unknown command accepted")
	}
	out.Reset()
	if err := run(context.Background(), []string{"version"}, &out, &out); err != nil || !strings.HasPrefix(out.String(), "zhdj ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	t.Setenv("ZHDJ_MAX_DEPTH", "deep")
	if err := run(context.Background(), []string{"serve"}, &out, &out); err == nil || !strings.Contains(err.Error(), "ZHDJ_MAX_DEPTH") {
		t.Fatalf("bad config value: %v", err)
	}
}

// TestMigrateCommand applies every migration (the schema's and the job
// queue's) to an empty database, then reports them applied.
func TestMigrateCommand(t *testing.T) {
	db := pgtest.EmptyDB(t)
	t.Setenv("ZHDJ_DATABASE_URL", db.OwnerURL)
	t.Setenv("ZHDJ_LOG_LEVEL", "error")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "up"}, &out, &out); err != nil {
		t.Fatalf("migrate up: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "status"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "pending") || !strings.Contains(out.String(), "applied") {
		t.Fatalf("status after up:\n%s", out.String())
	}
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_tables WHERE tablename = 'river_job'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("job queue tables missing after migrate up: %d %v", n, err)
	}
	if err := run(context.Background(), []string{"migrate", "sideways"}, &out, &out); err == nil {
		t.Fatal("unknown migrate action accepted")
	}
}

// schoolWithSite points the commands at a fresh database with the school
// hzvtc and its site hz-main, and returns the schema owner's connection
// set to that school.
func schoolWithSite(t *testing.T, out *bytes.Buffer) *pgx.Conn {
	t.Helper()
	db := pgtest.NewDB(t)
	t.Setenv("ZHDJ_DATABASE_URL", db.URL)
	t.Setenv("ZHDJ_LOG_LEVEL", "error")
	ctx := context.Background()
	if err := run(ctx, []string{"tenant", "create", "--code", "hzvtc", "--name", "杭州示范职业技术学院"}, out, out); err != nil {
		t.Fatalf("tenant create: %v\n%s", err, out.String())
	}
	conn, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	for _, sql := range []string{
		`SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'hzvtc'), false)`,
		`INSERT INTO sites (tenant_id, org_unit_id, slug, name) SELECT tenant_id, id, 'hz-main', '主站' FROM org_units WHERE parent_id IS NULL`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return conn
}

// TestSearchCommands: reindex rebuilds a school's index from the database
// with progress, status and reconcile report on it.
func TestSearchCommands(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	conn := schoolWithSite(t, &out)
	for _, sql := range []string{
		`INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at)
			SELECT tenant_id, 'article', 'news-' || g, '新闻 ' || g, id, 'published', now() FROM org_units, generate_series(1, 30) g WHERE parent_id IS NULL`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	out.Reset()
	if err := run(ctx, []string{"search", "reindex", "--tenant", "hzvtc"}, &out, &out); err != nil {
		t.Fatalf("reindex: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "30/30") || !strings.Contains(out.String(), "hzvtc: 30 documents indexed") {
		t.Fatalf("reindex output: %q", out.String())
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM search_documents`).Scan(&n); err != nil || n != 30 {
		t.Fatalf("documents after reindex: %d %v", n, err)
	}
	out.Reset()
	if err := run(ctx, []string{"search", "reconcile"}, &out, &out); err != nil || !strings.Contains(out.String(), "hzvtc: 30 documents checked; 0 missing, 0 stale, 0 extra") {
		t.Fatalf("reconcile: %v %q", err, out.String())
	}
	// Thirty documents are too few to be worth compacting, whatever their
	// order; --force rewrites them anyway, and none is lost.
	out.Reset()
	if err := run(ctx, []string{"search", "compact", "--tenant", "hzvtc"}, &out, &out); err != nil || !strings.Contains(out.String(), "hzvtc: 30 documents, spread ") ||
		!strings.Contains(out.String(), "in order, left as they are") {
		t.Fatalf("compact: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"search", "compact", "--force"}, &out, &out); err != nil || !strings.Contains(out.String(), "hzvtc: 30 documents compacted in ") {
		t.Fatalf("compact --force: %v %q", err, out.String())
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM search_documents`).Scan(&n); err != nil || n != 30 {
		t.Fatalf("documents after compaction: %d %v", n, err)
	}
	out.Reset()
	if err := run(ctx, []string{"search", "status", "--tenant", "hzvtc"}, &out, &out); err != nil ||
		!strings.Contains(out.String(), "engine postgres, 30 indexed") || !strings.Contains(out.String(), "30 checked, 0 repaired") {
		t.Fatalf("status: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"search", "reindex", "--tenant", "nope"}, &out, &out); err == nil {
		t.Fatal("an unknown school was accepted")
	}
}

// TestDevSaysWhichPortIsTaken: a local service's port already in use is
// refused with the flag that changes it.
func TestDevSaysWhichPortIsTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if err := portFree(port, "--minio-port"); err == nil || !strings.Contains(err.Error(), "--minio-port=N") {
		t.Fatalf("taken port: %v", err)
	}
	l.Close()
	if err := portFree(port, "--minio-port"); err != nil {
		t.Fatalf("free port: %v", err)
	}
}

// TestOperationsCommands: push registers a site's documents (.graphql
// files and a manifest) by their hash; list shows them; a manifest whose
// id is not its body's hash is refused.
func TestOperationsCommands(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	schoolWithSite(t, &out)
	dir := t.TempDir()
	const front = `query Front { contents(site: "hz-main", first: 10) { edges { node { title } } } }`
	const site = `query Site { site(slug: "hz-main") { name } }`
	if err := os.WriteFile(filepath.Join(dir, "Front.graphql"), []byte(front), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "` + operation.Hash(site) + `", "name": "Site", "type": "query", "body": ` + strconv.Quote(site) + `}]}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"operations", "push", "--site", "hz-main", filepath.Join(dir, "Front.graphql"), filepath.Join(dir, "manifest.json")}, &out, &out); err != nil {
		t.Fatalf("push: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), operation.Hash(front)) || !strings.Contains(out.String(), "2 operations registered for hz-main") {
		t.Errorf("push: %s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"operations", "list", "--site", "hz-main"}, &out, &out); err != nil || !strings.Contains(out.String(), "Front") ||
		!strings.Contains(out.String(), operation.Hash(site)) {
		t.Errorf("list: %v %s", err, out.String())
	}
	bad := `{"operations": [{"id": "` + operation.Hash("other") + `", "name": "Site", "body": ` + strconv.Quote(site) + `}]}`
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"operations", "push", "--site", "hz-main", filepath.Join(dir, "bad.json")}, &out, &out); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("a manifest with a wrong id: %v", err)
	}
	if err := run(ctx, []string{"operations", "push", "--site", "nope", filepath.Join(dir, "Front.graphql")}, &out, &out); err == nil {
		t.Error("an unknown site accepted")
	}
	// The front end built into the binary, by its manifest.
	built, err := console.Operations("site")
	if err != nil || built["SiteByOrigin"] == "" {
		t.Fatalf("the built front end's operations: %v %v", built, err)
	}
	out.Reset()
	if err := run(ctx, []string{"operations", "push", "--site", "hz-main", "--front-end"}, &out, &out); err != nil ||
		!strings.Contains(out.String(), operation.Hash(built["SiteByOrigin"])) || !strings.Contains(out.String(), fmt.Sprintf("%d operations registered", len(built))) {
		t.Errorf("push --front-end: %v %s", err, out.String())
	}
	if err := run(ctx, []string{"operations", "push", "--site", "hz-main"}, &out, &out); err == nil {
		t.Error("a push of nothing accepted")
	}
}
