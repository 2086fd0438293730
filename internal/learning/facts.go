package learning

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/learning/learningdb"
)

// FactKind is what a learning fact records.
type FactKind string

const (
	FactLessonCompleted  FactKind = "lesson_completed"
	FactReadingCompleted FactKind = "reading_completed"
	FactTaskApproved     FactKind = "task_approved"
	FactEventAttended    FactKind = "event_attended"
	FactQuizCompleted    FactKind = "quiz_completed"
	FactVolunteerHours   FactKind = "volunteer_hours_confirmed"
	// FactEventAbsent is an absence without reason from an event one was
	// expected at; FactAbsenceWithdrawn says it was withdrawn (marked
	// present or on leave after all), which gives back what it cost.
	FactEventAbsent      FactKind = "event_absent"
	FactAbsenceWithdrawn FactKind = "event_absence_withdrawn"
)

// Fact is something a person did that counts: written once per source, in
// the transaction of the change that caused it, and never changed.
type Fact struct {
	PersonID   uuid.UUID
	Kind       FactKind
	SourceType string // e.g. "task"
	SourceID   uuid.UUID
	OccurredAt time.Time
	RecordedBy *uuid.UUID
	Details    map[string]any
}

// RecordFact writes f in the caller's transaction (the one that made it
// happen) and reports whether it is new: the same person, kind and source
// a second time writes nothing.
func RecordFact(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, f Fact) (bool, error) {
	details := []byte("{}")
	if len(f.Details) > 0 {
		b, err := json.Marshal(f.Details)
		if err != nil {
			return false, fmt.Errorf("learning: fact details: %w", err)
		}
		details = b
	}
	n, err := learningdb.New(tx).InsertFact(ctx, learningdb.InsertFactParams{TenantID: tenant, PersonID: f.PersonID, Kind: string(f.Kind),
		SourceType: f.SourceType, SourceID: f.SourceID, OccurredAt: f.OccurredAt, RecordedBy: f.RecordedBy, Details: details})
	if err != nil {
		return false, fmt.Errorf("learning: record fact: %w", err)
	}
	return n == 1, nil
}

// WatchedDuring reports, in the caller's transaction, whether person has
// completed watching a micro-lesson, with heartbeats in [from, until)
// (an online part of an event).
func WatchedDuring(ctx context.Context, tx pgx.Tx, tenant, person, lesson uuid.UUID, from, until time.Time) (bool, error) {
	ok, err := learningdb.New(tx).WatchedDuring(ctx, learningdb.WatchedDuringParams{TenantID: tenant, PersonID: person, ContentID: lesson, FromAt: from, UntilAt: until})
	if err != nil {
		return false, fmt.Errorf("learning: watched during: %w", err)
	}
	return ok, nil
}
