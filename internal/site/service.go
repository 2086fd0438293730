package site

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/postgres"
	"zhdj/internal/reqmeta"
	"zhdj/internal/site/sitedb"
)

// Service is the site use cases.
type Service struct {
	pool *pgxpool.Pool
	// routes caches public routing (slug → site) for routeTTL: every public
	// request starts with it, and sites change rarely. A change made through
	// this process clears it at once; other processes when told of it
	// (Forget), or within routeTTL.
	routes   sync.Map // string → cachedRoute
	routeTTL time.Duration
	// onOriginsChanged, when set, is called after a commit that changed the
	// set of allowed origins (so the CORS list refreshes at once instead of
	// at its next tick).
	onOriginsChanged func()
}

// NewService returns a Service over pool; onOriginsChanged (nil: none) is
// called after every commit that changed the set of allowed origins.
func NewService(pool *pgxpool.Pool, onOriginsChanged func()) *Service {
	return &Service{pool: pool, routeTTL: 10 * time.Second, onOriginsChanged: onOriginsChanged}
}

type cachedRoute struct {
	route   Route
	expires time.Time
}

// Forget drops the cached routing (call it when a site changed elsewhere).
func (s *Service) Forget() { s.routes.Clear() }

func (s *Service) originsChanged() {
	s.routes.Clear()
	if s.onOriginsChanged != nil {
		s.onOriginsChanged()
	}
}

// Create adds a site for an org unit of the caller's school; the caller
// needs site.manage at that unit. Every problem with the input is reported
// at once (Invalid, with field paths); a taken slug or an origin that
// another site already has is a Conflict.
func (s *Service) Create(ctx context.Context, in CreateInput) (*Site, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	tenantID := p.TenantID
	in.Slug, in.Name, in.Description = strings.TrimSpace(in.Slug), strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	parsed, err := in.validate()
	if err != nil {
		return nil, err
	}
	theme, nav, blocks, err := parsed.encode()
	if err != nil {
		return nil, err
	}
	var out *Site
	err = postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		q := sitedb.New(tx)
		if err := authorizeUnit(ctx, q, p, in.OrgUnitID); err != nil {
			return err
		}
		row, err := q.InsertSite(ctx, sitedb.InsertSiteParams{
			TenantID: tenantID, OrgUnitID: in.OrgUnitID, Slug: in.Slug, Name: in.Name,
			Description: in.Description, Theme: theme, Navigation: nav, HomeBlocks: blocks,
		})
		switch {
		case postgres.IsUniqueViolation(err, "sites_slug_key"):
			return &apperr.Error{Kind: apperr.Conflict, Msg: fmt.Sprintf("a site with slug %q already exists", in.Slug), Fields: map[string]string{"slug": "already taken"}, Err: err}
		case err != nil && apperr.KindOf(postgres.Err(err, "")) == apperr.Invalid:
			return &apperr.Error{Kind: apperr.Invalid, Msg: "invalid input", Fields: map[string]string{"orgUnitId": "no such org unit"}, Err: err}
		case err != nil:
			return fmt.Errorf("site: insert: %w", err)
		}
		if err := replaceOrigins(ctx, q, tenantID, row.ID, parsed.origins); err != nil {
			return err
		}
		out, err = fromRow(row, parsed.origins)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.originsChanged()
	return out, nil
}

// authorizeUnit checks that p may manage sites at unit; an unknown unit is Invalid.
func authorizeUnit(ctx context.Context, q *sitedb.Queries, p *auth.Principal, unit uuid.UUID) error {
	path, err := q.UnitPath(ctx, sitedb.UnitPathParams{TenantID: p.TenantID, ID: unit})
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.InvalidField("orgUnitId", "no such org unit")
	}
	if err != nil {
		return fmt.Errorf("site: unit: %w", err)
	}
	if !p.Can(auth.PermSiteManage, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
		return apperr.Forbiddenf("you may not manage sites of this org unit")
	}
	return nil
}

