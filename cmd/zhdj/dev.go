package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"zhdj/internal/account"
	"zhdj/internal/app"
	"zhdj/internal/config"
	"zhdj/internal/pgcluster"
	"zhdj/internal/pii"
)

func runDev(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("dev", `Run the whole stack for local development, as `+"`make run`"+` does:
a private PostgreSQL cluster under <data>/postgres (created on first use, kept
between runs), migrations, the demo school, and the server with GraphiQL.
Ctrl-C stops the server and then the cluster.`)
	data := fs.String("data", ".data", "folder for the local services' data (git-ignored)")
	pgPort := fs.Int("pg-port", 54329, "port of the private PostgreSQL on 127.0.0.1")
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
	if err := localSecrets(filepath.Join(*data, "secrets.json"), &cfg); err != nil {
		return err
	}

	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := seedDemo(ctx, a, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n  GraphiQL:  http://%s/\n  GraphQL:   http://%s/graphql\n  Try:       { site(slug: \"xxgc\") { name theme { colors { primary } } orgUnit { name children { name } } } }\n  Sign in:   mutation { login(input: {school: \"demo\", identifier: \"admin\", password: \"%s\"}) { accessToken } }\n  Stop:      Ctrl-C\n\n", cfg.HTTPAddr, cfg.HTTPAddr, cfg.DemoPassword)
	return a.Run(ctx, nil)
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
func localSecrets(path string, cfg *config.Config) error {
	var sec struct {
		JWTKeys     string `json:"jwtKeys"`
		PIIKeys     string `json:"piiKeys"`
		PIIIndexKey string `json:"piiIndexKey"`
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &sec); err != nil {
			return fmt.Errorf("dev: %s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		sec.JWTKeys = account.RandomSigningKey("local1")
		sec.PIIKeys = "1:" + pii.RandomKey()
		sec.PIIIndexKey = pii.RandomKey()
		b, _ = json.MarshalIndent(sec, "", "  ")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return fmt.Errorf("dev: write %s: %w", path, err)
		}
	default:
		return fmt.Errorf("dev: read %s: %w", path, err)
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
	return nil
}
