package volunteer

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/postgres"
)

// View is what a reader sees of an activity besides its own columns: its
// area, topics and partners, and the reader's own sign-up. Reads fill it for
// a whole page in a fixed number of queries.
type View struct {
	Area     *Area
	Topics   []*Topic
	Partners []*Partner
	// Mine is the caller's sign-up (nil when signed out or not signed up).
	Mine *SignUp
}

// Filter narrows a browse.
type Filter struct {
	// AreaIDs keeps activities in any of these areas or areas under them.
	AreaIDs []uuid.UUID
	// TopicIDs keeps activities about any of these topics.
	TopicIDs []uuid.UUID
	// PartnerIDs keeps activities run with any of these partners.
	PartnerIDs []uuid.UUID
	// OrgUnitID keeps activities organised by this unit or units under it.
	OrgUnitID *uuid.UUID
	// Statuses keeps activities in these (display) statuses; FULL is an
	// open activity with no place left.
	Statuses []Status
	// Audiences keeps activities for these audiences.
	Audiences []Audience
	// HasPlaces keeps activities with confirmed places left.
	HasPlaces bool
	// OpenOnly keeps activities taking sign-ups now with places left.
	OpenOnly bool
	// From and Until bound the start time (inclusive, exclusive).
	From, Until *time.Time

	// Drafts lists drafts too, and Within keeps activities organised by
	// units under any of these org paths: Organised sets both for the
	// caller, Browse clears them.
	Drafts bool
	Within []string
}

// Order is how a browse is sorted.
type Order string

const (
	OrderStartTime Order = "start_time" // soonest first
	OrderNewest    Order = "newest"     // most recently created first
	OrderPopular   Order = "popular"    // most sign-ups first
)

// Cursor is a position in a browse: the sort key of the last item seen
// (Time for start time and newest, Count for popular), then its id.
type Cursor struct {
	Time  time.Time
	Count int64
	ID    uuid.UUID
}

// CursorOf returns a's position in a browse sorted by o.
func CursorOf(a *Activity, o Order) Cursor {
	switch o {
	case OrderNewest:
		return Cursor{Time: a.CreatedAt, ID: a.ID}
	case OrderPopular:
		return Cursor{Count: int64(a.SignupCount), ID: a.ID}
	}
	return Cursor{Time: a.StartsAt, ID: a.ID}
}

// MaxPageSize is the most activities one page holds.
const MaxPageSize = 100

// Page is one page of activities.
type Page struct {
	Items   []*Activity
	HasNext bool
	// Filter is what the page was listed with (what Facets counts by).
	Filter Filter
}

// Browse lists a school's published (non-draft) activities with keyset
// pagination; anyone may browse.
func (s *Service) Browse(ctx context.Context, tenant uuid.UUID, f Filter, order Order, first int, after *Cursor, d DescriptionOption) (*Page, error) {
	f.Drafts, f.Within = false, nil
	return s.browse(ctx, tenant, f, order, first, after, d)
}

// Organised lists the activities the caller organises (volunteer.manage
// over their unit), drafts included, newest first: the organisers' list.
// Someone who organises nowhere gets an empty page.
func (s *Service) Organised(ctx context.Context, f Filter, first int, after *Cursor, d DescriptionOption) (*Page, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	paths, all := p.Paths(auth.PermVolunteer)
	f.Drafts, f.Within = true, paths
	if !all && len(paths) == 0 {
		if err := apperr.PageSize(first, MaxPageSize); err != nil {
			return nil, err
		}
		return &Page{Filter: f}, nil
	}
	return s.browse(ctx, p.TenantID, f, OrderNewest, first, after, d)
}

func (s *Service) browse(ctx context.Context, tenant uuid.UUID, f Filter, order Order, first int, after *Cursor, d DescriptionOption) (*Page, error) {
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	// Two round trips whatever the page size: the page (with the tenant
	// set in the same batch), then everything its items refer to.
	page := &Page{Filter: f}
	b := &pgx.Batch{}
	if err := queueBrowse(b, tenant, f, s.now(), order, first, after, d, func(a *Activity) { page.Items = append(page.Items, a) }); err != nil {
		return nil, err
	}
	if err := postgres.TenantBatch(ctx, s.pool, tenant, b); err != nil {
		return nil, fmt.Errorf("volunteer: browse: %w", err)
	}
	if len(page.Items) > first {
		page.Items, page.HasNext = page.Items[:first], true
	}
	if err := s.withViews(ctx, tenant, page.Items); err != nil {
		return nil, err
	}
	return page, nil
}

// Get returns one activity: anyone sees a non-draft one; a draft only its
// organisers. Unknown and hidden activities are NotFound alike.
func (s *Service) Get(ctx context.Context, tenant, id uuid.UUID) (*Activity, error) {
	var out *Activity
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		a, err := loadActivity(ctx, tx, tenant, id, false)
		if err != nil {
			return err
		}
		if a.Status == StatusDraft {
			p := auth.FromContext(ctx)
			if p == nil || p.TenantID != tenant || !organiser(p, a) {
				return errActivityNotFound
			}
		}
		out = a
		return s.fillViews(ctx, tx, tenant, []*Activity{a})
	})
	return out, err
}

// Describe fills a's View (for an activity a mutation returns).
func (s *Service) Describe(ctx context.Context, a *Activity) error {
	return postgres.InTenantTx(ctx, s.pool, a.TenantID, func(tx pgx.Tx) error {
		return s.fillViews(ctx, tx, a.TenantID, []*Activity{a})
	})
}

// fillViews loads the views of items in one round trip within tx.
func (s *Service) fillViews(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, items []*Activity) error {
	b, fill := s.viewBatch(ctx, tenant, items)
	if b.Len() > 0 {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("volunteer: load activity details: %w", err)
		}
	}
	fill()
	return nil
}

