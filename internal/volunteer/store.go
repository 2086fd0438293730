package volunteer

// The statements sqlc cannot run as they are live here, and only here:
// those built from the filters given (a browse and its facets) and those
// queued into a batch that goes in one round trip with others (the details
// of a page, a batch of sign-ups). Where the statement is fixed, its text
// is the one sqlc generated from queries.sql (exported constants of
// volunteerdb) and only the scanning is written here.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/postgres"
	"zhdj/internal/volunteer/volunteerdb"
)

// activityFrom is the domain's Activity of a row of activity_details.
func activityFrom(r volunteerdb.ActivityDetail) *Activity {
	return &Activity{
		TenantID: r.TenantID, ID: r.ID, Title: r.Title, Description: r.Description, CoverID: r.CoverID, AreaID: r.AreaID,
		TopicIDs: r.TopicIds, PartnerIDs: r.PartnerIds, OrgUnitID: r.OrgUnitID, Address: r.Address, Latitude: r.Latitude,
		Longitude: r.Longitude, StartsAt: r.StartsAt, EndsAt: r.EndsAt, SignupOpensAt: r.SignupOpensAt, SignupClosesAt: r.SignupClosesAt,
		Capacity: int(r.Capacity), Audience: Audience(r.Audience), Hours: r.Hours, Status: Status(r.Status),
		ConfirmedCount: int(r.ConfirmedCount), SignupCount: int(r.SignupCount), CosignedBy: r.CosignedBy, CosignedAt: r.CosignedAt,
		CreatedAt: r.CreatedAt, orgPath: r.OrgPath, secret: r.CodeSecret,
	}
}

// signUpFrom is the domain's SignUp of a row of signup_details.
func signUpFrom(r volunteerdb.SignupDetail) *SignUp {
	su := &SignUp{
		TenantID: r.TenantID, ID: r.ID, ActivityID: r.ActivityID, PersonID: r.PersonID, Status: SignUpStatus(r.Status),
		CheckedInAt: r.CheckedInAt, CheckedOutAt: r.CheckedOutAt, Hours: r.Hours, HoursConfirmed: r.HoursConfirmed,
		HoursReason: r.HoursReason, ConfirmedBy: r.ConfirmedBy, CreatedAt: r.CreatedAt, PersonName: r.PersonName,
	}
	if r.WaitlistPosition != nil {
		p := int(*r.WaitlistPosition)
		su.WaitlistPosition = &p
	}
	return su
}

// activityColumns are the columns of activity_details in the order
// activityDest scans them.
var activityColumns = []string{"tenant_id", "id", "title", "description", "cover_id", "area_id", "topic_ids", "partner_ids",
	"org_unit_id", "address", "latitude", "longitude", "starts_at", "ends_at", "signup_opens_at", "signup_closes_at", "capacity",
	"audience", "hours", "status", "confirmed_count", "signup_count", "cosigned_by", "cosigned_at", "created_at", "org_path", "code_secret"}

// activitySelect is the select list of activity_details a, with an empty
// description in place of the real one unless d asks for it.
func activitySelect(d DescriptionOption) string {
	if d == WithoutDescription {
		return postgres.SelectList("a", activityColumns, map[string]string{"description": "''::text"})
	}
	return postgres.SelectList("a", activityColumns, nil)
}

// activityDest are the scan destinations of activitySelect.
func activityDest(r *volunteerdb.ActivityDetail) []any {
	return []any{&r.TenantID, &r.ID, &r.Title, &r.Description, &r.CoverID, &r.AreaID, &r.TopicIds, &r.PartnerIds,
		&r.OrgUnitID, &r.Address, &r.Latitude, &r.Longitude, &r.StartsAt, &r.EndsAt, &r.SignupOpensAt, &r.SignupClosesAt, &r.Capacity,
		&r.Audience, &r.Hours, &r.Status, &r.ConfirmedCount, &r.SignupCount, &r.CosignedBy, &r.CosignedAt, &r.CreatedAt, &r.OrgPath, &r.CodeSecret}
}

// scanActivities reads rows of activitySelect(d).
func scanActivities(rows pgx.Rows, d DescriptionOption, each func(*Activity)) error {
	for rows.Next() {
		var r volunteerdb.ActivityDetail
		if err := rows.Scan(activityDest(&r)...); err != nil {
			return err
		}
		a := activityFrom(r)
		a.descriptionOmitted = d == WithoutDescription
		each(a)
	}
	return rows.Err()
}

