package media

// Large files straight from the client to the store, in parts: start,
// resume, complete (checked against what was declared), abort.

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/media/mediadb"
	"zhdj/internal/postgres"
)

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
	// A part sent twice is one part: the last copy counts (some stores,
	// SeaweedFS among them, list both copies; the later one wins there too).
	have := map[int]Part{}
	for _, pt := range parts {
		have[pt.Number] = pt
	}
	extra := 0
	for n := range have {
		if n < 1 || n > count {
			extra++
		}
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
	if len(missing) > 0 || extra > 0 {
		if len(missing) > 20 {
			missing = append(missing[:20], "…")
		}
		return nil, &apperr.Error{Kind: apperr.Invalid, Msg: "the upload is not complete",
			Fields: map[string]string{"id": fmt.Sprintf("%d of %d parts received; missing parts %s", len(have), count, strings.Join(missing, ", "))}}
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
	completed := false
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		completed = false // a retried transaction starts again
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
		completed = true
		_, err = s.jobs.InsertTx(ctx, tx, ProcessArgs{TenantID: p.TenantID, MediaID: id}, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	if completed { // once, by the call that completed it
		s.uploaded(m.Purpose, "direct", m.Size)
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
