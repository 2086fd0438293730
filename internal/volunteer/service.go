package volunteer

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/pii"
	"zhdj/internal/postgres"
)

// Service is the volunteer use cases.
type Service struct {
	pool    *pgxpool.Pool
	keyring *pii.Keyring
	points  PointsAwarder
	now     func() time.Time
	// facets caches facet counts per tenant and filter for a few seconds:
	// they are menu hints, and counting is the costliest part of a browse.
	facets *expirable.LRU[string, facetCounts]
	// signUps gathers sign-ups for one activity that arrive while the
	// previous ones are being written (see signup.go).
	signUps *signUpQueue
}

type facetCounts struct {
	areas  []AreaCount
	topics []TopicCount
}

// FacetCacheTTL is how long facet counts may lag behind sign-ups and edits.
const FacetCacheTTL = 5 * time.Second

// NewService returns a Service. points receives confirmed hours (nil: none).
func NewService(pool *pgxpool.Pool, keyring *pii.Keyring, points PointsAwarder) *Service {
	if points == nil {
		points = noPoints{}
	}
	return &Service{pool: pool, keyring: keyring, points: points, now: time.Now,
		facets:  expirable.NewLRU[string, facetCounts](4096, nil, FacetCacheTTL),
		signUps: newSignUpQueue()}
}

var errActivityNotFound = apperr.NotFoundf("activity not found")

const activityColumns = `a.tenant_id, a.id, a.title, a.description, a.cover_id, a.area_id, a.topic_ids, a.partner_ids, a.org_unit_id,
	a.address, a.latitude, a.longitude, a.starts_at, a.ends_at, a.signup_opens_at, a.signup_closes_at, a.capacity, a.audience,
	a.hours::float8, a.status, a.confirmed_count, a.signup_count, a.cosigned_by, a.cosigned_at, a.created_at, u.path::text, a.code_secret`

// listColumns are activityColumns, with the description only when asked
// (an empty one stands in for it otherwise).
func listColumns(d DescriptionOption) string {
	if d == WithDescription {
		return activityColumns
	}
	return columnsWithoutDescription
}

var columnsWithoutDescription = strings.Replace(activityColumns, "a.description,", "''::text,", 1)

func scanActivity(row pgx.Row) (*Activity, error) {
	a := &Activity{}
	err := row.Scan(activityDest(a)...)
	return a, err
}

// activityDest are the scan destinations of activityColumns.
func activityDest(a *Activity) []any {
	return []any{&a.TenantID, &a.ID, &a.Title, &a.Description, &a.CoverID, &a.AreaID, &a.TopicIDs, &a.PartnerIDs, &a.OrgUnitID,
		&a.Address, &a.Latitude, &a.Longitude, &a.StartsAt, &a.EndsAt, &a.SignupOpensAt, &a.SignupClosesAt, &a.Capacity, &a.Audience,
		&a.Hours, &a.Status, &a.ConfirmedCount, &a.SignupCount, &a.CosignedBy, &a.CosignedAt, &a.CreatedAt, &a.orgPath, &a.secret}
}

