package task

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/postgres"
	"zhdj/internal/task/taskdb"
)

// managed loads a task for a manager of the unit at (or, at == uuid.Nil,
// of the task's own unit) and returns the path to look under.
func managed(ctx context.Context, q *taskdb.Queries, p *auth.Principal, taskID, at uuid.UUID) (*Task, string, error) {
	r, err := q.GetTask(ctx, taskdb.GetTaskParams{TenantID: p.TenantID, ID: taskID})
	if apperr.Is(postgres.Err(err, "task"), apperr.NotFound) {
		return nil, "", errNoTask
	}
	if err != nil {
		return nil, "", fmt.Errorf("task: load: %w", err)
	}
	t := taskFrom(p.TenantID, r)
	path := t.orgPath
	if at != uuid.Nil {
		if path, err = unitPath(ctx, q, p.TenantID, at, "orgUnit"); err != nil {
			return nil, "", err
		}
	}
	if !canManage(p, path) {
		return nil, "", errNoManage
	}
	return t, path, nil
}

// Progress counts a task's assignees by status for an org unit (the task's
// own when at is uuid.Nil) and for each unit right below it; the caller
// needs task.manage there. Drill down by asking again at a unit below.
func (s *Service) Progress(ctx context.Context, taskID, at uuid.UUID) ([]*UnitProgress, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out []*UnitProgress
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := taskdb.New(tx)
		_, path, err := managed(ctx, q, p, taskID, at)
		if err != nil {
			return err
		}
		rows, err := q.ProgressByUnit(ctx, taskdb.ProgressByUnitParams{TenantID: p.TenantID, TaskID: taskID, Path: path})
		if err != nil {
			return fmt.Errorf("task: progress: %w", err)
		}
		for _, r := range rows {
			out = append(out, &UnitProgress{TenantID: p.TenantID, OrgUnitID: r.OrgUnitID, Self: r.UnitPath == path, Total: int(r.Total),
				Assigned: int(r.Assigned), InProgress: int(r.InProgress), Submitted: int(r.Submitted), Returned: int(r.Returned),
				Approved: int(r.Approved), Overdue: int(r.Overdue)})
		}
		return nil
	})
	return out, err
}

// Assignees returns a page of a task's assignees at or below an org unit
// (the task's own when at is uuid.Nil), of a status when one is given, to
// its task managers.
func (s *Service) Assignees(ctx context.Context, taskID, at uuid.UUID, status Status, first int, after *uuid.UUID) (*AssignmentPage, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	page := &AssignmentPage{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := taskdb.New(tx)
		_, path, err := managed(ctx, q, p, taskID, at)
		if err != nil {
			return err
		}
		arg := taskdb.AssigneesParams{TenantID: p.TenantID, TaskID: taskID, Path: path, Status: string(status), HasCursor: after != nil, MaxRows: int32(first + 1)}
		if after != nil {
			arg.AfterID = *after
		}
		rows, err := q.Assignees(ctx, arg)
		if err != nil {
			return fmt.Errorf("task: assignees: %w", err)
		}
		for _, r := range rows {
			a := assignmentFrom(p.TenantID, taskdb.AssignmentForUpdateRow{TaskID: r.TaskID, PersonID: r.PersonID, OrgUnitID: r.OrgUnitID,
				Deadline: r.Deadline, Status: r.Status, Late: r.Late, AssignedAt: r.AssignedAt, UpdatedAt: r.UpdatedAt})
			a.PersonName = r.Name
			page.Items = append(page.Items, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(page.Items) > first {
		page.Items, page.HasNext = page.Items[:first], true
	}
	return page, nil
}

// Key names an assignment.
type Key struct{ TaskID, PersonID uuid.UUID }

// mayRead reports whether the principal may read the submissions of the
// person whose unit is at path: their own, or as a task manager there.
func mayRead(p *auth.Principal, person uuid.UUID, path string) bool {
	return p.PersonID != nil && *p.PersonID == person || canManage(p, path)
}

// LatestOf returns the latest submission of each of the assignments that
// the caller may read: one round trip for a page of them.
func (s *Service) LatestOf(ctx context.Context, tenant uuid.UUID, of []*Assignment) (map[Key]*Submission, error) {
	p := auth.FromContext(ctx)
	out := map[Key]*Submission{}
	if p == nil || p.TenantID != tenant || len(of) == 0 {
		return out, nil
	}
	tasks, people := make([]uuid.UUID, len(of)), make([]uuid.UUID, len(of))
	for i, a := range of {
		tasks[i], people[i] = a.TaskID, a.PersonID
	}
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		rows, err := taskdb.New(tx).LatestSubmissions(ctx, taskdb.LatestSubmissionsParams{TenantID: tenant, TaskIds: tasks, PersonIds: people})
		if err != nil {
			return fmt.Errorf("task: submissions: %w", err)
		}
		for _, r := range rows {
			if mayRead(p, r.PersonID, r.AssigneePath) {
				out[Key{r.TaskID, r.PersonID}] = submissionFrom(tenant, decidedFrom(r.ID, r.TaskID, r.PersonID, r.Text, r.Attachments, r.Items,
					r.SubmittedAt, r.Decision, r.DecidedBy, r.DecidedAt, r.Comment))
			}
		}
		return nil
	})
	return out, err
}

// Submissions returns an assignee's submissions to a task, latest first:
// to the assignee and to task managers over the assignee's unit (to anyone
// else, none).
func (s *Service) Submissions(ctx context.Context, taskID, person uuid.UUID) ([]*Submission, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	out := []*Submission{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		rows, err := taskdb.New(tx).SubmissionsOf(ctx, taskdb.SubmissionsOfParams{TenantID: p.TenantID, TaskID: taskID, PersonID: person})
		if err != nil {
			return fmt.Errorf("task: submissions: %w", err)
		}
		for _, r := range rows {
			if !mayRead(p, r.PersonID, r.AssigneePath) {
				return nil
			}
			out = append(out, submissionFrom(p.TenantID, decidedFrom(r.ID, r.TaskID, r.PersonID, r.Text, r.Attachments, r.Items,
				r.SubmittedAt, r.Decision, r.DecidedBy, r.DecidedAt, r.Comment)))
		}
		return nil
	})
	return out, err
}

// MyAssignment returns the caller's assignment of a task, or nil when it is not
// theirs.
func (s *Service) MyAssignment(ctx context.Context, tenant, taskID uuid.UUID) (*Assignment, error) {
	p := auth.FromContext(ctx)
	if p == nil || p.TenantID != tenant || p.PersonID == nil {
		return nil, nil
	}
	var out *Assignment
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		r, err := taskdb.New(tx).Assignment(ctx, taskdb.AssignmentParams{TenantID: tenant, TaskID: taskID, PersonID: *p.PersonID})
		if err == pgx.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("task: my assignment: %w", err)
		}
		out = assignmentFrom(tenant, taskdb.AssignmentForUpdateRow(r))
		return nil
	})
	return out, err
}
