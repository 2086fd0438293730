-- The meetings domain's statements (sqlc turns them into meetingdb).

-- name: TenantSettings :one
SELECT settings FROM tenant_profiles WHERE id = @id;

-- name: UnitPath :one
SELECT path::text FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: LessonStatus :one
SELECT type, status FROM content_study_lengths WHERE tenant_id = @tenant_id AND id = @id;

-- name: InsertEvent :one
INSERT INTO events (tenant_id, org_unit_id, kind, title, starts_at, ends_at, place, online_url, lesson_id, agenda, code_secret, created_by)
VALUES (@tenant_id, @org_unit_id, @kind, @title, @starts_at, @ends_at, @place, @online_url, @lesson_id, @agenda, @code_secret, @created_by)
RETURNING id, created_at, updated_at;

-- name: ExpectAttendees :execrows
-- The event's expected attendees: every active person at or below the
-- unit at path of the stages given; full members have a vote.
INSERT INTO event_attendees (tenant_id, event_id, person_id, voting)
SELECT p.tenant_id, @event_id, p.id, p.stage = 'full'
FROM person_profiles p JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND p.status = 'active' AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
  AND p.stage = ANY(@stages::text[]);

-- name: GetEvent :one
SELECT e.id, e.org_unit_id, u.path::text AS org_path, e.kind, e.title, e.starts_at, e.ends_at, e.place, e.online_url, e.lesson_id,
       e.agenda, e.code_secret, e.created_at, e.minutes, e.minutes_files, e.minutes_by, e.minutes_at, e.minutes_late,
       e.updated_at, e.cancelled_at, e.cancel_reason
FROM events e JOIN org_units u ON u.tenant_id = e.tenant_id AND u.id = e.org_unit_id
WHERE e.tenant_id = @tenant_id AND e.id = @id;

-- name: EventForUpdate :one
-- An event, held until the transaction ends.
SELECT e.id, e.org_unit_id, u.path::text AS org_path, e.kind, e.title, e.starts_at, e.ends_at, e.place, e.online_url, e.lesson_id,
       e.agenda, e.code_secret, e.created_at, e.minutes, e.minutes_files, e.minutes_by, e.minutes_at, e.minutes_late,
       e.updated_at, e.cancelled_at, e.cancel_reason
FROM events e JOIN org_units u ON u.tenant_id = e.tenant_id AND u.id = e.org_unit_id
WHERE e.tenant_id = @tenant_id AND e.id = @id
FOR UPDATE OF e;

-- name: UpdateEvent :one
UPDATE events SET title = @title, starts_at = @starts_at, ends_at = @ends_at, place = @place, online_url = @online_url,
    lesson_id = @lesson_id, agenda = @agenda, updated_at = now()
WHERE tenant_id = @tenant_id AND id = @id
RETURNING updated_at;

-- name: CancelEvent :one
UPDATE events SET cancelled_at = @at, cancel_reason = @reason, cancelled_by = @cancelled_by, updated_at = @at
WHERE tenant_id = @tenant_id AND id = @id
RETURNING updated_at;

-- name: AttendeesToTell :many
-- Everyone expected at an event, to tell of a change.
SELECT person_id FROM event_attendees WHERE tenant_id = @tenant_id AND event_id = @event_id ORDER BY person_id;

-- name: EventsByIDs :many
SELECT e.id, e.org_unit_id, u.path::text AS org_path, e.kind, e.title, e.starts_at, e.ends_at, e.place, e.online_url, e.lesson_id,
       e.agenda, e.code_secret, e.created_at, e.minutes, e.minutes_files, e.minutes_by, e.minutes_at, e.minutes_late,
       e.updated_at, e.cancelled_at, e.cancel_reason
FROM events e JOIN org_units u ON u.tenant_id = e.tenant_id AND u.id = e.org_unit_id
WHERE e.tenant_id = @tenant_id AND e.id = ANY(@ids::uuid[]);

-- name: EventsUnder :many
-- Events of the unit at path and below that start in [from, until),
-- earliest first, after the cursor.
SELECT e.id, e.org_unit_id, u.path::text AS org_path, e.kind, e.title, e.starts_at, e.ends_at, e.place, e.online_url, e.lesson_id,
       e.agenda, e.code_secret, e.created_at, e.minutes, e.minutes_files, e.minutes_by, e.minutes_at, e.minutes_late,
       e.updated_at, e.cancelled_at, e.cancel_reason
