package media

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/jobs"
	"zhdj/internal/media/mediadb"
	"zhdj/internal/postgres"
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
	urls, _ := lru.New[string, signedURL](20000)
	return &Service{pool: pool, store: store, jobs: inserter, limits: cfg.Limits, cdnBase: strings.TrimRight(cfg.CDNBase, "/"),
		getTTL: cfg.GetTTL, putTTL: cfg.PutTTL, tools: cfg.Tools, now: time.Now, urls: urls, log: cfg.Log}
}

// Tools returns the video tools found at start.
func (s *Service) Tools() Tools { return s.tools }

// HasStore reports whether media storage is configured (uploads possible).
func (s *Service) HasStore() bool { return s.store != nil }

var errNoStore = &apperr.Error{Kind: apperr.Unavailable, Msg: "media storage is not configured on this server"}

var errNotFound = apperr.NotFoundf("media not found")

// uploadScope returns the unit a new file belongs to (the given one, or the
// first unit where the caller may upload) after checking permission.
func (s *Service) uploadScope(ctx context.Context, q *mediadb.Queries, p *auth.Principal, unit *uuid.UUID) (uuid.UUID, error) {
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

// UploadInput is a small file sent through the API (GraphQL multipart).
type UploadInput struct {
	Filename   string
	Purpose    Purpose
	Visibility Visibility
	OrgUnitID  *uuid.UUID
	Size       int64
	Body       io.Reader
}

// Upload streams a small file (images, documents) to the store. Size and
// type are checked before any byte is stored; the type comes from the
// content. Images are then processed in the background (derivatives).
func (s *Service) Upload(ctx context.Context, in UploadInput) (*Media, error) {
	p, err := s.uploader(ctx, in.Purpose)
	if err != nil {
		return nil, err
	}
	if in.Purpose.Kind() == KindVideo {
		return nil, apperr.InvalidField("purpose", "videos go straight to storage: use createUpload")
	}
	vis, err := visibilityFor(in.Purpose, in.Visibility)
	if err != nil {
		return nil, err
	}
	if err := checkSize(s.limits, in.Purpose, in.Size, "file"); err != nil {
		return nil, err
	}
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(in.Body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, apperr.InvalidField("file", "could not be read")
	}
	head = head[:n]
	detected := mimetype.Detect(head).String()
	detected, _, _ = strings.Cut(detected, ";")
	if !in.Purpose.Accepts(detected) {
		return nil, typeError(in.Purpose, detected, "file")
	}
	m, err := s.begin(ctx, p, in.Purpose, vis, in.OrgUnitID, in.Filename, detected, in.Size, "", StatusUploading)
	if err != nil {
		return nil, err
	}
	if err := s.store.Put(ctx, m.objectKey, io.MultiReader(bytes.NewReader(head), in.Body), in.Size, detected); err != nil {
		s.discard(context.WithoutCancel(ctx), m)
		if apperr.KindOf(err) == apperr.Internal {
			return nil, apperr.InvalidField("file", "the upload was cut short; send the file again")
		}
		return nil, err
	}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := mediadb.New(tx)
		if err := q.SetStatus(ctx, mediadb.SetStatusParams{TenantID: p.TenantID, ID: m.ID, Status: string(StatusProcessing), MimeType: detected, SizeBytes: in.Size}); err != nil {
			return err
		}
		_, err := s.jobs.InsertTx(ctx, tx, ProcessArgs{TenantID: p.TenantID, MediaID: m.ID}, nil)
		return err
	})
	if err != nil {
		s.discard(context.WithoutCancel(ctx), m)
		return nil, fmt.Errorf("media: finish upload: %w", err)
	}
	m.Status, m.MimeType = StatusProcessing, detected
	return m, nil
}

// uploader returns the caller when there is a store and purpose is known.
func (s *Service) uploader(ctx context.Context, purpose Purpose) (*auth.Principal, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if s.store == nil {
		return nil, errNoStore
	}
	if !purpose.Valid() {
		return nil, apperr.InvalidField("purpose", "unknown purpose")
	}
	return p, nil
}

func visibilityFor(p Purpose, v Visibility) (Visibility, error) {
	switch {
	case v == "":
		if p.Private() {
			return Private, nil
		}
		return Public, nil
	case v != Public && v != Private:
		return "", apperr.InvalidField("visibility", "must be public or private")
	case p.Private() && v == Public:
		return "", apperr.InvalidField("visibility", fmt.Sprintf("%s files are always private", p))
	}
	return v, nil
}

