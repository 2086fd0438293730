package content

// The statements sqlc cannot run as they are live here, and only here: the
// lists built from the filters and options given (a site's list, its
// pinned items, search hits) and the look-ups queued into one round trip
// with them (a page's authors, whose text is the statement sqlc generated
// from queries.sql). Which sites show an item is the view content_on_sites
// (migration 00017): every statement here reads it, none restates it.

import (
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/content/contentdb"
	"zhdj/internal/postgres"
)

// contentColumns are the columns lists read of content_details or
// content_on_sites (alias c), in the order scanContents scans them.
var contentColumns = []string{"tenant_id", "id", "type", "slug", "title", "summary", "cover_id", "tags", "topics", "org_unit_id",
	"publish_to_subtree", "status", "review_comment", "publish_at", "published_at", "body", "version", "view_count",
	"created_by", "created_at", "updated_at", "org_path"}

// contentSelect is the select list of alias c; without t, the body
// leaves out the long texts (an article's HTML, a lesson's transcript).
func contentSelect(t TextOption) string {
	if t == WithoutText {
		return postgres.SelectList("c", contentColumns, map[string]string{"body": "c.body - 'html' - 'transcript'"})
	}
	return postgres.SelectList("c", contentColumns, nil)
}

// scanContents reads rows of contentSelect(t). The body is read as bytes:
// scanned as a json.RawMessage, pgx would parse it once more only to check
// it (fromRow parses it into its type).
func scanContents(rows pgx.Rows, t TextOption) ([]*Content, error) {
	defer rows.Close()
	var out []*Content
	for rows.Next() {
		var r contentdb.Content
		var path string
		if err := rows.Scan(&r.TenantID, &r.ID, &r.Type, &r.Slug, &r.Title, &r.Summary, &r.CoverID, &r.Tags, &r.Topics, &r.OrgUnitID,
			&r.PublishToSubtree, &r.Status, &r.ReviewComment, &r.PublishAt, &r.PublishedAt, (*[]byte)(&r.Body), &r.Version, &r.ViewCount,
			&r.CreatedBy, &r.CreatedAt, &r.UpdatedAt, &path); err != nil {
			return nil, err
		}
		c, err := fromRow(r, path)
		if err != nil {
			return nil, err
		}
		c.textOmitted = t == WithoutText
		out = append(out, c)
	}
	return out, rows.Err()
}

// siteListQuery is one page of the published items site shows, in order,
// after the cursor: only the filters given are in the statement, so that
// each combination is a prepared statement with a plan of its own. A
// catch-all statement (`cardinality(@tags) = 0 OR …` for every filter) has a
// generic plan, which PostgreSQL's plan cache may switch to after five
// runs, that reads and sorts every published item of the school: 0.7–0.8 s
// at 20,000 items instead of under a millisecond.
func siteListQuery(site SiteRef, types []string, f Filter, order Order, first int, after *Cursor, t TextOption) (string, pgx.NamedArgs) {
	orderBy, keyset := "c.published_at DESC, c.id DESC", "(c.published_at, c.id) < (@after_at::timestamptz, @after_id::uuid)"
	if order == OrderPopular {
		orderBy, keyset = "c.view_count DESC, c.id DESC", "(c.view_count, c.id) < (@after_views::bigint, @after_id::uuid)"
	}
	where := []string{"c.tenant_id = @tenant", "c.site_id = @site", "c.status = 'published'"}
	args := pgx.NamedArgs{"tenant": site.TenantID, "site": site.SiteID, "limit": first + 1}
	if len(types) > 0 {
		where, args["types"] = append(where, "c.type = ANY(@types::text[])"), types
	}
	if len(f.Tags) > 0 {
		where, args["tags"] = append(where, "c.tags && @tags::text[]"), f.Tags
	}
	if len(f.Topics) > 0 {
		where, args["topics"] = append(where, "c.topics && @topics::text[]"), f.Topics
	}
	if f.OrgUnitID != nil {
		where, args["unit"] = append(where, "c.org_unit_id = @unit::uuid"), *f.OrgUnitID
	}
	if after != nil {
		where = append(where, keyset)
		args["after_at"], args["after_views"], args["after_id"] = after.PublishedAt, after.Views, after.ID
	}
	return `SELECT ` + contentSelect(t) + `
FROM content_on_sites c
WHERE ` + strings.Join(where, "\n  AND ") + `
ORDER BY ` + orderBy + `
LIMIT @limit`, args
}

