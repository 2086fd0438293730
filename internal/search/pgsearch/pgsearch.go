// Package pgsearch is the built-in search engine: PostgreSQL full-text
// search over text segmented in Go (gse), so that it needs nothing the
// database does not have. Documents carry a weighted tsvector (title above
// summary above body) built in Go, so the database's locale and text
// parser never split or merge Chinese words.
package pgsearch

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/postgres"
	"zhdj/internal/search"
)

// Index is the PostgreSQL engine.
type Index struct {
	pool *pgxpool.Pool
	// slots holds a token per search running in PostgreSQL (nil: no
	// limit); a search waits at most maxWait for one.
	slots   chan struct{}
	maxWait time.Duration
}

// maxSearchWait is how long a search waits for its turn before it is
// refused as overloaded (UNAVAILABLE): past that, a front end had better
// say so than keep its reader waiting, and the queue stays bounded.
const maxSearchWait = 5 * time.Second

// New returns the engine storing documents through pool, running at most
// concurrency searches in PostgreSQL at once (0: no limit); more wait
// their turn, first come first served.
//
// A search is CPU work in PostgreSQL from start to end (the index and
// table are in memory). With more searches at once than PostgreSQL has
// cores, they share the cores: every one is slowed down by all the others,
// a broad search (thousands of matches) most, and the slowest searches are
// what people wait for. Queued instead, a search waits for those ahead and
// then runs at full speed: about the same throughput, a much shorter tail
// (measured in bench/README.md). Meilisearch bounds its searches the same
// way.
func New(pool *pgxpool.Pool, concurrency int) *Index {
	ix := &Index{pool: pool, maxWait: maxSearchWait}
	if concurrency > 0 {
		ix.slots = make(chan struct{}, concurrency)
	}
	return ix
}

func (*Index) Name() string { return "postgres" }

// Configure has nothing to set up: synonyms are applied to each query.
func (*Index) Configure(context.Context, uuid.UUID, search.Settings) error { return nil }

// Upsert segments docs (in parallel) and stores them.
func (ix *Index) Upsert(ctx context.Context, tenant uuid.UUID, docs []*search.Document) error {
	if len(docs) == 0 {
		return nil
	}
	return postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		if err := shareLayout(ctx, tx, tenant); err != nil {
			return err
		}
		return upsert(ctx, tx, tenant, docs)
	})
}

// columns are the arrays one INSERT takes, a row per document.
type columns struct {
	kinds, types, titles, summaries, fps, tags, topics, areas, sites, matches, ranks, facetKeys []string
	ids, units                                                                                  []uuid.UUID
	areaIDs                                                                                     []*uuid.UUID
	ats                                                                                         []time.Time
	versions                                                                                    []int64
}