// begin reserves quota and records a new file in status st.
func (s *Service) begin(ctx context.Context, p *auth.Principal, purpose Purpose, vis Visibility, unit *uuid.UUID, filename, declared string, size int64, sha string, st Status) (*Media, error) {
	var out *Media
	err := postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := mediadb.New(tx)
		u, err := s.uploadScope(ctx, q, p, unit)
		if err != nil {
			return err
		}
		if err := s.reserve(ctx, q, p.TenantID, size); err != nil {
			return err
		}
		id := uuid.New()
		var by *uuid.UUID
		if !p.System {
			by = &p.AccountID
		}
		row, err := q.InsertMedia(ctx, mediadb.InsertMediaParams{
			TenantID: p.TenantID, ID: id, Purpose: string(purpose), Visibility: string(vis), OrgUnitID: u,
			Filename: CleanFilename(filename), DeclaredType: truncate(declared, 100), SizeBytes: size, Sha256: sha,
			Status: string(st), ObjectKey: objectKey(p.TenantID, id), PartSize: 0, CreatedBy: by,
		})
		if err != nil {
			return postgres.Err(err, "media")
		}
		out = s.wrap(row, "")
		return nil
	})
	return out, err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// discard removes a file that did not make it: its object (best effort),
// its row and its quota reservation.
// Failures are logged: the orphan sweep (sweep.go) removes objects left
// behind, but a row or reservation left behind needs an operator.
func (s *Service) discard(ctx context.Context, m *Media) {
	if s.store != nil {
		if m.uploadID != "" {
			if err := s.store.AbortMultipart(ctx, m.objectKey, m.uploadID); err != nil {
				s.log.Warn("media: abort a discarded upload (the orphan sweep retries)", "tenant", m.TenantID, "media", m.ID, "err", err)
			}
		}
		if err := s.store.Delete(ctx, m.objectKey); err != nil {
			s.log.Warn("media: delete a discarded file's object (the orphan sweep retries)", "tenant", m.TenantID, "media", m.ID, "err", err)
		}
	}
	err := postgres.InTenantTx(ctx, s.pool, m.TenantID, func(tx pgx.Tx) error {
		q := mediadb.New(tx)
		if err := q.DeleteMedia(ctx, mediadb.DeleteMediaParams{TenantID: m.TenantID, ID: m.ID}); err != nil {
			return err
		}
		return q.ReleaseQuota(ctx, mediadb.ReleaseQuotaParams{TenantID: m.TenantID, Bytes: m.Size})
	})
	if err != nil {
		s.log.Error("media: remove a discarded file's row and release its quota", "tenant", m.TenantID, "media", m.ID, "bytes", m.Size, "err", err)
	}
}

// CreateUploadInput describes a large file the client will upload itself.
type CreateUploadInput struct {
	Filename    string
	Purpose     Purpose
	Visibility  Visibility
	OrgUnitID   *uuid.UUID
	Size        int64
	ContentType string // what the client says; the content decides
	SHA256      string // optional hex digest, verified after the upload
}

// PartURL is where to PUT one part.
type PartURL struct {
	Number int
	URL    string
	Size   int64
}

// UploadSession tells a client how to upload a file in parts.
type UploadSession struct {
	Media     *Media
	PartSize  int64
	Parts     []PartURL
	Uploaded  []int // part numbers already received (on resume)
	ExpiresAt time.Time
}

const maxParts = 10000