// featuredQuery is the items site pins that it shows, in its order.
func featuredQuery(site SiteRef, t TextOption) (string, pgx.NamedArgs) {
	return `SELECT ` + contentSelect(t) + `
FROM site_featured fe
JOIN content_on_sites c ON c.tenant_id = fe.tenant_id AND c.id = fe.content_id AND c.site_id = fe.site_id
WHERE fe.tenant_id = @tenant AND fe.site_id = @site AND c.status = 'published'
ORDER BY fe.position`, pgx.NamedArgs{"tenant": site.TenantID, "site": site.SiteID}
}

// queuePublished queues the published items among ids (in any order).
func queuePublished(b *pgx.Batch, tenant uuid.UUID, ids []uuid.UUID, t TextOption, page *Page) {
	b.Queue(`SELECT `+contentSelect(t)+` FROM content_details c
WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[]) AND c.status = 'published'`, tenant, ids).Query(func(rows pgx.Rows) error {
		items, err := scanContents(rows, t)
		page.Items = items
		return err
	})
}

// queueAuthors queues the look-up of the credited authors of ids, in
// credit order, into out.
func queueAuthors(b *pgx.Batch, tenant uuid.UUID, ids []uuid.UUID, out map[uuid.UUID][]*Author) {
	b.Queue(contentdb.AuthorsOf, tenant, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var cid uuid.UUID
			a := &Author{}
			if err := rows.Scan(&cid, &a.AccountID, &a.DisplayName); err != nil {
				return err
			}
			out[cid] = append(out[cid], a)
		}
		return rows.Err()
	})
}

// workspaceQuery is one page of the items, in any status, under paths
// (every unit when all), newest change first, after the cursor: only the
// filters given are in the statement, as in siteListQuery. The query text
// is matched with strpos (a plain substring, no pattern characters).
func workspaceQuery(tenant uuid.UUID, all bool, paths, statuses, types []string, f WorkspaceFilter, first int, after *WorkspaceCursor) (string, pgx.NamedArgs) {
	where := []string{"c.tenant_id = @tenant"}
	args := pgx.NamedArgs{"tenant": tenant, "limit": first + 1}
	if !all {
		where, args["paths"] = append(where, "c.org_path <@ ANY(CAST(@paths::text[] AS ltree[]))"), paths
	}
	if len(statuses) > 0 {
		where, args["statuses"] = append(where, "c.status = ANY(@statuses::text[])"), statuses
	}
	if len(types) > 0 {
		where, args["types"] = append(where, "c.type = ANY(@types::text[])"), types
	}
	if f.OrgUnitID != nil {
		where, args["unit"] = append(where, "c.org_path <@ (SELECT u.path FROM org_units u WHERE u.tenant_id = @tenant AND u.id = @unit::uuid)"), *f.OrgUnitID
	}
	if f.Query != "" {
		where, args["query"] = append(where, "(strpos(c.title, @query::text) > 0 OR strpos(c.slug, @query::text) > 0)"), f.Query
	}
	if after != nil {
		where = append(where, "(c.updated_at, c.id) < (@after_at::timestamptz, @after_id::uuid)")
		args["after_at"], args["after_id"] = after.UpdatedAt, after.ID
	}
	return `SELECT ` + contentSelect(WithoutText) + `
FROM content_details c
WHERE ` + strings.Join(where, "\n  AND ") + `
ORDER BY c.updated_at DESC, c.id DESC
LIMIT @limit`, args
}
