package media

// Small files through the API: checked, streamed to the store, processed
// in the background.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/media/mediadb"
	"zhdj/internal/postgres"
)

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
	s.uploaded(in.Purpose, "api", in.Size)
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
		u, err := s.uploadScope(ctx, q, p, purpose, unit)
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
