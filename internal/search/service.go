package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/postgres"
	"zhdj/internal/search/searchdb"
)

// Limits on a search.
const (
	MaxQueryRunes  = 100
	MaxPageSize    = 50
	MaxFilterItems = 50
)

// Service answers searches from an Index and reports indexing state.
type Service struct {
	pool     *pgxpool.Pool
	index    Index
	settings *expirable.LRU[uuid.UUID, Settings]
	tokens   TokenMinter
	tokenTTL time.Duration
}

// NewService returns a Service searching index. tokens, when not nil,
// mints the search keys front ends query the engine with, valid for
// tokenTTL.
func NewService(pool *pgxpool.Pool, index Index, tokens TokenMinter, tokenTTL time.Duration) *Service {
	return &Service{pool: pool, index: index, tokens: tokens, tokenTTL: tokenTTL,
		settings: expirable.NewLRU[uuid.UUID, Settings](1024, nil, 30*time.Second)}
}

// Engine names the engine that answers.
func (s *Service) Engine() string { return s.index.Name() }

// Ready reports whether the engine answers (an engine in the database
// always does when the database does).
func (s *Service) Ready(ctx context.Context) error {
	if r, ok := s.index.(interface{ Ready(context.Context) error }); ok {
		return r.Ready(ctx)
	}
	return nil
}

// Request is a search as a caller asks for it.
type Request struct {
	Tenant uuid.UUID
	Site   uuid.UUID
	Text   string
	Filter Filter
	Facets []Facet
	Order  Order
	First  int
	After  string
}

// Search validates r and answers it: published items that r's site shows,
// of r's tenant only. Bad input is an apperr Invalid error naming the field.
func (s *Service) Search(ctx context.Context, r Request) (*Result, error) {
	q, err := s.validate(ctx, r)
	if err != nil {
		return nil, err
	}
	res, err := s.index.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Service) validate(ctx context.Context, r Request) (Query, error) {
	text := strings.TrimSpace(r.Text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return Query{}, apperr.InvalidField("query", "must not be empty")
	case n > MaxQueryRunes:
		return Query{}, apperr.InvalidField("query", fmt.Sprintf("must be at most %d characters (it has %d)", MaxQueryRunes, n))
	}
	terms := QueryTerms(text)
	if len(terms) == 0 {
		return Query{}, apperr.InvalidField("query", "has no words to search for")
	}
	if err := apperr.PageSize(r.First, MaxPageSize); err != nil {
		return Query{}, err
	}
	f := r.Filter
	for name, n := range map[string]int{"filter.types": len(f.Types), "filter.areas": len(f.Areas), "filter.topics": len(f.Topics),
		"filter.tags": len(f.Tags), "filter.orgUnits": len(f.OrgUnits)} {
		if n > MaxFilterItems {
			return Query{}, apperr.InvalidField(name, fmt.Sprintf("may list at most %d values", MaxFilterItems))
		}
	}
	for _, t := range f.Types {
		if !t.Valid() {
			return Query{}, apperr.InvalidField("filter.types", fmt.Sprintf("unknown type %q", t))
		}
	}
	for name, vs := range map[string][]string{"filter.topics": f.Topics, "filter.tags": f.Tags} {
		for _, v := range vs {
			if v == "" || utf8.RuneCountInString(v) > 100 {
				return Query{}, apperr.InvalidField(name, "values must have 1 to 100 characters")
			}
		}
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		return Query{}, apperr.InvalidField("filter.to", "must not be before filter.from")
	}
	seen := map[Facet]bool{}
	for _, fc := range r.Facets {
		if !fc.Valid() {
			return Query{}, apperr.InvalidField("facets", fmt.Sprintf("unknown facet %q", fc))
		}
		if seen[fc] {
			return Query{}, apperr.InvalidField("facets", fmt.Sprintf("facet %q is asked for twice", fc))
		}
		seen[fc] = true
	}
	order := r.Order
	if order == "" {
		order = OrderRelevance
	}
	if order != OrderRelevance && order != OrderNewest {
		return Query{}, apperr.InvalidField("orderBy", "unknown order")
	}
	set, err := s.settingsOf(ctx, r.Tenant)
	if err != nil {
		return Query{}, err
	}
	return Query{Tenant: r.Tenant, Site: r.Site, Text: text, Terms: terms, Synonyms: set.Synonyms, Filter: f,
		Facets: slices.Clone(r.Facets), Order: order, First: r.First, After: r.After}, nil
}

