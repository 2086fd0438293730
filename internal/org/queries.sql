-- name: GetUnit :one
SELECT * FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: GetRoot :one
SELECT * FROM org_units WHERE tenant_id = @tenant_id AND parent_id IS NULL;

-- name: LockTree :exec
-- Serialises structural changes (create, move) of one tenant's tree.
SELECT pg_advisory_xact_lock(hashtextextended('org_tree:' || (@tenant_id::uuid)::text, 0));

-- name: UnitsByIDs :many
SELECT * FROM org_units WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- name: ChildrenOf :many
SELECT * FROM org_units
WHERE tenant_id = @tenant_id AND parent_id = ANY(@parent_ids::uuid[])
  AND (@include_inactive::boolean OR active)
ORDER BY parent_id, sort_order, name, id;

-- name: AncestorsOf :many
SELECT c.id AS of_id, sqlc.embed(a)
FROM org_units c
JOIN org_units a ON a.tenant_id = c.tenant_id AND a.path @> c.path AND a.id <> c.id
WHERE c.tenant_id = @tenant_id AND c.id = ANY(@ids::uuid[])
ORDER BY c.id, nlevel(a.path);

-- name: Descendants :many
-- Keyset page of the units below @path (breadth first: depth, sort order, id;
-- depth counts from 0 at the root, as Unit.Depth does).
SELECT * FROM org_units
WHERE tenant_id = @tenant_id
  AND path <@ @path::ltree AND path <> @path::ltree
  AND (@include_inactive::boolean OR active)
  AND (cardinality(@kinds::text[]) = 0 OR kind = ANY(@kinds::text[]))
  AND (NOT @has_cursor::boolean
       OR (nlevel(path) - 1, sort_order, id) > (@after_depth::integer, @after_sort::integer, @after_id::uuid))
ORDER BY nlevel(path), sort_order, id
LIMIT @page_size;

-- name: CountDescendants :one
SELECT count(*) FROM org_units
WHERE tenant_id = @tenant_id
  AND path <@ @path::ltree AND path <> @path::ltree
  AND (@include_inactive::boolean OR active)
  AND (cardinality(@kinds::text[]) = 0 OR kind = ANY(@kinds::text[]));

-- name: InsertUnit :one
INSERT INTO org_units (tenant_id, id, parent_id, kind, name, code, sort_order, path)
VALUES (@tenant_id, @id, @parent_id, @kind, @name, @code, @sort_order, @path)
RETURNING *;

-- name: UpdateUnit :one
UPDATE org_units
SET name = @name, code = @code, sort_order = @sort_order, active = @active, updated_at = now()
WHERE tenant_id = @tenant_id AND id = @id
RETURNING *;

-- name: MoveSubtree :exec
-- Re-roots every unit at or below @old_path under @new_parent_path.
UPDATE org_units
SET path = @new_parent_path::ltree || subpath(path, nlevel(@old_path::ltree) - 1),
    parent_id = CASE WHEN id = @id THEN @new_parent_id::uuid ELSE parent_id END,
    updated_at = now()
WHERE tenant_id = @tenant_id AND path <@ @old_path::ltree;

-- name: GetUnitByCode :one
SELECT * FROM org_units WHERE tenant_id = @tenant_id AND code = @code;
