-- The search read model's statements (sqlc turns them into searchdb).
-- Documents are read from the views the content and volunteer domains own
-- (content_documents, activity_documents); the rest is search's own
-- bookkeeping: the outbox of changes, the index state, reconcile runs.

-- name: Tenants :many
-- Every school, oldest first.
SELECT id FROM tenant_profiles ORDER BY created_at, id;

-- name: SearchSettings :one
SELECT (settings->'search')::jsonb AS search FROM tenant_profiles WHERE id = @id;

-- name: OutboxPending :one
SELECT EXISTS (SELECT 1 FROM search_outbox WHERE tenant_id = @tenant_id)::boolean;

-- name: OutboxBatch :many
-- The oldest changes waiting, in order.
SELECT seq, kind, item_id FROM search_outbox WHERE tenant_id = @tenant_id ORDER BY seq LIMIT @max_rows;

-- name: DeleteOutbox :exec
DELETE FROM search_outbox WHERE tenant_id = @tenant_id AND seq = ANY(@seqs::bigint[]);

-- name: OutboxKeys :many
SELECT DISTINCT kind, item_id FROM search_outbox WHERE tenant_id = @tenant_id;

-- name: InsertReconcileRun :exec
INSERT INTO search_reconcile_runs (tenant_id, engine, checked, missing, stale, extra)
VALUES (@tenant_id, @engine, @checked, @missing, @stale, @extra);

-- name: LastReconcileRun :one
SELECT engine, checked, missing, stale, extra, finished_at FROM search_reconcile_runs
WHERE tenant_id = @tenant_id ORDER BY id DESC LIMIT 1;

-- name: IndexCounts :one
-- Documents in the index, and items with changes waiting.
SELECT (SELECT count(*) FROM search_index_state s WHERE s.tenant_id = @tenant_id AND s.in_index)::int AS indexed,
       (SELECT count(*) FROM (SELECT DISTINCT o.kind, o.item_id FROM search_outbox o WHERE o.tenant_id = @tenant_id) w)::int AS backlog;

-- name: OldestChange :one
-- When the oldest change waiting came (no rows: none waits).
SELECT enqueued_at FROM search_outbox WHERE tenant_id = @tenant_id ORDER BY enqueued_at LIMIT 1;

-- name: IndexStates :many
SELECT item_id, in_index, version, indexed_at FROM search_index_state
WHERE tenant_id = @tenant_id AND kind = @kind AND item_id = ANY(@ids::uuid[]);

-- name: RecordedStates :many
-- What the index holds of items, as the drains recorded it (any kind).
SELECT kind, item_id, in_index, fingerprint FROM search_index_state
WHERE tenant_id = @tenant_id AND item_id = ANY(@ids::uuid[]);

-- name: ForgetStates :exec
-- Forgets what the index held of items found drifted, so that the next
-- drain writes them whatever was recorded (ids are unique across kinds;
-- forgetting more only costs a write).
DELETE FROM search_index_state WHERE tenant_id = @tenant_id AND item_id = ANY(@ids::uuid[]);

-- name: PendingItems :many
SELECT DISTINCT item_id FROM search_outbox WHERE tenant_id = @tenant_id AND kind = @kind AND item_id = ANY(@ids::uuid[]);

-- name: SearchableKeys :many
-- Every item of the school that may have a document.
SELECT 'content'::text AS kind, c.id FROM content_documents c WHERE c.tenant_id = @tenant_id
UNION ALL SELECT 'activity'::text, a.id FROM activity_documents a WHERE a.tenant_id = @tenant_id;

-- name: OutboxBacklog :one
-- Changes waiting to be indexed, and the age of the oldest in seconds.
SELECT count(*)::bigint AS waiting,
       COALESCE(EXTRACT(EPOCH FROM now() - min(enqueued_at)), 0)::float8 AS oldest_seconds
FROM search_outbox WHERE tenant_id = @tenant_id;
