-- The volunteer domain's statements (sqlc turns them into volunteerdb).
-- Statements that go into a batch (see store.go) are exported as
-- constants too, and scanned there.

-- Rules ----------------------------------------------------------------

-- name: TenantSettings :one
SELECT settings FROM tenant_profiles WHERE id = @id;

-- Taxonomy -------------------------------------------------------------

-- name: InsertArea :one
INSERT INTO volunteer_areas (tenant_id, parent_id, code, name) VALUES (@tenant_id, @parent_id, @code, @name) RETURNING id;

-- name: InsertTopic :one
INSERT INTO volunteer_topics (tenant_id, code, name) VALUES (@tenant_id, @code, @name) RETURNING id;

-- name: Areas :many
SELECT id, parent_id, code, name FROM volunteer_areas WHERE tenant_id = @tenant_id ORDER BY sort_order, code;

-- name: Topics :many
SELECT id, code, name FROM volunteer_topics WHERE tenant_id = @tenant_id ORDER BY sort_order, code;

-- name: AreasByIDs :many
SELECT id, parent_id, code, name FROM volunteer_areas WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- name: TopicsByIDs :many
SELECT id, code, name FROM volunteer_topics WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- name: InsertPartner :one
INSERT INTO partners (tenant_id, name, kind, contact_name, contact_phone_enc, contact_phone_masked)
VALUES (@tenant_id, @name, @kind, @contact_name, @contact_phone_enc, @contact_phone_masked) RETURNING id;

-- name: Partners :many
SELECT id, name, kind, contact_name, contact_phone_masked FROM partners WHERE tenant_id = @tenant_id ORDER BY name, id;

-- name: PartnersByIDs :many
SELECT id, name, kind, contact_name, contact_phone_masked FROM partners WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- Activities -----------------------------------------------------------

-- name: GetActivity :one
SELECT * FROM activity_details WHERE tenant_id = @tenant_id AND id = @id;

-- name: LockActivity :one
-- Holds the activity's row until the transaction ends: every change to its
-- places and waitlist takes it first.
SELECT id FROM activities WHERE tenant_id = @tenant_id AND id = @id FOR UPDATE;

-- name: ActivitiesByIDs :many
SELECT * FROM activity_details WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- name: UnitPath :one
SELECT path::text FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: CountRefs :one
-- How many of an activity's area (0 or 1), topics and partners exist in the school.
SELECT
  (SELECT count(*) FROM volunteer_areas va WHERE va.tenant_id = @tenant_id AND va.id = ANY(@area_ids::uuid[]))::int AS areas_found,
  (SELECT count(*) FROM volunteer_topics vt WHERE vt.tenant_id = @tenant_id AND vt.id = ANY(@topic_ids::uuid[]))::int AS topics_found,
  (SELECT count(*) FROM partners pa WHERE pa.tenant_id = @tenant_id AND pa.id = ANY(@partner_ids::uuid[]))::int AS partners_found;

-- name: InsertActivity :one
INSERT INTO activities (tenant_id, title, description, cover_id, area_id, topic_ids, partner_ids, org_unit_id,
    address, latitude, longitude, starts_at, ends_at, signup_opens_at, signup_closes_at, capacity, audience, hours, status, code_secret, created_by)
VALUES (@tenant_id, @title, @description, @cover_id, @area_id, @topic_ids, @partner_ids, @org_unit_id,
    @address, @latitude, @longitude, @starts_at, @ends_at, @signup_opens_at, @signup_closes_at, @capacity, @audience, @hours::float8, 'draft', @code_secret, @created_by)
RETURNING id;

-- name: UpdateActivity :exec
UPDATE activities SET title = @title, description = @description, cover_id = @cover_id, area_id = @area_id,
    topic_ids = @topic_ids, partner_ids = @partner_ids, address = @address, latitude = @latitude, longitude = @longitude,
    starts_at = @starts_at, ends_at = @ends_at, signup_opens_at = @signup_opens_at, signup_closes_at = @signup_closes_at,
    capacity = @capacity, audience = @audience, hours = @hours::float8, updated_at = now()
WHERE tenant_id = @tenant_id AND id = @id;

-- name: SetActivityStatus :exec
UPDATE activities SET status = @status, updated_at = now() WHERE tenant_id = @tenant_id AND id = @id;

-- name: SetCosigned :exec
UPDATE activities SET cosigned_by = @cosigned_by, cosigned_at = now() WHERE tenant_id = @tenant_id AND id = @id;