// viewBatch queues the look-ups of the areas, topics, partners and the
// caller's sign-ups of items (one statement each); fill, called once the
// batch has run, sets each item's View.
func (s *Service) viewBatch(ctx context.Context, tenant uuid.UUID, items []*Activity) (*pgx.Batch, func()) {
	var areaIDs, topicIDs, partnerIDs, ids []uuid.UUID
	for _, a := range items {
		ids = append(ids, a.ID)
		if a.AreaID != nil {
			areaIDs = append(areaIDs, *a.AreaID)
		}
		topicIDs = append(topicIDs, a.TopicIDs...)
		partnerIDs = append(partnerIDs, a.PartnerIDs...)
	}
	var person *uuid.UUID
	if p := auth.FromContext(ctx); p != nil && p.TenantID == tenant {
		person = p.PersonID
	}
	b := &pgx.Batch{}
	d := queueDetails(b, tenant, areaIDs, topicIDs, partnerIDs, person, ids)
	contacts := seesContacts(ctx, tenant)
	return b, func() {
		if !contacts {
			withoutContacts(d.partners)
		}
		for _, a := range items {
			a.View = d.viewOf(a)
		}
	}
}

func (d *details) viewOf(a *Activity) *View {
	v := &View{Mine: d.mine[a.ID]}
	if a.AreaID != nil {
		v.Area = d.areas[*a.AreaID]
	}
	for _, id := range a.TopicIDs {
		if t := d.topics[id]; t != nil {
			v.Topics = append(v.Topics, t)
		}
	}
	for _, id := range a.PartnerIDs {
		if pt := d.partners[id]; pt != nil {
			v.Partners = append(v.Partners, pt)
		}
	}
	return v
}

// AreaCount and TopicCount are facet counts.
type AreaCount struct {
	Area  *Area
	Count int
}

type TopicCount struct {
	Topic *Topic
	Count int
}

// Facets counts the activities f matches by area and by topic (an activity
// counts once for its own area, not for the areas above it). Counts may lag
// up to FacetCacheTTL behind changes.
func (s *Service) Facets(ctx context.Context, tenant uuid.UUID, f Filter) ([]AreaCount, []TopicCount, error) {
	key, err := json.Marshal(struct {
		T uuid.UUID
		F Filter
	}{tenant, f})
	if err != nil {
		return nil, nil, err
	}
	if c, ok := s.facets.Get(string(key)); ok {
		return c.areas, c.topics, nil
	}
	areas, topics, err := s.countFacets(ctx, tenant, f)
	if err != nil {
		return nil, nil, err
	}
	s.facets.Add(string(key), facetCounts{areas, topics})
	return areas, topics, nil
}

func (s *Service) countFacets(ctx context.Context, tenant uuid.UUID, f Filter) ([]AreaCount, []TopicCount, error) {
	var areas []AreaCount
	var topics []TopicCount
	b := &pgx.Batch{}
	queueFacets(b, tenant, f, s.now(), &areas, &topics)
	if err := postgres.TenantBatch(ctx, s.pool, tenant, b); err != nil {
		return nil, nil, fmt.Errorf("volunteer: facets: %w", err)
	}
	return areas, topics, nil
}

// Findable returns the activities among ids that students can find (not
// drafts, not cancelled) with their views, keyed by id, in two round
// trips: what search hits show.
func (s *Service) Findable(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID, d DescriptionOption) (map[uuid.UUID]*Activity, error) {
	out := map[uuid.UUID]*Activity{}
	if len(ids) == 0 {
		return out, nil
	}
	var items []*Activity
	b := &pgx.Batch{}
	queueFindable(b, tenant, ids, d, func(a *Activity) { items = append(items, a) })
	if err := postgres.TenantBatch(ctx, s.pool, tenant, b); err != nil {
		return nil, fmt.Errorf("volunteer: activities by ids: %w", err)
	}
	if err := s.withViews(ctx, tenant, items); err != nil {
		return nil, err
	}
	for _, a := range items {
		out[a.ID] = a
	}
	return out, nil
}

// withViews loads the views of items in one round trip of their own.
func (s *Service) withViews(ctx context.Context, tenant uuid.UUID, items []*Activity) error {
	vb, fill := s.viewBatch(ctx, tenant, items)
	if vb.Len() > 0 {
		if err := postgres.TenantBatch(ctx, s.pool, tenant, vb); err != nil {
			return fmt.Errorf("volunteer: load activity details: %w", err)
		}
	}
	fill()
	return nil
}

// MaxPartnerActivities is the most activities PartnerActivities returns per partner.
const MaxPartnerActivities = 20

// PartnerActivities returns, for each partner among ids, its n latest
// activities that students can see (not drafts), newest start first, with
// their views: two round trips for any number of partners.
func (s *Service) PartnerActivities(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID, n int, d DescriptionOption) (map[uuid.UUID][]*Activity, error) {
	if err := apperr.PageSize(n, MaxPartnerActivities); err != nil {
		return nil, err
	}
	out := map[uuid.UUID][]*Activity{}
	var items []*Activity
	b := &pgx.Batch{}
	queuePartnerActivities(b, tenant, ids, n, d, func(partner uuid.UUID, a *Activity) {
		out[partner] = append(out[partner], a)
		items = append(items, a)
	})
	if err := postgres.TenantBatch(ctx, s.pool, tenant, b); err != nil {
		return nil, fmt.Errorf("volunteer: partners' activities: %w", err)
	}
	if err := s.withViews(ctx, tenant, items); err != nil {
		return nil, err
	}
	return out, nil
}
