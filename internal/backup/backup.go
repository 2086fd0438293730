// Package backup writes and restores a whole deployment's data: a
// consistent PostgreSQL dump (pg_dump's custom format, from one snapshot)
// and a copy of every object of the media store, with a manifest of row
// counts and checksums that the restore checks its result against.
//
// What it does not hold are the keys: without the same ZHDJ_PII_KEYS (and
// ZHDJ_PII_INDEX_KEY) the restored citizen IDs cannot be read or found, so
// they are kept apart from the backups (the manifest names the key ids the
// data was written with).
//
// The dump is taken first, then the objects: an object a row of the dump
// refers to exists by then (media is deleted only after the orphan sweep's
// grace), and an object written after the dump is an orphan the sweep
// removes after a restore.
package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/media"
	"zhdj/internal/postgres"
)

// FormatVersion is the manifest's layout version.
const FormatVersion = 1

const (
	manifestFile = "manifest.json"
	dumpFile     = "database.dump"
	objectsDir   = "objects"
)

// Manifest describes one backup.
type Manifest struct {
	Format    int       `json:"format"`
	Version   string    `json:"zhdjVersion"`
	CreatedAt time.Time `json:"createdAt"`
	// Migration is the database's migration version; a restore needs a
	// build at that version (or one that migrates up from it).
	Migration int64 `json:"migration"`
	// KeyChecks are the check values of the personal-data keys (by
	// version, and "index") the server had when the backup was taken:
	// keep those keys, or the citizen IDs are lost (pii.Keyring.KeyChecks).
	KeyChecks map[string]string `json:"keyChecks"`
	Database  File              `json:"database"`
	// Rows counts every table's rows in the dump's snapshot.
	Rows    map[string]int64 `json:"rows"`
	Objects []Object         `json:"objects"`
}

// File is a file of the backup.
type File struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Object is one object of the media store.
type Object struct {
	Key         string `json:"key"`
	Bytes       int64  `json:"bytes"`
	ContentType string `json:"contentType,omitempty"`
	SHA256      string `json:"sha256"`
}

// ObjectBytes is the objects' total size.
func (m *Manifest) ObjectBytes() int64 {
	var n int64
	for _, o := range m.Objects {
		n += o.Bytes
	}
	return n
}

// Options say where the data is and where the backup goes.
type Options struct {
	// DatabaseURL connects as a role that reads every row: row-level
	// security applies to the schema's owner too, so a superuser or a role
	// with BYPASSRLS (and pg_read_all_data for a backup).
	DatabaseURL string
	// Store is the media store (nil: a deployment without one).
	Store media.ObjectStore
	// Dir is the backup's folder: new or empty for Backup.
	Dir string
	// Version is this build's; KeyChecks the server's personal-data keys'
	// check values.
	Version   string
	KeyChecks map[string]string
	// Progress, when set, receives a line per step.
	Progress io.Writer
}

// Error is a backup or restore that cannot go on, with what to do (for
// the operator's terminal: never an API answer).
type Error struct{ Reason string }

func (e *Error) Error() string { return "backup: " + e.Reason }

