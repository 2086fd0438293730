package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zhdj/internal/account"
	"zhdj/internal/config"
	"zhdj/internal/pii"
)

// zhdj keys generate prints keys a production server accepts, fresh each
// time; with --dir it writes them as files for the *_FILE variables and
// never overwrites existing ones.
func TestKeysGenerate(t *testing.T) {
	gen := func(args ...string) (map[string]string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"keys", "generate"}, args...), &out, io.Discard)
		env := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				env[k] = v
			}
		}
		return env, err
	}
	a, err := gen()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := gen()
	if a["ZHDJ_PII_KEYS"] == b["ZHDJ_PII_KEYS"] || a["ZHDJ_JWT_KEYS"] == "" {
		t.Fatalf("keys not fresh: %v %v", a, b)
	}
	production := func(env map[string]string) error {
		env["ZHDJ_ENV"], env["ZHDJ_DATABASE_URL"] = "production", "postgres://u:p@h/db"
		_, err := config.Load(func(k string) string { return env[k] })
		return err
	}
	if err := production(a); err != nil {
		t.Fatalf("printed keys: %v", err)
	}
	// And the server's parsers accept them (a wrong shape fails at start).
	if _, err := pii.ParseKeys(a["ZHDJ_PII_KEYS"]); err != nil {
		t.Fatal(err)
	}
	if _, _, err := account.ParseSigningKeys(a["ZHDJ_JWT_KEYS"]); err != nil {
		t.Fatal(err)
	}
	if idx, err := base64.StdEncoding.DecodeString(a["ZHDJ_PII_INDEX_KEY"]); err != nil || len(idx) < 32 {
		t.Fatalf("index key: %d bytes %v", len(idx), err)
	}

	dir := filepath.Join(t.TempDir(), "keys")
	files, err := gen("--dir", dir)
	if err != nil || len(files) != 3 {
		t.Fatalf("--dir: %v %v", files, err)
	}
	if err := production(files); err != nil {
		t.Fatalf("written keys: %v", err)
	}
	st, err := os.Stat(files["ZHDJ_PII_KEYS_FILE"])
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	before, _ := os.ReadFile(files["ZHDJ_PII_KEYS_FILE"])
	if _, err := gen("--dir", dir); err == nil || !strings.Contains(err.Error(), "not overwritten") {
		t.Fatalf("second --dir: %v", err)
	}
	if after, _ := os.ReadFile(files["ZHDJ_PII_KEYS_FILE"]); !bytes.Equal(before, after) {
		t.Fatal("an existing key file was changed")
	}
}
