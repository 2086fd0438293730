package pgsearch

// Every statement of the engine lives here: the documents' storage, the
// layout's upkeep, and the search, built from the query given.

import (
	"strings"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/search"
)

// storeDocuments writes documents from parallel arrays (one per column).
const storeDocuments = `INSERT INTO search_documents (tenant_id, kind, item_id, type, title, summary, tags, topics, area_id, areas,
			org_unit_id, sites, at, version, fingerprint, tsv, rank_tsv, facet_key)
		SELECT $1, u.kind, u.id, u.type, u.title, u.summary, u.tags::text[], u.topics::text[], u.area_id, u.areas::uuid[],
			u.unit, u.sites::uuid[], u.at, u.version, u.fp, u.vec::tsvector, u.rank::tsvector, u.facet_key
		FROM unnest($2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::uuid[], $10::text[],
			$11::uuid[], $12::text[], $13::timestamptz[], $14::bigint[], $15::text[], $16::text[], $17::text[], $18::text[])
			AS u(kind, id, type, title, summary, tags, topics, area_id, areas, unit, sites, at, version, fp, vec, rank, facet_key)
		ON CONFLICT (tenant_id, kind, item_id) DO UPDATE SET type = excluded.type, title = excluded.title, summary = excluded.summary,
			tags = excluded.tags, topics = excluded.topics, area_id = excluded.area_id, areas = excluded.areas,
			org_unit_id = excluded.org_unit_id, sites = excluded.sites, at = excluded.at, version = excluded.version,
			fingerprint = excluded.fingerprint, tsv = excluded.tsv,
			rank_tsv = excluded.rank_tsv, facet_key = excluded.facet_key`

// deleteDocuments removes documents by ($2 kinds, $3 ids).
const deleteDocuments = `DELETE FROM search_documents d USING unnest($2::text[], $3::uuid[]) AS u(kind, id)
			WHERE d.tenant_id = $1 AND d.kind = u.kind AND d.item_id = u.id`

// fingerprintsOf reads every document's fingerprint.
const fingerprintsOf = `SELECT kind, item_id, fingerprint FROM search_documents WHERE tenant_id = $1`

// deleteAllDocuments empties a school's documents (before a rebuild).
const deleteAllDocuments = `DELETE FROM search_documents WHERE tenant_id = $1`

// measureLayoutSQL counts, from the rows' page numbers, the pages and the
// groups of a school's documents and a group's stretches on a page.
const measureLayoutSQL = `SELECT coalesce(sum(n), 0)::int, count(*)::int, count(DISTINCT page)::int, count(DISTINCT (sites, topics, type))::int
		FROM (SELECT (ctid::text::point)[0] AS page, sites, topics, type, count(*) AS n
			FROM search_documents WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4) r`

// layoutLock names the advisory lock by which writes of a school's
// documents (shared) and a compaction (alone) exclude each other. Without
// it, a write waiting on a row that a compaction moves would find the row
// gone when the compaction commits and skip it: a document deleted (or
// updated) at that moment would stay as it was, under its moved copy.
const layoutLock = `hashtext('zhdj_search_layout'), hashtext($1::text)`

// shareLayoutLock is taken by every transaction writing a school's documents.
const shareLayoutLock = `SELECT pg_advisory_xact_lock_shared(` + layoutLock + `)`

// takeLayoutLock is taken by a compaction, alone.
const takeLayoutLock = `SELECT pg_advisory_xact_lock(` + layoutLock + `)`

// rewriteInOrder moves a school's rows as they are (same columns, same
// values); new rows fill pages in the order they are inserted.
const rewriteInOrder = `WITH moved AS (DELETE FROM search_documents WHERE tenant_id = $1 RETURNING *)
				INSERT INTO search_documents SELECT * FROM moved ORDER BY sites, topics, type, at DESC, item_id DESC`

// setPlanCache sets plan_cache_mode for the rest of the transaction.
const setPlanCache = `SELECT set_config('plan_cache_mode', $1, true)`

// searchStatement is the one statement that answers q after the cursor:
// it finds every match once, returns a page of them and counts the facets
// and the total over all of them.
func searchStatement(q search.Query, after *cursor) (string, pgx.NamedArgs) {
	args := pgx.NamedArgs{"tenant": q.Tenant, "q": TSQuery(q), "match": MatchQuery(q), "limit": q.First + 1}
	// Every read names its tenant (reads of this table are not confined by
	// row-level security; see the migration); words, site and filters are
	// one tsquery on the one index; only dates are checked on the rows.
	where := []string{"d.tenant_id = @tenant", "d.tsv @@ @match::tsquery"}
	f := q.Filter
	if f.From != nil {
		args["from"] = *f.From
		where = append(where, "d.at >= @from")
	}
	if f.To != nil {
		args["to"] = *f.To
		where = append(where, "d.at < @to")
	}
	orderBy, keyset := "rank DESC, at DESC, item_id DESC", "(rank, at, item_id) < (@after_rank::real, @after_at::timestamptz, @after_id::uuid)"
	if q.Order == search.OrderNewest {
		orderBy, keyset = "at DESC, item_id DESC", "(at, item_id) < (@after_at::timestamptz, @after_id::uuid)"
	}
	pageWhere := "true"
	if after != nil {
		args["after_rank"], args["after_at"], args["after_id"] = after.Rank, after.At, after.ID
		pageWhere = keyset
	}
	// Title words weigh most, then summary, tags and topics (body words
	// do not rank); equal ranks fall back to recency. Newest first needs
	// no rank.
	rank := "ts_rank('{0.1, 0.3, 0.6, 1.0}', d.rank_tsv, @q::tsquery)"
	if q.Order == search.OrderNewest {
		rank = "0::real"
	}
	facetColumn := "NULL::text"
	if len(q.Facets) > 0 {
		facetColumn = "d.facet_key"
	}
	sql := `WITH m AS MATERIALIZED (
  SELECT d.kind, d.item_id, d.at, ` + facetColumn + ` AS facet_key, ` + rank + ` AS rank
  FROM search_documents d WHERE ` + strings.Join(where, " AND ") + `),
page AS (SELECT p.kind, p.item_id, d.type, p.at, p.rank, d.title, d.summary FROM (SELECT * FROM m WHERE ` + pageWhere + ` ORDER BY ` + orderBy + ` LIMIT @limit) p
         JOIN search_documents d ON d.tenant_id = @tenant AND d.kind = p.kind AND d.item_id = p.item_id)`
	if len(q.Facets) == 0 {
		sql += `
SELECT 'hit', NULL, NULL, kind, item_id, type, title, summary, rank, at FROM page
UNION ALL SELECT 'total', NULL, count(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM m`
	} else {
		args["separator"] = facetSeparator
		// Every facet's values in one pass: the matches grouped by their
		// facet key (documents share few), each group's key split once;
		// the total is the groups' sum. Facets not asked for are dropped
		// below.
		sql += `,
g AS (SELECT facet_key, count(*) AS n FROM m GROUP BY facet_key)
SELECT 'hit', NULL, NULL, kind, item_id, type, title, summary, rank, at FROM page
UNION ALL SELECT 'total', NULL, coalesce(sum(n), 0)::bigint, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM g
UNION ALL SELECT 'facet', v, sum(n)::bigint, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM g, unnest(string_to_array(g.facet_key, @separator::text)) AS v GROUP BY v`
	}
	return sql, args
}
