-- The cockpit: figures of an org unit's subtree in a period, read through
-- the other domains' views. path is the unit's; [from_at, until_at) the
-- period (until_at no later than now for what has happened).

-- name: UnitPath :one
SELECT path::text FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: TenantSettings :one
SELECT settings FROM tenant_profiles WHERE id = @tenant_id;

-- name: StageDates :many
-- The people on record under the unit per stage and, for the stages
-- given, per date they reached it (the figures' "near their next stage"
-- counts them; one scan for both).
SELECT p.stage, CASE WHEN p.stage = ANY(@stages::text[]) THEN p.stage_since END::date AS stage_since, count(*)::int AS people
FROM person_profiles p JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND u.path <@ CAST(sqlc.arg(path)::text AS ltree) AND p.status = 'active'
GROUP BY 1, 2;

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

-- name: PeopleSeen :many
-- Who under the unit had a fact of the category in buckets of a kind
-- starting in [from_day, until_day).
SELECT DISTINCT s.person_id
FROM learning_people_seen s JOIN assessed_people p ON p.tenant_id = s.tenant_id AND p.id = s.person_id
WHERE s.tenant_id = @tenant_id AND s.bucket_kind = @bucket_kind AND s.bucket_start >= @from_day AND s.bucket_start < @until_day
  AND s.category = @category AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree);

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

-- name: OpenWarnings :many
-- The open (or acknowledged) warnings under the unit, per rule.
SELECT w.rule, count(*)::int AS open
FROM open_warning_records w JOIN org_units u ON u.tenant_id = w.tenant_id AND u.id = w.org_unit_id
WHERE w.tenant_id = @tenant_id AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY w.rule ORDER BY w.rule;

-- name: LearningWeeks :many
-- The units' studying per week (Monday, Beijing) overlapping
-- [from_week, until_day): how many facts and by how many people.
SELECT r.bucket_start AS week, sum(r.facts)::int AS facts, sum(r.people)::int AS people
FROM learning_unit_totals r JOIN org_units u ON u.tenant_id = r.tenant_id AND u.id = r.org_unit_id
WHERE r.tenant_id = @tenant_id AND r.bucket_kind = 'week' AND r.bucket_start >= @from_week AND r.bucket_start < @until_day
  AND r.category = 'learning' AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY r.bucket_start
ORDER BY r.bucket_start;

-- name: LearningPeriod :many
-- The units' facts, people and hours per category in a calendar period.
SELECT r.category, sum(r.facts)::int AS facts, sum(r.people)::int AS people, sum(r.hours)::float8 AS hours
FROM learning_unit_totals r JOIN org_units u ON u.tenant_id = r.tenant_id AND u.id = r.org_unit_id
WHERE r.tenant_id = @tenant_id AND r.bucket_kind = @period_kind AND r.bucket_start = @period_start
  AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY r.category;

-- name: LearningDays :many
-- The same for the days [from_day, until_day) of a period that is not a
-- calendar one: facts and hours by the units' days, people by who was seen.
SELECT r.category, sum(r.facts)::int AS facts, 0::int AS people, sum(r.hours)::float8 AS hours
FROM learning_unit_totals r JOIN org_units u ON u.tenant_id = r.tenant_id AND u.id = r.org_unit_id
WHERE r.tenant_id = @tenant_id AND r.bucket_kind = 'day' AND r.bucket_start >= @from_day AND r.bucket_start < @until_day
  AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY r.category
UNION ALL
SELECT s.category, 0::int, count(DISTINCT s.person_id)::int, 0::float8
FROM learning_people_seen s JOIN assessed_people p ON p.tenant_id = s.tenant_id AND p.id = s.person_id
WHERE s.tenant_id = @tenant_id AND s.bucket_kind = 'day' AND s.bucket_start >= @from_day AND s.bucket_start < @until_day
  AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY s.category;

-- name: TasksByWeek :many
-- Assignments in the units due in the period, per week of their deadline
-- and (week NULL) in all: assigned, approved, overdue at now.
SELECT date_trunc('week', a.deadline AT TIME ZONE 'UTC' + interval '8 hours')::date AS week, coalesce(sum(a.assignments), 0)::int AS assigned,
       coalesce(sum(a.assignments) FILTER (WHERE a.status = 'approved'), 0)::int AS approved,
       coalesce(sum(a.assignments) FILTER (WHERE task_assignment_overdue(a.status, a.deadline, @now)), 0)::int AS overdue
