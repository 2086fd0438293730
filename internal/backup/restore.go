package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Report is what a restore found once done.
type Report struct {
	Tables, Rows, Objects int64
	ObjectBytes           int64
	// MissingKeys are the backup's personal-data keys (versions, or
	// "index") that the restoring server does not hold: citizen IDs
	// written with them cannot be read or found.
	MissingKeys []string
}

// Restore puts the backup in o.Dir into the empty database at
// o.DatabaseURL (its roles, zhdj_owner and zhdj_server, made beforehand,
// as for a new deployment) and into o.Store, and checks the result
// against the manifest: every file's checksum before it is used, every
// table's row count and every object's size after. A backup that does not
// match its manifest, or a database that is not empty, is refused before
// anything is written.
func Restore(ctx context.Context, o Options) (*Report, error) {
	m, err := ReadManifest(o.Dir)
	if err != nil {
		return nil, err
	}
	tool, err := findTool("pg_restore")
	if err != nil {
		return nil, err
	}
	dump := filepath.Join(o.Dir, dumpFile)
	got, err := describe(dump)
	if err != nil {
		return nil, &Error{Reason: fmt.Sprintf("read %s: %v", dumpFile, err)}
	}
	if got.SHA256 != m.Database.SHA256 || got.Bytes != m.Database.Bytes {
		return nil, &Error{Reason: fmt.Sprintf("%s does not match the manifest (%d bytes, sha256 %s; want %d, %s): the backup is damaged", dumpFile, got.Bytes, got.SHA256, m.Database.Bytes, m.Database.SHA256)}
	}
	if len(m.Objects) > 0 && o.Store == nil {
		return nil, &Error{Reason: fmt.Sprintf("the backup holds %d objects but no media store is configured (ZHDJ_S3_*)", len(m.Objects))}
	}
	o.say("checking %d objects against the manifest", len(m.Objects))
	for _, obj := range m.Objects {
		if err := checkObject(o.Dir, obj); err != nil {
			return nil, err
		}
	}
	rep := &Report{MissingKeys: MissingKeys(m, o.KeyChecks)}

	conn, err := pgx.Connect(ctx, o.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("backup: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var tables int
	if err := conn.QueryRow(ctx, countTables).Scan(&tables); err != nil {
		return nil, fmt.Errorf("backup: inspect the database: %w", err)
	}
	if tables > 0 {
		return nil, &Error{Reason: fmt.Sprintf("the database has %d tables: restore into a new, empty database", tables)}
	}
	o.say("database: restoring %d tables, %d rows (migration %d)", len(m.Rows), sum(m.Rows), m.Migration)
	cmd := exec.CommandContext(ctx, tool, "--exit-on-error", "--single-transaction", "--dbname="+o.DatabaseURL, dump)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("backup: pg_restore (nothing was kept): %w: %s", err, strings.TrimSpace(string(msg)))
	}
	counts, err := countRows(ctx, conn)
	if err != nil {
		return nil, err
	}
	if diff := compareRows(m.Rows, counts); diff != "" {
		return nil, &Error{Reason: "the restored database differs from the backup: " + diff}
	}
	rep.Tables, rep.Rows = int64(len(counts)), sum(counts)

	for i, obj := range m.Objects {
		if err := putObject(ctx, o, obj); err != nil {
			return nil, err
		}
		rep.Objects++
		rep.ObjectBytes += obj.Bytes
		if (i+1)%100 == 0 || i+1 == len(m.Objects) {
			o.say("objects: %d of %d", i+1, len(m.Objects))
		}
	}
	o.say("restore complete: %d tables, %d rows, %d objects (%d bytes)", rep.Tables, rep.Rows, rep.Objects, rep.ObjectBytes)
	return rep, nil
}

// checkObject checks an object's file of the backup against the manifest.
func checkObject(dir string, obj Object) error {
	local, err := objectPath(dir, obj.Key)
	if err != nil {
		return err
	}
	f, err := os.Open(local)
	if err != nil {
		return &Error{Reason: fmt.Sprintf("object %s is missing from the backup: %v", obj.Key, err)}
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	if n != obj.Bytes || hex.EncodeToString(h.Sum(nil)) != obj.SHA256 {
		return &Error{Reason: fmt.Sprintf("object %s does not match the manifest (%d bytes, want %d, or another checksum): the backup is damaged", obj.Key, n, obj.Bytes)}
	}
	return nil
}

// putObject sends a checked object's file to the store, and checks the
// stored size.
func putObject(ctx context.Context, o Options, obj Object) error {
	local, _ := objectPath(o.Dir, obj.Key)
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	ctype := obj.ContentType
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	if err := o.Store.Put(ctx, obj.Key, f, obj.Bytes, ctype); err != nil {
		return fmt.Errorf("backup: store object %s: %w", obj.Key, err)
	}
	info, err := o.Store.Stat(ctx, obj.Key)
	if err != nil {
		return fmt.Errorf("backup: check object %s: %w", obj.Key, err)
	}
	if info.Size != obj.Bytes {
		return &Error{Reason: fmt.Sprintf("object %s was stored with %d bytes, want %d", obj.Key, info.Size, obj.Bytes)}
	}
	return nil
}

func compareRows(want, got map[string]int64) string {
	var diffs []string
	for t, n := range want {
		if g, ok := got[t]; !ok {
			diffs = append(diffs, t+" is missing")
		} else if g != n {
			diffs = append(diffs, fmt.Sprintf("%s has %d rows, want %d", t, g, n))
		}
	}
	for t := range got {
		if _, ok := want[t]; !ok {
			diffs = append(diffs, t+" is not in the backup")
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "; ")
}

// MissingKeys lists the backup's keys (versions, or "index") that a
// keyring with the check values have does not hold (absent, or another
// key under the same version).
func MissingKeys(m *Manifest, have map[string]string) []string {
	var out []string
	for k, check := range m.KeyChecks {
		if have[k] != check {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
