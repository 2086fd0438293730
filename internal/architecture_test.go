package internal_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The shape ARCHITECTURE.md describes, checked over the hand-written Go of
// the server (internal/, graph/, cmd/; generated code and tests aside):
// each package's SQL is in one place — its queries.sql (sqlc) and, for
// statements built from the filters given or queued into batches, its
// store.go — and only internal/postgres reads driver error codes.

// sqlStatement matches a string that starts like a SQL statement (keywords
// in capitals, as every statement here writes them).
var sqlStatement = regexp.MustCompile(`^\s*(SELECT\s|INSERT INTO\s|UPDATE \w+( \w+)? SET\s|DELETE FROM\s|WITH (RECURSIVE )?\w+ AS\s|LOCK TABLE\s|CREATE (TABLE|ROLE|DATABASE|INDEX|EXTENSION|SCHEMA)\s|ALTER (TABLE|ROLE|DATABASE)\s|DROP (TABLE|ROLE|DATABASE|SCHEMA)\s|GRANT\s|REVOKE\s|TRUNCATE\s|LISTEN\s|NOTIFY\s|SET (LOCAL |SESSION )?\w+ )`)

type goFile struct {
	path string // relative to the repository
	file *ast.File
	fset *token.FileSet
}

// serverFiles parses every hand-written, non-test Go file of the server.
func serverFiles(t *testing.T) []goFile {
	t.Helper()
	var out []goFile
	for _, root := range []string{"../internal", "../graph", "../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
			if err != nil {
				return err
			}
			if ast.IsGenerated(f) {
				return nil
			}
			out = append(out, goFile{path: strings.TrimPrefix(filepath.ToSlash(path), "../"), file: f, fset: fset})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 50 {
		t.Fatalf("only %d Go files found: is the test running in internal/?", len(out))
	}
	return out
}

func TestSQLLivesInStores(t *testing.T) {
	for _, f := range serverFiles(t) {
		if filepath.Base(f.path) == "store.go" {
			continue
		}
		ast.Inspect(f.file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && sqlStatement.MatchString(s) {
				t.Errorf("%s: a SQL statement outside store.go and queries.sql: %.60q", f.fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
}

func TestOnlyPostgresReadsDriverErrors(t *testing.T) {
	for _, f := range serverFiles(t) {
		if strings.HasPrefix(f.path, "internal/postgres/") {
			continue
		}
		for _, imp := range f.file.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "github.com/jackc/pgx/v5/pgconn" {
				t.Errorf("%s imports pgconn: map driver errors with postgres.Err instead", f.path)
			}
		}
	}
}

// TestSQLDetectorSeesStatements keeps the detector honest.
func TestSQLDetectorSeesStatements(t *testing.T) {
	for _, s := range []string{"SELECT 1", "\n\t\tSELECT a FROM b", "INSERT INTO t (a) VALUES (1)", "UPDATE signups s SET x = 1",
		"UPDATE t SET a = 1", "DELETE FROM t", "WITH m AS (SELECT 1) SELECT * FROM m", "LISTEN zhdj_search", "CREATE ROLE x"} {
		if !sqlStatement.MatchString(s) {
			t.Errorf("not seen as SQL: %q", s)
		}
	}
	for _, s := range []string{"Create a school", "select the site", "values must be unique", "Update the record"} {
		if sqlStatement.MatchString(s) {
			t.Errorf("seen as SQL: %q", s)
		}
	}
}
