package meeting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"zhdj/internal/meeting/meetingdb"
	"zhdj/internal/notify"
	"zhdj/internal/postgres"
)

// ReminderArgs reminds an event's attendees (those not on leave) of it,
// the school's lead time before it starts.
type ReminderArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	EventID  uuid.UUID `json:"event_id"`
	// Version is the event's updated_at as the reminder was queued (zero
	// in reminders queued before events could change): a reminder of an
	// event changed since is left to the one queued with the change.
	Version time.Time `json:"version,omitzero"`
}

// Kind names the job.
func (ReminderArgs) Kind() string { return "meeting.reminder" }

// ReminderWorker delivers event reminders, once per attendee and event.
type ReminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	Meetings *Service
}

// Work delivers them.
func (w *ReminderWorker) Work(ctx context.Context, job *river.Job[ReminderArgs]) error {
	a := job.Args
	return postgres.InTenantTx(ctx, w.Meetings.pool, a.TenantID, func(tx pgx.Tx) error {
		q := meetingdb.New(tx)
		e, err := q.GetEvent(ctx, meetingdb.GetEventParams{TenantID: a.TenantID, ID: a.EventID})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("meeting: reminder: %w", err)
		}
		switch {
		case e.CancelledAt != nil:
			return nil
		case !a.Version.IsZero() && !a.Version.Equal(e.UpdatedAt):
			return nil // changed: the change queued its own reminder
		case !w.Meetings.now().Before(e.EndsAt):
			return nil // too late to remind anyone
		}
		people, err := q.AttendeesToRemind(ctx, meetingdb.AttendeesToRemindParams{TenantID: a.TenantID, EventID: e.ID})
		if err != nil {
			return fmt.Errorf("meeting: reminder: %w", err)
		}
		ev := eventFrom(a.TenantID, e)
		_, err = notify.Deliver(ctx, tx, a.TenantID, notify.Notice{Kind: notify.EventReminder, Cause: "event:" + e.ID.String() + ":reminder:" +
			e.StartsAt.UTC().Format(time.RFC3339), SubjectType: "event", SubjectID: e.ID, Title: e.Title, Body: when(ev)}, people)
		return err
	})
}
