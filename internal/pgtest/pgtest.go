// Package pgtest gives tests a fresh, migrated PostgreSQL database each.
//
// A test package calls Main from its TestMain. Main starts a throw-away
// cluster on a free loopback port (or uses the server named by
// ZHDJ_TEST_PG_URL, a superuser URL, when set), migrates one template
// database, and stops the cluster when the package's tests are done.
// NewDB then clones the template, which takes milliseconds, so every test
// gets its own database and tests run in parallel without sharing state.
//
// A missing PostgreSQL fails the tests; it never skips them.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/jobs"
	"zhdj/internal/pgcluster"
	"zhdj/internal/postgres"
)

var (
	mu       sync.Mutex
	adminURL string             // superuser URL to the maintenance database
	template string             // name of the migrated template database
	cluster  *pgcluster.Cluster // the throw-away cluster (nil on ZHDJ_TEST_PG_URL)
	scratch  string             // a folder beside its data folder
	setupErr error
)

// startCluster starts a throw-away cluster (no durability: fsync off) in
// a new folder under parent, on a free loopback port, trying other ports
// when the one picked was taken in between.
func startCluster(ctx context.Context, parent string) (*pgcluster.Cluster, error) {
	for attempt := 0; ; attempt++ {
		port, err := pgcluster.FreePort()
		if err != nil {
			return nil, err
		}
		cl, err := pgcluster.New(filepath.Join(parent, fmt.Sprintf("data%d", attempt)), port)
		if err != nil {
			return nil, err
		}
		cl.Settings = map[string]string{"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
		if err := cl.Init(ctx); err != nil {
			return nil, err
		}
		if err = cl.Start(ctx); err == nil {
			return cl, nil
		}
		if attempt == 2 {
			return nil, err
		}
	}
}

// Main runs the package's tests around a throw-away cluster.
func Main(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctx := context.Background()
	if u := os.Getenv("ZHDJ_TEST_PG_URL"); u != "" {
		adminURL = u
		return m.Run(), nil
	}
	parent, err := os.MkdirTemp("", "zhdj-pgtest-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(parent)

	cl, err := startCluster(ctx, parent)
	if err != nil {
		return 1, err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := cl.Stop(stopCtx); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}()
	adminURL = cl.URL("postgres")
	cluster, scratch = cl, parent
	return m.Run(), nil
}

// AdminURL returns the superuser URL of the test server (for tests that
// create roles or databases of their own).
func AdminURL(t testing.TB) string {
	t.Helper()
	if adminURL == "" {
		t.Fatal("pgtest: no test server; call pgtest.Main from TestMain")
	}
	return adminURL
}

// DB is one fresh, migrated database.
type DB struct {
	Name string
	// URL connects as the server role: not superuser, not BYPASSRLS, owner
	// of nothing; row-level security applies.
	URL string
	// OwnerURL connects as the role that owns the schema (migrations).
	OwnerURL string
	// Pool is connected with URL.
	Pool *pgxpool.Pool
}

// rolePassword derives a role's password from the server URL, so that every
// test process using one server agrees on it.
func rolePassword(role string) string {
	h := sha256.Sum256([]byte(adminURL + "\x00" + role))
	return hex.EncodeToString(h[:16])
}

func ownerURL(db string) string {
	return pgcluster.RoleURL(adminURL, pgcluster.OwnerRole, rolePassword(pgcluster.OwnerRole), db)
}

func serverURL(db string) string {
	return pgcluster.RoleURL(adminURL, pgcluster.ServerRole, rolePassword(pgcluster.ServerRole), db)
}

// NewDB returns a new database cloned from the migrated template. It is
// dropped when the test ends.
func NewDB(t testing.TB) *DB {
	t.Helper()
	ctx := context.Background()
	tmpl, err := migratedTemplate(ctx)
	if err != nil {
		t.Fatalf("pgtest: template: %v", err)
	}
	name := "t_" + randomName()
	if err := pgcluster.CreateDatabase(ctx, adminURL, name, tmpl); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	u := serverURL(name)
	pool, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		_ = adminExec(context.Background(), fmt.Sprintf(dropDatabase, name))
	})
	return &DB{Name: name, URL: u, OwnerURL: ownerURL(name), Pool: pool}
}

// EmptyDB returns a new database with no migrations applied, for tests of
// the migrations themselves. It is dropped when the test ends.
func EmptyDB(t testing.TB) *DB {
	t.Helper()
	ctx := context.Background()
	if adminURL == "" {
		t.Fatal("pgtest: no test server; call pgtest.Main from TestMain")
	}
	if _, err := migratedTemplate(ctx); err != nil { // provisions the roles
		t.Fatalf("pgtest: %v", err)
	}
	name := "e_" + randomName()
	if err := pgcluster.CreateDatabase(ctx, adminURL, name, ""); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	u := ownerURL(name)
	pool, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		_ = adminExec(context.Background(), fmt.Sprintf(dropDatabase, name))
	})
	return &DB{Name: name, URL: serverURL(name), OwnerURL: u, Pool: pool}
}

