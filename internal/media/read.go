package media

// Reading files: by id for those who may see them, their URLs, and what
// other domains need to know of the files they refer to.

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/auth"
	"zhdj/internal/media/mediadb"
	"zhdj/internal/postgres"
)

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