func loadActivity(ctx context.Context, tx pgx.Tx, tenant, id uuid.UUID, lock bool) (*Activity, error) {
	sql := `SELECT ` + activityColumns + ` FROM activities a JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
		WHERE a.tenant_id = $1 AND a.id = $2`
	if lock {
		sql += ` FOR UPDATE OF a`
	}
	a, err := scanActivity(tx.QueryRow(ctx, sql, tenant, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errActivityNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("volunteer: load activity: %w", err)
	}
	return a, nil
}

func rules(ctx context.Context, tx pgx.Tx, tenant uuid.UUID) Rules {
	var settings []byte
	if err := tx.QueryRow(ctx, `SELECT settings FROM tenants WHERE id = $1`, tenant).Scan(&settings); err != nil {
		return DefaultRules
	}
	return RulesFrom(settings)
}

func organiser(p *auth.Principal, a *Activity) bool {
	return p.Can(auth.PermVolunteer, auth.Scope{TenantID: p.TenantID, OrgPath: a.orgPath})
}

// organised loads an activity the caller organises (volunteer.manage over
// its unit): others get Forbidden (activities are not secret).
func (s *Service) organised(ctx context.Context, tx pgx.Tx, p *auth.Principal, id uuid.UUID, lock bool) (*Activity, error) {
	a, err := loadActivity(ctx, tx, p.TenantID, id, lock)
	if err != nil {
		return nil, err
	}
	if !organiser(p, a) {
		return nil, apperr.Forbiddenf("only the organisers of this activity's unit may do this")
	}
	return a, nil
}

// Area is a place activities happen in (a campus, a district, a community).
type Area struct {
	TenantID uuid.UUID
	ID       uuid.UUID
	ParentID *uuid.UUID
	Code     string
	Name     string
}

// Topic is what activities are about.
type Topic struct {
	TenantID uuid.UUID
	ID       uuid.UUID
	Code     string
	Name     string
}

// CreateArea adds an area (tenant-wide volunteer managers).
func (s *Service) CreateArea(ctx context.Context, code, name string, parent *uuid.UUID) (*Area, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermVolunteer)
	if err != nil {
		return nil, err
	}
	a := &Area{TenantID: p.TenantID, Code: strings.TrimSpace(code), Name: strings.TrimSpace(name), ParentID: parent}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO volunteer_areas (tenant_id, parent_id, code, name) VALUES ($1, $2, $3, $4) RETURNING id`,
			p.TenantID, parent, a.Code, a.Name).Scan(&a.ID)
	})
	return a, taxonomyErr(err, "area")
}

// CreateTopic adds a topic (tenant-wide volunteer managers).
func (s *Service) CreateTopic(ctx context.Context, code, name string) (*Topic, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermVolunteer)
	if err != nil {
		return nil, err
	}
	t := &Topic{TenantID: p.TenantID, Code: strings.TrimSpace(code), Name: strings.TrimSpace(name)}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO volunteer_topics (tenant_id, code, name) VALUES ($1, $2, $3) RETURNING id`, p.TenantID, t.Code, t.Name).Scan(&t.ID)
	})
	return t, taxonomyErr(err, "topic")
}

func taxonomyErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if postgres.IsUniqueViolation(err, "") {
		return &apperr.Error{Kind: apperr.Conflict, Msg: what + " code already used", Fields: map[string]string{"input.code": "already used"}, Err: err}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "23514" || pe.Code == "23503") {
		return &apperr.Error{Kind: apperr.Invalid, Msg: "invalid " + what, Fields: map[string]string{"input.code": "code: letters, digits, '_' or '-'; name: 1–100 characters; parent must exist"}, Err: err}
	}
	return err
}

// Taxonomy returns the school's areas and topics.
func (s *Service) Taxonomy(ctx context.Context, tenant uuid.UUID) ([]*Area, []*Topic, error) {
	var areas []*Area
	var topics []*Topic
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, parent_id, code, name FROM volunteer_areas WHERE tenant_id = $1 ORDER BY sort_order, code`, tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			a := &Area{TenantID: tenant}
			if err := rows.Scan(&a.ID, &a.ParentID, &a.Code, &a.Name); err != nil {
				return err
			}
			areas = append(areas, a)
		}
		rows.Close()
		rows, err = tx.Query(ctx, `SELECT id, code, name FROM volunteer_topics WHERE tenant_id = $1 ORDER BY sort_order, code`, tenant)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t := &Topic{TenantID: tenant}
			if err := rows.Scan(&t.ID, &t.Code, &t.Name); err != nil {
				return err
			}
			topics = append(topics, t)
		}
		return rows.Err()
	})
	return areas, topics, err
}

// Partner is an organisation activities are run with.
type Partner struct {
	TenantID           uuid.UUID
	ID                 uuid.UUID
	Name               string
	Kind               PartnerKind
	ContactName        string
	ContactPhoneMasked string
}

// CreatePartner records a partner organisation; its contact's phone is
// personal data (encrypted, masked).
func (s *Service) CreatePartner(ctx context.Context, name string, kind PartnerKind, contact, phone string) (*Partner, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermVolunteer)
	if err != nil {
		return nil, err
	}
	switch kind {
	case PartnerGovernment, PartnerEnterprise, PartnerCommunity, PartnerVolunteerOrg, PartnerOther:
	default:
		return nil, apperr.InvalidField("input.kind", "unknown kind")
	}
	out := &Partner{TenantID: p.TenantID, Name: strings.TrimSpace(name), Kind: kind, ContactName: strings.TrimSpace(contact)}
	var enc []byte
	if phone = strings.TrimSpace(phone); phone != "" {
		if enc, err = s.keyring.Encrypt(phone, "partners.contact_phone"); err != nil {
			return nil, err
		}
		out.ContactPhoneMasked = pii.MaskPhone(phone)
	}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO partners (tenant_id, name, kind, contact_name, contact_phone_enc, contact_phone_masked)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, p.TenantID, out.Name, string(kind), out.ContactName, enc, out.ContactPhoneMasked).Scan(&out.ID)
	})
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23514" {
			return nil, apperr.InvalidField("input.name", "must be 1–200 characters")
		}
		return nil, err
	}
	return out, nil
}

// Partners lists a school's partner organisations by name.
func (s *Service) Partners(ctx context.Context, tenant uuid.UUID) ([]*Partner, error) {
	var out []*Partner
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name, kind, contact_name, contact_phone_masked FROM partners WHERE tenant_id = $1 ORDER BY name, id`, tenant)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			pt := &Partner{TenantID: tenant}
			if err := rows.Scan(&pt.ID, &pt.Name, &pt.Kind, &pt.ContactName, &pt.ContactPhoneMasked); err != nil {
				return err
			}
			out = append(out, pt)
		}
		return rows.Err()
	})
	return out, err
}