func replaceOrigins(ctx context.Context, q *sitedb.Queries, tenantID, siteID uuid.UUID, origins []string) error {
	if err := q.DeleteOrigins(ctx, sitedb.DeleteOriginsParams{TenantID: tenantID, SiteID: siteID}); err != nil {
		return fmt.Errorf("site: delete origins: %w", err)
	}
	for i, o := range origins {
		err := q.InsertOrigin(ctx, sitedb.InsertOriginParams{TenantID: tenantID, SiteID: siteID, Origin: o, Position: int32(i)})
		if postgres.IsUniqueViolation(err, "") {
			return &apperr.Error{Kind: apperr.Conflict, Msg: fmt.Sprintf("origin %s already belongs to another site", o), Fields: map[string]string{fmt.Sprintf("origins[%d]", i): "already used by another site"}, Err: err}
		}
		if err != nil {
			return fmt.Errorf("site: insert origin: %w", err)
		}
	}
	return nil
}

// Update changes the fields of in that are set, validating them as Create
// does. The caller needs site.manage at the site's unit (and at the new
// unit when it moves).
func (s *Service) Update(ctx context.Context, id uuid.UUID, in UpdateInput) (*Site, error) {
	prin, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	tenantID := prin.TenantID
	var v apperr.Validation
	var p parsed
	if in.Name != nil {
		*in.Name = strings.TrimSpace(*in.Name)
		validateName(&v, *in.Name)
	}
	if in.Description != nil {
		*in.Description = strings.TrimSpace(*in.Description)
		validateDescription(&v, *in.Description)
	}
	if in.Origins != nil {
		p.origins = parseOrigins(&v, *in.Origins)
	}
	if in.Theme != nil {
		p.theme, err = ParseTheme("theme", in.Theme)
		v.Merge("", err)
	}
	if in.Navigation != nil {
		p.navigation, err = ParseNavigation("navigation", in.Navigation)
		v.Merge("", err)
	}
	if in.HomeBlocks != nil {
		p.blocks, err = ParseHomeBlocks("homeBlocks", in.HomeBlocks)
		v.Merge("", err)
	}
	if in.PublicMaxAge != nil && (*in.PublicMaxAge < 0 || *in.PublicMaxAge > MaxPublicMaxAge) {
		v.Add("publicMaxAge", fmt.Sprintf("must be 1–%d seconds, or 0 for the default", MaxPublicMaxAge))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	theme, nav, blocks, err := p.encode()
	if err != nil {
		return nil, err
	}
	var out *Site
	err = postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		q := sitedb.New(tx)
		cur, err := q.GetSiteForUpdate(ctx, sitedb.GetSiteForUpdateParams{TenantID: tenantID, ID: id})
		if err != nil {
			return postgres.Err(err, "site")
		}
		if err := authorizeUnit(ctx, q, prin, cur.OrgUnitID); err != nil {
			return err
		}
		if in.OrgUnitID != nil {
			if err := authorizeUnit(ctx, q, prin, *in.OrgUnitID); err != nil {
				return err
			}
		}
		up := sitedb.UpdateSiteParams{
			TenantID: tenantID, ID: id, OrgUnitID: cur.OrgUnitID, Name: cur.Name, Description: cur.Description,
			Theme: cur.Theme, Navigation: cur.Navigation, HomeBlocks: cur.HomeBlocks, Active: cur.Active,
			PublicMaxAge: cur.PublicMaxAge,
		}
		if in.PublicMaxAge != nil {
			up.PublicMaxAge = nil
			if n := int32(*in.PublicMaxAge); n > 0 {
				up.PublicMaxAge = &n
			}
		}
		if in.OrgUnitID != nil {
			up.OrgUnitID = *in.OrgUnitID
		}
		if in.Name != nil {
			up.Name = *in.Name
		}
		if in.Description != nil {
			up.Description = *in.Description
		}
		if in.Theme != nil {
			up.Theme = theme
		}
		if in.Navigation != nil {
			up.Navigation = nav
		}
		if in.HomeBlocks != nil {
			up.HomeBlocks = blocks
		}
		if in.Active != nil {
			up.Active = *in.Active
		}
		row, err := q.UpdateSite(ctx, up)
		if err != nil {
			if apperr.KindOf(postgres.Err(err, "")) == apperr.Invalid {
				return &apperr.Error{Kind: apperr.Invalid, Msg: "invalid input", Fields: map[string]string{"orgUnitId": "no such org unit"}, Err: err}
			}
			return fmt.Errorf("site: update: %w", err)
		}
		origins := p.origins
		if in.Origins != nil {
			if err := replaceOrigins(ctx, q, tenantID, id, origins); err != nil {
				return err
			}
		} else {
			rows, err := q.OriginsOfSites(ctx, sitedb.OriginsOfSitesParams{TenantID: tenantID, SiteIds: []uuid.UUID{id}})
			if err != nil {
				return fmt.Errorf("site: origins: %w", err)
			}
			for _, r := range rows {
				origins = append(origins, r.Origin)
			}
		}
		out, err = fromRow(row, origins)
		return err
	})
	if err != nil {
		return nil, err
	}
	if in.Origins != nil || in.Active != nil {
		s.originsChanged()
	} else if in.PublicMaxAge != nil {
		s.Forget()
	}
	return out, nil
}

