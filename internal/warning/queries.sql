-- The early-warnings domain's statements (sqlc turns them into warningdb).

-- name: Tenants :many
SELECT id FROM tenant_profiles ORDER BY created_at, id;

-- name: TenantSettings :one
SELECT settings FROM tenant_profiles WHERE id = @id;

-- What each rule finds now: one row per cause, all in the same shape
-- (cause, unit responsible, person, subject, details).

-- name: FindTaskOverdue :many
-- Assignments overdue now (task's rule), of tasks due since the lookback.
SELECT ('task_overdue:' || a.task_id::text || ':' || a.person_id::text)::text AS cause, a.org_unit_id, a.person_id::uuid AS person_id,
       'task'::text AS subject_type, a.task_id AS subject_id,
       jsonb_build_object('label', t.title, 'name', p.name, 'deadline', a.deadline) AS details
FROM task_assignment_records a
JOIN task_titles t ON t.tenant_id = a.tenant_id AND t.id = a.task_id
JOIN person_profiles p ON p.tenant_id = a.tenant_id AND p.id = a.person_id
WHERE a.tenant_id = @tenant_id AND a.deadline >= @since AND task_assignment_overdue(a.status, a.deadline, @now) AND p.status = 'active';

-- name: FindNoLearning :many
-- Assessed people whose last learning fact (or, never having one, their
-- stage's start) is before the cutoff; the cause names the last day, so
-- a new lapse after learning again is a new warning.
WITH seen AS (
    SELECT p.id, p.name, p.org_unit_id, pp.stage_since::timestamptz AS stage_since,
           (SELECT max(f.occurred_at) FROM learning_fact_records f
            WHERE f.tenant_id = p.tenant_id AND f.person_id = p.id AND learning_fact_category(f.kind) = 'learning') AS last_at
    FROM assessed_people p JOIN person_profiles pp ON pp.tenant_id = p.tenant_id AND pp.id = p.id
    WHERE p.tenant_id = @tenant_id)
SELECT ('no_learning:' || seen.id::text || ':' || coalesce(to_char(seen.last_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), 'never'))::text AS cause,
       seen.org_unit_id, seen.id::uuid AS person_id, 'person'::text AS subject_type, seen.id AS subject_id,
       jsonb_build_object('label', seen.name, 'name', seen.name, 'lastActivity', seen.last_at,
           'days', floor(extract(epoch FROM sqlc.arg(now)::timestamptz - coalesce(seen.last_at, seen.stage_since)) / 86400)::int) AS details
FROM seen
WHERE coalesce(seen.last_at, seen.stage_since) < sqlc.arg(cutoff)::timestamptz;

-- name: FindProbationsNear :many
-- Probationary members who began their probation before the cutoff (the
-- conversion date is near), with their overdue assignments (whether they
-- are behind on their lessons is learning's to say).
SELECT p.id, p.name, p.org_unit_id, p.stage_since,
       (SELECT count(*) FROM task_assignment_records a
        WHERE a.tenant_id = p.tenant_id AND a.person_id = p.id AND task_assignment_overdue(a.status, a.deadline, sqlc.arg(now)::timestamptz))::int AS overdue
FROM person_profiles p
WHERE p.tenant_id = @tenant_id AND p.status = 'active' AND p.stage = 'probationary' AND p.stage_since < sqlc.arg(cutoff)::timestamptz;

-- name: FindActivistStalled :many
-- Activists who began before the cutoff (their training year and its
-- grace passed) and took no next step.
SELECT ('activist_stalled:' || p.id::text || ':' || p.stage_since::date::text)::text AS cause, p.org_unit_id, p.id::uuid AS person_id,
       'person'::text AS subject_type, p.id AS subject_id,
       -- stage_since is a (Beijing) date: the deadline is that day's start
       -- there, as an instant (a date plus an interval would be a timestamp
       -- without zone, which the details' time cannot read).
       jsonb_build_object('label', p.name, 'name', p.name, 'deadline', ((p.stage_since + sqlc.arg(training_days)::int)::timestamp AT TIME ZONE 'Asia/Shanghai')) AS details
FROM person_profiles p
WHERE p.tenant_id = @tenant_id AND p.status = 'active' AND p.stage = 'activist' AND p.stage_since < sqlc.arg(cutoff)::timestamptz;

-- name: FindLowPoints :many
-- Assessed people with fewer points than the threshold in the period.
SELECT ('low_points:' || p.id::text || ':' || sqlc.arg(period_kind)::text || ':' || sqlc.arg(period_start)::date::text)::text AS cause, p.org_unit_id,
       p.id::uuid AS person_id, 'person'::text AS subject_type, p.id AS subject_id,
       jsonb_build_object('label', p.name, 'name', p.name, 'done', coalesce(t.points, 0), 'required', sqlc.arg(threshold)::int,
           'from', sqlc.arg(period_from)::timestamptz, 'until', sqlc.arg(period_until)::timestamptz) AS details
FROM assessed_people p
LEFT JOIN points_person_period_totals t ON t.tenant_id = p.tenant_id AND t.person_id = p.id
    AND t.period_kind = sqlc.arg(period_kind)::text AND t.period_start = sqlc.arg(period_start)::date
WHERE p.tenant_id = @tenant_id AND coalesce(t.points, 0) < sqlc.arg(threshold)::int;

-- name: FindMeetingsMissing :many
-- Branches (groups, for group meetings: as the cockpit expects them) that
-- held no meeting of a kind (in them or below) in its last whole period (one row of kinds, froms and untils per kind),
-- counting those not called off; a branch younger than the period is not
-- expected to.
SELECT ('meetings_missing:' || u.id::text || ':' || k.kind || ':' || to_char(k.period_from AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'))::text AS cause,
       u.id AS org_unit_id, '00000000-0000-0000-0000-000000000000'::uuid AS person_id, 'org_unit'::text AS subject_type, u.id AS subject_id,
       jsonb_build_object('label', u.name, 'kind', k.kind, 'from', k.period_from, 'until', k.period_until) AS details
FROM org_units u
CROSS JOIN (SELECT unnest(@kinds::text[]) AS kind, unnest(@froms::timestamptz[]) AS period_from,
                   unnest(@untils::timestamptz[]) AS period_until) k
WHERE u.tenant_id = @tenant_id AND u.active AND u.created_at < k.period_from
  AND u.kind = CASE WHEN k.kind = 'group_meeting' THEN 'group' ELSE 'branch' END
  AND NOT EXISTS (
    SELECT 1 FROM event_records e JOIN org_units eu ON eu.tenant_id = e.tenant_id AND eu.id = e.org_unit_id
    WHERE e.tenant_id = u.tenant_id AND eu.path <@ u.path AND e.kind = k.kind AND e.cancelled_at IS NULL
      AND e.starts_at >= k.period_from AND e.starts_at < k.period_until);

-- name: FindMinutesMissing :many
-- Meetings held (ended before the cutoff, since the lookback, not called
-- off) without minutes.
SELECT ('minutes_missing:' || e.id::text)::text AS cause, e.org_unit_id, '00000000-0000-0000-0000-000000000000'::uuid AS person_id, 'event'::text AS subject_type, e.id AS subject_id,
       jsonb_build_object('label', e.title, 'kind', e.kind, 'deadline', e.ends_at) AS details
FROM event_records e
WHERE e.tenant_id = @tenant_id AND e.cancelled_at IS NULL AND NOT e.has_minutes AND e.ends_at < @cutoff AND e.ends_at >= @since;

-- name: FindSuggestionUnanswered :many
-- Suggestions still open past their answer's deadline (the cause names
-- the deadline: a follow-up gives a new one).
SELECT ('suggestion_unanswered:' || s.id::text || ':' || to_char(s.due_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'))::text AS cause,
       s.org_unit_id, '00000000-0000-0000-0000-000000000000'::uuid AS person_id, 'suggestion'::text AS subject_type, s.id AS subject_id,
       jsonb_build_object('label', s.title, 'deadline', s.due_at) AS details
FROM suggestion_records s
WHERE s.tenant_id = @tenant_id AND s.status = 'open' AND s.due_at < @now;

-- Raising, clearing, escalating ----------------------------------------

-- name: Raise :many
-- The findings of a rule not raised yet (or cleared since: raised again),
-- each addressed to the nearest unit at or above its own that has admins.
INSERT INTO warnings AS w (tenant_id, rule, cause, org_unit_id, addressed_unit_id, person_id, subject_type, subject_id, details)
SELECT @tenant_id, @rule, f.cause, f.unit, coalesce(addr.id, f.unit), NULLIF(f.person, '00000000-0000-0000-0000-000000000000'::uuid),
       f.subject_type, f.subject_id, f.details
FROM (SELECT unnest(@causes::text[]) AS cause, unnest(@units::uuid[]) AS unit, unnest(@people::uuid[]) AS person,
             unnest(@subject_types::text[]) AS subject_type, unnest(@subject_ids::uuid[]) AS subject_id,
             unnest(@details::jsonb[]) AS details) f
JOIN org_units u ON u.tenant_id = @tenant_id AND u.id = f.unit
LEFT JOIN LATERAL (
    SELECT au.id FROM org_units au
    WHERE au.tenant_id = u.tenant_id AND au.path @> u.path
      AND EXISTS (SELECT 1 FROM unit_admin_people a WHERE a.tenant_id = au.tenant_id AND a.org_unit_id = au.id)
    ORDER BY nlevel(au.path) DESC
    LIMIT 1) addr ON true
ON CONFLICT (tenant_id, cause) DO UPDATE SET status = 'open', raised_at = now(), details = EXCLUDED.details,
    addressed_unit_id = EXCLUDED.addressed_unit_id, escalations = 0, addressed_at = now(),
    acknowledged_at = NULL, acknowledged_by = NULL, resolved_at = NULL, resolved_by = NULL, note = ''
    WHERE w.status = 'cleared'
RETURNING w.id, w.addressed_unit_id, w.escalations;

-- name: Clear :execrows
-- A rule's open warnings whose cause it no longer finds.
UPDATE warnings SET status = 'cleared', resolved_at = now()
WHERE tenant_id = @tenant_id AND rule = @rule AND status IN ('open', 'acknowledged') AND cause <> ALL(@causes::text[]);

-- name: Escalate :many
-- Open warnings addressed before the cutoff, to the next unit up that has
-- admins (none above: they stay).
UPDATE warnings w SET addressed_unit_id = up.id, escalations = w.escalations + 1, addressed_at = now()
FROM org_units cur
CROSS JOIN LATERAL (
    SELECT au.id FROM org_units au
    WHERE au.tenant_id = cur.tenant_id AND au.path @> cur.path AND au.id <> cur.id
      AND EXISTS (SELECT 1 FROM unit_admin_people a WHERE a.tenant_id = au.tenant_id AND a.org_unit_id = au.id)
    ORDER BY nlevel(au.path) DESC
    LIMIT 1) up
WHERE w.tenant_id = @tenant_id AND w.status = 'open' AND w.addressed_at < @before
  AND cur.tenant_id = w.tenant_id AND cur.id = w.addressed_unit_id
RETURNING w.id, w.addressed_unit_id, w.escalations;

-- name: AdminsOf :many
-- The people who administer each of units.
SELECT org_unit_id, person_id::uuid AS person_id FROM unit_admin_people
WHERE tenant_id = @tenant_id AND org_unit_id = ANY(@units::uuid[]);

-- Reading and answering -----------------------------------------------

-- name: Warning :one
-- One warning, with the path of its responsible unit.
SELECT w.id, w.rule, w.org_unit_id, w.addressed_unit_id, w.escalations, w.person_id, w.subject_type, w.subject_id, w.details,
       w.status, w.raised_at, w.acknowledged_at, w.resolved_at, w.note, u.path::text AS path
FROM warnings w JOIN org_units u ON u.tenant_id = w.tenant_id AND u.id = w.org_unit_id
WHERE w.tenant_id = @tenant_id AND w.id = @id;

-- name: Warnings :many
-- The warnings under a unit, newest first, after the cursor.
SELECT w.id, w.rule, w.org_unit_id, w.addressed_unit_id, w.escalations, w.person_id, w.subject_type, w.subject_id, w.details,
       w.status, w.raised_at, w.acknowledged_at, w.resolved_at, w.note, u.path::text AS path
FROM warnings w JOIN org_units u ON u.tenant_id = w.tenant_id AND u.id = w.org_unit_id
WHERE w.tenant_id = @tenant_id AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
  AND (cardinality(@statuses::text[]) = 0 OR w.status = ANY(@statuses::text[]))
  AND (cardinality(@rules::text[]) = 0 OR w.rule = ANY(@rules::text[]))
  AND (NOT @has_cursor::boolean OR (w.raised_at, w.id) < (@after_at::timestamptz, @after_id::uuid))
ORDER BY w.raised_at DESC, w.id DESC
LIMIT @max_rows;

-- name: UnitPath :one
SELECT path::text FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: Acknowledge :execrows
UPDATE warnings SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = @by, note = @note
WHERE tenant_id = @tenant_id AND id = @id AND status = 'open';

-- name: Resolve :execrows
UPDATE warnings SET status = 'resolved', resolved_at = now(), resolved_by = @by, note = @note
WHERE tenant_id = @tenant_id AND id = @id AND status IN ('open', 'acknowledged');