FROM events e JOIN org_units u ON u.tenant_id = e.tenant_id AND u.id = e.org_unit_id
WHERE e.tenant_id = @tenant_id AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
  AND e.starts_at >= @from_at AND e.starts_at < @until_at
  AND (NOT @has_cursor::boolean OR (e.starts_at, e.id) > (@after_at::timestamptz, @after_id::uuid))
ORDER BY e.starts_at, e.id
LIMIT @max_rows;

-- name: MyEvents :many
-- The events a person is expected at that start in [from, until), earliest first.
SELECT e.id, e.org_unit_id, u.path::text AS org_path, e.kind, e.title, e.starts_at, e.ends_at, e.place, e.online_url, e.lesson_id,
       e.agenda, e.code_secret, e.created_at, e.minutes, e.minutes_files, e.minutes_by, e.minutes_at, e.minutes_late,
       e.updated_at, e.cancelled_at, e.cancel_reason
FROM event_attendees a
JOIN events e ON e.tenant_id = a.tenant_id AND e.id = a.event_id
JOIN org_units u ON u.tenant_id = e.tenant_id AND u.id = e.org_unit_id
WHERE a.tenant_id = @tenant_id AND a.person_id = @person_id
  AND e.starts_at >= @from_at AND e.starts_at < @until_at
  AND (NOT @has_cursor::boolean OR (e.starts_at, e.id) > (@after_at::timestamptz, @after_id::uuid))
ORDER BY e.starts_at, e.id
LIMIT @max_rows;

-- name: AttendeeForUpdate :one
SELECT person_id, voting, status, checked_in_by, checked_in_at, reason, marked_by, updated_at
FROM event_attendees WHERE tenant_id = @tenant_id AND event_id = @event_id AND person_id = @person_id
FOR UPDATE;

-- name: SetAttendance :one
UPDATE event_attendees SET status = @status, checked_in_by = @checked_in_by, checked_in_at = @checked_in_at, reason = @reason,
    marked_by = @marked_by, updated_at = now()
WHERE tenant_id = @tenant_id AND event_id = @event_id AND person_id = @person_id
RETURNING person_id, voting, status, checked_in_by, checked_in_at, reason, marked_by, updated_at;

-- name: Attendees :many
-- An event's attendance list, by name.
SELECT a.person_id, a.voting, a.status, a.checked_in_by, a.checked_in_at, a.reason, a.marked_by, a.updated_at, p.name
FROM event_attendees a JOIN person_profiles p ON p.tenant_id = a.tenant_id AND p.id = a.person_id
WHERE a.tenant_id = @tenant_id AND a.event_id = @event_id
ORDER BY p.name, a.person_id;

-- name: AttendanceCounts :many
-- For each of the events ids: expected, present, on leave and absent, in
-- all and of those with a vote.
SELECT event_id,
       count(*)::int AS expected,
       count(*) FILTER (WHERE status = 'present')::int AS present,
       count(*) FILTER (WHERE status = 'leave')::int AS on_leave,
       count(*) FILTER (WHERE status = 'absent')::int AS absent,
       count(*) FILTER (WHERE voting)::int AS voting,
       count(*) FILTER (WHERE voting AND status = 'present')::int AS voting_present
FROM event_attendees WHERE tenant_id = @tenant_id AND event_id = ANY(@ids::uuid[])
GROUP BY event_id;

-- name: MyAttendance :many
-- The person's attendance at each of the events ids.
SELECT event_id, person_id, voting, status, checked_in_by, checked_in_at, reason, marked_by, updated_at
FROM event_attendees WHERE tenant_id = @tenant_id AND person_id = @person_id AND event_id = ANY(@ids::uuid[]);

-- name: SetMinutes :one
UPDATE events SET minutes = @minutes, minutes_files = @minutes_files, minutes_by = @minutes_by, minutes_at = @minutes_at, minutes_late = @minutes_late
WHERE tenant_id = @tenant_id AND id = @id
RETURNING minutes_at;

-- name: AttendeesToRemind :many
-- Those expected at an event who have not asked for leave.
SELECT person_id FROM event_attendees WHERE tenant_id = @tenant_id AND event_id = @event_id AND status <> 'leave';
