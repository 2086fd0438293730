package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"zhdj/internal/app"
	"zhdj/internal/backup"
	"zhdj/internal/config"
)

// backupOptions reads what backup and restore share: the database role
// past row-level security, the media store and the keys' check values.
func backupOptions(ctx context.Context, dir string) (backup.Options, config.Config, error) {
	cfg, err := loadConfig()
	if err != nil {
		return backup.Options{}, cfg, err
	}
	if dir == "" {
		return backup.Options{}, cfg, errors.New("--dir is required")
	}
	if cfg.BackupDatabaseURL == "" {
		return backup.Options{}, cfg, errors.New("ZHDJ_BACKUP_DATABASE_URL is not set: backups read every school's rows past row-level security, as a superuser or a role with BYPASSRLS")
	}
	if cfg.PIIKeys == "" || cfg.PIIIndexKey == "" {
		return backup.Options{}, cfg, errors.New("ZHDJ_PII_KEYS and ZHDJ_PII_INDEX_KEY must be set as the server has them: the backup records which keys its data needs")
	}
	keys, err := app.NewKeyring(cfg, app.NewLogger(cfg))
	if err != nil {
		return backup.Options{}, cfg, err
	}
	store, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return backup.Options{}, cfg, err
	}
	return backup.Options{DatabaseURL: cfg.BackupDatabaseURL, Store: store, Dir: dir, Version: buildVersion(),
		KeyChecks: keys.KeyChecks(), Progress: os.Stderr}, cfg, nil
}

func runBackup(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("backup", `Back up the whole deployment into a new folder: a consistent dump of the
database (pg_dump's custom format, from one snapshot, as ZHDJ_BACKUP_DATABASE_URL),
then every object of the media store (ZHDJ_S3_*), and a manifest.json of
row counts and checksums that zhdj restore checks against. Needs pg_dump
(PostgreSQL's client programs, the server's major version or newer).

`+keysReminder)
	dir := fs.String("dir", "", "the backup's folder (new or empty)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o, _, err := backupOptions(ctx, *dir)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	m, err := backup.Backup(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up migration %d: %d tables, %d objects (%d bytes) into %s\n", m.Migration, len(m.Rows), len(m.Objects), m.ObjectBytes(), *dir)
	fmt.Fprintln(os.Stderr, keysReminder)
	return nil
}

func runRestore(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("restore", `Restore a backup made by zhdj backup into a new, empty database
(ZHDJ_BACKUP_DATABASE_URL, a superuser: ownership and grants are restored;
the roles zhdj_owner and zhdj_server made beforehand as for a new
deployment) and into the media store (ZHDJ_S3_*). Every file is checked
against the manifest before anything is written, and row counts and object
sizes after; the database is restored in one transaction, so a failure
keeps nothing. Refuses when the server's ZHDJ_PII_KEYS / ZHDJ_PII_INDEX_KEY
are not the backup's (citizen IDs could not be read), unless --without-keys.
Afterwards: zhdj migrate up (when this build is newer than the backup), and
zhdj search reindex when Meilisearch is the search engine (the built-in
index comes back with the database).`)
	dir := fs.String("dir", "", "the backup's folder")
	withoutKeys := fs.Bool("without-keys", false, "restore although the keys differ (the citizen IDs stay unreadable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o, cfg, err := backupOptions(ctx, *dir)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	m, err := backup.ReadManifest(*dir)
	if err != nil {
		return err
	}
	if lost := backup.MissingKeys(m, o.KeyChecks); len(lost) > 0 && !*withoutKeys {
		return fmt.Errorf("restore: this server's personal-data keys are not the backup's (%s): set ZHDJ_PII_KEYS and ZHDJ_PII_INDEX_KEY as they were, or pass --without-keys to restore without readable citizen IDs", strings.Join(lost, ", "))
	}
	rep, err := backup.Restore(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored migration %d: %d tables, %d rows, %d objects (%d bytes)\n", m.Migration, rep.Tables, rep.Rows, rep.Objects, rep.ObjectBytes)
	if cfg.Meili.URL != "" {
		fmt.Fprintln(stdout, "next: zhdj search reindex (Meilisearch does not come back with the database)")
	}
	return nil
}