// CreateActivity adds a draft activity organised by a unit (volunteer.manage there).
func (s *Service) CreateActivity(ctx context.Context, in ActivityInput) (*Activity, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	var out *Activity
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		unit := uuid.Nil
		var path string
		if in.OrgUnitID != nil {
			unit = *in.OrgUnitID
		} else {
			for _, b := range p.Bindings {
				if b.Role.Permits(auth.PermVolunteer) {
					unit = b.OrgUnitID
					break
				}
			}
		}
		if err := tx.QueryRow(ctx, `SELECT path::text FROM org_units WHERE tenant_id = $1 AND id = $2`, p.TenantID, unit).Scan(&path); err != nil {
			return apperr.InvalidField("input.orgUnit", "no such org unit")
		}
		if !p.Can(auth.PermVolunteer, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
			return apperr.Forbiddenf("you may not organise activities for this org unit")
		}
		if err := checkRefs(ctx, tx, p.TenantID, in); err != nil {
			return err
		}
		var id uuid.UUID
		err := tx.QueryRow(ctx, `INSERT INTO activities (tenant_id, title, description, cover_id, area_id, topic_ids, partner_ids, org_unit_id,
				address, latitude, longitude, starts_at, ends_at, signup_opens_at, signup_closes_at, capacity, audience, hours, status, code_secret, created_by)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,'draft',$19,$20) RETURNING id`,
			p.TenantID, in.Title, in.Description, in.CoverID, in.AreaID, distinct(in.TopicIDs), distinct(in.PartnerIDs), unit,
			in.Address, in.Latitude, in.Longitude, in.StartsAt, in.EndsAt, in.SignupOpensAt, in.SignupClosesAt, in.Capacity,
			string(in.Audience), in.Hours, secret, p.Actor()).Scan(&id)
		if err != nil {
			return fmt.Errorf("volunteer: insert activity: %w", err)
		}
		out, err = loadActivity(ctx, tx, p.TenantID, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkRefs checks that the area, topics and partners exist in the school.
func checkRefs(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, in ActivityInput) error {
	var (
		v                          apperr.Validation
		areaOK, coverOK            = true, true
		topicsFound, partnersFound int
	)
	b := &pgx.Batch{}
	if in.AreaID != nil {
		b.Queue(`SELECT EXISTS (SELECT 1 FROM volunteer_areas WHERE tenant_id = $1 AND id = $2)`, tenant, *in.AreaID).QueryRow(func(r pgx.Row) error { return r.Scan(&areaOK) })
	}
	if in.CoverID != nil {
		b.Queue(`SELECT EXISTS (SELECT 1 FROM media WHERE tenant_id = $1 AND id = $2 AND purpose = 'cover' AND status IN ('processing', 'ready'))`,
			tenant, *in.CoverID).QueryRow(func(r pgx.Row) error { return r.Scan(&coverOK) })
	}
	topics, partners := distinct(in.TopicIDs), distinct(in.PartnerIDs)
	if len(topics) > 0 {
		b.Queue(`SELECT count(*) FROM volunteer_topics WHERE tenant_id = $1 AND id = ANY($2)`, tenant, topics).QueryRow(func(r pgx.Row) error { return r.Scan(&topicsFound) })
	}
	if len(partners) > 0 {
		b.Queue(`SELECT count(*) FROM partners WHERE tenant_id = $1 AND id = ANY($2)`, tenant, partners).QueryRow(func(r pgx.Row) error { return r.Scan(&partnersFound) })
	}
	if b.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("volunteer: check references: %w", err)
	}
	if !areaOK {
		v.Add("input.activity.area", "no such area")
	}
	if !coverOK {
		v.Add("input.activity.cover", "no such cover image (upload one with purpose COVER)")
	}
	if topicsFound != len(topics) {
		v.Add("input.activity.topics", "names a topic that does not exist")
	}
	if partnersFound != len(partners) {
		v.Add("input.activity.partners", "names a partner that does not exist")
	}
	return v.Err()
}

func distinct(ids []uuid.UUID) []uuid.UUID {
	seen := make(map[uuid.UUID]bool, len(ids))
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// UpdateActivity changes an activity (its organisers). Capacity cannot go
// below the places already confirmed (Conflict).
func (s *Service) UpdateActivity(ctx context.Context, id uuid.UUID, in ActivityInput) (*Activity, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out *Activity
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a, err := s.organised(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		if in.Capacity < a.ConfirmedCount {
			return &apperr.Error{Kind: apperr.Conflict, Msg: fmt.Sprintf("%d places are already confirmed; capacity cannot go below that", a.ConfirmedCount),
				Fields: map[string]string{"input.activity.capacity": "below the confirmed places"}}
		}
		if err := checkRefs(ctx, tx, p.TenantID, in); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE activities SET title = $3, description = $4, cover_id = $5, area_id = $6, topic_ids = $7, partner_ids = $8,
				address = $9, latitude = $10, longitude = $11, starts_at = $12, ends_at = $13, signup_opens_at = $14, signup_closes_at = $15,
				capacity = $16, audience = $17, hours = $18, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, p.TenantID, id, in.Title, in.Description, in.CoverID, in.AreaID, distinct(in.TopicIDs), distinct(in.PartnerIDs),
			in.Address, in.Latitude, in.Longitude, in.StartsAt, in.EndsAt, in.SignupOpensAt, in.SignupClosesAt, in.Capacity, string(in.Audience), in.Hours)
		if err != nil {
			return fmt.Errorf("volunteer: update: %w", err)
		}
		// A larger capacity admits waitlisted people in order.
		if err := promote(ctx, tx, p.TenantID, id, in.Capacity-a.ConfirmedCount); err != nil {
			return err
		}
		out, err = loadActivity(ctx, tx, p.TenantID, id, false)
		return err
	})
	return out, err
}

