// Command zhdj is the zhdj server and its operator tools.
//
//	zhdj serve                 serve the GraphQL API
//	zhdj migrate up|down|status
//	zhdj seed                  create the demo school (local mode only)
//	zhdj dev                   run a complete local stack (private PostgreSQL, migrate, seed, serve)
//	zhdj tenant create         create a school and its party committee
//	zhdj user create           create an account (password from stdin or ZHDJ_USER_PASSWORD)
//	zhdj media sweep           reconcile media storage with the database
//	zhdj version
//	zhdj keys generate         print fresh production keys
//	zhdj health                exit 0 when a running server is ready (healthchecks)
//
// Configuration comes from ZHDJ_* environment variables; see `zhdj serve --help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// it is read from the module build information.
var version = ""

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":      {"serve the GraphQL API", runServe},
		"migrate":    {"apply, roll back or list database migrations", runMigrate},
		"seed":       {"create the demo school with its org tree and two college sites (local mode)", runSeed},
		"dev":        {"run a local stack: private PostgreSQL under .data, migrate, seed, serve", runDev},
		"version":    {"print the version", runVersion},
		"keys":       {"print fresh production keys, or rotate the personal-data key: zhdj keys generate [--dir DIR] | status | reseal", runKeys},
		"health":     {"exit 0 when a running server is ready: zhdj health [--url http://127.0.0.1:8080] (container healthchecks)", runHealth},
		"tenant":     {"create a school: zhdj tenant create --code … --name …", runTenant},
		"user":       {"create an account: zhdj user create --school … --username … (password on stdin)", runUser},
		"media":      {"reconcile media storage with the database: zhdj media sweep", runMedia},
		"sso":        {"add a school's campus identity provider (OpenID Connect or CAS): zhdj sso add --school … --name … --kind …", runSSO},
		"search":     {"rebuild, reconcile, compact or inspect the search index: zhdj search reindex|reconcile|compact|status [--tenant CODE]", runSearch},
		"backup":     {"back up the database and the media store into a folder, with a checked manifest: zhdj backup --dir DIR", runBackup},
		"restore":    {"restore a backup into a new database and store, checking it: zhdj restore --dir DIR", runRestore},
		"operations": {"register or list a site's GraphQL operations (the allow-list): zhdj operations push|list --site SLUG", runOperations},
	}
}

func main() {
	// A server answering many small requests spends much of its CPU in the
	// garbage collector; memory is cheaper. GOGC, when set, still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "zhdj:", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, args[1:], stdout)
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "zhdj — GraphQL headless content platform for party building in vocational colleges")
	fmt.Fprintln(w, "\nUsage: zhdj <command> [flags]   (zhdj <command> --help for details)")
	fmt.Fprintln(w, "\nCommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
}

// oneAction checks the action of a command that has one: with it, go on;
// with -h or --help, print the usage and stop; without it, print the
// usage and fail.
func oneAction(args []string, command, action, usage string) (bool, error) {
	if len(args) > 0 && args[0] == action {
		return true, nil
	}
	fmt.Fprintln(os.Stderr, "Usage: "+usage)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		return false, nil
	}
	return false, fmt.Errorf("%s: want the action %s", command, action)
}

func runVersion(_ context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("version", "Print the version of this build.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "zhdj", buildVersion())
	return nil
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if dirty {
				rev += "-dirty"
			}
			return rev
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

// newFlags returns a flag set whose --help prints about and the flags.
func newFlags(name, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: zhdj %s [flags]\n\n%s\n", name, strings.TrimSpace(about))
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}