func (o Options) say(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

// Backup writes the database dump, the objects and the manifest into
// o.Dir, and returns the manifest.
func Backup(ctx context.Context, o Options) (*Manifest, error) {
	if err := emptyDir(o.Dir); err != nil {
		return nil, err
	}
	tool, err := findTool("pg_dump")
	if err != nil {
		return nil, err
	}
	m := &Manifest{Format: FormatVersion, Version: o.Version, CreatedAt: time.Now().UTC(), KeyChecks: o.KeyChecks}
	if err := dumpDatabase(ctx, o, tool, m); err != nil {
		return nil, err
	}
	if o.Store != nil {
		if err := copyObjects(ctx, o, m); err != nil {
			return nil, err
		}
	}
	if err := writeJSON(filepath.Join(o.Dir, manifestFile), m); err != nil {
		return nil, err
	}
	o.say("backup complete: %d tables, %d rows, %d objects (%d bytes) in %s", len(m.Rows), sum(m.Rows), len(m.Objects), m.ObjectBytes(), o.Dir)
	return m, nil
}

// dumpDatabase counts the rows and dumps the database from one exported
// snapshot, so that the counts are the dump's.
func dumpDatabase(ctx context.Context, o Options, tool string, m *Manifest) error {
	conn, err := pgx.Connect(ctx, o.DatabaseURL)
	if err != nil {
		return fmt.Errorf("backup: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("backup: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var snapshot string
	if err := tx.QueryRow(ctx, exportSnapshot).Scan(&snapshot); err != nil {
		return fmt.Errorf("backup: export a snapshot: %w", err)
	}
	if err := tx.QueryRow(ctx, migrationVersion).Scan(&m.Migration); err != nil {
		return &Error{Reason: fmt.Sprintf("this database has no zhdj migrations (%v)", err)}
	}
	if m.Rows, err = countRows(ctx, tx); err != nil {
		return err
	}
	o.say("database: %d tables, %d rows at migration %d; dumping", len(m.Rows), sum(m.Rows), m.Migration)
	out := filepath.Join(o.Dir, dumpFile)
	cmd := exec.CommandContext(ctx, tool, "--format=custom", "--snapshot="+snapshot, "--file="+out, "--dbname="+o.DatabaseURL)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("backup: pg_dump: %w: %s", err, strings.TrimSpace(string(msg)))
	}
	m.Database, err = describe(out)
	return err
}

// countRows counts every table of the database's own schemas.
func countRows(ctx context.Context, q postgres.Querier) (map[string]int64, error) {
	rows, err := q.Query(ctx, listTables)
	if err != nil {
		return nil, fmt.Errorf("backup: list tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("backup: list tables: %w", err)
	}
	counts := make(map[string]int64, len(tables))
	for _, t := range tables {
		var n int64
		if err := q.QueryRow(ctx, countRowsOf(t)).Scan(&n); err != nil {
			return nil, fmt.Errorf("backup: count %s (the role must read every row: superuser or BYPASSRLS): %w", t, err)
		}
		counts[t] = n
	}
	return counts, nil
}

// copyObjects copies every object of the store into Dir/objects, each
// checksummed as it streams.
func copyObjects(ctx context.Context, o Options, m *Manifest) error {
	var infos []media.ObjectInfo
	if err := o.Store.List(ctx, "", func(info media.ObjectInfo) error {
		infos = append(infos, info)
		return nil
	}); err != nil {
		return fmt.Errorf("backup: list objects: %w", err)
	}
	o.say("objects: %d to copy", len(infos))
	for i, info := range infos {
		local, err := objectPath(o.Dir, info.Key)
		if err != nil {
			return err
		}
		obj, err := copyObject(ctx, o.Store, info, local)
		if err != nil {
			return err
		}
		m.Objects = append(m.Objects, obj)
		if (i+1)%100 == 0 || i+1 == len(infos) {
			o.say("objects: %d of %d", i+1, len(infos))
		}
	}
	return nil
}

func copyObject(ctx context.Context, store media.ObjectStore, info media.ObjectInfo, local string) (Object, error) {
	if err := os.MkdirAll(filepath.Dir(local), 0o700); err != nil {
		return Object{}, err
	}
	r, err := store.Get(ctx, info.Key)
	if err != nil {
		return Object{}, fmt.Errorf("backup: read object %s: %w", info.Key, err)
	}
	defer r.Close()
	f, err := os.OpenFile(local, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return Object{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Object{}, fmt.Errorf("backup: copy object %s: %w", info.Key, err)
	}
	return Object{Key: info.Key, Bytes: n, ContentType: info.ContentType, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// objectPath is where an object key lives under dir; a key that would
// leave the folder is refused.
func objectPath(dir, key string) (string, error) {
	clean := path.Clean("/" + key)
	if key == "" || clean != "/"+key || strings.Contains(key, "\\") {
		return "", &Error{Reason: fmt.Sprintf("object key %q is not a plain path; refusing to copy it", key)}
	}
	return filepath.Join(dir, objectsDir, filepath.FromSlash(key)), nil
}

// ReadManifest reads and checks the manifest of the backup in dir.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, &Error{Reason: fmt.Sprintf("%s has no %s: not a finished zhdj backup", dir, manifestFile)}
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, &Error{Reason: fmt.Sprintf("%s is not a backup manifest: %v", manifestFile, err)}
	}
	if m.Format != FormatVersion {
		return nil, &Error{Reason: fmt.Sprintf("backup format %d; this build reads format %d", m.Format, FormatVersion)}
	}
	return &m, nil
}

// describe sizes and checksums a file of the backup.
func describe(p string) (File, error) {
	f, err := os.Open(p)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{Name: filepath.Base(p), Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func emptyDir(dir string) error {
	if dir == "" {
		return &Error{Reason: "no folder given"}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return &Error{Reason: fmt.Sprintf("%s is not empty: a backup goes into a new folder", dir)}
	}
	return nil
}

func writeJSON(p string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(p, append(b, '\n'), 0o600)
}

func sum(rows map[string]int64) int64 {
	var n int64
	for _, v := range rows {
		n += v
	}
	return n
}

// findTool finds a PostgreSQL client program: on PATH, or beside Debian's
// server binaries (newest first).
func findTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	sort.Sort(sort.Reverse(sort.StringSlice(matches)))
	if len(matches) > 0 {
		return matches[0], nil
	}
	return "", &Error{Reason: name + " not found: install PostgreSQL's client programs (apt-get install postgresql-client)"}
}
