package media

// Who uses a file, and deleting one nobody uses.

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/media/mediadb"
	"zhdj/internal/postgres"
)

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

// UseReady records, in the caller's transaction, that user uses exactly
// mediaIDs, each of which must be a ready file of tenant: otherwise it is
// an Invalid error on field and nothing is recorded.
func UseReady(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, u Usage, field string, mediaIDs []uuid.UUID) error {
	if len(mediaIDs) > 0 {
		known, err := Refs(ctx, tx, tenant, mediaIDs)
		if err != nil {
			return err
		}
		for _, id := range mediaIDs {
			if r, ok := known[id]; !ok || r.Status != StatusReady {
				return apperr.InvalidField(field, "a file is missing or not ready yet")
			}
		}
	}
	return SetUsages(ctx, tx, tenant, u, mediaIDs)
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
