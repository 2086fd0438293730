package learning

// Statements queued into one round trip with others live here.
//
// Heartbeats are the busiest write here (every viewer, every 10–15
// seconds), so those that arrive together are written together (see
// beats.go), in two round trips per batch: the sessions with what judging
// the beats needs, with BEGIN; what the beats counted for (and the facts
// of completions), in one statement over arrays, with COMMIT. The
// statements are sqlc's (learningdb's exported constants) but for that
// write, which sqlc cannot type; only their queueing is written here.

import (
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/learning/learningdb"
)

// queueSessionsForBeats queues the look-up of the sessions ids, locked,
// into rows, and of the school's settings into settings.
func queueSessionsForBeats(b *pgx.Batch, tenant uuid.UUID, ids []uuid.UUID, rows map[uuid.UUID]learningdb.SessionsForBeatsRow, settings *[]byte) {
	b.Queue(learningdb.SessionsForBeats, tenant, ids).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var r learningdb.SessionsForBeatsRow
			if err := rs.Scan(&r.ID, &r.PersonID, &r.ContentID, &r.Mode, &r.LastPosition, &r.LastPlaying, &r.LastBeatAt,
				&r.Status, &r.DurationSeconds); err != nil {
				return err
			}
			rows[r.ID] = r
		}
		return rs.Err()
	})
	b.Queue(learningdb.TenantSettings, tenant).QueryRow(func(r pgx.Row) error { return r.Scan(settings) })
}

// recordBeats writes what a batch of heartbeats counted for, in one
// statement, for beats of distinct sessions and distinct progress: each
// session moved (unless its beat was refused); each study added — the
// video's seconds [from, to) to what was watched (seconds is the length
// of the union, so watching again adds nothing) or read seconds to the
// time read — completing the progress when it reaches the required time
// (completed_at = at); and the learning fact of each completion, once per
// item and mode. The progress's expressions read its row as it is once
// locked (no snapshot of it taken before), so that beats of two sessions
// at once both count, and only the beat whose at completed it writes the
// fact. updated_at (indexed: a person's list, latest first) moves once a
// minute at most, so that most beats leave every index alone (HOT).
// Parameters: $1 tenant, $2 at, then one array per column of the beats
// (see queueBeats).
const recordBeats = `WITH b AS (
    SELECT * FROM unnest($3::int[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::int[], $9::boolean[], $10::boolean[],
                         $11::int[], $12::int[], $13::int[], $14::int[], $15::int[], $16::uuid[])
        AS b(ord, session, person, content, mode, position, playing, move, from_second, to_second, read_seconds, skipped, rejected, recorded_by)),
moved AS (
    UPDATE learning_sessions AS s SET last_position = b.position, last_playing = b.playing, last_beat_at = $2
    FROM b WHERE s.tenant_id = $1 AND s.id = b.session AND b.move
    RETURNING 1),
progress AS (
    UPDATE learning_progress AS lp SET
        watched = lp.watched + int4multirange(int4range(b.from_second, b.to_second)),
        seconds = CASE lp.mode
            WHEN 'watch' THEN (SELECT COALESCE(sum(upper(r) - lower(r)), 0)::int
                               FROM unnest(lp.watched + int4multirange(int4range(b.from_second, b.to_second))) AS r)
            ELSE lp.seconds + b.read_seconds END,
        completed_at = CASE
            WHEN lp.completed_at IS NOT NULL THEN lp.completed_at
            WHEN lp.mode = 'watch' AND (SELECT COALESCE(sum(upper(r) - lower(r)), 0)
                                        FROM unnest(lp.watched + int4multirange(int4range(b.from_second, b.to_second))) AS r) >= lp.required_seconds
                THEN $2::timestamptz
            WHEN lp.mode = 'read' AND lp.seconds + b.read_seconds >= lp.required_seconds THEN $2::timestamptz
            END,
        skipped_beats = lp.skipped_beats + b.skipped, rejected_beats = lp.rejected_beats + b.rejected,
        updated_at = CASE WHEN lp.updated_at < $2::timestamptz - interval '1 minute' THEN $2::timestamptz ELSE lp.updated_at END
    FROM b
    WHERE lp.tenant_id = $1 AND lp.person_id = b.person AND lp.content_id = b.content AND lp.mode = b.mode
    RETURNING b.ord, b.recorded_by, lp.tenant_id, lp.person_id, lp.content_id, lp.mode, lp.seconds, lp.required_seconds, lp.skipped_beats,
        lp.rejected_beats, lp.completed_at, lp.started_at, lp.updated_at),
fact AS (
    INSERT INTO learning_facts (tenant_id, person_id, kind, source_type, source_id, occurred_at, recorded_by, details)
    SELECT p.tenant_id, p.person_id, CASE p.mode WHEN 'watch' THEN 'lesson_completed' ELSE 'reading_completed' END, 'content', p.content_id,
        p.completed_at, p.recorded_by, jsonb_build_object('mode', p.mode, 'seconds', p.seconds, 'requiredSeconds', p.required_seconds)
    FROM progress p WHERE p.completed_at = $2::timestamptz
    ON CONFLICT (tenant_id, person_id, kind, source_type, source_id) DO NOTHING
    RETURNING person_id, source_id)
SELECT p.ord, p.person_id, p.content_id, p.mode, p.seconds, p.required_seconds, p.skipped_beats, p.rejected_beats, p.completed_at,
    p.started_at, p.updated_at, EXISTS (SELECT 1 FROM fact f WHERE f.person_id = p.person_id AND f.source_id = p.content_id)
FROM progress p`

