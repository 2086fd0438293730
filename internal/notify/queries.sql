-- The notifications domain's statements (sqlc turns them into notifydb).

-- name: Deliver :execrows
-- One notice to each of people, at most once per person and cause.
INSERT INTO notifications (tenant_id, person_id, kind, cause, subject_type, subject_id, title, body)
SELECT @tenant_id, person, @kind, @cause, @subject_type, @subject_id, @title, @body
FROM unnest(@people::uuid[]) AS person
ON CONFLICT (tenant_id, person_id, cause) DO NOTHING;

-- name: Inbox :many
-- A person's notices, newest first, after the cursor; unread only when asked.
SELECT id, kind, subject_type, subject_id, title, body, created_at, read_at FROM notifications
WHERE tenant_id = @tenant_id AND person_id = @person_id
  AND (NOT @unread_only::boolean OR read_at IS NULL)
  AND (NOT @has_cursor::boolean OR (created_at, id) < (@after_at::timestamptz, @after_id::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- name: UnreadCount :one
SELECT count(*)::int FROM notifications WHERE tenant_id = @tenant_id AND person_id = @person_id AND read_at IS NULL;

-- name: MarkRead :execrows
UPDATE notifications SET read_at = now()
WHERE tenant_id = @tenant_id AND person_id = @person_id AND read_at IS NULL AND id = ANY(@ids::uuid[]);

-- name: MarkAllRead :execrows
UPDATE notifications SET read_at = now()
WHERE tenant_id = @tenant_id AND person_id = @person_id AND read_at IS NULL;

-- name: Notice :one
-- One of a person's notices.
SELECT id, kind, subject_type, subject_id, title, body, created_at, read_at FROM notifications
WHERE tenant_id = @tenant_id AND person_id = @person_id AND id = @id;

-- name: Since :many
-- A person's notices after the cursor, oldest first.
SELECT id, kind, subject_type, subject_id, title, body, created_at, read_at FROM notifications
WHERE tenant_id = @tenant_id AND person_id = @person_id AND (created_at, id) > (@after_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @max_rows;
