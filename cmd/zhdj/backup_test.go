package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zhdj/internal/pgtest"
	"zhdj/internal/pii"
)

// zhdj backup and restore from the command line: what they need is asked
// for by name, a school comes back in a fresh cluster, and a restore with
// other keys is refused unless --without-keys.
func TestBackupAndRestoreCommands(t *testing.T) {
	var out bytes.Buffer
	schoolWithSite(t, &out)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "b")
	for _, want := range []string{"--dir is required", "ZHDJ_BACKUP_DATABASE_URL", "ZHDJ_PII_KEYS"} {
		args := []string{"backup", "--dir", dir}
		if want == "--dir is required" {
			args = []string{"backup"}
		}
		if want == "ZHDJ_PII_KEYS" {
			t.Setenv("ZHDJ_BACKUP_DATABASE_URL", "postgres://nobody@127.0.0.1:1/x")
		}
		if err := run(ctx, args, &out, &out); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("backup without %s: %v", want, err)
		}
	}
	u, err := url.Parse(os.Getenv("ZHDJ_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ZHDJ_BACKUP_DATABASE_URL", pgtest.SuperuserURL(t, &pgtest.DB{Name: strings.TrimPrefix(u.Path, "/")}))
	t.Setenv("ZHDJ_PII_KEYS", "1:"+pii.RandomKey())
	t.Setenv("ZHDJ_PII_INDEX_KEY", pii.RandomKey())
	out.Reset()
	if err := run(ctx, []string{"backup", "--dir", dir}, &out, &out); err != nil || !strings.Contains(out.String(), "backed up migration") {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}

	fresh := pgtest.NewServer(t)
	t.Setenv("ZHDJ_BACKUP_DATABASE_URL", fresh.AdminURL)
	keys := "1:" + pii.RandomKey()
	t.Setenv("ZHDJ_PII_KEYS", keys)
	if err := run(ctx, []string{"restore", "--dir", dir}, &out, &out); err == nil || !strings.Contains(err.Error(), "not the backup's") {
		t.Fatalf("restore with other keys: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"restore", "--dir", dir, "--without-keys"}, &out, &out); err != nil || !strings.Contains(out.String(), "restored migration") {
		t.Fatalf("restore: %v\n%s", err, out.String())
	}
	// The school is there, on the new server.
	t.Setenv("ZHDJ_DATABASE_URL", fresh.URL)
	out.Reset()
	if err := run(ctx, []string{"search", "status"}, &out, &out); err != nil || !strings.Contains(out.String(), "hzvtc") {
		t.Fatalf("search status on the restored server: %v\n%s", err, out.String())
	}
}

// zhdj keys status and reseal run against a database.
func TestKeysStatusAndReseal(t *testing.T) {
	var out bytes.Buffer
	schoolWithSite(t, &out)
	t.Setenv("ZHDJ_PII_KEYS", "1:"+pii.RandomKey()+",2:"+pii.RandomKey())
	t.Setenv("ZHDJ_PII_INDEX_KEY", pii.RandomKey())
	for _, action := range []string{"status", "reseal"} {
		out.Reset()
		if err := run(context.Background(), []string{"keys", action}, &out, &out); err != nil {
			t.Fatalf("keys %s: %v\n%s", action, err, out.String())
		}
		if !strings.Contains(out.String(), "key 1 seals nothing: it may be removed") {
			t.Errorf("keys %s:\n%s", action, out.String())
		}
	}
}
