-- Points: rules, the ledger, and the facts waiting to be awarded.

-- name: Tenants :many
-- Every school, oldest first.
SELECT id FROM tenant_profiles ORDER BY created_at, id;

-- name: UnitPath :one
SELECT path::text FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: InsertRule :one
INSERT INTO points_rules (tenant_id, org_unit_id, fact_kind, amount, full_marks_amount, daily_cap, weekly_cap, yearly_cap, effective_from, created_by)
VALUES (@tenant_id, @org_unit_id, @fact_kind, @amount, sqlc.narg(full_marks_amount), sqlc.narg(daily_cap), sqlc.narg(weekly_cap), sqlc.narg(yearly_cap),
        @effective_from, @created_by)
RETURNING id, created_at;

-- name: TenantRules :many
-- Every rule version of the school, with its unit's path.
SELECT r.id, r.org_unit_id, u.path::text AS org_path, r.fact_kind, r.amount, r.full_marks_amount, r.daily_cap, r.weekly_cap, r.yearly_cap,
       r.effective_from, r.created_at
FROM points_rules r JOIN org_units u ON u.tenant_id = r.tenant_id AND u.id = r.org_unit_id
WHERE r.tenant_id = @tenant_id
ORDER BY r.effective_from, r.id;

-- Awarding -------------------------------------------------------------

-- name: LockLedger :exec
-- One award of a school's facts at a time (caps are computed on what was
-- awarded before): held until the transaction ends.
SELECT pg_advisory_xact_lock(hashtextextended('points:' || @tenant_id::text, 0));

-- name: PendingFacts :many
-- The facts waiting to be awarded, as they occurred, and whether each has
-- its entry already (queued again).
SELECT f.id, f.person_id, f.kind, f.source_id, f.occurred_at, f.details,
       EXISTS (SELECT 1 FROM points_entries e WHERE e.tenant_id = f.tenant_id AND e.source_type = 'fact' AND e.source_id = f.id) AS awarded
FROM points_pending p JOIN learning_fact_records f ON f.tenant_id = p.tenant_id AND f.id = p.fact_id
WHERE p.tenant_id = @tenant_id
ORDER BY f.occurred_at, f.id
LIMIT @max_rows;

-- name: AbsenceAwards :many
-- What the absences of people from events (sources) cost them.
SELECT f.person_id, f.source_id, sum(e.amount)::int AS amount
FROM learning_fact_records f JOIN points_entries e ON e.tenant_id = f.tenant_id AND e.source_type = 'fact' AND e.source_id = f.id
WHERE f.tenant_id = @tenant_id AND f.kind = 'event_absent' AND f.person_id = ANY(@persons::uuid[]) AND f.source_id = ANY(@sources::uuid[])
GROUP BY f.person_id, f.source_id;

-- name: PersonPaths :many
SELECT p.id, u.path::text AS org_path
FROM person_profiles p JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND p.id = ANY(@ids::uuid[]);

-- name: AwardedByDay :many
-- What facts awarded each of persons per kind and day in [from, until),
-- a day beginning offset_seconds after midnight UTC (see points.Day).
SELECT person_id, kind, (occurred_at AT TIME ZONE 'UTC' + make_interval(secs => @offset_seconds::int))::date AS day, sum(amount)::int AS points
FROM points_entries
WHERE tenant_id = @tenant_id AND person_id = ANY(@persons::uuid[]) AND source_type = 'fact'
  AND occurred_at >= @from_at AND occurred_at < @until_at
GROUP BY 1, 2, 3;

-- name: InsertAwards :execrows
-- The awards of facts (rule uuid.Nil: the default); a fact awarded already
-- is not awarded again.
INSERT INTO points_entries (tenant_id, person_id, amount, kind, rule_id, source_type, source_id, idempotency_key, capped, occurred_at)
SELECT @tenant_id, a.person_id, a.amount, a.kind, NULLIF(a.rule_id, '00000000-0000-0000-0000-000000000000'::uuid), 'fact', a.fact_id,
       'fact:' || a.fact_id::text, a.capped, a.occurred_at
