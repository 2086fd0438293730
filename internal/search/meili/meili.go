// Package meili is the search.Index on Meilisearch (meilisearch-go). Each
// tenant has its own index (zhdj_<tenant>), so a search, a document read or
// a tenant token can only ever reach one school's documents; every search
// is further pinned by filter to the site and to published documents.
package meili

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	ms "github.com/meilisearch/meilisearch-go"

	"zhdj/internal/apperr"
	"zhdj/internal/search"
)

// Config names a Meilisearch server.
type Config struct {
	URL    string
	APIKey string // a key allowed to manage indexes and documents
	// SearchKey and SearchKeyUID sign tenant tokens (a key whose actions
	// include search); optional.
	SearchKey    string
	SearchKeyUID string
	// TaskTimeout bounds the wait for Meilisearch to apply a change;
	// SearchTimeout a search (default 5 s), so that a hung server fails
	// searches fast rather than holding requests.
	TaskTimeout   time.Duration
	SearchTimeout time.Duration
	// Prefix starts every index name (tests use their own).
	Prefix string
}

// Index is the Meilisearch engine.
type Index struct {
	client ms.ServiceManager
	cfg    Config
}

// New returns the engine on the server cfg names (it does not connect yet).
func New(cfg Config, opts ...ms.Option) *Index {
	if cfg.TaskTimeout <= 0 {
		cfg.TaskTimeout = 30 * time.Second
	}
	if cfg.SearchTimeout <= 0 {
		cfg.SearchTimeout = 5 * time.Second
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "zhdj"
	}
	// No request waits on a silent server for ever.
	opts = append([]ms.Option{ms.WithCustomClient(&http.Client{Timeout: cfg.TaskTimeout})}, opts...)
	if cfg.APIKey != "" {
		opts = append(opts, ms.WithAPIKey(cfg.APIKey))
	}
	return &Index{client: ms.New(cfg.URL, opts...), cfg: cfg}
}

func (*Index) Name() string { return "meilisearch" }

// UID is the index holding tenant's documents.
func (ix *Index) UID(tenant uuid.UUID) string {
	return ix.cfg.Prefix + "_" + strings.ReplaceAll(tenant.String(), "-", "")
}