func (s *Service) settingsOf(ctx context.Context, tenant uuid.UUID) (Settings, error) {
	if set, ok := s.settings.Get(tenant); ok {
		return set, nil
	}
	set, err := loadSettings(ctx, s.pool, tenant)
	if err != nil {
		return set, err
	}
	s.settings.Add(tenant, set)
	return set, nil
}

// State is what the index holds of an item, for its editors.
type State struct {
	// InIndex says the index holds the item; Version is the item's version
	// it holds (content versions; activities count in update times).
	InIndex   bool
	Version   int64
	IndexedAt *time.Time
	// Pending says a change of the item waits to be indexed.
	Pending bool
}

// States returns the index state of the items ids of kind.
func (s *Service) States(ctx context.Context, tenant uuid.UUID, kind Kind, ids []uuid.UUID) (map[uuid.UUID]*State, error) {
	out := make(map[uuid.UUID]*State, len(ids))
	for _, id := range ids {
		out[id] = &State{}
	}
	b := &pgx.Batch{}
	queueStates(b, tenant, kind, ids, out)
	if err := postgres.TenantBatch(ctx, s.pool, tenant, b); err != nil {
		return nil, fmt.Errorf("search: index states: %w", err)
	}
	return out, nil
}

// Status is the indexing state of a tenant.
type Status struct {
	Engine  string
	Indexed int
	Backlog int
	// Lag is the age of the oldest change not yet indexed (0 when none).
	Lag           time.Duration
	LastReconcile *ReconcileRun
}

// ReconcileRun is a recorded reconciliation.
type ReconcileRun struct {
	Report
	Engine     string
	FinishedAt time.Time
}

// Status reports the indexing state of the caller's school (its site
// managers, tenant-wide).
func (s *Service) Status(ctx context.Context) (*Status, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermSiteManage)
	if err != nil {
		return nil, err
	}
	return s.StatusOf(ctx, p.TenantID)
}

// StatusOf reports tenant's indexing state to the operator (the command
// line; no caller to check).
func (s *Service) StatusOf(ctx context.Context, tenant uuid.UUID) (*Status, error) {
	st := &Status{Engine: s.index.Name()}
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		q := searchdb.New(tx)
		counts, err := q.IndexCounts(ctx, tenant)
		if err != nil {
			return err
		}
		st.Indexed, st.Backlog = int(counts.Indexed), int(counts.Backlog)
		switch oldest, err := q.OldestChange(ctx, tenant); {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		default:
			st.Lag = time.Since(oldest)
		}
		switch r, err := q.LastReconcileRun(ctx, tenant); {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		default:
			st.LastReconcile = &ReconcileRun{Engine: r.Engine, FinishedAt: r.FinishedAt,
				Report: Report{Checked: int(r.Checked), Missing: int(r.Missing), Stale: int(r.Stale), Extra: int(r.Extra)}}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search: status: %w", err)
	}
	return st, nil
}

// TokenMinter mints keys for front ends that query the engine directly
// (Meilisearch tenant tokens).
type TokenMinter interface {
	Token(tenant, site uuid.UUID, ttl time.Duration) (token, index string, expires time.Time, err error)
	URL() string
}

// Token is a short-lived search key for one site.
type Token struct {
	Token, Index, Host string
	ExpiresAt          time.Time
}

// Token mints a key that can read only site's published documents of
// tenant; Unavailable when the engine has no such keys.
func (s *Service) Token(tenant, site uuid.UUID) (*Token, error) {
	if s.tokens == nil {
		return nil, &apperr.Error{Kind: apperr.Unavailable, Msg: "this deployment uses the built-in search, which front ends query through the API; there is no search token to give"}
	}
	tok, index, exp, err := s.tokens.Token(tenant, site, s.tokenTTL)
	if err != nil {
		return nil, err
	}
	return &Token{Token: tok, Index: index, Host: s.tokens.URL(), ExpiresAt: exp}, nil
}
