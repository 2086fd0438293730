package search

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/net/html"
)

// The documents are read from the tables the domains own: search is a
// read model of content and volunteer activities, never written back.

// The ids are joined, not matched with = ANY: PostgreSQL's plan cache
// switches a prepared statement to a generic plan after five runs, and the
// generic plan of "c.id = ANY($2)" read every published item of the
// school and compared each with every id (a third of a second per batch
// of 480 among 30,000 items, two thirds of PostgreSQL's time while
// indexing); a join looks each id up in the primary key whatever the plan.

// contentDocs selects the published items among ids with the active sites
// that show them (the same rule as a site's content list).
const contentDocs = `SELECT c.id, c.type, c.title, c.summary, c.body, c.tags, c.topics, c.org_unit_id, c.published_at, c.version,
  ARRAY(SELECT s.id FROM sites s JOIN org_units su ON su.tenant_id = s.tenant_id AND su.id = s.org_unit_id
        WHERE s.tenant_id = c.tenant_id AND s.active
          AND (s.org_unit_id = c.org_unit_id OR (c.publish_to_subtree AND su.path <@ cu.path))
          AND NOT EXISTS (SELECT 1 FROM site_hidden h WHERE h.tenant_id = c.tenant_id AND h.site_id = s.id AND h.content_id = c.id)
        ORDER BY s.id)
FROM unnest($2::uuid[]) AS ids (id)
JOIN contents c ON c.tenant_id = $1 AND c.id = ids.id
JOIN org_units cu ON cu.tenant_id = c.tenant_id AND cu.id = c.org_unit_id
WHERE c.status = 'published'`

// activityDocs selects the activities among ids that students can find
// (not drafts, not cancelled); every active site of the school shows them.
const activityDocs = `SELECT a.id, a.title, a.description, a.address, a.area_id, a.org_unit_id, a.starts_at,
  (extract(epoch FROM a.updated_at) * 1000000)::bigint,
  COALESCE((SELECT array_agg(t.name ORDER BY t.sort_order, t.name) FROM volunteer_topics t WHERE t.tenant_id = a.tenant_id AND t.id = ANY (a.topic_ids)), '{}'),
  COALESCE((SELECT string_agg(p.name, ' ' ORDER BY p.name) FROM partners p WHERE p.tenant_id = a.tenant_id AND p.id = ANY (a.partner_ids)), ''),
  COALESCE(up.ids, '{}'), COALESCE(up.names, ''),
  ARRAY(SELECT s.id FROM sites s WHERE s.tenant_id = a.tenant_id AND s.active ORDER BY s.id)
FROM unnest($2::uuid[]) AS ids (id)
JOIN activities a ON a.tenant_id = $1 AND a.id = ids.id
LEFT JOIN LATERAL (
  WITH RECURSIVE up AS (
    SELECT v.id, v.parent_id, v.name, 0 AS depth FROM volunteer_areas v WHERE v.tenant_id = a.tenant_id AND v.id = a.area_id
    UNION ALL
    SELECT v.id, v.parent_id, v.name, up.depth + 1 FROM volunteer_areas v JOIN up ON v.id = up.parent_id
    WHERE v.tenant_id = a.tenant_id AND up.depth < 20)
  SELECT array_agg(up.id ORDER BY up.depth) AS ids, string_agg(up.name, ' ' ORDER BY up.depth) AS names FROM up) up ON true
WHERE a.status NOT IN ('draft', 'cancelled')`

// summaryRunes is how much of an activity's description stands for its summary.
const summaryRunes = 200

// LoadDocuments returns the documents of keys as the database holds them
// now, in tx (scoped to tenant). A key with no document (unpublished,
// deleted, shown on no site) is absent from the map.
func LoadDocuments(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, keys []Key) (map[Key]*Document, error) {
	var contents, activities []uuid.UUID
	for _, k := range keys {
		if k.Kind == KindActivity {
			activities = append(activities, k.ID)
		} else {
			contents = append(contents, k.ID)
		}
	}
	out := make(map[Key]*Document, len(keys))
	b := &pgx.Batch{}
	if len(contents) > 0 {
		b.Queue(contentDocs, tenant, contents).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				d := &Document{Key: Key{Kind: KindContent}, Tenant: tenant}
				var body []byte
				var published *time.Time
				if err := rows.Scan(&d.ID, &d.Type, &d.Title, &d.Summary, &body, &d.Tags, &d.Topics, &d.OrgUnitID, &published, &d.Version, &d.Sites); err != nil {
					return err
				}
				if published != nil {
					d.At = *published
				}
				d.Body = bodyText(body)
				if len(d.Sites) > 0 {
					out[d.Key] = d
				}
			}
			return rows.Err()
		})
	}
	if len(activities) > 0 {
		b.Queue(activityDocs, tenant, activities).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				d := &Document{Key: Key{Kind: KindActivity}, Tenant: tenant, Type: TypeActivity, Tags: []string{}}
				var description, address, partners, areaNames string
				if err := rows.Scan(&d.ID, &d.Title, &description, &address, &d.AreaID, &d.OrgUnitID, &d.At, &d.Version,
					&d.Topics, &partners, &d.Areas, &areaNames, &d.Sites); err != nil {
					return err
				}
				d.Summary = truncateRunes(description, summaryRunes)
				d.Body = strings.Join([]string{description, address, areaNames, partners}, "\n")
				if len(d.Sites) > 0 {
					out[d.Key] = d
				}
			}
			return rows.Err()
		})
	}
	if b.Len() == 0 {
		return out, nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("search: load documents: %w", err)
	}
	return out, nil
}

// SearchableKeys returns the keys of every item of tenant that may have a
// document (published content, findable activities).
func SearchableKeys(ctx context.Context, tx pgx.Tx, tenant uuid.UUID) ([]Key, error) {
	rows, err := tx.Query(ctx, `SELECT 'content', id FROM contents WHERE tenant_id = $1 AND status = 'published'
		UNION ALL SELECT 'activity', id FROM activities WHERE tenant_id = $1 AND status NOT IN ('draft', 'cancelled')`, tenant)
	if err != nil {
		return nil, fmt.Errorf("search: searchable keys: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Key, error) {
		var k Key
		err := r.Scan(&k.Kind, &k.ID)
		return k, err
	})
}

// bodyText is the searchable text of a content body: an article's HTML as
// text, a lesson's transcript, speaker, series and chapter titles, a
// comic's captions and alt texts.
func bodyText(body []byte) string {
	var b struct {
		HTML       string `json:"html"`
		Transcript string `json:"transcript"`
		Speaker    string `json:"speaker"`
		Series     string `json:"series"`
		Chapters   []struct {
			Title string `json:"title"`
		} `json:"chapters"`
		Panels []struct {
			Caption string `json:"caption"`
			Alt     string `json:"alt"`
		} `json:"panels"`
	}
	if json.Unmarshal(body, &b) != nil {
		return ""
	}
	parts := []string{htmlText(b.HTML), b.Transcript, b.Speaker, b.Series}
	for _, c := range b.Chapters {
		parts = append(parts, c.Title)
	}
	for _, p := range b.Panels {
		parts = append(parts, p.Caption, p.Alt)
	}
	return strings.TrimSpace(strings.Join(parts, "\n"))
}

// htmlText returns the text of an HTML fragment, blocks separated by spaces.
func htmlText(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			b.WriteByte(' ')
		}
	}
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