// Route is where a public request for a site goes: its tenant and id,
// and the max-age of its public answers (0: the schema's).
type Route struct {
	TenantID     uuid.UUID
	SiteID       uuid.UUID
	PublicMaxAge int
}

// reads tells the request in ctx that it reads r's site.
func (r Route) reads(ctx context.Context) {
	reqmeta.ReadsTenant(ctx, r.TenantID)
	reqmeta.ReadsSite(ctx, r.PublicMaxAge)
}

func maxAgeOf(n *int32) int {
	if n == nil {
		return 0
	}
	return int(*n)
}

// RouteBySlug finds the active site a slug names, in any tenant, or NotFound.
func (s *Service) RouteBySlug(ctx context.Context, slug string) (Route, error) {
	slug = strings.TrimSpace(slug)
	if c, ok := s.routes.Load(slug); ok && time.Now().Before(c.(cachedRoute).expires) {
		c.(cachedRoute).route.reads(ctx)
		return c.(cachedRoute).route, nil
	}
	row, err := sitedb.New(s.pool).RouteBySlug(ctx, slug)
	if err != nil {
		return Route{}, notFoundSite(err, fmt.Sprintf("no site with slug %q", slug))
	}
	r := Route{TenantID: row.TenantID, SiteID: row.ID, PublicMaxAge: maxAgeOf(row.PublicMaxAge)}
	s.routes.Store(slug, cachedRoute{route: r, expires: time.Now().Add(s.routeTTL)})
	r.reads(ctx)
	return r, nil
}

// RouteByOrigin finds the active site an origin belongs to, or NotFound.
// The origin is normalised first; a malformed one is Invalid.
func (s *Service) RouteByOrigin(ctx context.Context, origin string) (Route, error) {
	n, err := NormalizeOrigin(origin)
	if err != nil {
		return Route{}, apperr.InvalidField("origin", err.Error())
	}
	row, err := sitedb.New(s.pool).RouteByOrigin(ctx, n)
	if err != nil {
		return Route{}, notFoundSite(err, fmt.Sprintf("no site for origin %s", n))
	}
	r := Route{TenantID: row.TenantID, SiteID: row.ID, PublicMaxAge: maxAgeOf(row.PublicMaxAge)}
	r.reads(ctx)
	return r, nil
}

func notFoundSite(err error, msg string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return &apperr.Error{Kind: apperr.NotFound, Msg: msg, Err: err}
	}
	return fmt.Errorf("site: route: %w", err)
}

// Site returns one site of the tenant (active or not), or NotFound.
func (s *Service) Site(ctx context.Context, tenantID, id uuid.UUID) (*Site, error) {
	m, err := s.ByIDs(ctx, tenantID, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if st, ok := m[id]; ok {
		return st, nil
	}
	return nil, apperr.NotFoundf("site not found")
}

// ByIDs returns the tenant's sites among ids, with their origins, keyed by id.
func (s *Service) ByIDs(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Site, error) {
	out := make(map[uuid.UUID]*Site, len(ids))
	err := postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		q := sitedb.New(tx)
		rows, err := q.SitesByIDs(ctx, sitedb.SitesByIDsParams{TenantID: tenantID, Ids: ids})
		if err != nil {
			return fmt.Errorf("site: by ids: %w", err)
		}
		sites, err := withOrigins(ctx, q, tenantID, rows)
		for _, st := range sites {
			out[st.ID] = st
		}
		return err
	})
	return out, err
}