// scanSignUps reads rows of signup_details (SELECT *).
func scanSignUps(rows pgx.Rows, each func(*SignUp)) error {
	for rows.Next() {
		var r volunteerdb.SignupDetail
		if err := rows.Scan(&r.TenantID, &r.ID, &r.ActivityID, &r.PersonID, &r.Status, &r.WaitlistPosition, &r.CheckedInAt,
			&r.CheckedOutAt, &r.Hours, &r.HoursConfirmed, &r.HoursReason, &r.ConfirmedBy, &r.CreatedAt, &r.PersonName); err != nil {
			return err
		}
		each(signUpFrom(r))
	}
	return rows.Err()
}

// Browses ------------------------------------------------------------------

type query struct {
	args  []any
	where []string
}

func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

// filterQuery builds the WHERE clause of f over activity_details a; $1 is
// the tenant. Only the filters given are in the statement, so each
// combination is a prepared statement with a plan of its own.
func filterQuery(tenant uuid.UUID, f Filter, now time.Time) *query {
	q := &query{args: []any{tenant}, where: []string{"a.tenant_id = $1"}}
	if !f.Drafts {
		q.where = append(q.where, "a.status <> 'draft'")
	}
	if len(f.Within) > 0 {
		q.where = append(q.where, "a.org_path <@ ANY("+q.arg(f.Within)+"::ltree[])")
	}
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
		q.where = append(q.where, "a.org_path <@ (SELECT path FROM org_units WHERE tenant_id = $1 AND id = "+q.arg(*f.OrgUnitID)+")")
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
		at := q.arg(now)
		q.where = append(q.where, "a.status = 'open' AND a.confirmed_count < a.capacity AND a.signup_opens_at <= "+at+" AND a.signup_closes_at > "+at)
	}
	if f.From != nil {
		q.where = append(q.where, "a.starts_at >= "+q.arg(*f.From))
	}
	if f.Until != nil {
		q.where = append(q.where, "a.starts_at < "+q.arg(*f.Until))
	}
	return q
}

// queueBrowse queues one page (first+1 rows, to tell whether more follow)
// of the activities f matches in order, after the cursor; each lands in
// each.
func queueBrowse(b *pgx.Batch, tenant uuid.UUID, f Filter, now time.Time, order Order, first int, after *Cursor, d DescriptionOption, each func(*Activity)) error {
	q := filterQuery(tenant, f, now)
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
		return apperr.InvalidField("orderBy", "unknown order")
	}
	// The limit is written out (a checked page size, not input text): with
	// a parameter PostgreSQL cannot cost a generic plan and plans every
	// browse anew, which took longer than running it.
	sql := `SELECT ` + activitySelect(d) + ` FROM activity_details a
		WHERE ` + strings.Join(q.where, " AND ") + ` ORDER BY ` + orderBy + ` LIMIT ` + strconv.Itoa(first+1)
	b.Queue(sql, q.args...).Query(func(rows pgx.Rows) error { return scanActivities(rows, d, each) })
	return nil
}

// queueFacets queues the counts by area and by topic of the activities f
// matches (an activity counts once for its own area).
func queueFacets(b *pgx.Batch, tenant uuid.UUID, f Filter, now time.Time, areas *[]AreaCount, topics *[]TopicCount) {
	q := filterQuery(tenant, f, now)
	matched := `SELECT a.area_id, a.topic_ids FROM activity_details a WHERE ` + strings.Join(q.where, " AND ")
	b.Queue(`WITH m AS (`+matched+`)
		SELECT v.id, v.parent_id, v.code, v.name, count(*)::int FROM m JOIN volunteer_areas v ON v.tenant_id = $1 AND v.id = m.area_id
		GROUP BY v.tenant_id, v.id ORDER BY count(*) DESC, v.sort_order, v.code`, q.args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			a := &Area{TenantID: tenant}
			var n int
			if err := rows.Scan(&a.ID, &a.ParentID, &a.Code, &a.Name, &n); err != nil {
				return err
			}
			*areas = append(*areas, AreaCount{Area: a, Count: n})
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
			*topics = append(*topics, TopicCount{Topic: t, Count: n})
		}
		return rows.Err()
	})
}

// queueFindable queues the activities among ids that students can find
// (not drafts, not cancelled).
func queueFindable(b *pgx.Batch, tenant uuid.UUID, ids []uuid.UUID, d DescriptionOption, each func(*Activity)) {
	b.Queue(`SELECT `+activitySelect(d)+` FROM activity_details a
		WHERE a.tenant_id = $1 AND a.id = ANY($2::uuid[]) AND a.status NOT IN ('draft', 'cancelled')`, tenant, ids).Query(func(rows pgx.Rows) error {
		return scanActivities(rows, d, each)
	})
}