// CreateUpload starts a multipart upload straight from the client to the
// store and returns presigned part URLs. The quota is reserved for the
// declared size now and corrected when the upload completes.
func (s *Service) CreateUpload(ctx context.Context, in CreateUploadInput) (*UploadSession, error) {
	p, err := s.uploader(ctx, in.Purpose)
	if err != nil {
		return nil, err
	}
	vis, err := visibilityFor(in.Purpose, in.Visibility)
	if err != nil {
		return nil, err
	}
	if err := checkSize(s.limits, in.Purpose, in.Size, "size"); err != nil {
		return nil, err
	}
	sha := strings.ToLower(strings.TrimSpace(in.SHA256))
	if sha != "" {
		if b, err := hex.DecodeString(sha); err != nil || len(b) != 32 {
			return nil, apperr.InvalidField("sha256", "must be 64 hexadecimal characters")
		}
	}
	m, err := s.begin(ctx, p, in.Purpose, vis, in.OrgUnitID, in.Filename, in.ContentType, in.Size, sha, StatusUploading)
	if err != nil {
		return nil, err
	}
	partSize := s.limits.PartSize
	for (in.Size+partSize-1)/partSize > maxParts {
		partSize *= 2
	}
	uploadID, err := s.store.NewMultipart(ctx, m.objectKey, "application/octet-stream")
	if err != nil {
		s.discard(context.WithoutCancel(ctx), m)
		return nil, err
	}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		return mediadb.New(tx).SetUpload(ctx, mediadb.SetUploadParams{TenantID: p.TenantID, ID: m.ID, UploadID: uploadID, PartSize: partSize})
	})
	if err != nil {
		m.uploadID = uploadID
		s.discard(context.WithoutCancel(ctx), m)
		return nil, fmt.Errorf("media: record upload: %w", err)
	}
	m.uploadID, m.partSize = uploadID, partSize
	return s.session(ctx, m, nil)
}

func (s *Service) session(ctx context.Context, m *Media, uploaded []int) (*UploadSession, error) {
	done := map[int]bool{}
	for _, n := range uploaded {
		done[n] = true
	}
	sess := &UploadSession{Media: m, PartSize: m.partSize, Uploaded: uploaded, ExpiresAt: s.now().Add(s.putTTL)}
	if sess.Uploaded == nil {
		sess.Uploaded = []int{}
	}
	count := int((m.Size + m.partSize - 1) / m.partSize)
	for n := 1; n <= count; n++ {
		if done[n] {
			continue
		}
		u, err := s.store.PresignPart(ctx, m.objectKey, m.uploadID, n, s.putTTL)
		if err != nil {
			return nil, err
		}
		size := m.partSize
		if n == count {
			size = m.Size - int64(count-1)*m.partSize
		}
		sess.Parts = append(sess.Parts, PartURL{Number: n, URL: u, Size: size})
	}
	return sess, nil
}

// own loads a file the caller may manage (uploader, or media.upload over
// its unit); anything else is NotFound.
func (s *Service) own(ctx context.Context, id uuid.UUID) (*auth.Principal, *Media, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, nil, err
	}
	var m *Media
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		row, err := mediadb.New(tx).GetMedia(ctx, mediadb.GetMediaParams{TenantID: p.TenantID, ID: id})
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return fmt.Errorf("media: load: %w", err)
		}
		m = s.wrap(row.Medium, row.OrgPath)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if !canManage(p, m) {
		return nil, nil, errNotFound
	}
	return p, m, nil
}

func canManage(p *auth.Principal, m *Media) bool {
	return (m.CreatedBy != nil && *m.CreatedBy == p.AccountID && !p.System) ||
		p.Can(auth.PermMediaUpload, auth.Scope{TenantID: p.TenantID, OrgPath: m.orgPath})
}

