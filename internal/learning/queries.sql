-- The learning domain's statements (sqlc turns them into learningdb).

-- name: TenantSettings :one
SELECT settings FROM tenant_profiles WHERE id = @id;

-- name: StudyLength :one
SELECT type, status, duration_seconds::int AS duration_seconds, text_chars::int AS text_chars FROM content_study_lengths WHERE tenant_id = @tenant_id AND id = @id;

-- name: StartProgress :one
-- A person's progress on an item in a mode, created at the first start
-- (the required time is fixed then).
INSERT INTO learning_progress (tenant_id, person_id, content_id, mode, required_seconds)
VALUES (@tenant_id, @person_id, @content_id, @mode, @required_seconds)
ON CONFLICT (tenant_id, person_id, content_id, mode) DO UPDATE SET updated_at = now()
RETURNING person_id, content_id, mode, seconds, required_seconds, skipped_beats, rejected_beats, completed_at, started_at, updated_at;

-- name: InsertSession :one
INSERT INTO learning_sessions (tenant_id, person_id, content_id, mode, last_beat_at)
VALUES (@tenant_id, @person_id, @content_id, @mode, @at)
RETURNING id;

-- name: MyProgress :many
-- The person's progress, most recently studied first, after the cursor.
SELECT person_id, content_id, mode, seconds, required_seconds, skipped_beats, rejected_beats, completed_at, started_at, updated_at
FROM learning_progress
WHERE tenant_id = @tenant_id AND person_id = @person_id
  AND (NOT @has_cursor::boolean OR (updated_at, content_id) < (@after_at::timestamptz, @after_content::uuid))
ORDER BY updated_at DESC, content_id DESC
LIMIT @max_rows;

-- The heartbeat (see store.go) -----------------------------------------

-- name: SessionsForBeats :many
-- Sessions with what judging their next heartbeats needs (the item's
-- length); the sessions' rows are held until the transaction ends, so
-- that each session's heartbeats are judged in turn, and locked in the
-- order of their ids, so that two batches of heartbeats never wait for
-- each other in a circle.
SELECT s.id, s.person_id, s.content_id, s.mode, s.last_position, s.last_playing, s.last_beat_at,
       l.status, l.duration_seconds::int AS duration_seconds
FROM learning_sessions s JOIN content_study_lengths l ON l.tenant_id = s.tenant_id AND l.id = s.content_id
WHERE s.tenant_id = @tenant_id AND s.id = ANY(@ids::uuid[])
ORDER BY s.id
FOR UPDATE OF s;

-- (What a heartbeat counted is written by one statement in store.go.)

-- Plans ----------------------------------------------------------------

-- name: UnitPath :one
SELECT path::text FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: UpsertPlan :one
INSERT INTO learning_plans (tenant_id, org_unit_id, stage, period, required_lessons, series, updated_by)
VALUES (@tenant_id, @org_unit_id, @stage, @period, @required_lessons, @series, @updated_by)
ON CONFLICT (tenant_id, org_unit_id, stage) DO UPDATE SET period = EXCLUDED.period, required_lessons = EXCLUDED.required_lessons,
    series = EXCLUDED.series, updated_by = EXCLUDED.updated_by, updated_at = now()
RETURNING org_unit_id, stage, period, required_lessons, series;

-- name: EffectivePlans :many
-- For each stage, the plan of the nearest unit at or above the one at path.
SELECT DISTINCT ON (lp.stage) lp.org_unit_id, lp.stage, lp.period, lp.required_lessons, lp.series
FROM learning_plans lp JOIN org_units u ON u.tenant_id = lp.tenant_id AND u.id = lp.org_unit_id
WHERE lp.tenant_id = @tenant_id AND u.path @> CAST(sqlc.arg(path)::text AS ltree)
ORDER BY lp.stage, nlevel(u.path) DESC;

