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
no use without them. To rotate the PII key, list a new one with a higher
version after the old (zhdj keys generate --pii-version 2) and restart
every server: they reseal the data in the background; remove the old key
only once zhdj keys status says it seals nothing. To rotate the JWT key,
list the new one last; remove the old after ZHDJ_ACCESS_TTL.`

// runKeys prints fresh production keys: the access-token signing key, the
// personal-data key and the blind-index key.
func runKeys(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 && (args[0] == "status" || args[0] == "reseal") {
		return runKeysRotation(ctx, args, stdout)
	}
	if ok, err := oneAction(args, "keys", "generate", "zhdj keys generate|status|reseal"); !ok {
		return err
	}
	fs := newFlags("keys generate", "Print fresh production keys (ZHDJ_JWT_KEYS, ZHDJ_PII_KEYS, ZHDJ_PII_INDEX_KEY) as environment lines, or write one file each into --dir for the *_FILE variables.")
	dir := fs.String("dir", "", "write jwt_keys, pii_keys and pii_index_key into this folder (created 0700; files 0600; existing files are never overwritten)")
	piiVersion := fs.Int("pii-version", 1, "the personal-data key's version (1–255; a rotation's new key is one above the newest in use)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *piiVersion < 1 || *piiVersion > 255 {
		return fmt.Errorf("keys: --pii-version must be 1–255")
	}
	keys := []struct{ name, file, value string }{
		{"ZHDJ_JWT_KEYS", "jwt_keys", account.RandomSigningKey("k" + time.Now().UTC().Format("20060102"))},
		{"ZHDJ_PII_KEYS", "pii_keys", fmt.Sprintf("%d:%s", *piiVersion, pii.RandomKey())},
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

// runKeysRotation shows which key versions seal the personal data, or
// reseals it with the newest key, with a progress bar.
func runKeysRotation(ctx context.Context, args []string, stdout io.Writer) error {
	action := args[0]
	help := map[string]string{
		"status": `Count the sealed personal data (citizen IDs, phone numbers, identity
providers' secrets, import files) by the key version that seals it. A key
may be removed from ZHDJ_PII_KEYS once no value is sealed with it.`,
		"reseal": `Seal every value sealed with an older key again with the newest one in
ZHDJ_PII_KEYS, school by school in small transactions, with progress; the
servers keep serving (and do the same in the background at start while
older keys seal anything). Then zhdj keys status, then remove the old key.`,
	}[action]
	fs := newFlags("keys "+action, help)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if action == "reseal" {
		n, err := a.Rekey.Reseal(ctx, func(done, total int64) { progressBar(stdout, "reseal", int(done), int(total)) })
		fmt.Fprintln(stdout)
		if err != nil {
			return fmt.Errorf("keys reseal: %w", err)
		}
		fmt.Fprintf(stdout, "%d values resealed with key version %d\n", n, a.Keyring.Active())
	}
	counts, err := a.Rekey.Status(ctx)
	if err != nil {
		return err
	}
	active := a.Keyring.Active()
	old := map[int]int64{}
	for _, c := range counts {
		mark := ""
		if c.Version != active {
			mark = "  (older key: reseal before removing it)"
			old[c.Version] += c.N
		}
		fmt.Fprintf(stdout, "%s.%s: %d sealed with key %d%s\n", c.Table, c.Column, c.N, c.Version, mark)
	}
	for _, v := range a.Keyring.Versions() {
		if v != active && old[v] == 0 {
			fmt.Fprintf(stdout, "key %d seals nothing: it may be removed from ZHDJ_PII_KEYS\n", v)
		}
	}
	if len(old) == 0 {
		fmt.Fprintf(stdout, "every value is sealed with key %d (the newest)\n", active)
	}
	return nil
}