// queuePartnerActivities queues, for each partner among ids, its n latest
// non-draft activities, newest start first.
func queuePartnerActivities(b *pgx.Batch, tenant uuid.UUID, ids []uuid.UUID, n int, d DescriptionOption, each func(partner uuid.UUID, a *Activity)) {
	b.Queue(`SELECT p.id, `+activitySelect(d)+` FROM unnest($2::uuid[]) AS p(id)
		CROSS JOIN LATERAL (SELECT * FROM activity_details a WHERE a.tenant_id = $1 AND p.id = ANY (a.partner_ids) AND a.status <> 'draft'
			ORDER BY a.starts_at DESC, a.id DESC LIMIT $3) a`, tenant, ids, n).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var r volunteerdb.ActivityDetail
			var partner uuid.UUID
			if err := rows.Scan(append([]any{&partner}, activityDest(&r)...)...); err != nil {
				return err
			}
			a := activityFrom(r)
			a.descriptionOmitted = d == WithoutDescription
			each(partner, a)
		}
		return rows.Err()
	})
}

// The details of a page --------------------------------------------------

// details are what the activities of a page refer to, by id.
type details struct {
	areas    map[uuid.UUID]*Area
	topics   map[uuid.UUID]*Topic
	partners map[uuid.UUID]*Partner
	mine     map[uuid.UUID]*SignUp
}

// queueDetails queues the look-ups of the areas, topics and partners among
// the ids given and of person's sign-ups for activities (none when person
// is nil), one statement each; they land in the result when b runs.
func queueDetails(b *pgx.Batch, tenant uuid.UUID, areaIDs, topicIDs, partnerIDs []uuid.UUID, person *uuid.UUID, activities []uuid.UUID) *details {
	d := &details{areas: map[uuid.UUID]*Area{}, topics: map[uuid.UUID]*Topic{}, partners: map[uuid.UUID]*Partner{}, mine: map[uuid.UUID]*SignUp{}}
	if len(areaIDs) > 0 {
		b.Queue(volunteerdb.AreasByIDs, tenant, areaIDs).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				a := &Area{TenantID: tenant}
				if err := rows.Scan(&a.ID, &a.ParentID, &a.Code, &a.Name); err != nil {
					return err
				}
				d.areas[a.ID] = a
			}
			return rows.Err()
		})
	}
	if len(topicIDs) > 0 {
		b.Queue(volunteerdb.TopicsByIDs, tenant, topicIDs).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				t := &Topic{TenantID: tenant}
				if err := rows.Scan(&t.ID, &t.Code, &t.Name); err != nil {
					return err
				}
				d.topics[t.ID] = t
			}
			return rows.Err()
		})
	}
	if len(partnerIDs) > 0 {
		b.Queue(volunteerdb.PartnersByIDs, tenant, partnerIDs).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				pt := &Partner{TenantID: tenant}
				if err := rows.Scan(&pt.ID, &pt.Name, &pt.Kind, &pt.ContactName, &pt.ContactPhoneMasked); err != nil {
					return err
				}
				d.partners[pt.ID] = pt
			}
			return rows.Err()
		})
	}
	if person != nil && len(activities) > 0 {
		b.Queue(volunteerdb.SignUpsOfPerson, tenant, *person, activities).Query(func(rows pgx.Rows) error {
			return scanSignUps(rows, func(su *SignUp) { d.mine[su.ActivityID] = su })
		})
	}
	return d
}

// The sign-up batch --------------------------------------------------------

// planGeneric makes the rest of the transaction plan its statements once
// per connection: the sign-up statements take arrays, for which PostgreSQL
// would plan each execution anew (about a millisecond each, most of a
// sign-up's cost), and their plans do not depend on the values.
const planGeneric = `SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`

