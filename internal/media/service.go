package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/jobs"
	"zhdj/internal/media/mediadb"
)

// sniffBytes is how much of a file decides its type.
const sniffBytes = 3072

// Service is the media use cases.
type Service struct {
	pool   *pgxpool.Pool
	store  ObjectStore
	jobs   jobs.Inserter
	limits Limits
	// CDNBase, when set, serves public media as CDNBase + "/" + key.
	cdnBase string
	getTTL  time.Duration
	putTTL  time.Duration
	tools   Tools
	now     func() time.Time
	// urls caches presigned GET URLs by object key: a URL stays valid for
	// getTTL, so it is reused while more than half of that remains (signing
	// one costs tens of microseconds; a front page needs dozens).
	urls *lru.Cache[string, signedURL]
	log  *slog.Logger
	// uploaded is Config.Uploaded, never nil.
	uploaded func(Purpose, string, int64)
}

type signedURL struct {
	url     string
	expires time.Time
}

// Tools are the optional programs used to process videos.
type Tools struct {
	FFprobe string // path, or "" when missing
	FFmpeg  string
}

// Config configures a Service.
type Config struct {
	Limits  Limits
	CDNBase string
	// GetTTL and PutTTL are the lifetimes of presigned download and upload URLs.
	GetTTL, PutTTL time.Duration
	Tools          Tools
	// Log receives what fails where nobody waits for an answer (the
	// clean-up after a refused upload); nil: slog's default.
	Log *slog.Logger
	// Uploaded, when set, is told of each file stored: its purpose, how
	// it came ("api" through the server, "direct" in parts straight to
	// the store) and its size (the upload metrics).
	Uploaded func(purpose Purpose, via string, bytes int64)
}

// NewService returns a Service. store may be nil when no object store is
// configured: every media operation then fails with Unavailable.
func NewService(pool *pgxpool.Pool, store ObjectStore, inserter jobs.Inserter, cfg Config) *Service {
	if cfg.GetTTL <= 0 {
		cfg.GetTTL = 10 * time.Minute
	}
	if cfg.PutTTL <= 0 {
		cfg.PutTTL = 15 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Uploaded == nil {
		cfg.Uploaded = func(Purpose, string, int64) {}
	}
	urls, _ := lru.New[string, signedURL](20000)
	return &Service{pool: pool, store: store, jobs: inserter, limits: cfg.Limits, cdnBase: strings.TrimRight(cfg.CDNBase, "/"),
		getTTL: cfg.GetTTL, putTTL: cfg.PutTTL, tools: cfg.Tools, now: time.Now, urls: urls, log: cfg.Log, uploaded: cfg.Uploaded}
}

// Tools returns the video tools found at start.
func (s *Service) Tools() Tools { return s.tools }

// HasStore reports whether media storage is configured (uploads possible).
func (s *Service) HasStore() bool { return s.store != nil }

var errNoStore = &apperr.Error{Kind: apperr.Unavailable, Msg: "media storage is not configured on this server"}

var errNotFound = apperr.NotFoundf("media not found")

// uploadScope returns the unit a new file belongs to (the given one, or the
// first unit where the caller may upload) after checking permission. A
// person on record uploads their own task evidence into their own unit
// without media.upload (it is private: they and the unit's member readers
// see it).
func (s *Service) uploadScope(ctx context.Context, q *mediadb.Queries, p *auth.Principal, purpose Purpose, unit *uuid.UUID) (uuid.UUID, error) {
	if purpose == PurposeTaskEvidence && unit == nil && p.PersonID != nil && !p.Has(auth.PermMediaUpload) {
		u, err := q.PersonUnit(ctx, mediadb.PersonUnitParams{TenantID: p.TenantID, ID: *p.PersonID})
		if errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, apperr.Forbiddenf("you may not upload files")
		}
		if err != nil {
			return uuid.Nil, fmt.Errorf("media: your unit: %w", err)
		}
		return u, nil
	}
	if unit == nil {
		for _, b := range p.Bindings {
			if b.Role.Permits(auth.PermMediaUpload) {
				return b.OrgUnitID, nil
			}
		}
		if p.System {
			return q.RootUnit(ctx, p.TenantID)
		}
		return uuid.Nil, apperr.Forbiddenf("you may not upload files")
	}
	path, err := q.UnitPath(ctx, mediadb.UnitPathParams{TenantID: p.TenantID, ID: *unit})
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, apperr.InvalidField("orgUnitId", "no such org unit")
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("media: unit: %w", err)
	}
	if !p.Can(auth.PermMediaUpload, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
		return uuid.Nil, apperr.Forbiddenf("you may not upload files for this org unit")
	}
	return *unit, nil
}

// reserve adds n bytes to the tenant's usage, or fails with Conflict when
// that would pass the quota.
func (s *Service) reserve(ctx context.Context, q *mediadb.Queries, tenant uuid.UUID, n int64) error {
	quota := s.limits.DefaultQuotaBytes
	if settings, err := q.TenantSettings(ctx, tenant); err == nil {
		var st struct {
			Media struct {
				QuotaBytes int64 `json:"quotaBytes"`
			} `json:"media"`
		}
		if json.Unmarshal(settings, &st) == nil && st.Media.QuotaBytes > 0 {
			quota = st.Media.QuotaBytes
		}
	}
	_, err := q.ReserveQuota(ctx, mediadb.ReserveQuotaParams{TenantID: tenant, Bytes: n, Quota: quota})
	if errors.Is(err, pgx.ErrNoRows) {
		used, _ := q.QuotaUsage(ctx, tenant)
		return &apperr.Error{Kind: apperr.Conflict, Msg: fmt.Sprintf("the school's storage quota of %s would be exceeded (%s used, %s more asked)", human(quota), human(used), human(n)),
			Fields: map[string]string{"size": "exceeds the storage quota"}}
	}
	if err != nil {
		return fmt.Errorf("media: reserve quota: %w", err)
	}
	return nil
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// checkSize refuses an empty file (field "size") or one larger than p
// allows (field: the one that carries the file, "file" or "size").
func checkSize(l Limits, p Purpose, size int64, field string) error {
	if size <= 0 {
		return apperr.InvalidField("size", "the file is empty")
	}
	if max := l.MaxBytes(p); size > max {
		return apperr.InvalidField(field, fmt.Sprintf("is %s; files for %s may be at most %s", human(size), p, human(max)))
	}
	return nil
}

// typeErrorText says why a file of type detected is refused for p.
func typeErrorText(p Purpose, detected string) string {
	msg := fmt.Sprintf("the file is %s, which %s does not accept (accepted: %s)", detected, p, strings.Join(p.AcceptedTypes(), ", "))
	if strings.HasPrefix(detected, "image/svg") {
		msg = "SVG images are not accepted (they can carry scripts); upload a PNG, JPEG, WebP or GIF"
	}
	return msg
}

// typeError refuses a file of type detected for p, at field.
func typeError(p Purpose, detected, field string) error {
	return &apperr.Error{Kind: apperr.Invalid, Msg: "the file type does not match its purpose", Fields: map[string]string{field: typeErrorText(p, detected)}}
}
