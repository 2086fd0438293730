package learning

// A heartbeat is the busiest write here (every viewer, every 10–15
// seconds), so its statements go in two round trips: the session with
// what judging the beat needs, with BEGIN; what the beat counted for (and
// the fact of a completion), with COMMIT. The statements are sqlc's
// (learningdb's exported constants); only their queueing is written here.

import (
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/learning/learningdb"
)

// queueSessionForBeat queues the look-up of a session for its next beat
// into row; found reports, once b has run, whether the session is the
// caller's.
func queueSessionForBeat(b *pgx.Batch, p learningdb.SessionForBeatParams, row *learningdb.SessionForBeatRow) (found *bool) {
	found = new(bool)
	b.Queue(learningdb.SessionForBeat, p.TenantID, p.ID, p.PersonID).QueryRow(func(r pgx.Row) error {
		err := r.Scan(&row.ContentID, &row.Mode, &row.LastPosition, &row.LastPlaying, &row.LastBeatAt,
			&row.Type, &row.Status, &row.DurationSeconds, &row.TextChars, &row.Settings)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		*found = err == nil
		return err
	})
	return found
}

// recordBeat writes what a heartbeat counted for, in one statement: the
// session moved (unless the beat was refused); the study added — the
// video's seconds [from, to) to what was watched (seconds is the length of
// the union, so watching again adds nothing) or read seconds to the time
// read — completing the progress when it reaches the required time
// (completed_at = at); and the learning fact of that completion, once per
// item and mode. The progress's expressions read its row as it is once
// locked (no snapshot of it taken before), so that beats of two sessions
// at once both count, and only the beat whose at completed it writes the
// fact. updated_at (indexed: a person's list, latest first) moves once a
// minute at most, so that most beats leave every index alone (HOT).
// sqlc cannot type a statement of data-modifying parts. Parameters: $1
// tenant, $2 session, $3 person, $4 content, $5 mode, $6 position, $7
// playing, $8 move (the beat was not refused), $9 at, $10 from_second,
// $11 to_second, $12 read_seconds, $13 skipped, $14 rejected, $15
// recorded_by.
const recordBeat = `WITH moved AS (
    UPDATE learning_sessions SET last_position = $6, last_playing = $7, last_beat_at = $9
    WHERE tenant_id = $1 AND id = $2 AND $8::boolean
    RETURNING 1),
progress AS (
    UPDATE learning_progress AS lp SET
        watched = lp.watched + int4multirange(int4range($10::int, $11::int)),
        seconds = CASE lp.mode
            WHEN 'watch' THEN (SELECT COALESCE(sum(upper(r) - lower(r)), 0)::int
                               FROM unnest(lp.watched + int4multirange(int4range($10::int, $11::int))) AS r)
            ELSE lp.seconds + $12::int END,
        completed_at = CASE
            WHEN lp.completed_at IS NOT NULL THEN lp.completed_at
            WHEN lp.mode = 'watch' AND (SELECT COALESCE(sum(upper(r) - lower(r)), 0)
                                        FROM unnest(lp.watched + int4multirange(int4range($10::int, $11::int))) AS r) >= lp.required_seconds
                THEN $9::timestamptz
            WHEN lp.mode = 'read' AND lp.seconds + $12::int >= lp.required_seconds THEN $9::timestamptz
            END,
        skipped_beats = lp.skipped_beats + $13::int, rejected_beats = lp.rejected_beats + $14::int,
        updated_at = CASE WHEN lp.updated_at < $9::timestamptz - interval '1 minute' THEN $9::timestamptz ELSE lp.updated_at END
    WHERE lp.tenant_id = $1 AND lp.person_id = $3 AND lp.content_id = $4 AND lp.mode = $5
    RETURNING lp.tenant_id, lp.person_id, lp.content_id, lp.mode, lp.seconds, lp.required_seconds, lp.skipped_beats, lp.rejected_beats,
        lp.completed_at, lp.started_at, lp.updated_at),
fact AS (
    INSERT INTO learning_facts (tenant_id, person_id, kind, source_type, source_id, occurred_at, recorded_by, details)
    SELECT p.tenant_id, p.person_id, CASE p.mode WHEN 'watch' THEN 'lesson_completed' ELSE 'reading_completed' END, 'content', p.content_id,
        p.completed_at, $15, jsonb_build_object('mode', p.mode, 'seconds', p.seconds, 'requiredSeconds', p.required_seconds)
    FROM progress p WHERE p.completed_at = $9::timestamptz
    ON CONFLICT (tenant_id, person_id, kind, source_type, source_id) DO NOTHING
    RETURNING 1)
SELECT p.person_id, p.content_id, p.mode, p.seconds, p.required_seconds, p.skipped_beats, p.rejected_beats, p.completed_at, p.started_at, p.updated_at,
    EXISTS (SELECT 1 FROM fact)
FROM progress p`

// beatWrite is what a judged heartbeat writes.
type beatWrite struct {
	tenant, session, person, content uuid.UUID
	mode                             Mode
	judged                           Judged
	position                         int  // where the session is now (watching)
	playing                          bool // the beat's
	at                               time.Time
	recordedBy                       *uuid.UUID
}

// queueBeat queues the write of w into b; the progress after it lands in
// row, and completed says, once b has run, whether this beat completed the
// item (and wrote its fact).
func queueBeat(b *pgx.Batch, w beatWrite, row *learningdb.MyProgressRow) (completed *bool) {
	completed = new(bool)
	skipped, rejected := 0, 0
	if w.judged.Verdict == SkippedAhead {
		skipped = 1
	}
	if w.judged.Verdict.Rejected() {
		rejected = 1
	}
	// Positional arguments, in recordBeat's order: named ones would have
	// pgx rewrite the statement at every heartbeat.
	b.Queue(recordBeat, w.tenant, w.session, w.person, w.content, string(w.mode), w.position, w.playing, !w.judged.Verdict.Rejected(), w.at,
		w.judged.From, w.judged.To, w.judged.Seconds, skipped, rejected, w.recordedBy).QueryRow(func(r pgx.Row) error {
		return r.Scan(&row.PersonID, &row.ContentID, &row.Mode, &row.Seconds, &row.RequiredSeconds, &row.SkippedBeats,
			&row.RejectedBeats, &row.CompletedAt, &row.StartedAt, &row.UpdatedAt, completed)
	})
	return completed
}