// beatWrite is what a judged heartbeat writes.
type beatWrite struct {
	session, person, content uuid.UUID
	mode                     Mode
	judged                   Judged
	position                 int  // where the session is now (watching)
	playing                  bool // the beat's
	recordedBy               *uuid.UUID
}

// beatWritten is a beat's progress after the write (found: there was
// one), and whether the beat completed the item (and wrote its fact).
type beatWritten struct {
	found     bool
	row       learningdb.MyProgressRow
	completed bool
}

// queueBeats queues the writes ws, judged at, into b; what became of
// ws[i] lands in out[i].
func queueBeats(b *pgx.Batch, tenant uuid.UUID, at time.Time, ws []beatWrite, out []beatWritten) {
	n := len(ws)
	var (
		ord                                         = make([]int32, n)
		session, person, content                    = make([]uuid.UUID, n), make([]uuid.UUID, n), make([]uuid.UUID, n)
		mode                                        = make([]string, n)
		position, from, to, read, skipped, rejected = make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
		playing, move                               = make([]bool, n), make([]bool, n)
		recordedBy                                  = make([]*uuid.UUID, n)
	)
	for i, w := range ws {
		ord[i], session[i], person[i], content[i], mode[i] = int32(i), w.session, w.person, w.content, string(w.mode)
		position[i], playing[i], move[i] = int32(w.position), w.playing, !w.judged.Verdict.Rejected()
		from[i], to[i], read[i] = int32(w.judged.From), int32(w.judged.To), int32(w.judged.Seconds)
		if w.judged.Verdict == SkippedAhead {
			skipped[i] = 1
		}
		if w.judged.Verdict.Rejected() {
			rejected[i] = 1
		}
		recordedBy[i] = w.recordedBy
	}
	b.Queue(recordBeats, tenant, at, ord, session, person, content, mode, position, playing, move, from, to, read, skipped, rejected,
		recordedBy).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var i int32
			w := beatWritten{found: true}
			r := &w.row
			if err := rs.Scan(&i, &r.PersonID, &r.ContentID, &r.Mode, &r.Seconds, &r.RequiredSeconds, &r.SkippedBeats,
				&r.RejectedBeats, &r.CompletedAt, &r.StartedAt, &r.UpdatedAt, &w.completed); err != nil {
				return err
			}
			out[i] = w
		}
		return rs.Err()
	})
}

// queueForYouReads queues what "for you" reads of a person into b: their
// plan (see PersonPlan), the items they completed and their interests
// (tag → weight).
func queueForYouReads(b *pgx.Batch, plan learningdb.PersonPlanParams, rows *[]learningdb.PersonPlanRow, done *[]uuid.UUID, interests map[string]int) {
	b.Queue(learningdb.PersonPlan, plan.MonthFrom, plan.QuarterFrom, plan.YearFrom, plan.MonthUntil, plan.QuarterUntil, plan.YearUntil,
		plan.TenantID, plan.PersonID).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var r learningdb.PersonPlanRow
			if err := rs.Scan(&r.OrgUnitID, &r.Stage, &r.Period, &r.RequiredLessons, &r.Series, &r.Done); err != nil {
				return err
			}
			*rows = append(*rows, r)
		}
		return rs.Err()
	})
	b.Queue(learningdb.Completed, plan.TenantID, plan.PersonID).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var id uuid.UUID
			if err := rs.Scan(&id); err != nil {
				return err
			}
			*done = append(*done, id)
		}
		return rs.Err()
	})
	b.Queue(learningdb.Interests, plan.TenantID, plan.PersonID).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var tag string
			var weight int32
			if err := rs.Scan(&tag, &weight); err != nil {
				return err
			}
			interests[tag] = int(weight)
		}
		return rs.Err()
	})
}