// SetStatus opens, closes, finishes or cancels an activity (its organisers).
func (s *Service) SetStatus(ctx context.Context, id uuid.UUID, to Status) (*Activity, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	allowed := map[Status][]Status{
		StatusDraft: {StatusOpen, StatusCancelled}, StatusOpen: {StatusClosed, StatusCancelled},
		StatusClosed: {StatusOpen, StatusFinished, StatusCancelled},
	}
	var out *Activity
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a, err := s.organised(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		ok := false
		for _, st := range allowed[a.Status] {
			ok = ok || st == to
		}
		if !ok {
			return apperr.Conflictf("an activity that is %s cannot become %s", a.Status, to)
		}
		if _, err := tx.Exec(ctx, `UPDATE activities SET status = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, p.TenantID, id, string(to)); err != nil {
			return err
		}
		out, err = loadActivity(ctx, tx, p.TenantID, id, false)
		return err
	})
	return out, err
}

// promote admits up to n waitlisted people in waitlist order. The caller
// holds the activity's row.
func promote(ctx context.Context, tx pgx.Tx, tenant, activity uuid.UUID, n int) error {
	if n <= 0 {
		return nil
	}
	var promoted int
	err := tx.QueryRow(ctx, `WITH next AS (
			SELECT id FROM signups WHERE tenant_id = $1 AND activity_id = $2 AND status = 'waitlisted'
			ORDER BY waitlist_position LIMIT $3 FOR UPDATE),
		promoted AS (
			UPDATE signups s SET status = 'confirmed', waitlist_position = NULL, updated_at = now() FROM next
			WHERE s.tenant_id = $1 AND s.id = next.id RETURNING s.id)
		SELECT count(*) FROM promoted`, tenant, activity, n).Scan(&promoted)
	if err != nil {
		return fmt.Errorf("volunteer: promote: %w", err)
	}
	if promoted == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE activities SET confirmed_count = confirmed_count + $3 WHERE tenant_id = $1 AND id = $2`, tenant, activity, promoted); err != nil {
		return fmt.Errorf("volunteer: promote: %w", err)
	}
	return leaveWaitlist(ctx, tx, tenant, activity, 0, promoted)
}

// leaveWaitlist moves up by n everyone behind place on the activity's
// waitlist, after n people at or before it left (promoted from the front,
// or one cancelled), so that waitlist_position stays the place in line.
// The caller holds the activity's row, which orders every change to the
// waitlist.
func leaveWaitlist(ctx context.Context, tx pgx.Tx, tenant, activity uuid.UUID, place, n int) error {
	if _, err := tx.Exec(ctx, `UPDATE signups SET waitlist_position = waitlist_position - $4
		WHERE tenant_id = $1 AND activity_id = $2 AND status = 'waitlisted' AND waitlist_position > $3`, tenant, activity, place, n); err != nil {
		return fmt.Errorf("volunteer: move the waitlist up: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE activities SET waitlisted_count = waitlisted_count - $3 WHERE tenant_id = $1 AND id = $2`, tenant, activity, n); err != nil {
		return fmt.Errorf("volunteer: move the waitlist up: %w", err)
	}
	return nil
}

// CancelSignUp gives up a place (the person themself, or an organiser); a
// confirmed place goes to the first person on the waitlist.
func (s *Service) CancelSignUp(ctx context.Context, signupID uuid.UUID) (*SignUp, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out *SignUp
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		// The activity's row first, then the sign-up as it is now: every
		// change to a waitlist takes them in this order.
		su, err := loadSignUp(ctx, tx, p.TenantID, signupID, false)
		if err != nil {
			return err
		}
		a, err := loadActivity(ctx, tx, p.TenantID, su.ActivityID, true)
		if err != nil {
			return err
		}
		if su, err = loadSignUp(ctx, tx, p.TenantID, signupID, true); err != nil {
			return err
		}
		own := p.PersonID != nil && *p.PersonID == su.PersonID
		if !own && !organiser(p, a) {
			return apperr.Forbiddenf("you may cancel only your own sign-up")
		}
		if su.Status == SignUpCancelled {
			return apperr.Conflictf("the sign-up is already cancelled")
		}
		if su.CheckedInAt != nil {
			return apperr.Conflictf("the person has already checked in")
		}
		if _, err := tx.Exec(ctx, `UPDATE signups SET status = 'cancelled', waitlist_position = NULL, updated_at = now() WHERE tenant_id = $1 AND id = $2`, p.TenantID, signupID); err != nil {
			return err
		}
		if su.Status == SignUpConfirmed {
			if _, err := tx.Exec(ctx, `UPDATE activities SET confirmed_count = confirmed_count - 1 WHERE tenant_id = $1 AND id = $2`, p.TenantID, a.ID); err != nil {
				return err
			}
			if err := promote(ctx, tx, p.TenantID, a.ID, 1); err != nil {
				return err
			}
		}
		if su.Status == SignUpWaitlisted && su.WaitlistPosition != nil {
			if err := leaveWaitlist(ctx, tx, p.TenantID, a.ID, int(*su.WaitlistPosition), 1); err != nil {
				return err
			}
		}
		su.Status, su.WaitlistPosition = SignUpCancelled, nil
		out = su
		return nil
	})
	return out, err
}