// ResumeUpload returns fresh part URLs for the parts not yet received.
func (s *Service) ResumeUpload(ctx context.Context, id uuid.UUID) (*UploadSession, error) {
	if s.store == nil {
		return nil, errNoStore
	}
	_, m, err := s.own(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.Status != StatusUploading || m.uploadID == "" {
		return nil, apperr.Conflictf("the upload is %s; nothing to resume", m.Status)
	}
	parts, err := s.store.ListParts(ctx, m.objectKey, m.uploadID)
	if err != nil {
		return nil, err
	}
	var uploaded []int
	for _, pt := range parts {
		uploaded = append(uploaded, pt.Number)
	}
	return s.session(ctx, m, uploaded)
}

// CompleteUpload assembles the uploaded parts, checks that every part is
// there and the size is the declared one, decides the real type from the
// first bytes (a type the purpose does not accept fails the file and
// deletes the object), and queues processing. Completing again returns the
// file as it is.
func (s *Service) CompleteUpload(ctx context.Context, id uuid.UUID) (*Media, error) {
	if s.store == nil {
		return nil, errNoStore
	}
	p, m, err := s.own(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.Status != StatusUploading {
		return m, nil // already completed (or failed): idempotent
	}
	count := int((m.Size + m.partSize - 1) / m.partSize)
	parts, err := s.store.ListParts(ctx, m.objectKey, m.uploadID)
	if apperr.Is(err, apperr.NotFound) {
		// Completed by a concurrent call: report what it recorded.
		return s.reload(ctx, p, id)
	}
	if err != nil {
		return nil, err
	}
	var missing []string
	var total int64
	have := map[int]Part{}
	for _, pt := range parts {
		have[pt.Number] = pt
	}
	ordered := make([]Part, 0, count)
	for n := 1; n <= count; n++ {
		pt, ok := have[n]
		if !ok {
			missing = append(missing, fmt.Sprint(n))
			continue
		}
		total += pt.Size
		ordered = append(ordered, pt)
	}
	if len(missing) > 0 || len(parts) > count {
		if len(missing) > 20 {
			missing = append(missing[:20], "…")
		}
		return nil, &apperr.Error{Kind: apperr.Invalid, Msg: "the upload is not complete",
			Fields: map[string]string{"id": fmt.Sprintf("%d of %d parts received; missing parts %s", len(parts), count, strings.Join(missing, ", "))}}
	}
	if total != m.Size {
		return nil, &apperr.Error{Kind: apperr.Invalid, Msg: "the upload does not have the declared size",
			Fields: map[string]string{"id": fmt.Sprintf("received %d bytes, declared %d", total, m.Size)}}
	}
	if err := s.store.CompleteMultipart(ctx, m.objectKey, m.uploadID, ordered); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return s.reload(ctx, p, id)
		}
		return nil, err
	}
	head, err := s.store.Head(ctx, m.objectKey, sniffBytes)
	if err != nil {
		return nil, err
	}
	detected, _, _ := strings.Cut(mimetype.Detect(head).String(), ";")
	if !m.Purpose.Accepts(detected) {
		bg := context.WithoutCancel(ctx)
		if err := s.store.Delete(bg, m.objectKey); err != nil {
			s.log.Warn("media: delete a refused upload's object (the orphan sweep retries)", "tenant", p.TenantID, "media", id, "err", err)
		}
		err := postgres.InTenantTx(bg, s.pool, p.TenantID, func(tx pgx.Tx) error {
			q := mediadb.New(tx)
			if err := q.SetStatus(bg, mediadb.SetStatusParams{TenantID: p.TenantID, ID: id, Status: string(StatusFailed), Failure: typeErrorText(m.Purpose, detected), MimeType: detected, SizeBytes: m.Size}); err != nil {
				return err
			}
			return q.ReleaseQuota(bg, mediadb.ReleaseQuotaParams{TenantID: p.TenantID, Bytes: m.Size})
		})
		if err != nil {
			s.log.Error("media: mark a refused upload failed and release its quota", "tenant", p.TenantID, "media", id, "err", err)
		}
		return nil, typeError(m.Purpose, detected, "id")
	}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := mediadb.New(tx)
		cur, err := q.GetMediaForUpdate(ctx, mediadb.GetMediaForUpdateParams{TenantID: p.TenantID, ID: id})
		if err != nil {
			return postgres.Err(err, "media")
		}
		if cur.Medium.Status != string(StatusUploading) {
			return nil
		}
		if err := q.SetStatus(ctx, mediadb.SetStatusParams{TenantID: p.TenantID, ID: id, Status: string(StatusProcessing), MimeType: detected, SizeBytes: m.Size}); err != nil {
			return err
		}
		_, err = s.jobs.InsertTx(ctx, tx, ProcessArgs{TenantID: p.TenantID, MediaID: id}, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.reload(ctx, p, id)
}

func (s *Service) reload(ctx context.Context, p *auth.Principal, id uuid.UUID) (*Media, error) {
	var m *Media
	err := postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		row, err := mediadb.New(tx).GetMedia(ctx, mediadb.GetMediaParams{TenantID: p.TenantID, ID: id})
		if err != nil {
			return postgres.Err(err, "media")
		}
		m = s.wrap(row.Medium, row.OrgPath)
		return nil
	})
	return m, err
}

// AbortUpload discards an unfinished upload: the parts, the row and the
// quota reservation.
func (s *Service) AbortUpload(ctx context.Context, id uuid.UUID) error {
	if s.store == nil {
		return errNoStore
	}
	_, m, err := s.own(ctx, id)
	if err != nil {
		return err
	}
	if m.Status != StatusUploading {
		return apperr.Conflictf("the upload already completed; delete the file instead")
	}
	if err := s.store.AbortMultipart(ctx, m.objectKey, m.uploadID); err != nil {
		return err
	}
	s.discard(context.WithoutCancel(ctx), m)
	return nil
}

