package app

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"

	"zhdj/internal/account"
	"zhdj/internal/config"
	"zhdj/internal/jobs"
	"zhdj/internal/pii"
	"zhdj/internal/postgres"
)

// NewKeyring builds the personal-data keyring from configuration. In local
// mode missing keys are generated for this process only (with a warning):
// data encrypted with them is unreadable after a restart.
func NewKeyring(cfg config.Config, log *slog.Logger) (*pii.Keyring, error) {
	keys, index := cfg.PIIKeys, cfg.PIIIndexKey
	if keys == "" {
		log.Warn("ZHDJ_PII_KEYS is not set: using a random key for this process; encrypted personal data will not survive a restart")
		keys = "1:" + pii.RandomKey()
	}
	if index == "" {
		log.Warn("ZHDJ_PII_INDEX_KEY is not set: using a random key for this process")
		index = pii.RandomKey()
	}
	parsed, err := pii.ParseKeys(keys)
	if err != nil {
		return nil, fmt.Errorf("config: ZHDJ_PII_KEYS: %w", err)
	}
	idx, err := base64.StdEncoding.DecodeString(index)
	if err != nil || len(idx) < 32 {
		return nil, fmt.Errorf("config: ZHDJ_PII_INDEX_KEY: want at least 32 bytes in base64")
	}
	return pii.NewKeyring(parsed, idx)
}

// newTokens builds the access-token signer from configuration (random for
// this process in local mode when unset).
func newTokens(cfg config.Config, log *slog.Logger) (*account.Tokens, error) {
	spec := cfg.JWTKeys
	if spec == "" {
		log.Warn("ZHDJ_JWT_KEYS is not set: using a random signing key for this process; sessions end on restart")
		spec = account.RandomSigningKey("local")
	}
	keys, active, err := account.ParseSigningKeys(spec)
	if err != nil {
		return nil, fmt.Errorf("config: ZHDJ_JWT_KEYS: %w", err)
	}
	return account.NewTokens(keys, active, cfg.AccessTTL)
}

// Migrate applies pending migrations as the schema owner
// (ZHDJ_MIGRATE_DATABASE_URL, or ZHDJ_DATABASE_URL when unset).
func Migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	pool, err := postgres.Open(ctx, cfg.MigrationURL())
	if err != nil {
		return err
	}
	defer pool.Close()
	m, err := postgres.NewMigrator(pool, log)
	if err != nil {
		return err
	}
	defer m.Close()
	applied, err := m.Up(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "versions", applied)
	}
	return jobs.Migrate(ctx, pool)
}