-- Places and the waitlist (the caller holds the activity's row) ---------

-- name: PromoteWaitlisted :one
-- Admits up to n waitlisted people in waitlist order; returns how many.
WITH next AS (
    SELECT s.id FROM signups s WHERE s.tenant_id = @tenant_id AND s.activity_id = @activity_id AND s.status = 'waitlisted'
    ORDER BY s.waitlist_position LIMIT @n FOR UPDATE),
promoted AS (
    UPDATE signups s SET status = 'confirmed', waitlist_position = NULL, updated_at = now() FROM next
    WHERE s.tenant_id = @tenant_id AND s.id = next.id RETURNING s.id)
SELECT count(*)::int FROM promoted;

-- name: AddConfirmed :exec
UPDATE activities SET confirmed_count = confirmed_count + @n WHERE tenant_id = @tenant_id AND id = @id;

-- name: MoveWaitlistUp :exec
-- Moves up by n everyone behind place, after n people at or before it left.
UPDATE signups SET waitlist_position = waitlist_position - @n::int
WHERE tenant_id = @tenant_id AND activity_id = @activity_id AND status = 'waitlisted' AND waitlist_position > @place::int;

-- name: ShrinkWaitlist :exec
UPDATE activities SET waitlisted_count = waitlisted_count - @n WHERE tenant_id = @tenant_id AND id = @id;

-- Sign-ups -------------------------------------------------------------

-- name: GetSignUp :one
SELECT * FROM signup_details WHERE tenant_id = @tenant_id AND id = @id;

-- name: LockSignUp :one
SELECT id FROM signups WHERE tenant_id = @tenant_id AND id = @id FOR UPDATE;

-- name: ConfirmedSignUpOf :one
SELECT id FROM signups WHERE tenant_id = @tenant_id AND activity_id = @activity_id AND person_id = @person_id AND status = 'confirmed';

-- name: CancelSignUp :exec
UPDATE signups SET status = 'cancelled', waitlist_position = NULL, updated_at = now() WHERE tenant_id = @tenant_id AND id = @id;

-- name: SetCheckedIn :exec
UPDATE signups SET checked_in_at = @at, updated_at = now() WHERE tenant_id = @tenant_id AND id = @id;

-- name: SetCheckedOut :exec
UPDATE signups SET checked_out_at = @at, hours = @hours::float8, updated_at = now() WHERE tenant_id = @tenant_id AND id = @id;

-- name: ConfirmHours :exec
UPDATE signups SET hours = @hours::float8, hours_confirmed = true, hours_reason = @reason, confirmed_by = @confirmed_by, updated_at = now()
WHERE tenant_id = @tenant_id AND id = @id;

-- name: Roster :many
SELECT * FROM signup_details WHERE tenant_id = @tenant_id AND activity_id = @activity_id
ORDER BY status, waitlist_position NULLS FIRST, created_at;

-- name: SignUpsOfPerson :many
SELECT * FROM signup_details WHERE tenant_id = @tenant_id AND person_id = @person_id AND activity_id = ANY(@activity_ids::uuid[]);

-- The sign-up batch (see signup.go; queued in store.go) ------------------

-- name: LockCandidates :many
-- Locking the people's rows (in id order, so that batches never deadlock)
-- serialises each person's sign-ups.
SELECT id, stage, category, status = 'active' AS active FROM person_profiles
WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]) ORDER BY id FOR NO KEY UPDATE;

-- name: ActivityWithSettings :one
SELECT sqlc.embed(a), (SELECT settings FROM tenant_profiles WHERE tenant_profiles.id = a.tenant_id)::jsonb AS settings
FROM activity_details a WHERE a.tenant_id = @tenant_id AND a.id = @id;

-- name: CandidatesStanding :many
-- Each person's sign-up status for this activity ('' for none) and how many other
-- activities they are signed up for that overlap it.
SELECT p.id::uuid AS person_id,
    COALESCE((SELECT s.status FROM signups s WHERE s.tenant_id = @tenant_id AND s.activity_id = @activity_id AND s.person_id = p.id), '')::text AS existing,
    (SELECT count(*) FROM signups s JOIN activities o ON o.tenant_id = s.tenant_id AND o.id = s.activity_id
     WHERE s.tenant_id = @tenant_id AND s.person_id = p.id AND s.status <> 'cancelled' AND o.id <> @activity_id
       AND o.status <> 'cancelled' AND o.starts_at < a.ends_at AND o.ends_at > a.starts_at)::int AS overlapping
FROM unnest(@ids::uuid[]) AS p(id) JOIN activities a ON a.tenant_id = @tenant_id AND a.id = @activity_id;

-- name: PersonOfRecord :one
SELECT p.name, p.gender, p.category, p.department, p.phone_masked, p.citizen_id_masked, u.path::text AS org_path
FROM person_profiles p JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND p.id = @id;

-- name: ConfirmedService :many
-- A person's sign-ups with confirmed hours at activities starting in
-- [from, until) (either bound may be NULL), latest first.
SELECT sqlc.embed(s) FROM signup_details s
JOIN activities o ON o.tenant_id = s.tenant_id AND o.id = s.activity_id
WHERE s.tenant_id = @tenant_id AND s.person_id = @person_id AND s.hours_confirmed
  AND (sqlc.narg(starts_from)::timestamptz IS NULL OR o.starts_at >= sqlc.narg(starts_from))
  AND (sqlc.narg(starts_until)::timestamptz IS NULL OR o.starts_at < sqlc.narg(starts_until))
ORDER BY o.starts_at DESC;

-- name: RecordEntries :many
SELECT id, kind, title, detail, on_date FROM volunteer_record_entries
WHERE tenant_id = @tenant_id AND person_id = @person_id ORDER BY on_date DESC, created_at DESC;

-- name: InsertRecordEntry :one
INSERT INTO volunteer_record_entries (tenant_id, person_id, kind, title, detail, on_date, recorded_by)
VALUES (@tenant_id, @person_id, @kind, @title, @detail, @on_date, @recorded_by) RETURNING id;
