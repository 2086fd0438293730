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

-- name: LockSession :one
-- A session of the person's, held until the transaction ends: its
-- heartbeats are judged one after the other.
SELECT id, content_id, mode, last_position, last_playing, last_beat_at FROM learning_sessions
WHERE tenant_id = @tenant_id AND id = @id AND person_id = @person_id FOR UPDATE;

-- name: MoveSession :exec
UPDATE learning_sessions SET last_position = @position, last_playing = @playing, last_beat_at = @at
WHERE tenant_id = @tenant_id AND id = @id;

-- name: AddWatched :one
-- Adds the seconds [from, to) of the video to what the person watched;
-- seconds is the length of the union, so watching again adds nothing.
UPDATE learning_progress AS lp SET
    watched = lp.watched + int4multirange(int4range(@from_second::int, @to_second::int)),
    seconds = (SELECT COALESCE(sum(upper(r) - lower(r)), 0)::int
               FROM unnest(lp.watched + int4multirange(int4range(@from_second::int, @to_second::int))) AS r),
    skipped_beats = lp.skipped_beats + @skipped::int, rejected_beats = lp.rejected_beats + @rejected::int,
    updated_at = now()
WHERE lp.tenant_id = @tenant_id AND lp.person_id = @person_id AND lp.content_id = @content_id AND lp.mode = 'watch'
RETURNING lp.person_id, lp.content_id, lp.mode, lp.seconds, lp.required_seconds, lp.skipped_beats, lp.rejected_beats, lp.completed_at, lp.started_at, lp.updated_at;

-- name: AddRead :one
UPDATE learning_progress AS lp SET seconds = lp.seconds + @read_seconds::int,
    skipped_beats = lp.skipped_beats + @skipped::int, rejected_beats = lp.rejected_beats + @rejected::int, updated_at = now()
WHERE lp.tenant_id = @tenant_id AND lp.person_id = @person_id AND lp.content_id = @content_id AND lp.mode = @mode
RETURNING lp.person_id, lp.content_id, lp.mode, lp.seconds, lp.required_seconds, lp.skipped_beats, lp.rejected_beats, lp.completed_at, lp.started_at, lp.updated_at;

-- name: Complete :one
-- Marks the progress completed, once: no row when it already was.
UPDATE learning_progress AS lp SET completed_at = @at
WHERE lp.tenant_id = @tenant_id AND lp.person_id = @person_id AND lp.content_id = @content_id AND lp.mode = @mode AND lp.completed_at IS NULL
RETURNING lp.completed_at;

-- name: InsertFact :exec
-- A learning fact, once per source.
INSERT INTO learning_facts (tenant_id, person_id, kind, source_type, source_id, occurred_at, recorded_by, details)
VALUES (@tenant_id, @person_id, @kind, @source_type, @source_id, @occurred_at, @recorded_by, @details)
ON CONFLICT (tenant_id, person_id, kind, source_type, source_id) DO NOTHING;

-- name: MyProgress :many
-- The person's progress, most recently studied first, after the cursor.
SELECT person_id, content_id, mode, seconds, required_seconds, skipped_beats, rejected_beats, completed_at, started_at, updated_at
FROM learning_progress
WHERE tenant_id = @tenant_id AND person_id = @person_id
  AND (NOT @has_cursor::boolean OR (updated_at, content_id) < (@after_at::timestamptz, @after_content::uuid))
ORDER BY updated_at DESC, content_id DESC
LIMIT @max_rows;
