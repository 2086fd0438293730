// Package search finds published content and volunteer activities for a
// site, in one of two engines behind the Index interface: Meilisearch
// (search/meili) when one is configured, otherwise PostgreSQL full-text
// search over text segmented in Go (search/pgsearch).
//
// Every change to a searchable item writes a row to an outbox in the same
// transaction (by database trigger); the Indexer drains the outbox into the
// Index, retrying while the engine is down, and a reconciler repairs any
// drift between the database and the index. The search API is the same
// whichever engine answers.
package search

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Kind is the table a searchable item lives in.
type Kind string

const (
	KindContent  Kind = "content"
	KindActivity Kind = "activity"
)

// Type is what a hit is, as the API filters and facets it.
type Type string

const (
	TypeArticle     Type = "article"
	TypeMicroLesson Type = "micro_lesson"
	TypeComic       Type = "comic"
	TypeActivity    Type = "activity"
)

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	switch t {
	case TypeArticle, TypeMicroLesson, TypeComic, TypeActivity:
		return true
	}
	return false
}

// Key names a searchable item of a tenant.
type Key struct {
	Kind Kind
	ID   uuid.UUID
}

// Document is what an index holds of one published item.
type Document struct {
	Key
	Tenant  uuid.UUID
	Type    Type
	Title   string
	Summary string
	Body    string
	Tags    []string
	Topics  []string
	// AreaID is the item's area (activities); Areas holds it and the areas
	// above it, so that a filter on an area finds its sub-areas' items.
	AreaID    *uuid.UUID
	Areas     []uuid.UUID
	OrgUnitID uuid.UUID
	// Sites are the sites that show the item.
	Sites []uuid.UUID
	// At is when the item was published (content) or starts (activity).
	At      time.Time
	Version int64
}

// Fingerprint is a digest of everything the document says: equal
// fingerprints mean the index holds what the database says.
func (d *Document) Fingerprint() string {
	c := *d
	c.Sites = slices.Clone(d.Sites)
	slices.SortFunc(c.Sites, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	c.At = d.At.UTC().Truncate(time.Microsecond)
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// Facet names a facet a search may ask for.
type Facet string

const (
	FacetType  Facet = "type"
	FacetArea  Facet = "area"
	FacetTopic Facet = "topic"
	FacetTag   Facet = "tag"
)

// Valid reports whether f is a known facet.
func (f Facet) Valid() bool {
	switch f {
	case FacetType, FacetArea, FacetTopic, FacetTag:
		return true
	}
	return false
}

// Order is the order of hits.
type Order string

const (
	OrderRelevance Order = "relevance"
	OrderNewest    Order = "newest"
)

// Filter narrows a search; each list matches any of its values, and the
// lists combine with AND.
type Filter struct {
	Types    []Type
	Areas    []uuid.UUID
	Topics   []string
	Tags     []string
	OrgUnits []uuid.UUID
	From, To *time.Time
}

// Query is one validated search of one site.
type Query struct {
	Tenant uuid.UUID
	Site   uuid.UUID
	// Text is the query as typed, Terms its words (segmented), Synonyms
	// the tenant's (a word → the words a search for it also finds).
	Text     string
	Terms    []string
	Synonyms map[string][]string
	Filter   Filter
	Facets   []Facet
	Order    Order
	First    int
	// After is the engine's cursor from a previous page, or empty.
	After string
}

// Hit is one result, with its title and summary as HTML in which the
// matched words are wrapped in <mark> and everything else is escaped.
type Hit struct {
	Key
	Type             Type
	TitleHighlight   string
	SummaryHighlight string
	// Cursor is where the next page starts if it ends here.
	Cursor string
}

// FacetValue is one value of a facet and how many hits have it.
type FacetValue struct {
	Value string
	Count int
}

// Result is a page of hits with the facet counts over all of them.
type Result struct {
	Hits    []Hit
	HasNext bool
	// Total is the number of hits (an estimate when the engine says so).
	Total  int
	Facets map[Facet][]FacetValue
}

// Settings is a tenant's search configuration.
type Settings struct {
	// Synonyms maps a word to the words a search for it also finds.
	Synonyms map[string][]string `json:"synonyms"`
}

// DefaultSettings are the settings of a tenant that set none.
func DefaultSettings() Settings {
	return Settings{Synonyms: map[string][]string{
		"党课":   {"党建课程"},
		"党建课程": {"党课"},
		"微党课":  {"微课"},
		"志愿":   {"义工"},
		"义工":   {"志愿"},
	}}
}

// Index is a search engine holding the documents of every tenant, kept
// apart by tenant. Implementations must be safe for concurrent use; the
// searchtest package holds the contract every one passes.
type Index interface {
	// Name names the engine ("postgres", "meilisearch").
	Name() string
	// Configure applies a tenant's settings (creating its index if the
	// engine has one per tenant). It is idempotent.
	Configure(ctx context.Context, tenant uuid.UUID, s Settings) error
	// Upsert stores docs (all of tenant), replacing earlier versions.
	Upsert(ctx context.Context, tenant uuid.UUID, docs []*Document) error
	// Delete removes keys; a key that is not indexed is not an error.
	Delete(ctx context.Context, tenant uuid.UUID, keys []Key) error
	// Search answers q; an unusable cursor is an apperr Invalid error on
	// "after".
	Search(ctx context.Context, q Query) (*Result, error)
	// Fingerprints returns the fingerprint of every document of tenant.
	Fingerprints(ctx context.Context, tenant uuid.UUID) (map[Key]string, error)
	// Rebuild replaces tenant's documents by those next yields (in
	// batches, until it returns no more), so that searches keep answering
	// from the old documents until the new ones are complete.
	Rebuild(ctx context.Context, tenant uuid.UUID, s Settings, next func() ([]*Document, error)) error
}

// Compactor is an Index whose documents' order on disk decays as they
// change and can be restored (the built-in engine: a search reads every
// match's row, and rows that a site's searches find together are read
// faster from pages of their own).
type Compactor interface {
	// Compact rewrites tenant's documents in search order when they lie
	// scattered (always, with force), and says what it found and did.
	Compact(ctx context.Context, tenant uuid.UUID, force bool) (Compaction, error)
}

// Compaction is what one Compact found and did.
type Compaction struct {
	Documents int
	// Spread is how scattered the documents lay before, and After after
	// (1: each group of documents searched together on pages of its own;
	// up to the rows a page holds when every row lies among others).
	Spread, After float64
	Compacted     bool
	Took          time.Duration
}

// Alternatives returns, for each term of q, the term and its synonyms,
// each as its words (a synonym may be several words).
func (q Query) Alternatives() [][][]string {
	out := make([][][]string, len(q.Terms))
	for i, t := range q.Terms {
		out[i] = [][]string{{t}}
		for _, syn := range q.Synonyms[t] {
			if ws := QueryTerms(syn); len(ws) > 0 {
				out[i] = append(out[i], ws)
			}
		}
	}
	return out
}

// Words returns every word a hit of q may match (for highlighting).
func (q Query) Words() []string {
	var out []string
	for _, alts := range q.Alternatives() {
		for _, ws := range alts {
			out = append(out, ws...)
		}
	}
	return out
}