FROM task_assignment_unit_counts a JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
WHERE a.tenant_id = @tenant_id AND a.deadline >= @from_at AND a.deadline < @until_at AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY GROUPING SETS ((1), ())
ORDER BY 1 NULLS FIRST;

-- name: EventsByKind :many
-- Events held under the unit in the period (begun, not cancelled), per
-- kind, with minutes, and their attendance (present; expected, less those
-- on leave).
SELECT e.kind, count(*)::int AS held, count(*) FILTER (WHERE e.has_minutes)::int AS with_minutes,
       coalesce(sum(a.present), 0)::int AS present, coalesce(sum(a.expected), 0)::int AS expected
FROM event_records e
JOIN org_units u ON u.tenant_id = e.tenant_id AND u.id = e.org_unit_id
LEFT JOIN LATERAL (
    SELECT sum(t.attendees) FILTER (WHERE t.status = 'present') AS present, sum(t.attendees) FILTER (WHERE t.status <> 'leave') AS expected
    FROM event_attendance_totals t WHERE t.tenant_id = e.tenant_id AND t.event_id = e.id) a ON true
WHERE e.tenant_id = @tenant_id AND e.starts_at >= @from_at AND e.starts_at < @until_at AND e.cancelled_at IS NULL
  AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY e.kind;

-- name: ChildUnits :many
SELECT id, name, path::text AS path FROM org_units WHERE tenant_id = @tenant_id AND parent_id = @parent_id AND active
ORDER BY sort_order, name, id;

-- name: PeriodTotals :many
-- Each person's points under the unit in a calendar period (0 for none).
SELECT p.id, p.org_path::text AS org_path, coalesce(t.points, 0)::int AS points
FROM assessed_people p
LEFT JOIN points_person_period_totals t ON t.tenant_id = p.tenant_id AND t.person_id = p.id AND t.period_kind = @period_kind AND t.period_start = @period_start
WHERE p.tenant_id = @tenant_id AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree);

-- name: PeriodHistogram :many
-- How many people under the unit have each total in a calendar period
-- (0 for none), per child unit (its path; empty for the unit's own). The
-- period's totals are read once and hashed, not looked up per person.
WITH t AS MATERIALIZED (
    SELECT person_id, points FROM points_person_period_totals
    WHERE tenant_id = @tenant_id AND period_kind = @period_kind AND period_start = @period_start)
SELECT CASE WHEN nlevel(p.org_path) > nlevel(CAST(sqlc.arg(path)::text AS ltree))
            THEN subpath(p.org_path, 0, nlevel(CAST(sqlc.arg(path)::text AS ltree)) + 1)::text ELSE '' END::text AS child,
       coalesce(t.points, 0)::int AS points, count(*)::int AS people
FROM assessed_people p LEFT JOIN t ON t.person_id = p.id
WHERE p.tenant_id = @tenant_id AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY 1, 2;

-- name: DayHistogram :many
-- The same for the days [from_day, until_day).
SELECT x.child, x.points, count(*)::int AS people
FROM (
    SELECT CASE WHEN nlevel(p.org_path) > nlevel(CAST(sqlc.arg(path)::text AS ltree))
                THEN subpath(p.org_path, 0, nlevel(CAST(sqlc.arg(path)::text AS ltree)) + 1)::text ELSE '' END::text AS child,
           coalesce(sum(t.points), 0)::int AS points
    FROM assessed_people p
    LEFT JOIN points_day_totals t ON t.tenant_id = p.tenant_id AND t.person_id = p.id AND t.day >= @from_day AND t.day < @until_day
    WHERE p.tenant_id = @tenant_id AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree)
    GROUP BY p.id, p.org_path) x
GROUP BY 1, 2;

-- name: DayTotals :many
-- Each person's points under the unit on days in [from_day, until_day).
SELECT p.id, p.org_path::text AS org_path, coalesce(sum(t.points), 0)::int AS points
FROM assessed_people p
LEFT JOIN points_day_totals t ON t.tenant_id = p.tenant_id AND t.person_id = p.id AND t.day >= @from_day AND t.day < @until_day
WHERE p.tenant_id = @tenant_id AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY p.id, p.org_path;
