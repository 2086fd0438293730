package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"zhdj/internal/account"
	"zhdj/internal/app"
	"zhdj/internal/config"
	"zhdj/internal/console"
	"zhdj/internal/minioproc"
	"zhdj/internal/pgcluster"
	"zhdj/internal/pii"
)

func runDev(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("dev", `Run the whole stack for local development, as `+"`make run`"+` does:
a private PostgreSQL cluster under <data>/postgres and a private MinIO under
<data>/minio (created on first use, kept between runs), migrations, the demo
school, and the server with GraphiQL. Ctrl-C stops the server, then MinIO
and the cluster.`)
	data := fs.String("data", ".data", "folder for the local services' data (git-ignored)")
	pgPort := fs.Int("pg-port", 54329, "port of the private PostgreSQL on 127.0.0.1")
	// Not 9000, MinIO's own default, which PHP-FPM and other stores take.
	minioPort := fs.Int("minio-port", 59000, "port of the private MinIO on 127.0.0.1 (0: no media storage)")
	sitePorts := fs.String("site-ports", "3001,3002", "ports on 127.0.0.1 of the demo college front ends, the demo sites' origins (xxgc, znzz); empty: none")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.Env != config.EnvLocal {
		return errors.New("dev: runs only with ZHDJ_ENV=local")
	}
	log := app.NewLogger(cfg)

	cl, err := pgcluster.New(filepath.Join(*data, "postgres"), *pgPort)
	if err != nil {
		return err
	}
	if !cl.Initialised() {
		log.Info("creating the private PostgreSQL cluster", "dir", cl.Dir)
	}
	if err := cl.Init(ctx); err != nil {
		return err
	}
	if cl.Running(ctx) {
		log.Info("PostgreSQL is already running on this data folder; using it (it will be left running)", "port", *pgPort)
	} else {
		if err := portFree(*pgPort, "--pg-port"); err != nil {
			return err
		}
		if err := cl.Start(ctx); err != nil {
			return err
		}
		log.Info("PostgreSQL started", "port", *pgPort)
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := cl.Stop(stopCtx); err != nil {
				fmt.Fprintln(os.Stderr, "zhdj dev:", err)
				return
			}
			log.Info("PostgreSQL stopped")
		}()
	}
	admin := cl.URL("postgres")
	ownerPW, serverPW := derivedPassword(admin, pgcluster.OwnerRole), derivedPassword(admin, pgcluster.ServerRole)
	if err := pgcluster.ProvisionRoles(ctx, admin, ownerPW, serverPW); err != nil {
		return err
	}
	if err := pgcluster.CreateDatabase(ctx, admin, "zhdj", ""); err != nil {
		return err
	}
	cfg.MigrateDatabaseURL = pgcluster.RoleURL(admin, pgcluster.OwnerRole, ownerPW, "zhdj")
	cfg.DatabaseURL = pgcluster.RoleURL(admin, pgcluster.ServerRole, serverPW, "zhdj")
	cfg.AutoMigrate = true
	sec, err := localSecrets(filepath.Join(*data, "secrets.json"), &cfg)
	if err != nil {
		return err
	}
	if *minioPort != 0 && cfg.S3.Endpoint == "" {
		bin, err := minioproc.Binary()
		if err != nil {
			return fmt.Errorf("dev: %w", err)
		}
		mdir, err := filepath.Abs(filepath.Join(*data, "minio"))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(mdir, 0o700); err != nil {
			return err
		}
		if err := portFree(*minioPort, "--minio-port"); err != nil {
			return err
		}
		srv := &minioproc.Server{Endpoint: fmt.Sprintf("127.0.0.1:%d", *minioPort), AccessKey: sec.MinioAccessKey, SecretKey: sec.MinioSecretKey, Bin: bin, Dir: mdir}
		if err := srv.Start(); err != nil {
			return err
		}
		defer func() {
			srv.Stop()
			log.Info("MinIO stopped")
		}()
		log.Info("MinIO started", "endpoint", srv.Endpoint)
		cfg.S3.Endpoint, cfg.S3.AccessKey, cfg.S3.SecretKey = srv.Endpoint, srv.AccessKey, srv.SecretKey
		cfg.S3.Secure, cfg.S3.PublicSecure = false, false
	}

	traced, err := startTracing(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer traced.flush()
	a, err := app.New(ctx, cfg, log, traced.options()...)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := seedDemo(ctx, a, stdout); err != nil {
		return err
	}
	sites, err := serveDemoSites(*sitePorts, "http://"+cfg.HTTPAddr+"/graphql", log)
	if err != nil {
		return err
	}
	defer sites()
	fmt.Fprintf(stdout, "\n  Console:   http://%s/admin/  (editor, reviewer, secretary, admin; password %s)\n", cfg.HTTPAddr, cfg.DemoPassword)
	for _, p := range strings.Split(*sitePorts, ",") {
		if p = strings.TrimSpace(p); p != "" {
			fmt.Fprintf(stdout, "  Site:      http://127.0.0.1:%s/\n", p)
		}
	}
	fmt.Fprintf(stdout, "\n  GraphiQL:  http://%s/\n  GraphQL:   http://%s/graphql\n  Try:       { site(slug: \"xxgc\") { name theme { colors { primary } } orgUnit { name children { name } } } }\n  Sign in:   mutation { login(input: {school: \"demo\", identifier: \"admin\", password: \"%s\"}) { accessToken } }\n  Stop:      Ctrl-C\n\n", cfg.HTTPAddr, cfg.HTTPAddr, cfg.DemoPassword)
	return a.Run(ctx, nil)
}

