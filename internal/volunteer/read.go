package volunteer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/member"
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
}

type query struct {
	args  []any
	where []string
}

func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

// filterSQL builds the WHERE clause of f over activities a joined to their
// unit u; $1 is the tenant.
func (s *Service) filterSQL(tenant uuid.UUID, f Filter) *query {
	q := &query{args: []any{tenant}, where: []string{"a.tenant_id = $1", "a.status <> 'draft'"}}
	if len(f.AreaIDs) > 0 {
		q.where = append(q.where, `a.area_id IN (WITH RECURSIVE sub AS (
			SELECT id FROM volunteer_areas WHERE tenant_id = $1 AND id = ANY(`+q.arg(f.AreaIDs)+`::uuid[])
			UNION ALL SELECT c.id FROM volunteer_areas c JOIN sub ON c.parent_id = sub.id WHERE c.tenant_id = $1)
			SELECT id FROM sub)`)
	}
	if len(f.TopicIDs) > 0 {
		q.where = append(q.where, "a.topic_ids && "+q.arg(f.TopicIDs)+"::uuid[]")
	}
	if len(f.PartnerIDs) > 0 {
		q.where = append(q.where, "a.partner_ids && "+q.arg(f.PartnerIDs)+"::uuid[]")
	}
	if f.OrgUnitID != nil {
		q.where = append(q.where, "u.path <@ (SELECT path FROM org_units WHERE tenant_id = $1 AND id = "+q.arg(*f.OrgUnitID)+")")
	}
	if len(f.Statuses) > 0 {
		var or []string
		for _, st := range f.Statuses {
			switch st {
			case StatusFull:
				or = append(or, "(a.status = 'open' AND a.confirmed_count >= a.capacity)")
			case StatusOpen:
				or = append(or, "(a.status = 'open' AND a.confirmed_count < a.capacity)")
			default:
				or = append(or, "a.status = "+q.arg(string(st)))
			}
		}
		q.where = append(q.where, "("+strings.Join(or, " OR ")+")")
	}
	if len(f.Audiences) > 0 {
		aud := make([]string, len(f.Audiences))
		for i, a := range f.Audiences {
			aud[i] = string(a)
		}
		q.where = append(q.where, "a.audience = ANY("+q.arg(aud)+"::text[])")
	}
	if f.HasPlaces {
		q.where = append(q.where, "a.confirmed_count < a.capacity")
	}
	if f.OpenOnly {
		now := q.arg(s.now())
		q.where = append(q.where, "a.status = 'open' AND a.confirmed_count < a.capacity AND a.signup_opens_at <= "+now+" AND a.signup_closes_at > "+now)
	}
	if f.From != nil {
		q.where = append(q.where, "a.starts_at >= "+q.arg(*f.From))
	}
	if f.Until != nil {
		q.where = append(q.where, "a.starts_at < "+q.arg(*f.Until))
	}
	return q
}

// Browse lists a school's published (non-draft) activities with keyset
// pagination; anyone may browse.
func (s *Service) Browse(ctx context.Context, tenant uuid.UUID, f Filter, order Order, first int, after *Cursor, d DescriptionOption) (*Page, error) {
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	q := s.filterSQL(tenant, f)
	var orderBy string
	switch order {
	case OrderNewest:
		orderBy = "a.created_at DESC, a.id DESC"
		if after != nil {
			q.where = append(q.where, "(a.created_at, a.id) < ("+q.arg(after.Time)+", "+q.arg(after.ID)+")")
		}
	case OrderPopular:
		orderBy = "a.signup_count DESC, a.id DESC"
		if after != nil {
			q.where = append(q.where, "(a.signup_count, a.id) < ("+q.arg(after.Count)+"::int, "+q.arg(after.ID)+")")
		}
	case OrderStartTime, "":
		orderBy = "a.starts_at, a.id"
		if after != nil {
			q.where = append(q.where, "(a.starts_at, a.id) > ("+q.arg(after.Time)+", "+q.arg(after.ID)+")")
		}
	default:
		return nil, apperr.InvalidField("orderBy", "unknown order")
	}
	sql := `SELECT ` + listColumns(d) + ` FROM activities a JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
		WHERE ` + strings.Join(q.where, " AND ") + ` ORDER BY ` + orderBy + ` LIMIT ` + strconv.Itoa(first+1)
	// The limit is written out (a checked page size, not input text): with
	// a parameter PostgreSQL cannot cost a generic plan and plans every
	// browse anew, which took longer than running it.
	args := q.args
	// Two round trips whatever the page size: the page (with the tenant
	// set in the same batch), then everything its items refer to.
	page := &Page{}
	b := &pgx.Batch{}
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			a, err := scanActivity(rows)
			if err != nil {
				return err
			}
			a.descriptionOmitted = d == WithoutDescription
			page.Items = append(page.Items, a)
		}
		return rows.Err()
	})
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