-- name: PersonPlan :many
-- The plan in force for the person (the nearest unit at or above theirs
-- with a plan for their stage; no row: none), with the distinct
-- micro-lessons (of its series) they completed in its current period —
-- the bounds of each kind of period as Period.Bounds gives them.
SELECT pl.org_unit_id, pl.stage, pl.period, pl.required_lessons, pl.series,
       (SELECT count(DISTINCT f.source_id) FROM learning_facts f
        JOIN content_study_lengths l ON l.tenant_id = f.tenant_id AND l.id = f.source_id
        WHERE f.tenant_id = p.tenant_id AND f.person_id = p.id AND f.kind = 'lesson_completed'
          AND f.occurred_at >= CASE pl.period WHEN 'month' THEN @month_from::timestamptz WHEN 'quarter' THEN @quarter_from::timestamptz ELSE @year_from::timestamptz END
          AND f.occurred_at < CASE pl.period WHEN 'month' THEN @month_until::timestamptz WHEN 'quarter' THEN @quarter_until::timestamptz ELSE @year_until::timestamptz END
          AND (pl.series = '' OR l.series = pl.series))::int AS done
FROM person_profiles p
JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
CROSS JOIN LATERAL (
    SELECT lp.org_unit_id, lp.stage, lp.period, lp.required_lessons, lp.series
    FROM learning_plans lp JOIN org_units pu ON pu.tenant_id = lp.tenant_id AND pu.id = lp.org_unit_id
    WHERE lp.tenant_id = p.tenant_id AND lp.stage = p.stage AND pu.path @> u.path
    ORDER BY nlevel(pu.path) DESC
    LIMIT 1) pl
WHERE p.tenant_id = @tenant_id AND p.id = @person_id;

-- Facts other domains record ------------------------------------------

-- name: InsertFact :execrows
-- A fact, once per person, kind and source: a second one is not written.
INSERT INTO learning_facts (tenant_id, person_id, kind, source_type, source_id, occurred_at, recorded_by, details)
VALUES (@tenant_id, @person_id, @kind, @source_type, @source_id, @occurred_at, @recorded_by, @details)
ON CONFLICT (tenant_id, person_id, kind, source_type, source_id) DO NOTHING;

-- name: WatchedDuring :one
-- Whether the person completed watching the lesson, with heartbeats
-- within [from, until).
SELECT EXISTS (SELECT 1 FROM learning_progress
               WHERE tenant_id = @tenant_id AND person_id = @person_id AND content_id = @content_id AND mode = 'watch'
                 AND completed_at IS NOT NULL AND updated_at >= @from_at AND started_at < @until_at)::boolean;

-- For you ---------------------------------------------------------------

-- name: Studyable :many
-- The published items an active site of the school shows, with what
-- ranking them for a person needs.
SELECT DISTINCT ON (v.id) v.id, v.type, v.tags, v.topics, v.published_at,
       CASE WHEN v.type = 'micro_lesson' THEN COALESCE(v.body ->> 'series', '') ELSE '' END::text AS series
FROM content_on_sites v
WHERE v.tenant_id = @tenant_id AND v.site_active AND v.status = 'published'
ORDER BY v.id;

-- name: Completed :many
-- The items the person completed.
SELECT DISTINCT f.source_id FROM learning_facts f
WHERE f.tenant_id = @tenant_id AND f.person_id = @person_id AND f.kind IN ('lesson_completed', 'reading_completed');

-- name: Interests :many
-- The tags and topics of what the person studied, most studied first.
SELECT t.tag::text AS tag, count(*)::int AS weight
FROM learning_progress lp
JOIN content_details c ON c.tenant_id = lp.tenant_id AND c.id = lp.content_id
CROSS JOIN LATERAL unnest(c.tags || c.topics) AS t(tag)
WHERE lp.tenant_id = @tenant_id AND lp.person_id = @person_id
GROUP BY t.tag
ORDER BY weight DESC, t.tag
LIMIT 20;
