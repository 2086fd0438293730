-- name: InsertSite :one
INSERT INTO sites (tenant_id, org_unit_id, slug, name, description, theme, navigation, home_blocks)
VALUES (@tenant_id, @org_unit_id, @slug, @name, @description, @theme, @navigation, @home_blocks)
RETURNING *;

-- name: UpdateSite :one
UPDATE sites
SET name = @name, description = @description, theme = @theme, navigation = @navigation,
    home_blocks = @home_blocks, active = @active, org_unit_id = @org_unit_id,
    public_max_age = sqlc.narg(public_max_age)::integer, updated_at = now()
WHERE tenant_id = @tenant_id AND id = @id
RETURNING *;

-- name: GetSiteForUpdate :one
SELECT * FROM sites WHERE tenant_id = @tenant_id AND id = @id FOR UPDATE;

-- name: SitesByIDs :many
SELECT * FROM sites WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- name: SitesByOrgUnits :many
SELECT * FROM sites
WHERE tenant_id = @tenant_id AND org_unit_id = ANY(@org_unit_ids::uuid[])
  AND (@include_inactive::boolean OR active)
ORDER BY org_unit_id, slug;

-- name: RouteBySlug :one
-- Public routing: which tenant and site a slug names. Global by design.
SELECT tenant_id, id, public_max_age FROM sites WHERE slug = @slug AND active;

-- name: RouteByOrigin :one
-- Public routing: which tenant and site an origin belongs to.
SELECT s.tenant_id, s.id, s.public_max_age
FROM site_origins o JOIN sites s ON s.tenant_id = o.tenant_id AND s.id = o.site_id
WHERE o.origin = @origin AND s.active;

-- name: OriginsOfSites :many
SELECT site_id, origin FROM site_origins
WHERE tenant_id = @tenant_id AND site_id = ANY(@site_ids::uuid[])
ORDER BY site_id, position;

-- name: DeleteOrigins :exec
DELETE FROM site_origins WHERE tenant_id = @tenant_id AND site_id = @site_id;

-- name: InsertOrigin :exec
INSERT INTO site_origins (tenant_id, site_id, origin, position)
VALUES (@tenant_id, @site_id, @origin, @position);

-- name: ActiveOrigins :many
-- Every origin of an active site of an active tenant: the CORS allow-list.
SELECT o.origin
FROM site_origins o
JOIN sites s ON s.tenant_id = o.tenant_id AND s.id = o.site_id
JOIN tenant_profiles t ON t.id = s.tenant_id
WHERE s.active AND t.active
ORDER BY o.origin;

-- name: UnitPath :one
SELECT path FROM org_units WHERE tenant_id = @tenant_id AND id = @id;