// queueSignUpReads queues what the rules need to decide a batch of
// sign-ups: the people (their rows locked, which serialises each person's
// sign-ups: the next statements, a fresh snapshot, see a sign-up of theirs
// committed a moment ago), the activity with the school's settings, and
// each person's standing (their sign-up here, their overlapping ones).
func queueSignUpReads(b *pgx.Batch, k activityKey, persons []uuid.UUID, cands map[uuid.UUID]*signUpCandidate, a **Activity, settings *[]byte) {
	b.Queue(planGeneric)
	b.Queue(volunteerdb.LockCandidates, k.tenant, persons).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id uuid.UUID
			var c Candidate
			if err := rows.Scan(&id, &c.Stage, &c.Category, &c.Active); err != nil {
				return err
			}
			cands[id].found, cands[id].c = true, c
		}
		return rows.Err()
	})
	b.Queue(volunteerdb.ActivityWithSettings, k.tenant, k.activity).QueryRow(func(row pgx.Row) error {
		var r volunteerdb.ActivityDetail
		err := row.Scan(append(activityDest(&r), settings)...)
		if errors.Is(err, pgx.ErrNoRows) {
			return errActivityNotFound
		}
		*a = activityFrom(r)
		return err
	})
	b.Queue(volunteerdb.CandidatesStanding, k.tenant, k.activity, persons).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id uuid.UUID
			var existing string
			var overlapping int
			if err := rows.Scan(&id, &existing, &overlapping); err != nil {
				return err
			}
			cands[id].existing, cands[id].overlapping = SignUpStatus(existing), overlapping
		}
		return rows.Err()
	})
}

// takePlaces: one UPDATE takes as many confirmed places as are left (its
// SET sees the row as it was: last_signup_places says how many it took)
// and places in line behind those waiting for the rest (see
// leaveWaitlist), on the activity's latest row, so the capacity holds under
// any concurrency; one INSERT records the sign-ups ($4) in arrival order.
const takePlaces = `WITH slot AS (
		UPDATE activities SET
			confirmed_count = confirmed_count + LEAST(GREATEST(capacity - confirmed_count, 0), $3),
			waitlisted_count = waitlisted_count + $3 - LEAST(GREATEST(capacity - confirmed_count, 0), $3),
			signup_count = signup_count + $3,
			last_signup_places = LEAST(GREATEST(capacity - confirmed_count, 0), $3)
		WHERE tenant_id = $1 AND id = $2
		RETURNING last_signup_places AS placed, waitlisted_count - ($3 - last_signup_places) AS waiting_before)
	INSERT INTO signups (tenant_id, activity_id, person_id, status, waitlist_position)
	SELECT $1, $2, u.person, CASE WHEN u.n <= slot.placed THEN 'confirmed' ELSE 'waitlisted' END,
		CASE WHEN u.n <= slot.placed THEN NULL ELSE slot.waiting_before + u.n - slot.placed END
	FROM slot, unnest($4::uuid[]) WITH ORDINALITY AS u(person, n)`

// retakePlace is takePlaces for one person who cancelled before, on their
// row, only while it is still cancelled (otherwise it returns nothing).
const retakePlace = takePlaces + `
	ON CONFLICT (tenant_id, activity_id, person_id) DO UPDATE SET status = EXCLUDED.status, waitlist_position = EXCLUDED.waitlist_position,
		checked_in_at = NULL, checked_out_at = NULL, hours = NULL, hours_confirmed = false, hours_reason = '', updated_at = now()
	WHERE signups.status = 'cancelled'`

const placesTaken = ` RETURNING person_id, id, created_at, waitlist_position, status`

// scanPlaces reads the sign-ups takePlaces or retakePlace returned.
func scanPlaces(rows pgx.Rows, k activityKey, each func(*SignUp)) (n int, err error) {
	for rows.Next() {
		su := &SignUp{TenantID: k.tenant, ActivityID: k.activity}
		var status string
		if err := rows.Scan(&su.PersonID, &su.ID, &su.CreatedAt, &su.WaitlistPosition, &status); err != nil {
			return n, err
		}
		su.Status = SignUpStatus(status)
		each(su)
		n++
	}
	return n, rows.Err()
}

// queueTakePlaces queues takePlaces for persons.
func queueTakePlaces(b *pgx.Batch, k activityKey, persons []uuid.UUID, each func(*SignUp)) {
	b.Queue(takePlaces+placesTaken, k.tenant, k.activity, len(persons), persons).Query(func(rows pgx.Rows) error {
		_, err := scanPlaces(rows, k, each)
		return err
	})
}

// retake runs retakePlace for person in q and reports whether the place
// was taken.
func retake(ctx context.Context, q postgres.Querier, k activityKey, person uuid.UUID, each func(*SignUp)) (bool, error) {
	rows, err := q.Query(ctx, retakePlace+placesTaken, k.tenant, k.activity, 1, []uuid.UUID{person})
	if err != nil {
		return false, err
	}
	defer rows.Close()
	n, err := scanPlaces(rows, k, each)
	return n > 0, err
}