func migratedTemplate(ctx context.Context) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if template != "" || setupErr != nil {
		return template, setupErr
	}
	if adminURL == "" {
		setupErr = fmt.Errorf("no test server; call pgtest.Main from TestMain")
		return "", setupErr
	}
	if err := pgcluster.ProvisionRoles(ctx, adminURL, rolePassword(pgcluster.OwnerRole), rolePassword(pgcluster.ServerRole)); err != nil {
		setupErr = err
		return "", err
	}
	name := "tmpl_" + randomName()
	if err := pgcluster.CreateDatabase(ctx, adminURL, name, ""); err != nil {
		setupErr = err
		return "", err
	}
	pool, err := postgres.Open(ctx, ownerURL(name))
	if err != nil {
		setupErr = err
		return "", err
	}
	m, err := postgres.NewMigrator(pool, nil)
	if err == nil {
		_, err = m.Up(ctx)
		m.Close()
	}
	if err == nil {
		err = jobs.Migrate(ctx, pool)
	}
	pool.Close()
	if err != nil {
		setupErr = err
		return "", err
	}
	if err := adminExec(ctx, fmt.Sprintf(freezeTemplate, name)); err != nil {
		setupErr = err
		return "", err
	}
	template = name
	return template, nil
}

func adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func randomName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}

// Standby is a streaming replica of the test cluster (every database of
// it), for tests of reading from replicas.
type Standby struct {
	cl *pgcluster.Cluster
}

// NewStandby starts a hot standby of the test cluster on a free loopback
// port; it is stopped and removed when the test ends. It needs the
// throw-away cluster: with ZHDJ_TEST_PG_URL the test is skipped, saying so.
func NewStandby(t testing.TB) *Standby {
	t.Helper()
	if cluster == nil {
		t.Skip("pgtest: ZHDJ_TEST_PG_URL names a server this test cannot make a standby of; skipped (the throw-away cluster runs it)")
	}
	ctx := context.Background()
	var s *pgcluster.Cluster
	for attempt := 0; ; attempt++ {
		port, err := pgcluster.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(scratch, "standby-"+randomName())
		s, err = cluster.Standby(ctx, dir, port)
		if err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		t.Cleanup(func() { os.RemoveAll(dir); os.Remove(dir + ".password") })
		if err = s.Start(ctx); err == nil {
			break
		}
		if attempt == 2 {
			t.Fatalf("pgtest: start standby: %v", err)
		}
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if s.Running(stopCtx) {
			_ = s.Stop(stopCtx)
		}
	})
	return &Standby{cl: s}
}

// URL connects to db on the standby as the server role.
func (s *Standby) URL(db *DB) string {
	return pgcluster.RoleURL(s.cl.URL("postgres"), pgcluster.ServerRole, rolePassword(pgcluster.ServerRole), db.Name)
}

// Port is the standby's port on 127.0.0.1.
func (s *Standby) Port() int { return s.cl.Port }

// Exec runs sql on the standby as the superuser (pg_wal_replay_pause(), …).
func (s *Standby) Exec(t testing.TB, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.cl.URL("postgres"))
	if err != nil {
		t.Fatalf("pgtest: connect to standby: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("pgtest: standby: %s: %v", sql, err)
	}
}

// Stop shuts the standby down (fast: its sessions are cut).
func (s *Standby) Stop(t testing.TB) {
	t.Helper()
	if err := s.cl.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Start starts a stopped standby again.
func (s *Standby) Start(t testing.TB) {
	t.Helper()
	if err := s.cl.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Server is a second, empty PostgreSQL cluster with the zhdj roles and one
// empty database (for restore drills: a machine after a disaster).
type Server struct {
	// AdminURL connects to the database as the superuser; URL as the
	// server role; OwnerURL as the schema's owner.
	AdminURL, URL, OwnerURL string
}

// NewServer starts a fresh cluster on a free loopback port with the roles
// made and an empty database "zhdj"; it is stopped and removed when the
// test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "zhdj-pgserver-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cl, err := startCluster(ctx, dir)
	if err != nil {
		t.Fatalf("pgtest: start a second server: %v", err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = cl.Stop(stopCtx)
	})
	admin := cl.URL("postgres")
	ownerPW, serverPW := randomName(), randomName()
	if err := pgcluster.ProvisionRoles(ctx, admin, ownerPW, serverPW); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if err := pgcluster.CreateDatabase(ctx, admin, "zhdj", ""); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return &Server{AdminURL: cl.URL("zhdj"),
		URL:      pgcluster.RoleURL(admin, pgcluster.ServerRole, serverPW, "zhdj"),
		OwnerURL: pgcluster.RoleURL(admin, pgcluster.OwnerRole, ownerPW, "zhdj")}
}

// SuperuserURL connects to db as the test server's superuser (for backups,
// which read past row-level security).
func SuperuserURL(t testing.TB, db *DB) string {
	t.Helper()
	u, err := url.Parse(AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db.Name
	return u.String()
}
