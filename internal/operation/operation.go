// Package operation keeps the GraphQL documents clients name by their
// SHA-256 (automatic persisted queries: the first request sends the
// document with its hash, later ones the hash alone), shared by every
// server process through PostgreSQL with a bounded in-process copy in
// front; and the operations each site's front end registered ahead of
// time (`zhdj operations push`), which a production deployment may require
// (the allow-list: ZHDJ_OPERATIONS=registered).
package operation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/operation/operationdb"
	"zhdj/internal/postgres"
)

// Mode is which operations a server runs.
type Mode string

const (
	// Open runs any document (and keeps those sent with their hash).
	Open Mode = "open"
	// Registered runs only the operations registered for a site: from a
	// site's origins, that site's (none if it registered none); from
	// elsewhere (apps, the server's own origin), any site's and the
	// built-in console's.
	Registered Mode = "registered"
)

// MaxQueryBytes is the largest document kept.
const MaxQueryBytes = 1 << 20

// Service is the registry. Its methods are safe for concurrent use.
type Service struct {
	pool  *pgxpool.Pool
	log   *slog.Logger
	mode  Mode
	known *lru.Cache[string, string] // hash → document

	mu       sync.RWMutex
	any      map[string]bool            // hashes registered for some site
	byOrigin map[string]map[string]bool // origin → its site's hashes
	builtin  map[string]bool            // the embedded console's (Builtin)
}

// NewService returns the registry in mode.
func NewService(pool *pgxpool.Pool, mode Mode, log *slog.Logger) *Service {
	known, _ := lru.New[string, string](2000)
	return &Service{pool: pool, log: log, mode: mode, known: known, any: map[string]bool{}, byOrigin: map[string]map[string]bool{}, builtin: map[string]bool{}}
}

// Builtin allows docs (name → document) from anywhere but a site's
// origins, without registration: the operations of the console built into
// the binary, which a deployment could not register ahead of time for a
// site (the console is no site's front end).
func (s *Service) Builtin(docs map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range docs {
		s.builtin[Hash(d)] = true
	}
}

// Mode returns the mode.
func (s *Service) Mode() Mode { return s.mode }

// Hash is a document's name: its SHA-256 in hex.
func Hash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// Get returns the document of hash (gqlgen's persisted-query cache).
func (s *Service) Get(ctx context.Context, hash string) (string, bool) {
	if q, ok := s.known.Get(hash); ok {
		return q, true
	}
	q, err := operationdb.New(s.pool).Query(ctx, hash)
	if err != nil {
		if !errors.Is(err, pgx.ErrNoRows) {
			s.log.WarnContext(ctx, "operations: read a persisted document", "err", err)
		}
		return "", false
	}
	s.known.Add(hash, q)
	return q, true
}

// Add keeps a document sent with its hash (gqlgen has checked that the
// hash is the document's). A document too large is not kept.
func (s *Service) Add(ctx context.Context, hash, query string) {
	if len(query) > MaxQueryBytes {
		return
	}
	s.known.Add(hash, query)
	if err := operationdb.New(s.pool).Persist(ctx, operationdb.PersistParams{Hash: hash, Query: query}); err != nil {
		s.log.WarnContext(ctx, "operations: keep a persisted document", "err", err)
	}
}

// Allowed reports whether the mode runs the document of hash for a
// request from origin ("" when none).
func (s *Service) Allowed(hash, origin string) bool {
	if s.mode != Registered {
		return true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if site, ok := s.byOrigin[strings.ToLower(origin)]; ok {
		return site[hash]
	}
	return s.any[hash] || s.builtin[hash]
}

// Registration is a site's registered operation.
type Registration struct {
	Hash         string
	Name         string
	Bytes        int
	RegisteredAt time.Time
}

// Register registers documents for a site (its school's), by name: each is
// kept and allowed from the next Load. A document that is empty or too
// large is refused.
func (s *Service) Register(ctx context.Context, tenant, site uuid.UUID, docs map[string]string) ([]Registration, error) {
	var out []Registration
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		q := operationdb.New(tx)
		for name, doc := range docs {
			switch {
			case strings.TrimSpace(doc) == "":
				return apperr.InvalidField(name, "the document is empty")
			case len(doc) > MaxQueryBytes:
				return apperr.InvalidField(name, "the document is larger than 1 MiB")
			}
			h := Hash(doc)
			if err := q.Persist(ctx, operationdb.PersistParams{Hash: h, Query: doc}); err != nil {
				return fmt.Errorf("operations: keep: %w", err)
			}
			if err := q.Register(ctx, operationdb.RegisterParams{TenantID: tenant, SiteID: site, Hash: h, Name: name}); err != nil {
				return postgres.Err(err, "operations: register")
			}
			out = append(out, Registration{Hash: h, Name: name, Bytes: len(doc)})
		}
		return nil
	})
	return out, err
}

// List returns a site's registered operations.
func (s *Service) List(ctx context.Context, tenant, site uuid.UUID) ([]Registration, error) {
	var out []Registration
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		rows, err := operationdb.New(tx).SiteOperations(ctx, operationdb.SiteOperationsParams{TenantID: tenant, SiteID: site})
		if err != nil {
			return fmt.Errorf("operations: list: %w", err)
		}
		for _, r := range rows {
			out = append(out, Registration{Hash: r.Hash, Name: r.Name, Bytes: int(r.Size), RegisteredAt: r.RegisteredAt})
		}
		return nil
	})
	return out, err
}

// Load reads every site's registrations (the allow-list).
func (s *Service) Load(ctx context.Context) error {
	rows, err := operationdb.New(s.pool).Registrations(ctx)
	if err != nil {
		return fmt.Errorf("operations: load the registrations: %w", err)
	}
	origins, err := operationdb.New(s.pool).Origins(ctx)
	if err != nil {
		return fmt.Errorf("operations: load the sites' origins: %w", err)
	}
	anySite := map[string]bool{}
	byOrigin := map[string]map[string]bool{}
	for _, o := range origins {
		byOrigin[strings.ToLower(o)] = map[string]bool{}
	}
	for _, r := range rows {
		anySite[r.Hash] = true
		for _, o := range r.Origins {
			o = strings.ToLower(o)
			if byOrigin[o] == nil {
				byOrigin[o] = map[string]bool{}
			}
			byOrigin[o][r.Hash] = true
		}
	}
	s.mu.Lock()
	s.any, s.byOrigin = anySite, byOrigin
	s.mu.Unlock()
	return nil
}

// Run reloads the registrations every refresh until ctx ends (in
// Registered mode; nothing to do otherwise).
func (s *Service) Run(ctx context.Context, refresh time.Duration) {
	if s.mode != Registered {
		return
	}
	t := time.NewTicker(refresh)
	defer t.Stop()
	for {
		if err := s.Load(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("operations: reload the allow-list", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
