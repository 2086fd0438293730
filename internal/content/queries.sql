-- name: InsertContent :one
INSERT INTO contents (tenant_id, type, slug, title, summary, cover_id, tags, topics, org_unit_id, publish_to_subtree, status, body, created_by)
VALUES (@tenant_id, @type, @slug, @title, @summary, @cover_id, @tags, @topics, @org_unit_id, @publish_to_subtree, 'draft', @body, @created_by)
RETURNING *;

-- name: UpdateContent :one
UPDATE contents
SET slug = sqlc.arg(slug), title = sqlc.arg(title), summary = sqlc.arg(summary), cover_id = sqlc.narg(cover_id),
    tags = sqlc.arg(tags), topics = sqlc.arg(topics), publish_to_subtree = sqlc.arg(publish_to_subtree),
    body = sqlc.arg(body), version = version + 1, updated_at = now()
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id) AND version = sqlc.arg(expected_version)
RETURNING *;

-- name: SetWorkflow :one
UPDATE contents SET status = @status, review_comment = @review_comment, publish_at = @publish_at,
    published_at = @published_at, updated_at = now()
WHERE tenant_id = @tenant_id AND id = @id
RETURNING *;

-- name: GetContent :one
SELECT sqlc.embed(c), u.path AS org_path FROM contents c
JOIN org_units u ON u.tenant_id = c.tenant_id AND u.id = c.org_unit_id
WHERE c.tenant_id = @tenant_id AND c.id = @id;

-- name: GetContentForUpdate :one
SELECT sqlc.embed(c), u.path AS org_path FROM contents c
JOIN org_units u ON u.tenant_id = c.tenant_id AND u.id = c.org_unit_id
WHERE c.tenant_id = @tenant_id AND c.id = @id
FOR UPDATE OF c;

-- name: ContentsByIDs :many
SELECT sqlc.embed(c), u.path AS org_path FROM contents c
JOIN org_units u ON u.tenant_id = c.tenant_id AND u.id = c.org_unit_id
WHERE c.tenant_id = @tenant_id AND c.id = ANY(@ids::uuid[]);

-- name: InsertRevision :exec
INSERT INTO content_revisions (tenant_id, content_id, version, saved_by, note, snapshot)
VALUES (@tenant_id, @content_id, @version, @saved_by, @note, @snapshot);

-- name: Revisions :many
SELECT * FROM content_revisions WHERE tenant_id = @tenant_id AND content_id = @content_id ORDER BY version DESC;

-- name: Revision :one
SELECT * FROM content_revisions WHERE tenant_id = @tenant_id AND content_id = @content_id AND version = @version;

-- name: DeleteAuthors :exec
DELETE FROM content_authors WHERE tenant_id = @tenant_id AND content_id = @content_id;

-- name: InsertAuthor :exec
INSERT INTO content_authors (tenant_id, content_id, account_id, position) VALUES (@tenant_id, @content_id, @account_id, @position)
ON CONFLICT DO NOTHING;

-- name: AuthorsOf :many
SELECT ca.content_id, a.id, a.display_name FROM content_authors ca
JOIN account_names a ON a.tenant_id = ca.tenant_id AND a.id = ca.account_id
WHERE ca.tenant_id = @tenant_id AND ca.content_id = ANY(@content_ids::uuid[])
ORDER BY ca.content_id, ca.position;

-- name: SiteUnit :one
SELECT s.org_unit_id, u.path FROM sites s JOIN org_units u ON u.tenant_id = s.tenant_id AND u.id = s.org_unit_id
WHERE s.tenant_id = @tenant_id AND s.id = @id;

-- name: ClearFeatured :exec
DELETE FROM site_featured WHERE tenant_id = @tenant_id AND site_id = @site_id;

-- name: InsertFeatured :exec
INSERT INTO site_featured (tenant_id, site_id, content_id, position) VALUES (@tenant_id, @site_id, @content_id, @position);

-- name: SetHidden :exec
INSERT INTO site_hidden (tenant_id, site_id, content_id) VALUES (@tenant_id, @site_id, @content_id) ON CONFLICT DO NOTHING;

-- name: ClearHidden :exec
DELETE FROM site_hidden WHERE tenant_id = @tenant_id AND site_id = @site_id AND content_id = @content_id;

-- name: SitesShowing :many
-- The active sites a content item is placed on (see content_on_sites).
SELECT site_id AS id, site_slug AS slug FROM content_on_sites
WHERE tenant_id = @tenant_id AND id = @content_id AND site_active;

-- name: UnitPath :one
SELECT path FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: WebhooksOfSites :many
SELECT id, site_id, url FROM site_webhooks WHERE tenant_id = @tenant_id AND active AND site_id = ANY(@site_ids::uuid[]);

-- name: InsertWebhook :one
INSERT INTO site_webhooks (tenant_id, site_id, url, secret) VALUES (@tenant_id, @site_id, @url, @secret) RETURNING *;

-- name: GetWebhook :one
SELECT * FROM site_webhooks WHERE tenant_id = @tenant_id AND id = @id;

-- name: InsertDelivery :exec
INSERT INTO webhook_deliveries (tenant_id, webhook_id, event, content_id, attempt, status_code, error)
VALUES (@tenant_id, @webhook_id, @event, @content_id, @attempt, @status_code, @error);

-- name: Deliveries :many
SELECT * FROM webhook_deliveries WHERE tenant_id = @tenant_id AND webhook_id = @webhook_id ORDER BY delivered_at DESC, id DESC LIMIT 100;

-- name: SiteSlug :one
SELECT slug FROM sites WHERE tenant_id = @tenant_id AND id = @id;

-- name: SitesOfContents :many
-- For each content item, the active sites it is placed on.
SELECT id AS content_id, site_id FROM content_on_sites
WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]) AND site_active
ORDER BY id, site_slug;

-- name: ContentBySlug :one
-- An item by slug, and whether site_id shows it (published and placed there).
SELECT sqlc.embed(c), EXISTS (SELECT 1 FROM content_on_sites v
    WHERE v.tenant_id = c.tenant_id AND v.id = c.id AND v.site_id = @site_id AND v.status = 'published')::boolean AS shown
FROM content_details c
WHERE c.tenant_id = @tenant_id AND c.slug = @slug;

-- name: AddViews :exec
UPDATE contents c SET view_count = c.view_count + v.n
FROM (SELECT unnest(@ids::uuid[]) AS id, unnest(@counts::bigint[]) AS n) v
WHERE c.tenant_id = @tenant_id AND c.id = v.id;
