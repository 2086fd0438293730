// Package stack starts what a benchmark measures against: a private
// PostgreSQL cluster, a private MinIO and the zhdj server, each as its own
// process, in a temporary folder removed by Close.
package stack

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/minioproc"
	"zhdj/internal/pgcluster"
)

// Stack is a running PostgreSQL + MinIO (+ zhdj once Serve is called).
type Stack struct {
	Dir       string
	Bin       string // zhdj binary
	AdminURL  string
	OwnerURL  string
	ServerURL string
	MinIO     *minioproc.Server
	Env       []string // the zhdj configuration for this stack
	BaseURL   string   // of the zhdj server, once serving

	pg  *pgcluster.Cluster
	srv *exec.Cmd
}

// Start builds zhdj (unless bin is given) and starts PostgreSQL and MinIO.
// extraEnv is added to the zhdj configuration.
func Start(ctx context.Context, bin string, extraEnv ...string) (*Stack, error) {
	dir, err := os.MkdirTemp("", "zhdj-bench-")
	if err != nil {
		return nil, err
	}
	s := &Stack{Dir: dir, Bin: bin}
	if s.Bin == "" {
		s.Bin = filepath.Join(dir, "zhdj")
		fmt.Println("building zhdj …")
		if out, err := exec.Command("go", "build", "-o", s.Bin, "./cmd/zhdj").CombinedOutput(); err != nil {
			s.Close()
			return nil, fmt.Errorf("build: %v\n%s", err, out)
		}
	}
	port, _ := pgcluster.FreePort()
	s.pg, err = pgcluster.New(filepath.Join(dir, "pg"), port)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.pg.Settings = map[string]string{"fsync": "off", "synchronous_commit": "off", "shared_buffers": "256MB"}
	if d := os.Getenv("BENCH_PG_PLANS"); d != "" {
		// Plans of statements slower than d go to the server log, which
		// Close keeps (auto_explain, shipped with the server); with
		// BENCH_PG_GENERIC=1 every prepared statement runs its generic plan,
		// which shows the plans PostgreSQL's plan cache could switch to.
		s.pg.Settings["session_preload_libraries"] = "auto_explain"
		s.pg.Settings["auto_explain.log_min_duration"] = d
		s.pg.Settings["auto_explain.log_nested_statements"] = "on"
		if os.Getenv("BENCH_PG_GENERIC") != "" {
			s.pg.Settings["plan_cache_mode"] = "force_generic_plan"
		}
	}
	if os.Getenv("BENCH_PG_STATS") != "" {
		// Per-statement timings (pg_stat_statements, shipped with the server).
		s.pg.Settings["shared_preload_libraries"] = "pg_stat_statements"
		s.pg.Settings["pg_stat_statements.track_planning"] = "on"
	}
	if err := s.pg.Init(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.pg.Start(ctx); err != nil {
		s.pg = nil
		s.Close()
		return nil, err
	}
	s.AdminURL = s.pg.URL("postgres")
	if err := pgcluster.ProvisionRoles(ctx, s.AdminURL, "owner-pw", "server-pw"); err != nil {
		s.Close()
		return nil, err
	}
	if err := pgcluster.CreateDatabase(ctx, s.AdminURL, "zhdj", ""); err != nil {
		s.Close()
		return nil, err
	}
	s.OwnerURL = pgcluster.RoleURL(s.AdminURL, pgcluster.OwnerRole, "owner-pw", "zhdj")
	s.ServerURL = pgcluster.RoleURL(s.AdminURL, pgcluster.ServerRole, "server-pw", "zhdj")

	minioBin, err := minioproc.Binary()
	if err != nil {
		s.Close()
		return nil, err
	}
	mport, _ := pgcluster.FreePort()
	s.MinIO = &minioproc.Server{Endpoint: fmt.Sprintf("127.0.0.1:%d", mport), AccessKey: "benchaccess", SecretKey: "benchsecret123", Bin: minioBin, Dir: filepath.Join(dir, "minio")}
	if err := s.MinIO.Start(); err != nil {
		s.MinIO = nil
		s.Close()
		return nil, err
	}
	hport, _ := pgcluster.FreePort()
	s.BaseURL = fmt.Sprintf("http://127.0.0.1:%d", hport)
	s.Env = append(os.Environ(),
		fmt.Sprintf("ZHDJ_HTTP_ADDR=127.0.0.1:%d", hport), "ZHDJ_LOG_LEVEL=warn", "ZHDJ_ENV=local",
		"ZHDJ_DATABASE_URL="+s.ServerURL, "ZHDJ_MIGRATE_DATABASE_URL="+s.OwnerURL,
		"ZHDJ_S3_ENDPOINT="+s.MinIO.Endpoint, "ZHDJ_S3_ACCESS_KEY="+s.MinIO.AccessKey, "ZHDJ_S3_SECRET_KEY="+s.MinIO.SecretKey, "ZHDJ_S3_SECURE=false",
		"ZHDJ_RATE_LIMITS=off", "ZHDJ_JWT_KEYS=b:"+strings.Repeat("QUJD", 11), "ZHDJ_PII_KEYS=1:"+strings.Repeat("QUJD", 10)+"QUI=", "ZHDJ_PII_INDEX_KEY="+strings.Repeat("QUJD", 11),
	)
	if p := os.Getenv("BENCH_PPROF_ADDR"); p != "" {
		s.Env = append(s.Env, "ZHDJ_PPROF_ADDR="+p)
	}
	s.Env = append(s.Env, extraEnv...)
	return s, nil
}

// Run runs a zhdj command (e.g. "seed") against the stack.
func (s *Stack) Run(args ...string) error {
	_, err := s.Output(args...)
	return err
}

// Output runs a zhdj command against the stack and returns what it printed.
func (s *Stack) Output(args ...string) (string, error) {
	cmd := exec.Command(s.Bin, args...)
	cmd.Env = s.Env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("zhdj %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Serve starts `zhdj serve` and waits until it is ready. It returns its pid.
func (s *Stack) Serve() (int, error) {
	s.srv = exec.Command(s.Bin, "serve")
	s.srv.Env = s.Env
	s.srv.Stdout, s.srv.Stderr = os.Stdout, os.Stderr
	if err := s.srv.Start(); err != nil {
		return 0, err
	}
	if err := WaitReady(s.BaseURL + "/readyz"); err != nil {
		return 0, err
	}
	return s.srv.Process.Pid, nil
}

// StopServer stops the server Serve started (Serve may start it again,
// e.g. with another Env).
func (s *Stack) StopServer() {
	if s.srv != nil && s.srv.Process != nil {
		_ = s.srv.Process.Signal(os.Interrupt)
		_ = s.srv.Wait()
	}
	s.srv = nil
}

// WaitReady polls url until it answers 200.
func WaitReady(url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s did not become ready", url)
}

// Close stops everything and removes the folder.
func (s *Stack) Close() {
	if s.srv != nil && s.srv.Process != nil {
		_ = s.srv.Process.Signal(os.Interrupt)
		_ = s.srv.Wait()
	}
	if s.MinIO != nil {
		s.MinIO.Stop()
	}
	if s.pg != nil {
		_ = s.pg.Stop(context.Background())
	}
	if os.Getenv("BENCH_PG_PLANS") != "" {
		if log, err := os.ReadFile(filepath.Join(s.Dir, "pg", "server.log")); err == nil {
			if f, err := os.CreateTemp("", "zhdj-bench-plans-*.log"); err == nil {
				_, _ = f.Write(log)
				_ = f.Close()
				fmt.Println("PostgreSQL's log with the slow plans:", f.Name())
			}
		}
	}
	_ = os.RemoveAll(s.Dir)
}

// WaitIndexed waits until the server's start-up reconciliation of the
// search index has run and the demo school's search outbox is empty: data a
// bench seeds goes through the search indexer, which should not compete
// for the cores with what the bench measures.
func WaitIndexed(ctx context.Context, ownerURL string) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE code = 'demo'), false)`); err != nil {
		return err
	}
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var n int
		if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM search_outbox) + (SELECT CASE WHEN EXISTS (SELECT 1 FROM search_reconcile_runs) THEN 0 ELSE 1 END)`).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
	return fmt.Errorf("the search index did not catch up within 10 minutes")
}