const signupColumns = `s.tenant_id, s.id, s.activity_id, s.person_id, s.status, s.waitlist_position, s.checked_in_at, s.checked_out_at,
	s.hours::float8, s.hours_confirmed, s.hours_reason, s.confirmed_by, s.created_at, p.name`

func scanSignUp(row pgx.Row) (*SignUp, error) {
	su := &SignUp{}
	err := row.Scan(&su.TenantID, &su.ID, &su.ActivityID, &su.PersonID, &su.Status, &su.WaitlistPosition, &su.CheckedInAt, &su.CheckedOutAt,
		&su.Hours, &su.HoursConfirmed, &su.HoursReason, &su.ConfirmedBy, &su.CreatedAt, &su.PersonName)
	return su, err
}

func loadSignUp(ctx context.Context, tx pgx.Tx, tenant, id uuid.UUID, lock bool) (*SignUp, error) {
	sql := `SELECT ` + signupColumns + ` FROM signups s JOIN people p ON p.tenant_id = s.tenant_id AND p.id = s.person_id WHERE s.tenant_id = $1 AND s.id = $2`
	if lock {
		sql += ` FOR UPDATE OF s`
	}
	su, err := scanSignUp(tx.QueryRow(ctx, sql, tenant, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFoundf("sign-up not found")
	}
	return su, err
}

// CheckInCode returns the current code participants enter (or scan) to
// check in or out; organisers only.
func (s *Service) CheckInCode(ctx context.Context, activityID uuid.UUID, kind string) (*Code, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if kind != "in" && kind != "out" {
		return nil, apperr.InvalidField("kind", "must be in or out")
	}
	var out Code
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a, err := s.organised(ctx, tx, p, activityID, false)
		if err != nil {
			return err
		}
		out = makeCode(a, kind, s.now(), rules(ctx, tx, p.TenantID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Attend records the caller's check-in or check-out with the code shown by
// the organiser. An expired or forged code is Invalid; check-out before
// check-in is a Conflict.
func (s *Service) Attend(ctx context.Context, activityID uuid.UUID, kind, code string) (*SignUp, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if p.PersonID == nil {
		return nil, apperr.Forbiddenf("your account is not linked to a person record")
	}
	var out *SignUp
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a, err := loadActivity(ctx, tx, p.TenantID, activityID, false)
		if err != nil {
			return err
		}
		now := s.now()
		if !verifyCode(a, kind, code, now, rules(ctx, tx, p.TenantID)) {
			return apperr.InvalidField("input.code", "the code is wrong or has expired; ask the organiser for the current one")
		}
		var id uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT id FROM signups WHERE tenant_id = $1 AND activity_id = $2 AND person_id = $3 AND status = 'confirmed'`,
			p.TenantID, a.ID, *p.PersonID).Scan(&id); err != nil {
			return apperr.Forbiddenf("you do not have a confirmed place at this activity")
		}
		su, err := loadSignUp(ctx, tx, p.TenantID, id, true)
		if err != nil {
			return err
		}
		switch {
		case kind == "in" && su.CheckedInAt != nil:
			return apperr.Conflictf("you have already checked in")
		case kind == "out" && su.CheckedInAt == nil:
			return apperr.Conflictf("check in before checking out")
		case kind == "out" && su.CheckedOutAt != nil:
			return apperr.Conflictf("you have already checked out")
		}
		if kind == "in" {
			su.CheckedInAt = &now
			_, err = tx.Exec(ctx, `UPDATE signups SET checked_in_at = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, p.TenantID, id, now)
		} else {
			su.CheckedOutAt = &now
			h := min(hoursBetween(*su.CheckedInAt, now), a.EndsAt.Sub(a.StartsAt).Hours())
			su.Hours = &h
			_, err = tx.Exec(ctx, `UPDATE signups SET checked_out_at = $3, hours = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2`, p.TenantID, id, now, h)
		}
		out = su
		return err
	})
	return out, err
}