// Usage is something that uses a media item.
type Usage struct {
	UserType  string // e.g. "article", "site"
	UserID    uuid.UUID
	Label     string // e.g. the article's title
	Published bool
}

// SetUsages records, in the caller's transaction, that user uses exactly
// mediaIDs (replacing what it used before).
func SetUsages(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, u Usage, mediaIDs []uuid.UUID) error {
	q := mediadb.New(tx)
	if err := q.DeleteUsagesOfUser(ctx, mediadb.DeleteUsagesOfUserParams{TenantID: tenant, UserType: u.UserType, UserID: u.UserID}); err != nil {
		return fmt.Errorf("media: clear usages: %w", err)
	}
	for _, id := range mediaIDs {
		if err := q.InsertUsage(ctx, mediadb.InsertUsageParams{TenantID: tenant, MediaID: id, UserType: u.UserType, UserID: u.UserID, Label: u.Label, Published: u.Published}); err != nil {
			return postgres.Err(err, "media usage")
		}
	}
	return nil
}

// Delete removes a file. A file that published content still uses is a
// Conflict naming those users. Its objects are deleted by a background job
// after the commit.
func (s *Service) Delete(ctx context.Context, id uuid.UUID) error {
	p, m, err := s.own(ctx, id)
	if err != nil {
		return err
	}
	return postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := mediadb.New(tx)
		cur, err := q.GetMediaForUpdate(ctx, mediadb.GetMediaForUpdateParams{TenantID: p.TenantID, ID: id})
		if err != nil {
			return postgres.Err(err, "media")
		}
		usages, err := q.UsagesOf(ctx, mediadb.UsagesOfParams{TenantID: p.TenantID, MediaID: id})
		if err != nil {
			return fmt.Errorf("media: usages: %w", err)
		}
		var users []string
		for _, u := range usages {
			if u.Published {
				users = append(users, fmt.Sprintf("%s %q", u.UserType, u.Label))
			}
		}
		if len(users) > 0 {
			return &apperr.Error{Kind: apperr.Conflict, Msg: "published content still uses this file: " + strings.Join(users, ", "),
				Fields: map[string]string{"id": "in use by " + strings.Join(users, ", ")}}
		}
		ders, err := q.DerivativesOf(ctx, mediadb.DerivativesOfParams{TenantID: p.TenantID, MediaIds: []uuid.UUID{id}})
		if err != nil {
			return err
		}
		keys := []string{cur.Medium.ObjectKey}
		for _, d := range ders {
			keys = append(keys, d.ObjectKey)
		}
		if cur.Medium.PosterKey != "" {
			keys = append(keys, cur.Medium.PosterKey)
		}
		if err := q.DeleteMedia(ctx, mediadb.DeleteMediaParams{TenantID: p.TenantID, ID: id}); err != nil {
			return err
		}
		if err := q.ReleaseQuota(ctx, mediadb.ReleaseQuotaParams{TenantID: p.TenantID, Bytes: cur.Medium.SizeBytes}); err != nil {
			return err
		}
		if _, err := s.jobs.InsertTx(ctx, tx, DeleteObjectsArgs{Keys: keys, UploadID: cur.Medium.UploadID}, nil); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionDelete, ActorID: p.Actor(), TargetType: "media",
			TargetID: id.String(), Subject: m.Filename})
	})
}

// ByIDs returns the files among ids that the caller may see: ready public
// files for anyone (tenant from the ID), private or unfinished files for
// those who manage them (private: also member.read over the unit).
func (s *Service) ByIDs(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Media, error) {
	p := auth.FromContext(ctx)
	out := map[uuid.UUID]*Media{}
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		q := mediadb.New(tx)
		rows, err := q.MediaByIDs(ctx, mediadb.MediaByIDsParams{TenantID: tenant, Ids: ids})
		if err != nil {
			return fmt.Errorf("media: by ids: %w", err)
		}
		for _, r := range rows {
			m := s.wrap(r.Medium, r.OrgPath)
			if s.canSee(p, m) {
				out[m.ID] = m
			}
		}
		ders, err := q.DerivativesOf(ctx, mediadb.DerivativesOfParams{TenantID: tenant, MediaIds: ids})
		if err != nil {
			return fmt.Errorf("media: derivatives: %w", err)
		}
		for _, d := range ders {
			if m, ok := out[d.MediaID]; ok {
				m.derivs = append(m.derivs, &Derivative{Width: int(d.Width), Height: int(d.Height), MimeType: d.MimeType, Size: d.SizeBytes, objectKey: d.ObjectKey})
			}
		}
		return nil
	})
	return out, err
}

