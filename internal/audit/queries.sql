-- name: InsertEvent :exec
INSERT INTO audit_log (tenant_id, actor_id, action, subject, target_type, target_id, client_ip, request_id, detail)
VALUES (@tenant_id, @actor_id, @action, @subject, @target_type, @target_id, @client_ip, @request_id, @detail);

-- name: CountSince :one
-- Failures of one action for one subject (or one client address) since a time.
SELECT count(*) FROM audit_log
WHERE tenant_id = @tenant_id AND action = @action AND at > @since
  AND ((@by_ip::boolean AND client_ip = @key) OR (NOT @by_ip::boolean AND subject = @key));

-- name: OldestSince :one
SELECT coalesce(min(at), now())::timestamptz FROM audit_log
WHERE tenant_id = @tenant_id AND action = @action AND at > @since
  AND ((@by_ip::boolean AND client_ip = @key) OR (NOT @by_ip::boolean AND subject = @key));

-- name: ListEvents :many
SELECT * FROM audit_log
WHERE tenant_id = @tenant_id
  AND (cardinality(@actions::text[]) = 0 OR action = ANY(@actions::text[]))
  AND (sqlc.narg('actor')::uuid IS NULL OR actor_id = sqlc.narg('actor')::uuid)
  AND (sqlc.narg('from_time')::timestamptz IS NULL OR at >= sqlc.narg('from_time')::timestamptz)
  AND (sqlc.narg('to_time')::timestamptz IS NULL OR at < sqlc.narg('to_time')::timestamptz)
  AND (NOT @has_cursor::boolean OR (at, id) < (@after_at::timestamptz, @after_id::bigint))
ORDER BY at DESC, id DESC
LIMIT @page_size;