// viewBatch queues the queries for the areas, topics, partners and the
// caller's sign-ups of items (one each); fill, called once the batch has
// run, sets each item's View.
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
	areas := map[uuid.UUID]*Area{}
	topics := map[uuid.UUID]*Topic{}
	partners := map[uuid.UUID]*Partner{}
	mine := map[uuid.UUID]*SignUp{}
	b := &pgx.Batch{}
	if len(areaIDs) > 0 {
		b.Queue(`SELECT id, parent_id, code, name FROM volunteer_areas WHERE tenant_id = $1 AND id = ANY($2)`, tenant, areaIDs).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				a := &Area{TenantID: tenant}
				if err := rows.Scan(&a.ID, &a.ParentID, &a.Code, &a.Name); err != nil {
					return err
				}
				areas[a.ID] = a
			}
			return rows.Err()
		})
	}
	if len(topicIDs) > 0 {
		b.Queue(`SELECT id, code, name FROM volunteer_topics WHERE tenant_id = $1 AND id = ANY($2)`, tenant, topicIDs).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				t := &Topic{TenantID: tenant}
				if err := rows.Scan(&t.ID, &t.Code, &t.Name); err != nil {
					return err
				}
				topics[t.ID] = t
			}
			return rows.Err()
		})
	}
	if len(partnerIDs) > 0 {
		b.Queue(`SELECT id, name, kind, contact_name, contact_phone_masked FROM partners WHERE tenant_id = $1 AND id = ANY($2)`, tenant, partnerIDs).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				pt := &Partner{TenantID: tenant}
				if err := rows.Scan(&pt.ID, &pt.Name, &pt.Kind, &pt.ContactName, &pt.ContactPhoneMasked); err != nil {
					return err
				}
				partners[pt.ID] = pt
			}
			return rows.Err()
		})
	}
	if p := auth.FromContext(ctx); p != nil && p.TenantID == tenant && p.PersonID != nil {
		b.Queue(`SELECT `+signupColumns+` FROM signups s JOIN people p ON p.tenant_id = s.tenant_id AND p.id = s.person_id
			WHERE s.tenant_id = $1 AND s.person_id = $2 AND s.activity_id = ANY($3)`, tenant, *p.PersonID, ids).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				su, err := scanSignUp(rows)
				if err != nil {
					return err
				}
				mine[su.ActivityID] = su
			}
			return rows.Err()
		})
	}
	return b, func() {
		for _, a := range items {
			a.View = viewOf(a, areas, topics, partners, mine)
		}
	}
}

func viewOf(a *Activity, areas map[uuid.UUID]*Area, topics map[uuid.UUID]*Topic, partners map[uuid.UUID]*Partner, mine map[uuid.UUID]*SignUp) *View {
	v := &View{Mine: mine[a.ID]}
	if a.AreaID != nil {
		v.Area = areas[*a.AreaID]
	}
	for _, id := range a.TopicIDs {
		if t := topics[id]; t != nil {
			v.Topics = append(v.Topics, t)
		}
	}
	for _, id := range a.PartnerIDs {
		if pt := partners[id]; pt != nil {
			v.Partners = append(v.Partners, pt)
		}
	}
	return v
}

// Record is a person's volunteer record (志愿服务记录): confirmed
// service, total hours, and training, commendations and evaluations.
type Record struct {
	PersonID uuid.UUID
	// The person's details as the record rules ask (identifiers masked).
	Name            string
	Gender          member.Gender
	Category        member.Category
	Department      string
	PhoneMasked     string
	CitizenIDMasked string
	// From and Until bound the service period the hours cover (by activity
	// start; nil: unbounded).
	From, Until *time.Time
	TotalHours  float64
	Service     []*SignUp // each with its Activity
	Entries     []*RecordEntry
}

