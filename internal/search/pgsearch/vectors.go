package pgsearch

// A document as the tsvector literals, lexemes and facet key it is stored
// with.

import (
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"zhdj/internal/search"
)

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