FROM (SELECT unnest(@persons::uuid[]) AS person_id, unnest(@amounts::int[]) AS amount, unnest(@kinds::text[]) AS kind,
             unnest(@rules::uuid[]) AS rule_id, unnest(@facts::uuid[]) AS fact_id, unnest(@capped::boolean[]) AS capped,
             unnest(@occurred::timestamptz[]) AS occurred_at) a
ON CONFLICT DO NOTHING;

-- name: DeletePending :exec
DELETE FROM points_pending WHERE tenant_id = @tenant_id AND fact_id = ANY(@facts::uuid[]);

-- name: QueueAllFacts :execrows
-- Every fact of the school, waiting again (those awarded already are
-- skipped when awarded).
INSERT INTO points_pending (tenant_id, fact_id) SELECT f.tenant_id, f.id FROM learning_fact_records f WHERE f.tenant_id = @tenant_id
ON CONFLICT DO NOTHING;

-- Corrections -----------------------------------------------------------

-- name: PersonUnitPath :one
SELECT u.path::text FROM person_profiles p JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND p.id = @id;

-- name: EntryOf :one
-- Whose an entry is, and the kind it counts under ('': none).
SELECT person_id, coalesce(CASE WHEN source_type = 'correction' THEN counts_as ELSE kind END, '')::text AS counts_as
FROM points_entries WHERE tenant_id = @tenant_id AND id = @id;

-- name: InsertCorrection :one
-- A compensating entry; its key given twice gives the first one back.
WITH ins AS (
    INSERT INTO points_entries (tenant_id, id, person_id, amount, kind, source_type, source_id, corrects, counts_as, idempotency_key, reason, occurred_at,
                                recorded_by)
    VALUES (@tenant_id, @id, @person_id, @amount, 'correction', 'correction', @id, sqlc.narg(corrects), sqlc.narg(counts_as), @idempotency_key, @reason,
            @at, @recorded_by)
    ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
    RETURNING id)
SELECT id FROM ins
UNION ALL
SELECT e.id FROM points_entries e WHERE e.tenant_id = @tenant_id AND e.idempotency_key = @idempotency_key AND NOT EXISTS (SELECT 1 FROM ins);

-- Reading ---------------------------------------------------------------

-- name: EntriesByIDs :many
SELECT id, person_id, amount, kind, rule_id, source_type, source_id, corrects, counts_as, capped, reason, occurred_at, recorded_at, recorded_by
FROM points_entries WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- name: SummaryByKind :many
-- What a person was awarded in [from, until), per kind.
SELECT kind, sum(amount)::int AS points, count(*)::int AS entries
FROM points_entries
WHERE tenant_id = @tenant_id AND person_id = @person_id AND occurred_at >= @from_at AND occurred_at < @until_at
GROUP BY kind
ORDER BY kind;

-- name: History :many
-- A person's entries in [from, until), latest first, after the cursor;
-- of the kinds given (a correction by the kind it counts under), or all.
SELECT id, person_id, amount, kind, rule_id, source_type, source_id, corrects, counts_as, capped, reason, occurred_at, recorded_at, recorded_by
FROM points_entries
WHERE tenant_id = @tenant_id AND person_id = @person_id AND occurred_at >= @from_at AND occurred_at < @until_at
  AND (coalesce(cardinality(@kinds::text[]), 0) = 0
       OR CASE WHEN source_type = 'correction' THEN coalesce(counts_as, 'correction') ELSE kind END = ANY(@kinds::text[]))
  AND (NOT @has_cursor::boolean OR (occurred_at, id) < (@after_at::timestamptz, @after_id::uuid))
ORDER BY occurred_at DESC, id DESC
LIMIT @max_rows;

-- Assessment -------------------------------------------------------------

-- name: Schemes :many
-- Every version of the school's assessment scheme.
SELECT id, indicators, show_personal_rankings, effective_from, created_at
FROM assessment_schemes WHERE tenant_id = @tenant_id ORDER BY effective_from;

-- name: InsertScheme :one
INSERT INTO assessment_schemes (tenant_id, indicators, show_personal_rankings, effective_from, created_by)
VALUES (@tenant_id, @indicators, @show_personal_rankings, @effective_from, @created_by)
RETURNING id, created_at;

-- name: PeoplePoints :many
-- The people assessed under a unit and what the ledger gave each per kind
-- on days in [from, until) (kind NULL: nothing).
SELECT p.id, p.name, p.org_unit_id, p.org_path::text AS org_path, d.kind, coalesce(sum(d.points), 0)::int AS points,
       coalesce(sum(d.entries), 0)::int AS entries