// doc is a document as Meilisearch stores it.
type doc struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	ItemID      string   `json:"itemId"`
	Type        string   `json:"type"`
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`
	Body        string   `json:"body"`
	Tags        []string `json:"tags"`
	Topics      []string `json:"topics"`
	AreaID      string   `json:"areaId,omitempty"`
	Areas       []string `json:"areas"`
	OrgUnitID   string   `json:"orgUnitId"`
	Sites       []string `json:"sites"`
	At          int64    `json:"at"`
	Published   bool     `json:"published"`
	Version     int64    `json:"version"`
	Fingerprint string   `json:"fingerprint"`
}

func docID(k search.Key) string { return string(k.Kind) + "-" + k.ID.String() }

// Document returns d as Meilisearch stores it.
func Document(d *search.Document) any { return toDoc(d) }

func toDoc(d *search.Document) doc {
	out := doc{ID: docID(d.Key), Kind: string(d.Kind), ItemID: d.ID.String(), Type: string(d.Type), Title: d.Title, Summary: d.Summary,
		Body: d.Body, Tags: nonNil(d.Tags), Topics: nonNil(d.Topics), Areas: ids(d.Areas), OrgUnitID: d.OrgUnitID.String(),
		Sites: ids(d.Sites), At: d.At.Unix(), Published: true, Version: d.Version, Fingerprint: d.Fingerprint()}
	if d.AreaID != nil {
		out.AreaID = d.AreaID.String()
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func ids(u []uuid.UUID) []string {
	out := make([]string, len(u))
	for i, id := range u {
		out[i] = id.String()
	}
	return out
}

// Settings returns the index settings for s: searchable attributes in
// priority order, filters, sorting, facets, Chinese tokenization, typo
// tolerance and the tenant's synonyms.
func Settings(s search.Settings) *ms.Settings {
	syn := s.Synonyms
	if syn == nil {
		syn = map[string][]string{}
	}
	return &ms.Settings{
		SearchableAttributes: []string{"title", "summary", "tags", "topics", "body"},
		FilterableAttributes: []string{"sites", "published", "type", "areas", "areaId", "topics", "tags", "orgUnitId", "at", "kind"},
		SortableAttributes:   []string{"at"},
		DisplayedAttributes:  []string{"*"},
		RankingRules:         []string{"words", "typo", "proximity", "attribute", "sort", "exactness", "at:desc"},
		LocalizedAttributes:  []*ms.LocalizedAttributes{{Locales: []string{"cmn"}, AttributePatterns: []string{"title", "summary", "body", "tags", "topics"}}},
		TypoTolerance: &ms.TypoTolerance{Enabled: true, MinWordSizeForTypos: ms.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 9},
			DisableOnAttributes: []string{"tags", "topics"}, DisableOnWords: []string{}},
		Faceting: &ms.Faceting{MaxValuesPerFacet: 100, SortFacetValuesBy: map[string]ms.SortFacetType{"*": ms.SortFacetTypeCount}},
		Synonyms: syn,
	}
}

// wait waits for task to be applied and turns a failed task into an error.
func (ix *Index) wait(ctx context.Context, task *ms.TaskInfo, err error) error {
	if err != nil {
		return unavailable(err)
	}
	ctx, cancel := context.WithTimeout(ctx, ix.cfg.TaskTimeout)
	defer cancel()
	t, err := ix.client.WaitForTask(ctx, task.TaskUID, 50*time.Millisecond)
	if err != nil {
		return unavailable(err)
	}
	if t.Status != ms.TaskStatusSucceeded {
		return fmt.Errorf("meili: task %d %s: %s: %s", t.UID, t.Status, t.Error.Code, t.Error.Message)
	}
	return nil
}

// unavailable marks errors of reaching Meilisearch as Unavailable (the
// cause is logged, never shown).
func unavailable(err error) error {
	return &apperr.Error{Kind: apperr.Unavailable, Msg: "search is unavailable; try again shortly", Err: err}
}

// Configure creates tenant's index if needed and applies the settings.
func (ix *Index) Configure(ctx context.Context, tenant uuid.UUID, s search.Settings) error {
	return ix.configure(ctx, ix.UID(tenant), s)
}

func (ix *Index) configure(ctx context.Context, uid string, s search.Settings) error {
	if _, err := ix.client.GetIndex(ctx, uid); err != nil {
		var me *ms.Error
		if !errors.As(err, &me) || me.StatusCode != http.StatusNotFound {
			return unavailable(err)
		}
		t, err := ix.client.CreateIndex(ctx, &ms.IndexConfig{Uid: uid, PrimaryKey: "id"})
		if err := ix.wait(ctx, t, err); err != nil {
			return err
		}
	}
	t, err := ix.client.Index(uid).UpdateSettings(ctx, Settings(s))
	return ix.wait(ctx, t, err)
}

// Upsert replaces docs (Meilisearch applies tasks of an index in order).
func (ix *Index) Upsert(ctx context.Context, tenant uuid.UUID, docs []*search.Document) error {
	return ix.add(ctx, ix.UID(tenant), tenant, docs)
}

func (ix *Index) add(ctx context.Context, uid string, tenant uuid.UUID, docs []*search.Document) error {
	if len(docs) == 0 {
		return nil
	}
	out := make([]doc, len(docs))
	for i, d := range docs {
		if d.Tenant != tenant {
			return fmt.Errorf("meili: document %s belongs to another tenant", d.ID)
		}
		out[i] = toDoc(d)
	}
	pk := "id"
	t, err := ix.client.Index(uid).AddDocuments(ctx, out, &ms.DocumentOptions{PrimaryKey: &pk})
	return ix.wait(ctx, t, err)
}

// Delete removes keys.
func (ix *Index) Delete(ctx context.Context, tenant uuid.UUID, keys []search.Key) error {
	if len(keys) == 0 {
		return nil
	}
	idList := make([]string, len(keys))
	for i, k := range keys {
		idList[i] = docID(k)
	}
	t, err := ix.client.Index(ix.UID(tenant)).DeleteDocuments(ctx, idList, nil)
	return ix.wait(ctx, t, err)
}

// Fingerprints pages through tenant's documents.
func (ix *Index) Fingerprints(ctx context.Context, tenant uuid.UUID) (map[search.Key]string, error) {
	out := map[search.Key]string{}
	const page = 1000
	for offset := int64(0); ; offset += page {
		var res ms.DocumentsResult
		err := ix.client.Index(ix.UID(tenant)).GetDocuments(ctx, &ms.DocumentsQuery{Offset: offset, Limit: page,
			Fields: []string{"kind", "itemId", "fingerprint"}}, &res)
		if err != nil {
			var me *ms.Error
			if errors.As(err, &me) && me.StatusCode == http.StatusNotFound {
				return out, nil
			}
			return nil, unavailable(err)
		}
		for _, h := range res.Results {
			var d doc
			if err := h.DecodeInto(&d); err != nil {
				return nil, fmt.Errorf("meili: read document: %w", err)
			}
			id, err := uuid.Parse(d.ItemID)
			if err != nil {
				continue
			}
			out[search.Key{Kind: search.Kind(d.Kind), ID: id}] = d.Fingerprint
		}
		if int64(len(res.Results)) < page {
			return out, nil
		}
	}
}

// Rebuild fills a new index and swaps it in, then drops the old one.
func (ix *Index) Rebuild(ctx context.Context, tenant uuid.UUID, s search.Settings, next func() ([]*search.Document, error)) error {
	live, fresh := ix.UID(tenant), ix.UID(tenant)+"_rebuild"
	if t, err := ix.client.DeleteIndex(ctx, fresh); err == nil {
		if err := ix.wait(ctx, t, nil); err != nil {
			return err
		}
	}
	if err := ix.configure(ctx, fresh, s); err != nil {
		return err
	}
	for {
		docs, err := next()
		if err != nil {
			return err
		}
		if len(docs) == 0 {
			break
		}
		if err := ix.add(ctx, fresh, tenant, docs); err != nil {
			return err
		}
	}
	if err := ix.configure(ctx, live, s); err != nil {
		return err
	}
	t, err := ix.client.SwapIndexes(ctx, []*ms.SwapIndexesParams{{Indexes: []string{live, fresh}}})
	if err := ix.wait(ctx, t, err); err != nil {
		return err
	}
	t, err = ix.client.DeleteIndex(ctx, fresh)
	return ix.wait(ctx, t, err)
}

// facetAttr is the attribute behind each facet.
var facetAttr = map[search.Facet]string{
	search.FacetType: "type", search.FacetArea: "areaId", search.FacetTopic: "topics", search.FacetTag: "tags",
}

// FilterOf returns the filter of q: its site, published documents, and q's
// own filter.
func FilterOf(q search.Query) string {
	f := &Filter{}
	f.Eq("sites", q.Site.String()).Bool("published", true)
	types := make([]string, len(q.Filter.Types))
	for i, t := range q.Filter.Types {
		types[i] = string(t)
	}
	f.In("type", types).InIDs("areas", q.Filter.Areas).In("topics", q.Filter.Topics).In("tags", q.Filter.Tags).InIDs("orgUnitId", q.Filter.OrgUnits)
	if q.Filter.From != nil {
		f.AtLeast("at", *q.Filter.From)
	}
	if q.Filter.To != nil {
		f.Before("at", *q.Filter.To)
	}
	return f.String()
}

// Request returns the search request for q (starting at offset).
func Request(q search.Query, offset int64) *ms.SearchRequest {
	r := &ms.SearchRequest{
		Offset: offset, Limit: int64(q.First + 1),
		Filter:                FilterOf(q),
		AttributesToRetrieve:  []string{"kind", "itemId", "type"},
		AttributesToHighlight: []string{"title", "summary"},
		AttributesToCrop:      []string{"summary"},
		CropLength:            60,
		HighlightPreTag:       search.MarkStart,
		HighlightPostTag:      search.MarkEnd,
		MatchingStrategy:      ms.Last,
		Locales:               []string{"cmn"},
	}
	for _, fc := range q.Facets {
		r.Facets = append(r.Facets, facetAttr[fc])
	}
	if q.Order == search.OrderNewest {
		r.Sort = []string{"at:desc"}
	}
	return r
}

type cursor struct {
	Order  search.Order `json:"o"`
	Offset int64        `json:"n"`
}

// Search answers q; pages are offsets (Meilisearch ranks per query).
func (ix *Index) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	var offset int64
	if q.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.After)
		var c cursor
		if err != nil || json.Unmarshal(b, &c) != nil || c.Order != q.Order || c.Offset < 1 {
			return nil, apperr.InvalidField("after", "not a cursor of this search")
		}
		offset = c.Offset
	}
	sctx, cancel := context.WithTimeout(ctx, ix.cfg.SearchTimeout)
	defer cancel()
	resp, err := ix.client.Index(ix.UID(q.Tenant)).Search(sctx, q.Text, Request(q, offset))
	if err != nil {
		var me *ms.Error
		if errors.As(err, &me) && me.StatusCode == http.StatusNotFound {
			// No index yet: nothing of this school has been indexed.
			return &search.Result{Facets: emptyFacets(q)}, nil
		}
		return nil, unavailable(err)
	}
	res := &search.Result{Total: int(resp.EstimatedTotalHits), Facets: emptyFacets(q)}
	for i, h := range resp.Hits {
		if i == q.First {
			res.HasNext = true
			break
		}
		var d struct {
			Kind      string `json:"kind"`
			ItemID    string `json:"itemId"`
			Type      string `json:"type"`
			Formatted struct {
				Title   string `json:"title"`
				Summary string `json:"summary"`
			} `json:"_formatted"`
		}
		if err := h.DecodeInto(&d); err != nil {
			return nil, fmt.Errorf("meili: read hit: %w", err)
		}
		id, err := uuid.Parse(d.ItemID)
		if err != nil {
			continue
		}
		next, _ := json.Marshal(cursor{Order: q.Order, Offset: offset + int64(i) + 1})
		res.Hits = append(res.Hits, search.Hit{Key: search.Key{Kind: search.Kind(d.Kind), ID: id}, Type: search.Type(d.Type),
			TitleHighlight: search.Markup(d.Formatted.Title), SummaryHighlight: search.Markup(d.Formatted.Summary),
			Cursor: base64.RawURLEncoding.EncodeToString(next)})
	}
	if len(resp.FacetDistribution) > 0 {
		var dist map[string]map[string]int
		if err := json.Unmarshal(resp.FacetDistribution, &dist); err != nil {
			return nil, fmt.Errorf("meili: read facets: %w", err)
		}
		for _, fc := range q.Facets {
			for v, n := range dist[facetAttr[fc]] {
				res.Facets[fc] = append(res.Facets[fc], search.FacetValue{Value: v, Count: n})
			}
			sortFacet(res.Facets[fc])
		}
	}
	return res, nil
}

func emptyFacets(q search.Query) map[search.Facet][]search.FacetValue {
	out := map[search.Facet][]search.FacetValue{}
	for _, fc := range q.Facets {
		out[fc] = []search.FacetValue{}
	}
	return out
}

func sortFacet(vs []search.FacetValue) {
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && (vs[j].Count > vs[j-1].Count || vs[j].Count == vs[j-1].Count && vs[j].Value < vs[j-1].Value); j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
}

// TokenRules returns the search rules of a tenant token for site: only
// tenant's index, only that site's published documents.
func (ix *Index) TokenRules(tenant, site uuid.UUID) map[string]any {
	f := &Filter{}
	f.Eq("sites", site.String()).Bool("published", true)
	return map[string]any{ix.UID(tenant): map[string]any{"filter": f.String()}}
}

// Token mints a tenant token for site valid for ttl, with the index it
// searches.
func (ix *Index) Token(tenant, site uuid.UUID, ttl time.Duration) (token, index string, expires time.Time, err error) {
	if ix.cfg.SearchKey == "" || ix.cfg.SearchKeyUID == "" {
		return "", "", time.Time{}, &apperr.Error{Kind: apperr.Unavailable,
			Msg: "search tokens are not configured here (ZHDJ_MEILI_SEARCH_KEY and ZHDJ_MEILI_SEARCH_KEY_UID)"}
	}
	expires = time.Now().Add(ttl).Truncate(time.Second)
	token, err = ix.client.GenerateTenantToken(ix.cfg.SearchKeyUID, ix.TokenRules(tenant, site),
		&ms.TenantTokenOptions{APIKey: ix.cfg.SearchKey, ExpiresAt: expires})
	if err != nil {
		return "", "", time.Time{}, fmt.Errorf("meili: tenant token: %w", err)
	}
	return token, ix.UID(tenant), expires, nil
}

// Ready reports whether the server answers and says it is available.
func (ix *Index) Ready(ctx context.Context) error {
	h, err := ix.client.Health(ctx)
	if err != nil {
		return unavailable(err)
	}
	if h.Status != "available" {
		return unavailable(fmt.Errorf("meili: server status %q", h.Status))
	}
	return nil
}

// URL is the server's address (front ends that query it directly need it).
func (ix *Index) URL() string { return ix.cfg.URL }

var _ search.Index = (*Index)(nil)