// ConfirmHours confirms a participant's hours (organisers): the hours
// computed from check-in and check-out, or, with a reason, an adjusted
// number no larger than the activity's span. Confirmed hours go on the
// person's record (and to the points ledger).
func (s *Service) ConfirmHours(ctx context.Context, signupID uuid.UUID, hours *float64, reason string) (*SignUp, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out *SignUp
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		su, err := loadSignUp(ctx, tx, p.TenantID, signupID, true)
		if err != nil {
			return err
		}
		a, err := s.organised(ctx, tx, p, su.ActivityID, false)
		if err != nil {
			return err
		}
		if su.Status != SignUpConfirmed {
			return apperr.Conflictf("only confirmed participants get hours")
		}
		h := 0.0
		switch {
		case hours != nil:
			if strings.TrimSpace(reason) == "" && (su.Hours == nil || *su.Hours != *hours) {
				return apperr.InvalidField("input.reason", "say why the hours differ from the attended time")
			}
			h = *hours
		case su.Hours != nil:
			h = *su.Hours
		default:
			return apperr.InvalidField("input.hours", "the participant has not checked in and out; give the hours and a reason")
		}
		if span := a.EndsAt.Sub(a.StartsAt).Hours(); h < 0 || h > span {
			return apperr.InvalidField("input.hours", fmt.Sprintf("must be between 0 and the activity's span (%.1f h)", span))
		}
		if _, err := tx.Exec(ctx, `UPDATE signups SET hours = $3, hours_confirmed = true, hours_reason = $4, confirmed_by = $5, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, p.TenantID, signupID, h, strings.TrimSpace(reason), p.Actor()); err != nil {
			return err
		}
		if err := s.points.AwardVolunteerHours(p.TenantID, su.PersonID, a.ID, h); err != nil {
			return err
		}
		su.Hours, su.HoursConfirmed, su.HoursReason, su.ConfirmedBy = &h, true, strings.TrimSpace(reason), p.Actor()
		out = su
		return nil
	})
	return out, err
}

// CosignLink returns a signed link token the partner's contact uses to
// confirm the roster without an account (organisers only).
func (s *Service) CosignLink(ctx context.Context, activityID uuid.UUID) (string, time.Time, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	var tok string
	var exp time.Time
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a, err := s.organised(ctx, tx, p, activityID, false)
		if err != nil {
			return err
		}
		if len(a.PartnerIDs) == 0 {
			return apperr.Conflictf("the activity has no partner organisation to co-sign")
		}
		exp = s.now().Add(time.Duration(rules(ctx, tx, p.TenantID).CosignDays) * 24 * time.Hour).Truncate(time.Second)
		tok = cosignToken(a, exp)
		return nil
	})
	return tok, exp, err
}

// Cosign records that the partner's contact (name) confirmed the roster,
// through a link token; a forged or expired token is Unauthenticated.
func (s *Service) Cosign(ctx context.Context, token, name string) (*Activity, error) {
	tenant, activity, exp, mac, payload, ok := parseCosignToken(strings.TrimSpace(token))
	if !ok {
		return nil, apperr.Unauthenticatedf("this co-sign link is not valid")
	}
	name = strings.TrimSpace(name)
	if n := len([]rune(name)); n < 1 || n > 50 {
		return nil, apperr.InvalidField("input.name", "give your name (1–50 characters)")
	}
	var out *Activity
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		a, err := loadActivity(ctx, tx, tenant, activity, true)
		if err != nil || !verifyCosign(a, payload, mac) {
			return apperr.Unauthenticatedf("this co-sign link is not valid")
		}
		if s.now().After(exp) {
			return apperr.Unauthenticatedf("this co-sign link has expired; ask the organiser for a new one")
		}
		if _, err := tx.Exec(ctx, `UPDATE activities SET cosigned_by = $3, cosigned_at = now() WHERE tenant_id = $1 AND id = $2`, tenant, activity, name); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, tenant, audit.Event{Action: "roster_cosign", Subject: name, TargetType: "activity", TargetID: activity.String()}); err != nil {
			return err
		}
		out, err = loadActivity(ctx, tx, tenant, activity, false)
		return err
	})
	return out, err
}

// Roster lists an activity's sign-ups in sign-up order (organisers).
func (s *Service) Roster(ctx context.Context, activityID uuid.UUID) ([]*SignUp, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out []*SignUp
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a, err := s.organised(ctx, tx, p, activityID, false)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+signupColumns+` FROM signups s JOIN people p ON p.tenant_id = s.tenant_id AND p.id = s.person_id
			WHERE s.tenant_id = $1 AND s.activity_id = $2 ORDER BY s.status, s.waitlist_position NULLS FIRST, s.created_at`, p.TenantID, activityID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			su, err := scanSignUp(rows)
			if err != nil {
				return err
			}
			su.Activity = a
			out = append(out, su)
		}
		return rows.Err()
	})
	return out, err
}
