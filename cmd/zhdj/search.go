package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/app"
)

func runSearch(ctx context.Context, args []string, stdout io.Writer) error {
	usage := "Usage: zhdj search reindex|reconcile|compact|status [--tenant CODE]"
	if len(args) == 0 || (args[0] != "reindex" && args[0] != "reconcile" && args[0] != "compact" && args[0] != "status") {
		fmt.Fprintln(os.Stderr, usage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errors.New("search: want the action reindex, reconcile, compact or status")
	}
	action := args[0]
	help := map[string]string{
		"reindex": `Rebuild the search index of a school (or of every school) from the
database, with progress. Searches keep answering from the old index until
the new one is complete (Meilisearch: a new index swapped in; built-in: one
transaction).`,
		"reconcile": `Compare the search index with the database and queue every missing, stale
or extra document for repair; prints what it found. The server also runs
this every ZHDJ_SEARCH_RECONCILE.`,
		"compact": `Built-in search: measure how a school's documents lie on disk and, when
they are scattered (or always, with --force), rewrite them in search order
so that the matches of a site's searches share table pages. Searches keep
answering meanwhile; indexing of that school waits. The server also does
this every ZHDJ_SEARCH_COMPACT and after a drain of 1,000 items or more.`,
		"status": `Show, per school, the engine, the documents indexed, the changes waiting
(backlog), the age of the oldest (lag) and the last reconciliation.`,
	}[action]
	fs := newFlags("search "+action, help)
	code := fs.String("tenant", "", "the school's code (default: every school)")
	var force *bool
	if action == "compact" {
		force = fs.Bool("force", false, "rewrite even when the documents are in order")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	tenants, err := searchTenants(ctx, a, *code)
	if err != nil {
		return err
	}
	for _, t := range tenants {
		school, err := a.Tenants.ByID(ctx, t)
		if err != nil {
			return err
		}
		switch action {
		case "reindex":
			start := time.Now()
			n, err := a.Indexer.Rebuild(ctx, t, func(done, total int) { progressBar(stdout, school.Code, done, total) })
			fmt.Fprintln(stdout)
			if err != nil {
				return fmt.Errorf("search: reindex %s: %w", school.Code, err)
			}
			fmt.Fprintf(stdout, "%s: %d documents indexed in %s (%s)\n", school.Code, n, time.Since(start).Round(time.Millisecond), a.Search.Engine())
		case "reconcile":
			rep, err := a.Indexer.Reconcile(ctx, t)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: %d documents checked; %d missing, %d stale, %d extra queued for repair\n", school.Code, rep.Checked, rep.Missing, rep.Stale, rep.Extra)
		case "compact":
			c, ok, err := a.Indexer.Compact(ctx, t, *force)
			switch {
			case err != nil:
				return err
			case !ok:
				fmt.Fprintf(stdout, "%s: engine %s keeps its own order; nothing to compact\n", school.Code, a.Search.Engine())
			case c.Compacted:
				fmt.Fprintf(stdout, "%s: %d documents compacted in %s; spread %.2f → %.2f\n", school.Code, c.Documents, c.Took.Round(time.Millisecond), c.Spread, c.After)
			default:
				fmt.Fprintf(stdout, "%s: %d documents, spread %.2f: in order, left as they are\n", school.Code, c.Documents, c.Spread)
			}
		case "status":
			st, err := a.Search.StatusOf(ctx, t)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: engine %s, %d indexed, backlog %d, lag %s", school.Code, st.Engine, st.Indexed, st.Backlog, st.Lag.Round(time.Second))
			if r := st.LastReconcile; r != nil {
				fmt.Fprintf(stdout, ", last reconciled %s (%d checked, %d repaired)", r.FinishedAt.Local().Format(time.DateTime), r.Checked, r.Fixed())
			}
			fmt.Fprintln(stdout)
		}
	}
	return nil
}

func searchTenants(ctx context.Context, a *app.App, code string) ([]uuid.UUID, error) {
	if code == "" {
		return a.Indexer.Tenants(ctx)
	}
	t, err := a.Tenants.ByCode(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("search: school %q: %w", code, err)
	}
	return []uuid.UUID{t.ID}, nil
}

// progressBar redraws one line: code [#####.....] done/total.
func progressBar(w io.Writer, code string, done, total int) {
	const width = 30
	filled := width
	if total > 0 {
		filled = done * width / total
	}
	fmt.Fprintf(w, "\r%s [%s%s] %d/%d", code, strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
}