// RecordEntry is a training, commendation or evaluation on a record.
type RecordEntry struct {
	TenantID uuid.UUID
	ID       uuid.UUID
	Kind     string
	Title    string
	Detail   string
	OnDate   time.Time
}

// RecordOf returns a person's volunteer record: the person themself, or a
// volunteer manager over the person's branch. from and until (either may be
// nil) limit the service and total hours to activities starting in
// [from, until).
func (s *Service) RecordOf(ctx context.Context, personID uuid.UUID, from, until *time.Time) (*Record, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if from != nil && until != nil && !until.After(*from) {
		return nil, apperr.InvalidField("to", "must not be before from")
	}
	rec := &Record{PersonID: personID, From: from, Until: until}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		if err := s.mayReadPerson(ctx, tx, p, personID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT name, gender, category, department, phone_masked, citizen_id_masked FROM people WHERE tenant_id = $1 AND id = $2`,
			p.TenantID, personID).Scan(&rec.Name, &rec.Gender, &rec.Category, &rec.Department, &rec.PhoneMasked, &rec.CitizenIDMasked); err != nil {
			return fmt.Errorf("volunteer: record person: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT `+signupColumns+` FROM signups s JOIN people p ON p.tenant_id = s.tenant_id AND p.id = s.person_id
			JOIN activities o ON o.tenant_id = s.tenant_id AND o.id = s.activity_id
			WHERE s.tenant_id = $1 AND s.person_id = $2 AND s.hours_confirmed
			  AND ($3::timestamptz IS NULL OR o.starts_at >= $3) AND ($4::timestamptz IS NULL OR o.starts_at < $4)
			ORDER BY o.starts_at DESC`, p.TenantID, personID, from, until)
		if err != nil {
			return err
		}
		var ids []uuid.UUID
		for rows.Next() {
			su, err := scanSignUp(rows)
			if err != nil {
				rows.Close()
				return err
			}
			rec.Service = append(rec.Service, su)
			ids = append(ids, su.ActivityID)
			if su.Hours != nil {
				rec.TotalHours += *su.Hours
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) > 0 {
			rows, err = tx.Query(ctx, `SELECT `+activityColumns+` FROM activities a JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
				WHERE a.tenant_id = $1 AND a.id = ANY($2)`, p.TenantID, ids)
			if err != nil {
				return err
			}
			byID := map[uuid.UUID]*Activity{}
			for rows.Next() {
				a, err := scanActivity(rows)
				if err != nil {
					rows.Close()
					return err
				}
				byID[a.ID] = a
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, h := range rec.Service {
				h.Activity = byID[h.ActivityID]
			}
		}
		rows, err = tx.Query(ctx, `SELECT id, kind, title, detail, on_date FROM volunteer_record_entries
			WHERE tenant_id = $1 AND person_id = $2 ORDER BY on_date DESC, created_at DESC`, p.TenantID, personID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e := &RecordEntry{TenantID: p.TenantID}
			if err := rows.Scan(&e.ID, &e.Kind, &e.Title, &e.Detail, &e.OnDate); err != nil {
				return err
			}
			rec.Entries = append(rec.Entries, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	rec.TotalHours = roundTenth(rec.TotalHours)
	return rec, nil
}

func roundTenth(h float64) float64 { return float64(int64(h*10+0.5)) / 10 }

// mayReadPerson allows the person themself or a volunteer manager over the
// person's branch; others get NotFound (records are private).
func (s *Service) mayReadPerson(ctx context.Context, tx pgx.Tx, p *auth.Principal, personID uuid.UUID) error {
	if p.PersonID != nil && *p.PersonID == personID {
		return nil
	}
	var path string
	err := tx.QueryRow(ctx, `SELECT u.path::text FROM people pe JOIN org_units u ON u.tenant_id = pe.tenant_id AND u.id = pe.org_unit_id
		WHERE pe.tenant_id = $1 AND pe.id = $2`, p.TenantID, personID).Scan(&path)
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.NotFoundf("person not found")
	}
	if err != nil {
		return err
	}
	if !p.Can(auth.PermVolunteer, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
		return apperr.NotFoundf("person not found")
	}
	return nil
}

// AddRecordEntry adds a training, commendation or evaluation to a person's
// record (volunteer managers over the person's branch).
func (s *Service) AddRecordEntry(ctx context.Context, personID uuid.UUID, kind, title, detail string, on time.Time) (*RecordEntry, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validation
	switch kind {
	case "training", "commendation", "evaluation":
	default:
		v.Add("input.kind", "must be training, commendation or evaluation")
	}
	title = strings.TrimSpace(title)
	if n := len([]rune(title)); n < 1 || n > 200 {
		v.Add("input.title", "must be 1–200 characters")
	}
	if len([]rune(detail)) > 5000 {
		v.Add("input.detail", "at most 5000 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	e := &RecordEntry{TenantID: p.TenantID, Kind: kind, Title: title, Detail: detail, OnDate: on}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		if err := s.mayReadPerson(ctx, tx, p, personID); err != nil {
			return err
		}
		if p.PersonID != nil && *p.PersonID == personID {
			return apperr.Forbiddenf("you cannot add entries to your own record")
		}
		return tx.QueryRow(ctx, `INSERT INTO volunteer_record_entries (tenant_id, person_id, kind, title, detail, on_date, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, p.TenantID, personID, kind, title, detail, on, p.Actor()).Scan(&e.ID)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
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
	q := s.filterSQL(tenant, f)
	matched := `SELECT a.area_id, a.topic_ids FROM activities a JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
		WHERE ` + strings.Join(q.where, " AND ")
	var areas []AreaCount
	var topics []TopicCount
	b := &pgx.Batch{}
	b.Queue(`WITH m AS (`+matched+`)
		SELECT v.id, v.parent_id, v.code, v.name, count(*)::int FROM m JOIN volunteer_areas v ON v.tenant_id = $1 AND v.id = m.area_id
		GROUP BY v.tenant_id, v.id ORDER BY count(*) DESC, v.sort_order, v.code`, q.args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			a := &Area{TenantID: tenant}
			var n int
			if err := rows.Scan(&a.ID, &a.ParentID, &a.Code, &a.Name, &n); err != nil {
				return err
			}
			areas = append(areas, AreaCount{Area: a, Count: n})
		}
		return rows.Err()
	})
	b.Queue(`WITH m AS (`+matched+`)
		SELECT v.id, v.code, v.name, count(*)::int FROM m CROSS JOIN LATERAL unnest(m.topic_ids) t(id) JOIN volunteer_topics v ON v.tenant_id = $1 AND v.id = t.id
		GROUP BY v.tenant_id, v.id ORDER BY count(*) DESC, v.sort_order, v.code`, q.args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			t := &Topic{TenantID: tenant}
			var n int
			if err := rows.Scan(&t.ID, &t.Code, &t.Name, &n); err != nil {
				return err
			}
			topics = append(topics, TopicCount{Topic: t, Count: n})
		}
		return rows.Err()
	})
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
	b.Queue(`SELECT `+listColumns(d)+` FROM activities a JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
		WHERE a.tenant_id = $1 AND a.id = ANY($2::uuid[]) AND a.status NOT IN ('draft', 'cancelled')`, tenant, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			a, err := scanActivity(rows)
			if err != nil {
				return err
			}
			a.descriptionOmitted = d == WithoutDescription
			items = append(items, a)
		}
		return rows.Err()
	})
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
	b.Queue(`SELECT p.id, `+listColumns(d)+` FROM unnest($2::uuid[]) AS p(id)
		CROSS JOIN LATERAL (SELECT a.* FROM activities a WHERE a.tenant_id = $1 AND p.id = ANY (a.partner_ids) AND a.status <> 'draft'
			ORDER BY a.starts_at DESC, a.id DESC LIMIT $3) a
		JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id`, tenant, ids, n).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			a := &Activity{}
			var partner uuid.UUID
			if err := rows.Scan(append([]any{&partner}, activityDest(a)...)...); err != nil {
				return err
			}
			a.descriptionOmitted = d == WithoutDescription
			out[partner] = append(out[partner], a)
			items = append(items, a)
		}
		return rows.Err()
	})
	if err := postgres.TenantBatch(ctx, s.pool, tenant, b); err != nil {
		return nil, fmt.Errorf("volunteer: partners' activities: %w", err)
	}
	if err := s.withViews(ctx, tenant, items); err != nil {
		return nil, err
	}
	return out, nil
}
