package media

// Statements queued into one round trip with other domains' (a page's
// covers with their derivatives, see QueueByIDs) live here.

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/auth"
	"zhdj/internal/media/mediadb"
)

const mediaColumns = `m.tenant_id, m.id, m.purpose, m.visibility, m.org_unit_id, m.filename, m.declared_type, m.mime_type, m.size_bytes,
       m.sha256, m.status, m.failure, m.object_key, m.upload_id, m.part_size, m.width, m.height, m.duration_ms,
       m.poster_key, m.notes, m.created_by, m.created_at, m.updated_at, u.path::text`

func scanMedia(rows pgx.Rows) (*Media, error) {
	var r mediadb.Medium
	var path string
	if err := rows.Scan(&r.TenantID, &r.ID, &r.Purpose, &r.Visibility, &r.OrgUnitID, &r.Filename, &r.DeclaredType, &r.MimeType,
		&r.SizeBytes, &r.Sha256, &r.Status, &r.Failure, &r.ObjectKey, &r.UploadID, &r.PartSize, &r.Width, &r.Height,
		&r.DurationMs, &r.PosterKey, &r.Notes, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt, &path); err != nil {
		return nil, err
	}
	return fromRow(r, path), nil
}

// QueueByIDs queues into b (for postgres.TenantBatch) the look-up of the
// files among ids the caller may see, with their derivatives; they land in
// out when b runs.
func (s *Service) QueueByIDs(ctx context.Context, b *pgx.Batch, ids []uuid.UUID, out map[uuid.UUID]*Media) {
	p := auth.FromContext(ctx)
	b.Queue(`SELECT `+mediaColumns+` FROM media m JOIN org_units u ON u.tenant_id = m.tenant_id AND u.id = m.org_unit_id
		WHERE m.tenant_id = app_tenant() AND m.id = ANY($1::uuid[])`, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			m, err := scanMedia(rows)
			if err != nil {
				return err
			}
			m.svc = s
			if s.canSee(p, m) {
				out[m.ID] = m
			}
		}
		return rows.Err()
	})
	b.Queue(`SELECT media_id, width, height, object_key, mime_type, size_bytes FROM media_derivatives
		WHERE tenant_id = app_tenant() AND media_id = ANY($1::uuid[]) ORDER BY media_id, width`, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id uuid.UUID
			d := &Derivative{}
			var w, h int32
			if err := rows.Scan(&id, &w, &h, &d.objectKey, &d.MimeType, &d.Size); err != nil {
				return err
			}
			d.Width, d.Height = int(w), int(h)
			if m, ok := out[id]; ok {
				m.derivs = append(m.derivs, d)
			}
		}
		return rows.Err()
	})
}
