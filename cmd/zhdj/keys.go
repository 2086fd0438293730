package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"zhdj/internal/account"
	"zhdj/internal/pii"
)

// keysReminder is said with every key generated: the PII keys are what
// make the stored citizen IDs and phone numbers readable.
const keysReminder = `Keep these apart from the database backups, and back them up too:
without ZHDJ_PII_KEYS and ZHDJ_PII_INDEX_KEY the stored citizen IDs and
phone numbers cannot be read or looked up again — a restored database is
no use without them. To rotate, add a key (keep the old ones listed) and
restart; never remove a PII key that data is still sealed with.`

// runKeys prints fresh production keys: the access-token signing key, the
// personal-data key and the blind-index key.
func runKeys(_ context.Context, args []string, stdout io.Writer) error {
	if ok, err := oneAction(args, "keys", "generate", "zhdj keys generate [--dir DIR]"); !ok {
		return err
	}
	fs := newFlags("keys generate", "Print fresh production keys (ZHDJ_JWT_KEYS, ZHDJ_PII_KEYS, ZHDJ_PII_INDEX_KEY) as environment lines, or write one file each into --dir for the *_FILE variables.")
	dir := fs.String("dir", "", "write jwt_keys, pii_keys and pii_index_key into this folder (created 0700; files 0600; existing files are never overwritten)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	keys := []struct{ name, file, value string }{
		{"ZHDJ_JWT_KEYS", "jwt_keys", account.RandomSigningKey("k" + time.Now().UTC().Format("20060102"))},
		{"ZHDJ_PII_KEYS", "pii_keys", "1:" + pii.RandomKey()},
		{"ZHDJ_PII_INDEX_KEY", "pii_index_key", pii.RandomKey()},
	}
	if *dir == "" {
		for _, k := range keys {
			fmt.Fprintf(stdout, "%s=%s\n", k.name, k.value)
		}
		fmt.Fprintln(os.Stderr, keysReminder)
		return nil
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	for _, k := range keys {
		if _, err := os.Stat(filepath.Join(*dir, k.file)); err == nil {
			return fmt.Errorf("keys: %s exists; it may hold the keys to existing data, so it is not overwritten", filepath.Join(*dir, k.file))
		}
	}
	for _, k := range keys {
		p := filepath.Join(*dir, k.file)
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("keys: %w", err)
		}
		_, err = io.WriteString(f, k.value+"\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("keys: %w", err)
		}
		fmt.Fprintf(stdout, "%s_FILE=%s\n", k.name, p)
	}
	fmt.Fprintln(os.Stderr, keysReminder)
	return nil
}