// portFree says, before a local service fails on it less clearly, that
// its port on 127.0.0.1 is taken, and how to choose another.
func portFree(port int, flag string) error {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return fmt.Errorf("dev: 127.0.0.1:%d is in use by another program; choose another port with %s=N (make run DEV_FLAGS=%s=N)", port, flag, flag)
	}
	return l.Close()
}

// derivedPassword gives a local role a password derived from the cluster's
// superuser credentials, so nothing more needs storing.
func derivedPassword(adminURL, role string) string {
	h := sha256.Sum256([]byte(adminURL + "\x00" + role))
	return hex.EncodeToString(h[:16])
}

// localSecrets fills unset signing and encryption keys from a 0600 file in
// the data folder, creating it on first use, so that sessions and encrypted
// personal data survive restarts of the local stack.
type devSecrets struct {
	JWTKeys        string `json:"jwtKeys"`
	PIIKeys        string `json:"piiKeys"`
	PIIIndexKey    string `json:"piiIndexKey"`
	MinioAccessKey string `json:"minioAccessKey"`
	MinioSecretKey string `json:"minioSecretKey"`
}

func localSecrets(path string, cfg *config.Config) (*devSecrets, error) {
	var sec devSecrets
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &sec); err != nil {
			return nil, fmt.Errorf("dev: %s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
	default:
		return nil, fmt.Errorf("dev: read %s: %w", path, err)
	}
	changed := false
	fill := func(v *string, gen func() string) {
		if *v == "" {
			*v, changed = gen(), true
		}
	}
	fill(&sec.JWTKeys, func() string { return account.RandomSigningKey("local1") })
	fill(&sec.PIIKeys, func() string { return "1:" + pii.RandomKey() })
	fill(&sec.PIIIndexKey, pii.RandomKey)
	fill(&sec.MinioAccessKey, func() string { return "zhdj" + hex.EncodeToString([]byte(pii.RandomKey()))[:8] })
	fill(&sec.MinioSecretKey, func() string { return hex.EncodeToString([]byte(pii.RandomKey()))[:32] })
	if changed {
		b, _ = json.MarshalIndent(sec, "", "  ")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("dev: write %s: %w", path, err)
		}
	}
	if cfg.JWTKeys == "" {
		cfg.JWTKeys = sec.JWTKeys
	}
	if cfg.PIIKeys == "" {
		cfg.PIIKeys = sec.PIIKeys
	}
	if cfg.PIIIndexKey == "" {
		cfg.PIIIndexKey = sec.PIIIndexKey
	}
	return &sec, nil
}

// serveDemoSites serves the demo college front end on each port of ports
// (comma-separated) on 127.0.0.1: one build, and each origin finds its own
// site (siteByOrigin). The returned function stops them.
func serveDemoSites(ports, api string, log *slog.Logger) (func(), error) {
	var servers []*http.Server
	stop := func() {
		for _, s := range servers {
			_ = s.Close()
		}
	}
	for _, p := range strings.Split(ports, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+p)
		if err != nil {
			stop()
			return nil, fmt.Errorf("dev: the demo site's port 127.0.0.1:%s is in use by another program; choose others with --site-ports (make run DEV_FLAGS=--site-ports=A,B)", p)
		}
		srv := &http.Server{Handler: console.Site(api), ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func() {
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("demo site stopped", "port", p, "err", err)
			}
		}()
	}
	return stop, nil
}