FROM assessed_people p
LEFT JOIN points_by_day d ON d.tenant_id = p.tenant_id AND d.person_id = p.id AND d.day >= @from_day AND d.day < @until_day
WHERE p.tenant_id = @tenant_id AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY p.id, p.name, p.org_unit_id, p.org_path, d.kind;

-- name: PeoplePeriodPoints :many
-- The same for a calendar period, from its roll-up.
SELECT p.id, p.name, p.org_unit_id, p.org_path::text AS org_path, d.kind, coalesce(sum(d.points), 0)::int AS points,
       coalesce(sum(d.entries), 0)::int AS entries
FROM assessed_people p
LEFT JOIN points_by_period d ON d.tenant_id = p.tenant_id AND d.person_id = p.id AND d.period_kind = @period_kind AND d.period_start = @period_start
WHERE p.tenant_id = @tenant_id AND p.org_path <@ CAST(sqlc.arg(path)::text AS ltree)
GROUP BY p.id, p.name, p.org_unit_id, p.org_path, d.kind;

-- name: PersonPoints :many
-- What the ledger gave a person per kind on days in [from, until).
SELECT kind, sum(points)::int AS points, sum(entries)::int AS entries
FROM points_by_day
WHERE tenant_id = @tenant_id AND person_id = @person_id AND day >= @from_day AND day < @until_day
GROUP BY kind;

-- name: PersonName :one
SELECT p.name, p.org_unit_id, u.path::text AS org_path
FROM person_profiles p JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND p.id = @id;

-- name: ChildUnits :many
SELECT id, name, path::text AS path FROM org_units WHERE tenant_id = @tenant_id AND parent_id = @parent_id AND active
ORDER BY sort_order, name, id;

-- name: UnitNames :many
SELECT id, name FROM org_units WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- Appeals ----------------------------------------------------------------

-- name: InsertAppeal :one
INSERT INTO points_appeals (tenant_id, person_id, entry_id, period_from, period_until, reason, filed_by)
VALUES (@tenant_id, @person_id, sqlc.narg(entry_id), sqlc.narg(period_from), sqlc.narg(period_until), @reason, @filed_by)
RETURNING id, filed_at;

-- name: AppealForUpdate :one
-- An appeal, locked, with the path of its person's unit.
SELECT a.id, a.person_id, a.entry_id, a.period_from, a.period_until, a.reason, a.status, a.resolution, a.correction_id, a.filed_by, a.filed_at,
       a.resolved_by, a.resolved_at, u.path::text AS org_path
FROM points_appeals a
JOIN person_profiles p ON p.tenant_id = a.tenant_id AND p.id = a.person_id
JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE a.tenant_id = @tenant_id AND a.id = @id
FOR UPDATE OF a;

-- name: ResolveAppeal :exec
UPDATE points_appeals
SET status = @status, resolution = @resolution, correction_id = sqlc.narg(correction_id), resolved_by = @resolved_by, resolved_at = @resolved_at
WHERE tenant_id = @tenant_id AND id = @id AND status = 'open';

-- name: Appeals :many
-- Appeals latest first after the cursor: a person's, or of the people
-- under a unit; of a status, or all.
SELECT a.id, a.person_id, a.entry_id, a.period_from, a.period_until, a.reason, a.status, a.resolution, a.correction_id, a.filed_by, a.filed_at,
       a.resolved_by, a.resolved_at
FROM points_appeals a
JOIN person_profiles p ON p.tenant_id = a.tenant_id AND p.id = a.person_id
JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE a.tenant_id = @tenant_id
  AND (sqlc.narg(person_id)::uuid IS NULL OR a.person_id = sqlc.narg(person_id))
  AND (sqlc.narg(path)::text IS NULL OR u.path <@ CAST(sqlc.narg(path)::text AS ltree))
  AND (sqlc.narg(status)::text IS NULL OR a.status = sqlc.narg(status))
  AND (NOT @has_cursor::boolean OR (a.filed_at, a.id) < (@after_at::timestamptz, @after_id::uuid))
ORDER BY a.filed_at DESC, a.id DESC
LIMIT @max_rows;
