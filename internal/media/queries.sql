-- name: ReserveQuota :one
-- Adds bytes to the school's usage unless that would pass quota; no row
-- means the quota would be exceeded.
INSERT INTO media_quota_usage AS u (tenant_id, bytes) VALUES (@tenant_id, @bytes::bigint)
ON CONFLICT (tenant_id) DO UPDATE SET bytes = u.bytes + EXCLUDED.bytes
WHERE u.bytes + EXCLUDED.bytes <= @quota::bigint
RETURNING bytes;

-- name: ReleaseQuota :exec
UPDATE media_quota_usage SET bytes = greatest(bytes - @bytes::bigint, 0) WHERE tenant_id = @tenant_id;

-- name: QuotaUsage :one
SELECT coalesce((SELECT bytes FROM media_quota_usage WHERE tenant_id = @tenant_id), 0)::bigint;

-- name: InsertMedia :one
INSERT INTO media (tenant_id, id, purpose, visibility, org_unit_id, filename, declared_type, mime_type, size_bytes,
    sha256, status, object_key, upload_id, part_size, created_by)
VALUES (@tenant_id, @id, @purpose, @visibility, @org_unit_id, @filename, @declared_type, @mime_type, @size_bytes,
    @sha256, @status, @object_key, @upload_id, @part_size, @created_by)
RETURNING *;

-- name: GetMedia :one
SELECT sqlc.embed(m), u.path AS org_path FROM media m
JOIN org_units u ON u.tenant_id = m.tenant_id AND u.id = m.org_unit_id
WHERE m.tenant_id = @tenant_id AND m.id = @id;

-- name: GetMediaForUpdate :one
SELECT sqlc.embed(m), u.path AS org_path FROM media m
JOIN org_units u ON u.tenant_id = m.tenant_id AND u.id = m.org_unit_id
WHERE m.tenant_id = @tenant_id AND m.id = @id
FOR UPDATE OF m;

-- name: MediaByIDs :many
SELECT sqlc.embed(m), u.path AS org_path FROM media m
JOIN org_units u ON u.tenant_id = m.tenant_id AND u.id = m.org_unit_id
WHERE m.tenant_id = @tenant_id AND m.id = ANY(@ids::uuid[]);

-- name: SetStatus :exec
UPDATE media SET status = @status, failure = @failure, mime_type = @mime_type, size_bytes = @size_bytes, updated_at = now()
WHERE tenant_id = @tenant_id AND id = @id;

-- name: SetProcessed :exec
UPDATE media SET status = 'ready', width = @width, height = @height, duration_ms = @duration_ms,
    poster_key = @poster_key, notes = @notes, updated_at = now()
WHERE tenant_id = @tenant_id AND id = @id;

-- name: DeleteMedia :exec
DELETE FROM media WHERE tenant_id = @tenant_id AND id = @id;

-- name: InsertDerivative :exec
INSERT INTO media_derivatives (tenant_id, media_id, width, height, object_key, mime_type, size_bytes)
VALUES (@tenant_id, @media_id, @width, @height, @object_key, @mime_type, @size_bytes)
ON CONFLICT (tenant_id, media_id, width) DO UPDATE SET object_key = EXCLUDED.object_key, height = EXCLUDED.height,
    mime_type = EXCLUDED.mime_type, size_bytes = EXCLUDED.size_bytes;

-- name: DerivativesOf :many
SELECT * FROM media_derivatives WHERE tenant_id = @tenant_id AND media_id = ANY(@media_ids::uuid[]) ORDER BY media_id, width;

-- name: UsagesOf :many
SELECT mu.* FROM media_usages mu WHERE mu.tenant_id = @tenant_id AND mu.media_id = @media_id ORDER BY mu.user_type, mu.label;

-- name: DeleteUsagesOfUser :exec
DELETE FROM media_usages WHERE tenant_id = @tenant_id AND user_type = @user_type AND user_id = @user_id;

-- name: InsertUsage :exec
INSERT INTO media_usages (tenant_id, media_id, user_type, user_id, label, published)
VALUES (@tenant_id, @media_id, @user_type, @user_id, @label, @published)
ON CONFLICT (tenant_id, media_id, user_type, user_id) DO UPDATE SET label = EXCLUDED.label, published = EXCLUDED.published;

-- name: AbandonedUploads :many
SELECT tenant_id, id, object_key, upload_id, size_bytes FROM media
WHERE tenant_id = @tenant_id AND status = 'uploading' AND created_at < @before
ORDER BY created_at LIMIT 500;

-- name: KnownKeys :many
-- The keys among @keys that some media row (original, poster or derivative) refers to.
SELECT k::text FROM unnest(@keys::text[]) AS k
WHERE EXISTS (SELECT 1 FROM media m WHERE m.tenant_id = @tenant_id AND (m.object_key = k OR m.poster_key = k))
   OR EXISTS (SELECT 1 FROM media_derivatives d WHERE d.tenant_id = @tenant_id AND d.object_key = k);

-- name: ReadyMediaPage :many
SELECT id, object_key, size_bytes FROM media
WHERE tenant_id = @tenant_id AND status IN ('ready', 'processing') AND id > @after_id
ORDER BY id LIMIT 500;

-- name: ActiveTenants :many
SELECT id FROM tenant_profiles ORDER BY id;

-- name: SetUpload :exec
UPDATE media SET upload_id = @upload_id, part_size = @part_size WHERE tenant_id = @tenant_id AND id = @id;

-- name: UnitPath :one
SELECT path FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: RootUnit :one
SELECT id FROM org_units WHERE tenant_id = @tenant_id AND parent_id IS NULL;

-- name: TenantSettings :one
SELECT settings FROM tenant_profiles WHERE id = @id;

-- name: StatusesOf :many
SELECT id, status, purpose, mime_type FROM media WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- name: ListMedia :many
-- The library of one uploader (mine) or of everything the caller may see
-- (everything, or what they uploaded and what lies under their units),
-- newest first, filtered by purpose and status (none given: all).
SELECT sqlc.embed(m), u.path AS org_path FROM media m JOIN org_units u ON u.tenant_id = m.tenant_id AND u.id = m.org_unit_id
WHERE m.tenant_id = @tenant_id
  AND (@see_all::boolean OR m.created_by = @me::uuid
       OR (NOT @mine::boolean AND u.path <@ ANY(CAST(sqlc.arg(paths)::text[] AS ltree[]))))
  AND (cardinality(@purposes::text[]) = 0 OR m.purpose = ANY(@purposes::text[]))
  AND (cardinality(@statuses::text[]) = 0 OR m.status = ANY(@statuses::text[]))
  AND (NOT @has_cursor::boolean OR (m.created_at, m.id) < (@after_at::timestamptz, @after_id::uuid))
ORDER BY m.created_at DESC, m.id DESC
LIMIT @max_rows;

-- name: PersonUnit :one
-- The unit a person on record belongs to (where their own evidence goes).
SELECT org_unit_id FROM person_profiles WHERE tenant_id = @tenant_id AND id = @id AND status = 'active';