// ByOrgUnits returns the sites bound to each org unit, keyed by unit id.
func (s *Service) ByOrgUnits(ctx context.Context, tenantID uuid.UUID, unitIDs []uuid.UUID, includeInactive bool) (map[uuid.UUID][]*Site, error) {
	out := make(map[uuid.UUID][]*Site, len(unitIDs))
	err := postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		q := sitedb.New(tx)
		rows, err := q.SitesByOrgUnits(ctx, sitedb.SitesByOrgUnitsParams{TenantID: tenantID, OrgUnitIds: unitIDs, IncludeInactive: includeInactive})
		if err != nil {
			return fmt.Errorf("site: by org units: %w", err)
		}
		sites, err := withOrigins(ctx, q, tenantID, rows)
		for _, st := range sites {
			out[st.OrgUnitID] = append(out[st.OrgUnitID], st)
		}
		return err
	})
	return out, err
}

// withOrigins loads the origins of rows with one query and builds Sites.
func withOrigins(ctx context.Context, q *sitedb.Queries, tenantID uuid.UUID, rows []sitedb.Site) ([]*Site, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	ors, err := q.OriginsOfSites(ctx, sitedb.OriginsOfSitesParams{TenantID: tenantID, SiteIds: ids})
	if err != nil {
		return nil, fmt.Errorf("site: origins: %w", err)
	}
	byID := map[uuid.UUID][]string{}
	for _, o := range ors {
		byID[o.SiteID] = append(byID[o.SiteID], o.Origin)
	}
	out := make([]*Site, 0, len(rows))
	for _, r := range rows {
		st, err := fromRow(r, byID[r.ID])
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// ActiveOrigins returns every origin of every active site of every active
// tenant: what CORS allows.
func (s *Service) ActiveOrigins(ctx context.Context) ([]string, error) {
	out, err := sitedb.New(s.pool).ActiveOrigins(ctx)
	if err != nil {
		return nil, fmt.Errorf("site: active origins: %w", err)
	}
	return out, nil
}

func (p parsed) encode() (theme, nav, blocks []byte, err error) {
	if theme, err = json.Marshal(p.theme); err != nil {
		return nil, nil, nil, err
	}
	if p.navigation == nil {
		p.navigation = []NavItem{}
	}
	if nav, err = json.Marshal(p.navigation); err != nil {
		return nil, nil, nil, err
	}
	if p.blocks == nil {
		p.blocks = []HomeBlock{}
	}
	blocks, err = json.Marshal(p.blocks)
	return theme, nav, blocks, err
}

func fromRow(r sitedb.Site, origins []string) (*Site, error) {
	st := &Site{
		TenantID: r.TenantID, ID: r.ID, OrgUnitID: r.OrgUnitID, Slug: r.Slug, Name: r.Name,
		Description: r.Description, Origins: origins, Active: r.Active,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if n := maxAgeOf(r.PublicMaxAge); n > 0 {
		st.PublicMaxAge = &n
	}
	if st.Origins == nil {
		st.Origins = []string{}
	}
	if err := json.Unmarshal(r.Theme, &st.Theme); err != nil {
		return nil, fmt.Errorf("site %s: stored theme: %w", r.ID, err)
	}
	st.Theme = st.Theme.withDefaults()
	if err := json.Unmarshal(r.Navigation, &st.Navigation); err != nil {
		return nil, fmt.Errorf("site %s: stored navigation: %w", r.ID, err)
	}
	if err := json.Unmarshal(r.HomeBlocks, &st.HomeBlocks); err != nil {
		return nil, fmt.Errorf("site %s: stored home blocks: %w", r.ID, err)
	}
	return st, nil
}
