package task

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"zhdj/internal/notify"
	"zhdj/internal/postgres"
	"zhdj/internal/task/taskdb"
)

type noticeKind string

const (
	noticeAssigned noticeKind = "assigned"
	noticeDueSoon  noticeKind = "due_soon"
	noticeReturned noticeKind = "returned"
)

// NoticeArgs tells a task's assignees what happened: it was assigned to
// them, its deadline is near (to those who have not submitted), or a
// submission was returned (to its assignee).
type NoticeArgs struct {
	TenantID     uuid.UUID  `json:"tenant_id"`
	TaskID       uuid.UUID  `json:"task_id"`
	What         noticeKind `json:"what"`
	SubmissionID uuid.UUID  `json:"submission_id,omitempty"`
}

// Kind names the job.
func (NoticeArgs) Kind() string { return "task.notice" }

// NoticeWorker delivers task notices. A notice's cause is the task (and
// the submission) with what happened, so that running again, or on two
// processes, delivers each notice once.
type NoticeWorker struct {
	river.WorkerDefaults[NoticeArgs]
	Tasks *Service
}

// Work delivers the notices.
func (w *NoticeWorker) Work(ctx context.Context, job *river.Job[NoticeArgs]) error {
	a := job.Args
	return postgres.InTenantTx(ctx, w.Tasks.pool, a.TenantID, func(tx pgx.Tx) error {
		q := taskdb.New(tx)
		t, err := q.GetTask(ctx, taskdb.GetTaskParams{TenantID: a.TenantID, ID: a.TaskID})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("task: notice: %w", err)
		}
		n := notify.Notice{SubjectType: "task", SubjectID: t.ID, Title: t.Title}
		var people []uuid.UUID
		switch a.What {
		case noticeAssigned:
			n.Kind, n.Cause = notify.TaskAssigned, "task:"+t.ID.String()+":assigned"
			people, err = q.AssigneesToNotify(ctx, taskdb.AssigneesToNotifyParams{TenantID: a.TenantID, TaskID: t.ID, Statuses: []string{}})
		case noticeDueSoon:
			n.Kind, n.Cause = notify.TaskDueSoon, "task:"+t.ID.String()+":due_soon"
			people, err = q.AssigneesToNotify(ctx, taskdb.AssigneesToNotifyParams{TenantID: a.TenantID, TaskID: t.ID,
				Statuses: []string{string(StatusAssigned), string(StatusInProgress), string(StatusReturned)}})
		case noticeReturned:
			var sub taskdb.ReturnedToRow
			sub, err = q.ReturnedTo(ctx, taskdb.ReturnedToParams{TenantID: a.TenantID, ID: a.SubmissionID})
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			n.Kind, n.Cause, n.Body = notify.TaskReturned, "task_submission:"+a.SubmissionID.String()+":returned", sub.Comment
			people = []uuid.UUID{sub.PersonID}
		default:
			return river.JobCancel(fmt.Errorf("task: unknown notice %q", a.What))
		}
		if err != nil {
			return fmt.Errorf("task: notice: %w", err)
		}
		_, err = notify.Deliver(ctx, tx, a.TenantID, n, people)
		return err
	})
}

// OverdueArgs marks, at a task's deadline, what is not in by then overdue.
type OverdueArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	TaskID   uuid.UUID `json:"task_id"`
	Deadline time.Time `json:"deadline"`
}

// Kind names the job.
func (OverdueArgs) Kind() string { return "task.overdue" }

// OverdueWorker marks assignments overdue; running twice changes nothing
// more.
type OverdueWorker struct {
	river.WorkerDefaults[OverdueArgs]
	Tasks *Service
}

// Work marks them.
func (w *OverdueWorker) Work(ctx context.Context, job *river.Job[OverdueArgs]) error {
	a := job.Args
	return postgres.InTenantTx(ctx, w.Tasks.pool, a.TenantID, func(tx pgx.Tx) error {
		_, err := taskdb.New(tx).MarkOverdue(ctx, taskdb.MarkOverdueParams{TenantID: a.TenantID, TaskID: a.TaskID, Now: w.Tasks.now()})
		if err != nil {
			return fmt.Errorf("task: overdue: %w", err)
		}
		return nil
	})
}