func upsert(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, docs []*search.Document) error {
	matches, ranks := make([]string, len(docs)), make([]string, len(docs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(docs)) {
		wg.Go(func() {
			for i := range next {
				matches[i], ranks[i] = Vectors(docs[i])
			}
		})
	}
	for i := range docs {
		next <- i
	}
	close(next)
	wg.Wait()
	var c columns
	for i, d := range docs {
		if d.Tenant != tenant {
			return fmt.Errorf("pgsearch: document %s belongs to another tenant", d.ID)
		}
		c.kinds = append(c.kinds, string(d.Kind))
		c.ids = append(c.ids, d.ID)
		c.types = append(c.types, string(d.Type))
		c.titles = append(c.titles, d.Title)
		c.summaries = append(c.summaries, d.Summary)
		c.tags = append(c.tags, pgArray(d.Tags))
		c.topics = append(c.topics, pgArray(d.Topics))
		c.areaIDs = append(c.areaIDs, d.AreaID)
		c.areas = append(c.areas, uuidArray(d.Areas))
		c.units = append(c.units, d.OrgUnitID)
		c.sites = append(c.sites, uuidArray(d.Sites))
		c.ats = append(c.ats, d.At)
		c.versions = append(c.versions, d.Version)
		c.fps = append(c.fps, vectorFormat+d.Fingerprint())
		c.matches = append(c.matches, matches[i])
		c.ranks = append(c.ranks, ranks[i])
		c.facetKeys = append(c.facetKeys, facetKey(d))
	}
	_, err := tx.Exec(ctx, `INSERT INTO search_documents (tenant_id, kind, item_id, type, title, summary, tags, topics, area_id, areas,
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
			rank_tsv = excluded.rank_tsv, facet_key = excluded.facet_key`,
		tenant, c.kinds, c.ids, c.types, c.titles, c.summaries, c.tags, c.topics, c.areaIDs, c.areas,
		c.units, c.sites, c.ats, c.versions, c.fps, c.matches, c.ranks, c.facetKeys)
	if err != nil {
		return fmt.Errorf("pgsearch: store %d documents: %w", len(docs), err)
	}
	return nil
}

// Quoting for array elements and lexemes (a Replacer is built on first use
// and safe for concurrent use).
var (
	arrayElementQuoter = strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	lexemeQuoter       = strings.NewReplacer(`\`, `\\`, `'`, `''`)
)

// pgArray is the text form of a PostgreSQL text array.
func pgArray(vs []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(arrayElementQuoter.Replace(v))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func uuidArray(ids []uuid.UUID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return "{" + strings.Join(s, ",") + "}"
}

// Limits of the tsvector format.
const (
	maxPosition          = 16383
	maxPositionsPerEntry = 255
)

// Vectors returns d's two tsvector literals. match holds every word once,
// without positions (title, summary, tags, topics and body), then a lexeme
// for each value d can be filtered by (see filterLexemes): the GIN index
// finds matches through it and nothing reads it back. rank holds the words
// that rank a match, with their positions and weights: title words A;
// summary, tags and topics B. Body words find a document but do not rank
// it (matches only in the body rank equal and fall back to recency), so
// ranking reads a vector a third the size of the whole text's.
func Vectors(d *search.Document) (match, rank string) {
	type entry struct {
		positions []string
	}
	lexemes := map[string]*entry{}
	var order []string
	pos := 0
	add := func(text string, weight string) {
		for _, w := range search.IndexTerms(text) {
			pos = min(pos+1, maxPosition)
			e := lexemes[w]
			if e == nil {
				e = &entry{}
				lexemes[w] = e
				order = append(order, w)
			}
			if weight != "" && len(e.positions) < maxPositionsPerEntry {
				e.positions = append(e.positions, strconv.Itoa(pos)+weight)
			}
		}
		pos = min(pos+10, maxPosition) // fields are not adjacent
	}
	add(d.Title, "A")
	add(d.Summary, "B")
	add(strings.Join(append(slices.Clone(d.Tags), d.Topics...), " "), "B")
	add(d.Body, "")
	// Words hold letters and digits only: no quoting is needed beyond the
	// quotes themselves.
	var m, r strings.Builder
	for _, w := range order {
		if m.Len() > 0 {
			m.WriteByte(' ')
		}
		m.WriteString("'" + w + "'")
		if ps := lexemes[w].positions; len(ps) > 0 {
			if r.Len() > 0 {
				r.WriteByte(' ')
			}
			r.WriteString("'" + w + "':" + strings.Join(ps, ","))
		}
	}
	for _, l := range filterLexemes(d) {
		if m.Len() > 0 {
			m.WriteByte(' ')
		}
		m.WriteString(l)
	}
	return m.String(), r.String()
}

// Filter values are lexemes of the document's vector, so that the one GIN
// index intersects words and filters in a single scan (skipping through
// the frequent ones), and only matching rows are read. Words never contain
// "_" (they are letters and digits), so a filter lexeme is never a word.
//
// A type is always asked for on a site, so it is one lexeme with the site
// (st_<site>_<type>, one per site of the document): a search by type
// decodes that list alone, not both the site's (every document of a
// one-site school) and the type's, about a millisecond less per search.
//
// A site's column pages ask for a type within a topic (理论学习 · 微党课,
// 志愿服务 · activities), so that pair has its own lexeme too
// (stt_<site>_<type>_<topic>): the GIN scan then walks the documents of
// that column alone instead of every document of the topic, checking each
// against the type's list (on the bench's data, finding a narrow search's
// matches 3.5 → 0.8 ms, a broad one's 16.4 → 14.7 ms; bench/README.md).
// No type is another type followed by "_", so such a lexeme names one pair.
const (
	lexSite          = "site_"
	lexSiteType      = "st_"
	lexSiteTypeTopic = "stt_"
	lexTopic         = "topic_"
	lexTag           = "tag_"
	lexArea          = "area_"
	lexUnit          = "unit_"
)

// maxTypeTopicPairs bounds the pairs a search's type and topic filters are
// turned into: more types times topics than that are matched as the two
// lists (the same documents, through longer posting lists).
const maxTypeTopicPairs = 16

// lexeme quotes prefix+value for a tsvector or tsquery literal.
func lexeme(prefix, value string) string {
	return "'" + lexemeQuoter.Replace(prefix+value) + "'"
}

func hex(id uuid.UUID) string { return strings.ReplaceAll(id.String(), "-", "") }

// siteType is the value of a site-and-type lexeme (and the start of a
// site, type and topic one): documents are written and searches asked
// with the same.
func siteType(site uuid.UUID, t search.Type) string { return hex(site) + "_" + string(t) }

func filterLexemes(d *search.Document) []string {
	out := []string{lexeme(lexUnit, hex(d.OrgUnitID))}
	for _, s := range d.Sites {
		out = append(out, lexeme(lexSite, hex(s)), lexeme(lexSiteType, siteType(s, d.Type)))
		for _, t := range d.Topics {
			out = append(out, lexeme(lexSiteTypeTopic, siteType(s, d.Type)+"_"+t))
		}
	}
	for _, t := range d.Topics {
		out = append(out, lexeme(lexTopic, t))
	}
	for _, t := range d.Tags {
		out = append(out, lexeme(lexTag, t))
	}
	for _, a := range d.Areas {
		out = append(out, lexeme(lexArea, hex(a)))
	}
	return out
}

// facetSeparator separates a document's facet values in its facet key.
// Tags and topics are letters, digits, '_' and '-' (content) or names
// (activities); a separator inside one is dropped rather than split on.
const facetSeparator = "\x1f"

// facetKey is d's values of every facet as "facet:value", joined by
// facetSeparator. Searches count facets by grouping the matches on this
// one text (documents share few combinations) and splitting each group's
// key once: a third of the cost of unnesting every document's values.
func facetKey(d *search.Document) string {
	vs := []string{string(search.FacetType) + ":" + string(d.Type)}
	for _, t := range d.Topics {
		vs = append(vs, string(search.FacetTopic)+":"+t)
	}
	for _, t := range d.Tags {
		vs = append(vs, string(search.FacetTag)+":"+t)
	}
	if d.AreaID != nil {
		vs = append(vs, string(search.FacetArea)+":"+d.AreaID.String())
	}
	for i, v := range vs {
		vs[i] = strings.ReplaceAll(v, facetSeparator, "")
	}
	return strings.Join(vs, facetSeparator)
}

// anyOf is a tsquery matching any of values (as prefix lexemes).
func anyOf(prefix string, values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = lexeme(prefix, v)
	}
	return "(" + strings.Join(parts, " | ") + ")"
}

func hexes(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = hex(id)
	}
	return out
}

// MatchQuery returns the tsquery literal of q's words and filters: the
// site (with the types, or the types and topics, when some are asked for),
// and each other non-empty filter list (any of its values).
func MatchQuery(q search.Query) string {
	parts := []string{"(" + TSQuery(q) + ")", lexeme(lexSite, hex(q.Site))}
	f := q.Filter
	topics := f.Topics
	switch {
	case len(f.Types) > 0 && len(f.Topics) > 0 && len(f.Types)*len(f.Topics) <= maxTypeTopicPairs:
		var pairs []string
		for _, t := range f.Types {
			for _, topic := range f.Topics {
				pairs = append(pairs, siteType(q.Site, t)+"_"+topic)
			}
		}
		parts[1], topics = anyOf(lexSiteTypeTopic, pairs), nil
	case len(f.Types) > 0:
		siteTypes := make([]string, len(f.Types))
		for i, t := range f.Types {
			siteTypes[i] = siteType(q.Site, t)
		}
		parts[1] = anyOf(lexSiteType, siteTypes)
	}
	if len(topics) > 0 {
		parts = append(parts, anyOf(lexTopic, topics))
	}
	if len(f.Tags) > 0 {
		parts = append(parts, anyOf(lexTag, f.Tags))
	}
	if len(f.Areas) > 0 {
		parts = append(parts, anyOf(lexArea, hexes(f.Areas)))
	}
	if len(f.OrgUnits) > 0 {
		parts = append(parts, anyOf(lexUnit, hexes(f.OrgUnits)))
	}
	return strings.Join(parts, " & ")
}

// TSQuery returns q as a tsquery literal: every term (or one of its
// synonyms) must match. The last term also matches as a prefix when it may
// be a word still being typed (one Chinese character, or Latin letters and
// digits): search-as-you-type without the cost of prefix look-ups for
// whole words.
func TSQuery(q search.Query) string {
	alts := q.Alternatives()
	parts := make([]string, len(alts))
	for i, a := range alts {
		opts := make([]string, len(a))
		for j, words := range a {
			ws := make([]string, len(words))
			for k, w := range words {
				ws[k] = "'" + w + "'"
				if i == len(alts)-1 && j == 0 && k == len(words)-1 && mayBeTyping(w) {
					ws[k] += ":*"
				}
			}
			opts[j] = strings.Join(ws, " & ")
			if len(ws) > 1 {
				opts[j] = "(" + opts[j] + ")"
			}
		}
		parts[i] = strings.Join(opts, " | ")
		if len(opts) > 1 {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " & ")
}

// mayBeTyping reports whether w may be the start of a longer word.
func mayBeTyping(w string) bool {
	if utf8.RuneCountInString(w) == 1 {
		return true
	}
	for _, r := range w {
		if r > unicode.MaxASCII {
			return false
		}
	}
	return true
}

// Delete removes keys.
func (ix *Index) Delete(ctx context.Context, tenant uuid.UUID, keys []search.Key) error {
	if len(keys) == 0 {
		return nil
	}
	kinds, ids := make([]string, len(keys)), make([]uuid.UUID, len(keys))
	for i, k := range keys {
		kinds[i], ids[i] = string(k.Kind), k.ID
	}
	return postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		if err := shareLayout(ctx, tx, tenant); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM search_documents d USING unnest($2::text[], $3::uuid[]) AS u(kind, id)
			WHERE d.tenant_id = $1 AND d.kind = u.kind AND d.item_id = u.id`, tenant, kinds, ids)
		if err != nil {
			return fmt.Errorf("pgsearch: delete: %w", err)
		}
		return nil
	})
}

// run sends a search's batch once a slot is free (unless ctx is done or
// maxWait passes first).
func (ix *Index) run(ctx context.Context, tenant uuid.UUID, b *pgx.Batch) error {
	if ix.slots != nil {
		wait := time.NewTimer(ix.maxWait)
		defer wait.Stop()
		select {
		case ix.slots <- struct{}{}:
			defer func() { <-ix.slots }()
		case <-ctx.Done():
			return ctx.Err()
		case <-wait.C:
			return &apperr.Error{Kind: apperr.Unavailable, Msg: fmt.Sprintf("search is overloaded: no turn within %s; try again shortly", ix.maxWait)}
		}
	}
	return postgres.TenantBatch(ctx, ix.pool, tenant, b)
}

// vectorFormat prefixes stored fingerprints: a document stored in an older
// format reads back with a fingerprint that matches nothing, so the
// reconciler rewrites it in the current one. Change it with Vectors or with
// what else a document row is made of (v3: facet values; v4: a match
// vector without positions, a rank vector, one facet key; v5: site, type
// and topic lexemes).
const vectorFormat = "v5:"

// Fingerprints returns every document's fingerprint.
func (ix *Index) Fingerprints(ctx context.Context, tenant uuid.UUID) (map[search.Key]string, error) {
	out := map[search.Key]string{}
	err := postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT kind, item_id, fingerprint FROM search_documents WHERE tenant_id = $1`, tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k search.Key
			var fp string
			if err := rows.Scan(&k.Kind, &k.ID, &fp); err != nil {
				rows.Close()
				return err
			}
			if current, ok := strings.CutPrefix(fp, vectorFormat); ok {
				out[k] = current
			} else {
				out[k] = "older format " + fp // matches no document
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("pgsearch: fingerprints: %w", err)
	}
	return out, nil
}

// Rebuild replaces tenant's documents in one transaction: searches see
// the old documents until it commits.
func (ix *Index) Rebuild(ctx context.Context, tenant uuid.UUID, _ search.Settings, next func() ([]*search.Document, error)) error {
	return postgres.InTenantTx(ctx, ix.pool, tenant, func(tx pgx.Tx) error {
		if err := shareLayout(ctx, tx, tenant); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM search_documents WHERE tenant_id = $1`, tenant); err != nil {
			return err
		}
		for {
			docs, err := next()
			if err != nil {
				return err
			}
			if len(docs) == 0 {
				return nil
			}
			if err := upsert(ctx, tx, tenant, docs); err != nil {
				return err
			}
		}
	})
}

// cursor is a position in a list of hits.
type cursor struct {
	Order search.Order `json:"o"`
	Rank  float32      `json:"r,omitempty"`
	At    time.Time    `json:"a"`
	ID    uuid.UUID    `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, order search.Order) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := apperr.InvalidField("after", "not a cursor of this search")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursor
	if json.Unmarshal(b, &c) != nil || c.Order != order || c.ID == uuid.Nil {
		return nil, bad
	}
	return &c, nil
}

// Search answers q: one statement that finds every match once, returns a
// page of them and counts the facets and the total over all of them.
func (ix *Index) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	after, err := decodeCursor(q.After, q.Order)
	if err != nil {
		return nil, err
	}
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
	res := &search.Result{Facets: map[search.Facet][]search.FacetValue{}}
	for _, fc := range q.Facets {
		res.Facets[fc] = []search.FacetValue{}
	}
	// Rows are only read while the search holds its slot; highlighting
	// waits until it is given back.
	type row struct {
		rank           float32
		at             time.Time
		hit            search.Hit
		title, summary string
	}
	var hits []row
	b := &pgx.Batch{}
	// Words, site and filters leave one plan: the GIN index, whatever their
	// values. Planning it took about a millisecond of PostgreSQL's time per
	// search (a tenth of a broad one's), so the statement's plan is made
	// once per connection and reused. Dates are the exception: a generic
	// plan may take the date index for them and read the school's whole
	// range, so a search with dates is planned for its values.
	planCache := "force_generic_plan"
	if f.From != nil || f.To != nil {
		planCache = "force_custom_plan"
	}
	b.Queue(`SELECT set_config('plan_cache_mode', $1, true)`, planCache)
	b.Queue(sql, args).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var what string
			var value *string
			var count *int64
			var kind, typ, title, summary *string
			var id *uuid.UUID
			var rank *float32
			var at *time.Time
			if err := rows.Scan(&what, &value, &count, &kind, &id, &typ, &title, &summary, &rank, &at); err != nil {
				return err
			}
			switch {
			case what == "hit":
				h := search.Hit{Key: search.Key{Kind: search.Kind(*kind), ID: *id}, Type: search.Type(*typ)}
				hits = append(hits, row{rank: *rank, at: *at, hit: h, title: *title, summary: *summary})
			case what == "total":
				res.Total = int(*count)
			case what == "facet":
				facet, v, _ := strings.Cut(*value, ":")
				if vs, asked := res.Facets[search.Facet(facet)]; asked {
					res.Facets[search.Facet(facet)] = append(vs, search.FacetValue{Value: v, Count: int(*count)})
				}
			}
		}
		return rows.Err()
	})
	if err := ix.run(ctx, q.Tenant, b); err != nil {
		return nil, fmt.Errorf("pgsearch: search: %w", err)
	}
	// UNION ALL keeps no order: put the page back in its order.
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if q.Order != search.OrderNewest && a.rank != b.rank {
			return a.rank > b.rank
		}
		if !a.at.Equal(b.at) {
			return a.at.After(b.at)
		}
		return slices.Compare(a.hit.ID[:], b.hit.ID[:]) > 0
	})
	if len(hits) > q.First {
		res.HasNext, hits = true, hits[:q.First]
	}
	words := q.Words()
	for _, h := range hits {
		h.hit.Cursor = encodeCursor(cursor{Order: q.Order, Rank: h.rank, At: h.at, ID: h.hit.ID})
		h.hit.TitleHighlight = search.Markup(search.Highlight(h.title, words))
		h.hit.SummaryHighlight = search.Markup(search.Crop(search.Highlight(h.summary, words), 160))
		res.Hits = append(res.Hits, h.hit)
	}
	for fc, vs := range res.Facets {
		sort.Slice(vs, func(i, j int) bool {
			if vs[i].Count != vs[j].Count {
				return vs[i].Count > vs[j].Count
			}
			return vs[i].Value < vs[j].Value
		})
		res.Facets[fc] = vs
	}
	return res, nil
}
