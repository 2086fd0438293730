package media

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/media/mediadb"
	"zhdj/internal/postgres"
)

// Filter selects files in the media library.
type Filter struct {
	Purposes []Purpose
	Statuses []Status
	// Mine lists only the caller's own uploads.
	Mine bool
}

// Cursor is a position in the newest-first order of the library.
type Cursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// Page is one page of files.
type Page struct {
	Media   []*Media
	HasNext bool
}

// MaxPageSize is the largest page List returns.
const MaxPageSize = 100

// List returns the files the caller manages (their own uploads and those
// of units where they may upload), newest first.
func (s *Service) List(ctx context.Context, f Filter, first int, after *Cursor) (*Page, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	purposes := make([]string, 0, len(f.Purposes))
	for _, x := range f.Purposes {
		if !x.Valid() {
			return nil, apperr.InvalidField("filter.purposes", fmt.Sprintf("unknown purpose %q", x))
		}
		purposes = append(purposes, string(x))
	}
	statuses := make([]string, 0, len(f.Statuses))
	for _, x := range f.Statuses {
		statuses = append(statuses, string(x))
	}
	paths, all := p.Paths(auth.PermMediaUpload)
	if paths == nil {
		paths = []string{}
	}
	page := &Page{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		args := pgx.NamedArgs{"tenant": p.TenantID, "all": all && !f.Mine, "paths": paths, "me": p.AccountID, "mine": f.Mine,
			"purposes": purposes, "statuses": statuses, "has_cursor": after != nil, "after_at": time.Time{}, "after_id": uuid.Nil, "limit": first + 1}
		if after != nil {
			args["after_at"], args["after_id"] = after.CreatedAt, after.ID
		}
		rows, err := tx.Query(ctx, `
SELECT m.tenant_id, m.id, m.purpose, m.visibility, m.org_unit_id, m.filename, m.declared_type, m.mime_type, m.size_bytes,
       m.sha256, m.status, m.failure, m.object_key, m.upload_id, m.part_size, m.width, m.height, m.duration_ms,
       m.poster_key, m.notes, m.created_by, m.created_at, m.updated_at, u.path::text
FROM media m JOIN org_units u ON u.tenant_id = m.tenant_id AND u.id = m.org_unit_id
WHERE m.tenant_id = @tenant
  AND (@all::boolean OR m.created_by = @me::uuid
       OR (NOT @mine::boolean AND u.path <@ ANY(@paths::text[]::ltree[])))
  AND (cardinality(@purposes::text[]) = 0 OR m.purpose = ANY(@purposes::text[]))
  AND (cardinality(@statuses::text[]) = 0 OR m.status = ANY(@statuses::text[]))
  AND (NOT @has_cursor::boolean OR (m.created_at, m.id) < (@after_at::timestamptz, @after_id::uuid))
ORDER BY m.created_at DESC, m.id DESC
LIMIT @limit`, args)
		if err != nil {
			return fmt.Errorf("media: list: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r mediadb.Medium
			var path string
			if err := rows.Scan(&r.TenantID, &r.ID, &r.Purpose, &r.Visibility, &r.OrgUnitID, &r.Filename, &r.DeclaredType, &r.MimeType,
				&r.SizeBytes, &r.Sha256, &r.Status, &r.Failure, &r.ObjectKey, &r.UploadID, &r.PartSize, &r.Width, &r.Height,
				&r.DurationMs, &r.PosterKey, &r.Notes, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt, &path); err != nil {
				return err
			}
			page.Media = append(page.Media, s.wrap(r, path))
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(page.Media) > first {
			page.HasNext, page.Media = true, page.Media[:first]
		}
		ids := make([]uuid.UUID, len(page.Media))
		byID := make(map[uuid.UUID]*Media, len(page.Media))
		for i, m := range page.Media {
			ids[i], byID[m.ID] = m.ID, m
		}
		ders, err := mediadb.New(tx).DerivativesOf(ctx, mediadb.DerivativesOfParams{TenantID: p.TenantID, MediaIds: ids})
		if err != nil {
			return err
		}
		for _, d := range ders {
			m := byID[d.MediaID]
			m.derivs = append(m.derivs, &Derivative{Width: int(d.Width), Height: int(d.Height), MimeType: d.MimeType, Size: d.SizeBytes, objectKey: d.ObjectKey})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}
