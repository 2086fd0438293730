package learning

// A heartbeat is the busiest write here (every viewer, every 10–15
// seconds), so its statements go in two round trips: the session with
// what judging the beat needs, with BEGIN; what the beat counted for (and
// the fact of a completion), with COMMIT. The statements are sqlc's
// (learningdb's exported constants); only their queueing is written here.

import (
	"errors"
	"reflect"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/learning/learningdb"
)

// args are the arguments of a sqlc params struct in the order of its
// statement's parameters ($1, $2, …), which is the order sqlc declares
// the struct's fields in.
func args(params any) []any {
	v := reflect.ValueOf(params)
	out := make([]any, v.NumField())
	for i := range out {
		out[i] = v.Field(i).Interface()
	}
	return out
}

// queueSessionForBeat queues the look-up of a session for its next beat
// into row; found reports, once b has run, whether the session is the
// caller's.
func queueSessionForBeat(b *pgx.Batch, p learningdb.SessionForBeatParams, row *learningdb.SessionForBeatRow) (found *bool) {
	found = new(bool)
	b.Queue(learningdb.SessionForBeat, args(p)...).QueryRow(func(r pgx.Row) error {
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

// queueBeat queues what a beat counted for into b: the study added (its
// progress lands in row), the session moved (unless the beat was refused),
// and the learning fact of a completion this beat made (completed says,
// once b has run, whether this beat wrote it).
func queueBeat(b *pgx.Batch, study learningdb.AddStudyParams, move *learningdb.MoveSessionParams, fact learningdb.RecordCompletionParams, row *learningdb.MyProgressRow) (completed *bool) {
	completed = new(bool)
	b.Queue(learningdb.AddStudy, args(study)...).QueryRow(func(r pgx.Row) error {
		return r.Scan(&row.PersonID, &row.ContentID, &row.Mode, &row.Seconds, &row.RequiredSeconds, &row.SkippedBeats,
			&row.RejectedBeats, &row.CompletedAt, &row.StartedAt, &row.UpdatedAt)
	})
	if move != nil {
		b.Queue(learningdb.MoveSession, args(*move)...)
	}
	b.Queue(learningdb.RecordCompletion, args(fact)...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			*completed = true
		}
		return rows.Err()
	})
	return completed
}