// wrap makes a Media that can issue its URLs.
func (s *Service) wrap(r mediadb.Medium, orgPath string) *Media {
	m := fromRow(r, orgPath)
	m.svc = s
	return m
}

func (s *Service) canSee(p *auth.Principal, m *Media) bool {
	if m.Visibility == Public && m.Status == StatusReady {
		return true
	}
	if p == nil || p.TenantID != m.TenantID {
		return false
	}
	return canManage(p, m) || (m.Visibility == Private && p.Can(auth.PermMemberRead, auth.Scope{TenantID: p.TenantID, OrgPath: m.orgPath}))
}

// URL returns where the caller may fetch a ready file (and until when):
// the CDN for public files when one is configured, otherwise a short-lived
// presigned URL. Callers get only media that ByIDs let them see.
func (s *Service) URL(ctx context.Context, m *Media) (string, time.Time, error) {
	if m.Status != StatusReady || s.store == nil {
		return "", time.Time{}, nil
	}
	return s.objectURL(ctx, m, m.objectKey)
}

func (s *Service) objectURL(ctx context.Context, m *Media, key string) (string, time.Time, error) {
	if m.Visibility == Public && s.cdnBase != "" {
		return s.cdnBase + "/" + key, time.Time{}, nil
	}
	name := ""
	if m.Purpose.Kind() == KindDocument {
		name = m.Filename
	}
	now := s.now()
	cacheKey := key + "\x00" + name
	if c, ok := s.urls.Get(cacheKey); ok && c.expires.Sub(now) > s.getTTL/2 {
		return c.url, c.expires, nil
	}
	u, err := s.store.PresignGet(ctx, key, s.getTTL, name)
	if err != nil {
		return "", time.Time{}, err
	}
	exp := now.Add(s.getTTL)
	s.urls.Add(cacheKey, signedURL{url: u, expires: exp})
	return u, exp, nil
}

// PosterURL returns the URL of a video's poster frame, if it has one.
func (s *Service) PosterURL(ctx context.Context, m *Media) (string, error) {
	if m.posterKey == "" || m.Status != StatusReady || s.store == nil {
		return "", nil
	}
	u, _, err := s.objectURL(ctx, m, m.posterKey)
	return u, err
}

func fromRow(r mediadb.Medium, orgPath string) *Media {
	m := &Media{
		TenantID: r.TenantID, ID: r.ID, Purpose: Purpose(r.Purpose), Visibility: Visibility(r.Visibility), OrgUnitID: r.OrgUnitID,
		Filename: r.Filename, DeclaredType: r.DeclaredType, MimeType: r.MimeType, Size: r.SizeBytes, SHA256: r.Sha256,
		Status: Status(r.Status), Failure: r.Failure, Notes: r.Notes, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		objectKey: r.ObjectKey, uploadID: r.UploadID, partSize: r.PartSize, posterKey: r.PosterKey, orgPath: orgPath,
	}
	if r.Width != nil {
		w := int(*r.Width)
		m.Width = &w
	}
	if r.Height != nil {
		h := int(*r.Height)
		m.Height = &h
	}
	if r.DurationMs != nil {
		d := time.Duration(*r.DurationMs) * time.Millisecond
		m.Duration = &d
	}
	if m.Notes == nil {
		m.Notes = []string{}
	}
	return m
}

// Ref is what another domain needs to know of a media item it refers to.
type Ref struct {
	Status   Status
	Purpose  Purpose
	MimeType string
}

// Refs returns, in the caller's transaction, the state of the media items
// among ids that exist in tenant.
func Refs(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]Ref, error) {
	rows, err := mediadb.New(tx).StatusesOf(ctx, mediadb.StatusesOfParams{TenantID: tenant, Ids: ids})
	if err != nil {
		return nil, fmt.Errorf("media: refs: %w", err)
	}
	out := make(map[uuid.UUID]Ref, len(rows))
	for _, r := range rows {
		out[r.ID] = Ref{Status: Status(r.Status), Purpose: Purpose(r.Purpose), MimeType: r.MimeType}
	}
	return out, nil
}
