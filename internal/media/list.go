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
		arg := mediadb.ListMediaParams{TenantID: p.TenantID, SeeAll: all && !f.Mine, Paths: paths, Me: p.AccountID, Mine: f.Mine,
			Purposes: purposes, Statuses: statuses, HasCursor: after != nil, MaxRows: int32(first + 1)}
		if after != nil {
			arg.AfterAt, arg.AfterID = after.CreatedAt, after.ID
		}
		rows, err := mediadb.New(tx).ListMedia(ctx, arg)
		if err != nil {
			return fmt.Errorf("media: list: %w", err)
		}
		for _, r := range rows {
			page.Media = append(page.Media, s.wrap(r.Medium, r.OrgPath))
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
