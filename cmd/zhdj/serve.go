package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"zhdj/internal/app"
	"zhdj/internal/config"
	"zhdj/internal/console"
	"zhdj/internal/operation"
	"zhdj/internal/postgres"
	"zhdj/internal/seed"
)

func envHelp() string {
	var b strings.Builder
	b.WriteString("\nEnvironment:\n")
	for _, v := range config.Vars {
		def := v.Default
		if def == "" {
			def = "(none)"
		}
		fmt.Fprintf(&b, "  %-22s %s\n  %-22s   default: %s\n", v.Name, v.Help, "", def)
	}
	return b.String()
}

func loadConfig() (config.Config, error) { return config.Load(os.Getenv) }

func runServe(ctx context.Context, args []string, _ io.Writer) error {
	fs := newFlags("serve", "Serve the GraphQL API at /graphql, with /healthz, /readyz and (in local mode) GraphiQL at /.\nStops gracefully on SIGINT or SIGTERM, draining in-flight requests.\n"+envHelp())
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg)
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
	return a.Run(ctx, nil)
}

func runMigrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("migrate", "Usage: zhdj migrate up|down|status\n\n  up      apply every pending migration\n  down    roll back the most recent migration\n  status  list migrations and whether each is applied\n\nRuns as ZHDJ_MIGRATE_DATABASE_URL (the role that owns the schema), or ZHDJ_DATABASE_URL when unset.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("migrate: want exactly one of up, down, status")
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, cfg.MigrationURL())
	if err != nil {
		return err
	}
	defer pool.Close()
	m, err := postgres.NewMigrator(pool, nil)
	if err != nil {
		return err
	}
	defer m.Close()
	switch fs.Arg(0) {
	case "up":
		// The schema's migrations, then the job queue's own (River).
		if err := app.Migrate(ctx, cfg, app.NewLogger(cfg)); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "database is current")
	case "down":
		v, err := m.Down(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rolled back %05d\n", v)
	case "status":
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			state := "pending"
			if s.Applied {
				state = "applied"
			}
			fmt.Fprintf(stdout, "%05d  %-8s %s\n", s.Version, state, s.Name)
		}
	default:
		fs.Usage()
		return fmt.Errorf("migrate: unknown action %q; want up, down or status", fs.Arg(0))
	}
	return nil
}

func runSeed(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("seed", "Create the demo school (示范职业技术学院) with its org tree and two college sites.\nIdempotent: what exists already is left alone. Refused when ZHDJ_ENV=production.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.Env == config.EnvProduction {
		return fmt.Errorf("seed: refusing to create demo data with ZHDJ_ENV=production")
	}
	a, err := app.New(ctx, cfg, app.NewLogger(cfg))
	if err != nil {
		return err
	}
	defer a.Close()
	return seedDemo(ctx, a, stdout)
}

func seedDemo(ctx context.Context, a *app.App, stdout io.Writer) error {
	rep, err := seed.Demo(ctx, seed.Services{Tenants: a.Tenants, Org: a.Org, Sites: a.Sites, Accounts: a.Accounts, Members: a.Members, Learning: a.Learning}, a.Config.DemoPassword)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo school %q (%s): %d org units, %d sites and %d accounts created\n",
		rep.School.Code, rep.School.Name, rep.CreatedUnit, rep.CreatedSite, rep.CreatedAccount)
	if rep.CreatedMember > 0 {
		fmt.Fprintf(stdout, "%d demo member records created\n", rep.CreatedMember)
	}
	n, err := seed.DemoVolunteer(ctx, rep.School, a.Org, a.Volunteer, time.Now())
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(stdout, "%d demo volunteer activities created\n", n)
	}
	n, err = seed.DemoContent(ctx, rep.School, a.Org, a.Media, a.Content)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(stdout, "%d demo articles and comics published\n", n)
	}
	n, err = seed.DemoLearning(ctx, rep.School, seed.LearningServices{Org: a.Org, Members: a.Members, Tasks: a.Tasks, Meetings: a.Meetings,
		Quizzes: a.Quizzes}, time.Now())
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(stdout, "demo learning: a question bank of %d questions with a daily practice and an exam, two events and two tasks\n", n)
	}
	n, err = seed.DemoInteraction(ctx, rep.School, seed.InteractionServices{Accounts: a.Accounts, Org: a.Org, Talk: a.Talk, Moderation: a.Moderation})
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(stdout, "demo interaction: a word list and %d suggestions (answered, pinned, waiting for review)\n", n)
	}
	n, err = seed.DemoActivity(ctx, a.Pool, rep.School, a.Members, time.Now())
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(stdout, "demo activity: %d things the demo people did over the last term (their points follow)\n", n)
	}
	// The demo front end's operations, registered for the demo sites as a
	// deployment's build would, so that it runs with ZHDJ_OPERATIONS=registered.
	if err := registerFrontEnd(ctx, a, seed.DemoSiteSlugs()...); err != nil {
		return err
	}
	return nil
}

// registerFrontEnd registers the operations of the demo front end built
// into the binary for the sites slugs, and reloads the allow-list.
func registerFrontEnd(ctx context.Context, a *app.App, slugs ...string) error {
	docs, err := console.Operations("site")
	if err != nil || len(docs) == 0 {
		return err
	}
	for _, slug := range slugs {
		route, err := a.Sites.RouteBySlug(ctx, slug)
		if err != nil {
			return fmt.Errorf("register the front end's operations for %s: %w", slug, err)
		}
		if _, err := a.Operations.Register(ctx, route.TenantID, route.SiteID, docs); err != nil {
			return err
		}
	}
	if a.Operations.Mode() == operation.Registered {
		return a.Operations.Load(ctx)
	}
	return nil
}
