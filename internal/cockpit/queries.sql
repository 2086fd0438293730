-- The cockpit: figures of an org unit's subtree in a period, read through
-- the other domains' views. path is the unit's; [from_at, until_at) the
-- period (until_at no later than now for what has happened).

-- name: UnitPath :one
SELECT path::text FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: TenantSettings :one
SELECT settings FROM tenant_profiles WHERE id = @tenant_id;

-- name: StageCounts :many
-- The people on record under the unit, per stage (those not in party
-- development too).
SELECT p.stage, count(*)::int AS people
FROM person_profiles p JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND u.path <@ CAST(sqlc.arg(path)::text AS ltree) AND p.status = 'active'
GROUP BY p.stage;

-- name: PeopleInStages :many
-- The people on record under the unit in the stages given, by name.
SELECT p.id, p.name, p.org_unit_id, p.stage, p.stage_since
FROM person_profiles p JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND u.path <@ CAST(sqlc.arg(path)::text AS ltree) AND p.status = 'active' AND p.stage = ANY(@stages::text[])
ORDER BY p.name, p.id;

-- name: AssessedPeople :many
-- The people assessed under the unit, by name.
SELECT id, name, org_unit_id, stage FROM assessed_people
WHERE tenant_id = @tenant_id AND org_path <@ CAST(sqlc.arg(path)::text AS ltree)
ORDER BY name, id;

-- name: PeopleWithFacts :many
-- Who under the unit has a fact of the kinds in the period.
SELECT DISTINCT f.person_id
FROM learning_fact_records f JOIN assessed_people p ON p.tenant_id = f.tenant_id AND p.id = f.person_id
WHERE f.tenant_id = @tenant_id AND f.occurred_at >= @from_at AND f.occurred_at < @until_at AND f.kind = ANY(@kinds::text[])
  AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree);

-- name: PeopleOverdue :many
-- Who under the unit has assignments due in the period overdue at now, and how many.
SELECT a.person_id, count(*)::int AS overdue
FROM task_assignment_records a JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
WHERE a.tenant_id = @tenant_id AND a.deadline >= @from_at AND a.deadline < @until_at AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
  AND task_assignment_overdue(a.status, a.deadline, @now)
GROUP BY a.person_id;

-- name: UnitKinds :many
-- The units under the unit (itself included), per kind.
SELECT kind, count(*)::int AS units FROM org_units
WHERE tenant_id = @tenant_id AND path <@ CAST(sqlc.arg(path)::text AS ltree) AND active
GROUP BY kind;

-- name: FactsByWeek :many
-- Facts of the kinds under the unit per week (Monday, Beijing) of the
-- period, and (week NULL) in all: how many and by how many people.
SELECT date_trunc('week', f.occurred_at AT TIME ZONE 'UTC' + interval '8 hours')::date AS week, count(*)::int AS facts,
       count(DISTINCT f.person_id)::int AS people
FROM learning_fact_records f
JOIN assessed_people p ON p.tenant_id = f.tenant_id AND p.id = f.person_id
WHERE f.tenant_id = @tenant_id AND f.occurred_at >= @from_at AND f.occurred_at < @until_at AND f.kind = ANY(@kinds::text[])
  AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY GROUPING SETS ((1), ())
ORDER BY 1 NULLS FIRST;

-- name: VolunteerHours :one
-- Confirmed volunteer hours under the unit in the period, and by how many.
SELECT count(DISTINCT f.person_id)::int AS people, coalesce(sum((f.details ->> 'hours')::numeric), 0)::float8 AS hours
FROM learning_fact_records f
JOIN assessed_people p ON p.tenant_id = f.tenant_id AND p.id = f.person_id
WHERE f.tenant_id = @tenant_id AND f.occurred_at >= @from_at AND f.occurred_at < @until_at AND f.kind = 'volunteer_hours_confirmed'
  AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree);

-- name: TasksByWeek :many
-- Assignments of the unit's people due in the period, per week of their
-- deadline and (week NULL) in all: assigned, approved, overdue at now.
SELECT date_trunc('week', a.deadline AT TIME ZONE 'UTC' + interval '8 hours')::date AS week, count(*)::int AS assigned,
       count(*) FILTER (WHERE a.status = 'approved')::int AS approved,
       count(*) FILTER (WHERE task_assignment_overdue(a.status, a.deadline, @now))::int AS overdue
FROM task_assignment_records a JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
WHERE a.tenant_id = @tenant_id AND a.deadline >= @from_at AND a.deadline < @until_at AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY GROUPING SETS ((1), ())
ORDER BY 1 NULLS FIRST;

-- name: EventsByKind :many
-- Events held under the unit in the period (begun, not cancelled), per
-- kind, with minutes, and their attendance (present; expected, less those
-- on leave).
SELECT e.kind, count(DISTINCT e.id)::int AS held, count(DISTINCT e.id) FILTER (WHERE e.has_minutes)::int AS with_minutes,
       count(a.person_id) FILTER (WHERE a.status = 'present')::int AS present,
       count(a.person_id) FILTER (WHERE a.status <> 'leave')::int AS expected
FROM event_records e
JOIN org_units u ON u.tenant_id = e.tenant_id AND u.id = e.org_unit_id
LEFT JOIN event_attendance_records a ON a.tenant_id = e.tenant_id AND a.event_id = e.id
WHERE e.tenant_id = @tenant_id AND e.starts_at >= @from_at AND e.starts_at < @until_at AND e.cancelled_at IS NULL
  AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY e.kind;

-- name: ChildUnits :many
SELECT id, name, path::text AS path FROM org_units WHERE tenant_id = @tenant_id AND parent_id = @parent_id AND active
ORDER BY sort_order, name, id;

-- name: PeriodTotals :many
-- Each person's points under the unit in a calendar period (0 for none).
SELECT p.id, p.org_path::text AS org_path, coalesce(sum(t.points), 0)::int AS points
FROM assessed_people p
LEFT JOIN points_period_totals t ON t.tenant_id = p.tenant_id AND t.person_id = p.id AND t.period_kind = @period_kind AND t.period_start = @period_start
WHERE p.tenant_id = @tenant_id AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY p.id, p.org_path;

-- name: DayTotals :many
-- Each person's points under the unit on days in [from_day, until_day).
SELECT p.id, p.org_path::text AS org_path, coalesce(sum(t.points), 0)::int AS points
FROM assessed_people p
LEFT JOIN points_day_totals t ON t.tenant_id = p.tenant_id AND t.person_id = p.id AND t.day >= @from_day AND t.day < @until_day
WHERE p.tenant_id = @tenant_id AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY p.id, p.org_path;
