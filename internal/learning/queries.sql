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

-- name: MoveSession :exec
UPDATE learning_sessions SET last_position = @position, last_playing = @playing, last_beat_at = @at
WHERE tenant_id = @tenant_id AND id = @id;

-- name: MyProgress :many
-- The person's progress, most recently studied first, after the cursor.
SELECT person_id, content_id, mode, seconds, required_seconds, skipped_beats, rejected_beats, completed_at, started_at, updated_at
FROM learning_progress
WHERE tenant_id = @tenant_id AND person_id = @person_id
  AND (NOT @has_cursor::boolean OR (updated_at, content_id) < (@after_at::timestamptz, @after_content::uuid))
ORDER BY updated_at DESC, content_id DESC
LIMIT @max_rows;

-- The heartbeat (queued in one round trip each, see store.go) -----------

-- name: SessionForBeat :one
-- A session of the person's with what judging its next heartbeat needs
-- (the item's length, the school's settings); the session's row is held
-- until the transaction ends, so that its heartbeats are judged in turn.
SELECT s.content_id, s.mode, s.last_position, s.last_playing, s.last_beat_at,
       l.type, l.status, l.duration_seconds::int AS duration_seconds, l.text_chars::int AS text_chars,
       (SELECT t.settings FROM tenant_profiles t WHERE t.id = s.tenant_id)::jsonb AS settings
FROM learning_sessions s JOIN content_study_lengths l ON l.tenant_id = s.tenant_id AND l.id = s.content_id
WHERE s.tenant_id = @tenant_id AND s.id = @id AND s.person_id = @person_id
FOR UPDATE OF s;

-- name: AddStudy :one
-- Adds what a heartbeat counted: the video's seconds [from, to) to what
-- was watched (seconds is the length of the union, so watching again adds
-- nothing), or read_seconds to the time read; completes the progress when
-- it reaches the required time (completed_at = at). Every expression reads
-- the row as it is once locked (no snapshot taken before), so that beats
-- of two sessions at once both count. updated_at (indexed: the list of
-- progress, latest first) moves once a minute at most, so that most beats
-- leave every index alone (HOT updates).
UPDATE learning_progress AS lp SET
    watched = lp.watched + int4multirange(int4range(@from_second::int, @to_second::int)),
    seconds = CASE lp.mode
        WHEN 'watch' THEN (SELECT COALESCE(sum(upper(r) - lower(r)), 0)::int
                           FROM unnest(lp.watched + int4multirange(int4range(@from_second::int, @to_second::int))) AS r)
        ELSE lp.seconds + @read_seconds::int END,
    completed_at = CASE
        WHEN lp.completed_at IS NOT NULL THEN lp.completed_at
        WHEN lp.mode = 'watch' AND (SELECT COALESCE(sum(upper(r) - lower(r)), 0)
                                    FROM unnest(lp.watched + int4multirange(int4range(@from_second::int, @to_second::int))) AS r) >= lp.required_seconds
            THEN @at::timestamptz
        WHEN lp.mode = 'read' AND lp.seconds + @read_seconds::int >= lp.required_seconds THEN @at::timestamptz
        END,
    skipped_beats = lp.skipped_beats + @skipped::int, rejected_beats = lp.rejected_beats + @rejected::int,
    updated_at = CASE WHEN lp.updated_at < @touch_before::timestamptz THEN @at::timestamptz ELSE lp.updated_at END
WHERE lp.tenant_id = @tenant_id AND lp.person_id = @person_id AND lp.content_id = @content_id AND lp.mode = @mode
RETURNING lp.person_id, lp.content_id, lp.mode, lp.seconds, lp.required_seconds, lp.skipped_beats, lp.rejected_beats, lp.completed_at, lp.started_at, lp.updated_at;

-- name: RecordCompletion :many
-- The learning fact of a progress this heartbeat completed (at), once per
-- item and mode: the row it returns says this beat wrote it.
INSERT INTO learning_facts (tenant_id, person_id, kind, source_type, source_id, occurred_at, recorded_by, details)
SELECT lp.tenant_id, lp.person_id, CASE lp.mode WHEN 'watch' THEN 'lesson_completed' ELSE 'reading_completed' END, 'content', lp.content_id,
       lp.completed_at, @recorded_by, jsonb_build_object('mode', lp.mode, 'seconds', lp.seconds, 'requiredSeconds', lp.required_seconds)
FROM learning_progress lp
WHERE lp.tenant_id = @tenant_id AND lp.person_id = @person_id AND lp.content_id = @content_id AND lp.mode = @mode AND lp.completed_at = @at::timestamptz
ON CONFLICT (tenant_id, person_id, kind, source_type, source_id) DO NOTHING
RETURNING id;
