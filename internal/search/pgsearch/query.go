package pgsearch

// A query as tsquery literals, and the search that answers it.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/search"
)

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
	sql, args := searchStatement(q, after)
	f := q.Filter
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
	b.Queue(setPlanCache, planCache)
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
