package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/app"
	"zhdj/internal/config"
	"zhdj/internal/pgcluster"
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
	if err := ensureDatabase(ctx, cl.URL("postgres"), "zhdj"); err != nil {
		return err
	}
	cfg.DatabaseURL = cl.URL("zhdj")
	cfg.AutoMigrate = true

	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := seedDemo(ctx, a, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n  GraphiQL:  http://%s/\n  GraphQL:   http://%s/graphql\n  Try:       { site(slug: \"xxgc\") { name theme { colors { primary } } orgUnit { name children { name } } } }\n  Stop:      Ctrl-C\n\n", cfg.HTTPAddr, cfg.HTTPAddr)
	return a.Run(ctx, nil)
}

// ensureDatabase creates database name on the server at adminURL unless it exists.
func ensureDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("dev: connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("dev: look up database: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("dev: create database: %w", err)
	}
	return nil
}
