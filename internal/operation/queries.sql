-- The operation registry's statements (sqlc turns them into operationdb).

-- name: Query :one
SELECT query FROM persisted_operations WHERE hash = @hash;

-- name: Persist :exec
INSERT INTO persisted_operations (hash, query) VALUES (@hash, @query) ON CONFLICT (hash) DO NOTHING;

-- name: Register :exec
INSERT INTO registered_operations (tenant_id, site_id, hash, name) VALUES (@tenant_id, @site_id, @hash, @name)
ON CONFLICT (tenant_id, site_id, hash) DO UPDATE SET name = EXCLUDED.name, registered_at = now();

-- name: Registrations :many
-- Every site's registered operations with the site's origins (public
-- reads: the allow-list is checked before a request's school is known).
SELECT r.hash, r.site_id, coalesce(array_agg(o.origin) FILTER (WHERE o.origin IS NOT NULL), '{}')::text[] AS origins
FROM registered_operations r LEFT JOIN site_origins o ON o.tenant_id = r.tenant_id AND o.site_id = r.site_id
GROUP BY r.hash, r.site_id;

-- name: SiteOperations :many
-- A site's registered operations, by name.
SELECT r.hash, r.name, r.registered_at, length(p.query)::int AS size
FROM registered_operations r JOIN persisted_operations p ON p.hash = r.hash
WHERE r.tenant_id = @tenant_id AND r.site_id = @site_id
ORDER BY r.name, r.hash;

-- name: Origins :many
-- Every site's origins (a request from one runs only that site's
-- operations, none when it registered none).
SELECT origin FROM site_origins;
