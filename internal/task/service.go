package task

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/jobs"
	"zhdj/internal/learning"
	"zhdj/internal/media"
	"zhdj/internal/postgres"
	"zhdj/internal/task/taskdb"
)

// Service is the task use cases: publishing, an assignee's work on a task,
// reviewing, and following progress.
type Service struct {
	pool     *pgxpool.Pool
	jobs     jobs.Inserter
	sanitize func(html string) string
	now      func() time.Time
}

// NewService returns a Service over pool; sanitize cleans a task's
// requirements (the content sanitiser, so that they are as safe as an
// article).
func NewService(pool *pgxpool.Pool, inserter jobs.Inserter, sanitize func(string) string) *Service {
	return &Service{pool: pool, jobs: inserter, sanitize: sanitize, now: time.Now}
}

var (
	errNoTask      = apperr.NotFoundf("task not found")
	errNotAssigned = apperr.Forbiddenf("this task is not assigned to you")
	errNoManage    = apperr.Forbiddenf("you may not manage the tasks of this org unit")
)

func (s *Service) rules(ctx context.Context, q *taskdb.Queries, tenant uuid.UUID) (Rules, error) {
	settings, err := q.TenantSettings(ctx, tenant)
	if err != nil {
		return Rules{}, fmt.Errorf("task: the school's rules: %w", err)
	}
	return RulesFrom(settings), nil
}

func unitPath(ctx context.Context, q *taskdb.Queries, tenant, unit uuid.UUID, field string) (string, error) {
	path, err := q.UnitPath(ctx, taskdb.UnitPathParams{TenantID: tenant, ID: unit})
	if apperr.Is(postgres.Err(err, "org unit"), apperr.NotFound) {
		return "", apperr.InvalidField(field, "no such org unit")
	}
	if err != nil {
		return "", fmt.Errorf("task: org unit: %w", err)
	}
	return path, nil
}

// Publish publishes a task at an org unit (task.manage there) and assigns
// it, in one statement, to everyone it is for. Assignees outside the
// unit's subtree are Forbidden; a task nobody matches is Invalid.
func (s *Service) Publish(ctx context.Context, in PublishInput) (*Task, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := in.validate(now); err != nil {
		return nil, err
	}
	in.RequirementsHTML = s.sanitize(in.RequirementsHTML)
	if in.Checklist == nil {
		in.Checklist = []string{}
	}
	if in.Attachments == nil {
		in.Attachments = []uuid.UUID{}
	}
	var out *Task
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := taskdb.New(tx)
		path, err := unitPath(ctx, q, p.TenantID, in.OrgUnitID, "orgUnit")
		if err != nil {
			return err
		}
		if !p.Can(auth.PermTaskManage, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
			return errNoManage
		}
		a := in.Assignees
		target := path
		if a.OrgUnitID != nil {
			if target, err = unitPath(ctx, q, p.TenantID, *a.OrgUnitID, "assignees.orgUnit"); err != nil {
				return err
			}
			if !auth.Within(target, path) {
				return apperr.Forbiddenf("a task is for people at or below the unit that publishes it")
			}
		}
		if len(a.People) > 0 {
			rows, err := q.PeopleWhere(ctx, taskdb.PeopleWhereParams{TenantID: p.TenantID, Path: path, Ids: a.People})
			if err != nil {
				return fmt.Errorf("task: assignees: %w", err)
			}
			inside := map[uuid.UUID]bool{}
			for _, r := range rows {
				inside[r.ID] = r.Inside
			}
			for _, id := range a.People {
				ok, found := inside[id]
				if !found {
					return apperr.InvalidField("assignees.people", "no such person")
				}
				if !ok {
					return apperr.Forbiddenf("a task is for people at or below the unit that publishes it")
				}
			}
		}
		audience, _ := json.Marshal(map[string]any{"orgUnit": a.OrgUnitID, "stages": a.Stages, "people": a.People})
		ins, err := q.InsertTask(ctx, taskdb.InsertTaskParams{TenantID: p.TenantID, OrgUnitID: in.OrgUnitID, Title: in.Title,
			RequirementsHtml: in.RequirementsHTML, Checklist: in.Checklist, Attachments: in.Attachments, Deadline: in.Deadline,
			EvidenceRequired: in.EvidenceRequired, PointsHint: int32(in.PointsHint), Audience: audience, CreatedBy: p.Actor()})
		if err != nil {
			return fmt.Errorf("task: publish: %w", err)
		}
		if len(in.Attachments) > 0 {
			if err := media.UseReady(ctx, tx, p.TenantID, media.Usage{UserType: "task", UserID: ins.ID, Label: in.Title, Published: true}, "attachments", in.Attachments); err != nil {
				return err
			}
		}
		stages := make([]string, len(a.Stages))
		for i, st := range a.Stages {
			stages[i] = string(st)
		}
		people := a.People
		if people == nil {
			people = []uuid.UUID{}
		}
		n, err := q.Assign(ctx, taskdb.AssignParams{TenantID: p.TenantID, TaskID: ins.ID, Deadline: in.Deadline, Path: target, Stages: stages, People: people})
		if err != nil {
			return fmt.Errorf("task: assign: %w", err)
		}
		if n == 0 {
			return apperr.InvalidField("assignees", "nobody matches: no active person there (of those stages)")
		}
		if err := q.SetAssigneeCount(ctx, taskdb.SetAssigneeCountParams{TenantID: p.TenantID, ID: ins.ID, AssigneeCount: int32(n)}); err != nil {
			return fmt.Errorf("task: publish: %w", err)
		}
		r, err := s.rules(ctx, q, p.TenantID)
		if err != nil {
			return err
		}
		if err := s.scheduleJobs(ctx, tx, p.TenantID, ins.ID, in.Deadline, r); err != nil {
			return err
		}
		out = &Task{TenantID: p.TenantID, ID: ins.ID, OrgUnitID: in.OrgUnitID, orgPath: path, Title: in.Title, RequirementsHTML: in.RequirementsHTML,
			Checklist: in.Checklist, Attachments: in.Attachments, Deadline: in.Deadline, EvidenceRequired: in.EvidenceRequired,
			PointsHint: in.PointsHint, AssigneeCount: int(n), CreatedBy: p.Actor(), CreatedAt: ins.CreatedAt}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scheduleJobs queues, with the task, the notice to its assignees, the
// reminder before its deadline and the overdue marking at it.
func (s *Service) scheduleJobs(ctx context.Context, tx pgx.Tx, tenant, id uuid.UUID, deadline time.Time, r Rules) error {
	if _, err := s.jobs.InsertTx(ctx, tx, NoticeArgs{TenantID: tenant, TaskID: id, What: noticeAssigned}, nil); err != nil {
		return fmt.Errorf("task: queue notice: %w", err)
	}
	if soon := deadline.Add(-time.Duration(r.DueSoonHours) * time.Hour); soon.After(s.now()) {
		if _, err := s.jobs.InsertTx(ctx, tx, NoticeArgs{TenantID: tenant, TaskID: id, What: noticeDueSoon}, &river.InsertOpts{ScheduledAt: soon}); err != nil {
			return fmt.Errorf("task: queue reminder: %w", err)
		}
	}
	if _, err := s.jobs.InsertTx(ctx, tx, OverdueArgs{TenantID: tenant, TaskID: id, Deadline: deadline}, &river.InsertOpts{ScheduledAt: deadline}); err != nil {
		return fmt.Errorf("task: queue overdue: %w", err)
	}
	return nil
}

func taskFrom(tenant uuid.UUID, r taskdb.GetTaskRow) *Task {
	return &Task{TenantID: tenant, ID: r.ID, OrgUnitID: r.OrgUnitID, orgPath: r.OrgPath, Title: r.Title, RequirementsHTML: r.RequirementsHtml,
		Checklist: r.Checklist, Attachments: r.Attachments, Deadline: r.Deadline, EvidenceRequired: r.EvidenceRequired,
		PointsHint: int(r.PointsHint), AssigneeCount: int(r.AssigneeCount), CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
}

func assignmentFrom(tenant uuid.UUID, r taskdb.AssignmentForUpdateRow) *Assignment {
	return &Assignment{TenantID: tenant, TaskID: r.TaskID, PersonID: r.PersonID, OrgUnitID: r.OrgUnitID, Deadline: r.Deadline,
		Status: Status(r.Status), Late: r.Late, AssignedAt: r.AssignedAt, UpdatedAt: r.UpdatedAt}
}

func submissionFrom(tenant uuid.UUID, r taskdb.DecideSubmissionRow) *Submission {
	out := &Submission{TenantID: tenant, ID: r.ID, TaskID: r.TaskID, PersonID: r.PersonID, Text: r.Text, Attachments: r.Attachments,
		SubmittedAt: r.SubmittedAt, DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt, Comment: r.Comment}
	if r.Decision != nil {
		d := Decision(*r.Decision)
		out.Decision = &d
	}
	_ = json.Unmarshal(r.Items, &out.Items)
	if out.Items == nil {
		out.Items = []EvidenceItem{}
	}
	return out
}

// canManage reports whether the principal manages the tasks of the unit at path.
func canManage(p *auth.Principal, path string) bool {
	return p.Can(auth.PermTaskManage, auth.Scope{TenantID: p.TenantID, OrgPath: path})
}

// ByIDs returns the tasks among ids that the caller manages or is assigned.
func (s *Service) ByIDs(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Task, error) {
	p := auth.FromContext(ctx)
	out := map[uuid.UUID]*Task{}
	if p == nil || p.TenantID != tenant || len(ids) == 0 {
		return out, nil
	}
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		q := taskdb.New(tx)
		rows, err := q.TasksByIDs(ctx, taskdb.TasksByIDsParams{TenantID: tenant, Ids: ids})
		if err != nil {
			return fmt.Errorf("task: by ids: %w", err)
		}
		var others []uuid.UUID
		for _, r := range rows {
			out[r.ID] = taskFrom(tenant, taskdb.GetTaskRow(r))
			if !canManage(p, r.OrgPath) {
				others = append(others, r.ID)
			}
		}
		if len(others) == 0 {
			return nil
		}
		assigned := map[uuid.UUID]bool{}
		if p.PersonID != nil {
			got, err := q.AssignedAmong(ctx, taskdb.AssignedAmongParams{TenantID: tenant, PersonID: *p.PersonID, Ids: others})
			if err != nil {
				return fmt.Errorf("task: by ids: %w", err)
			}
			for _, id := range got {
				assigned[id] = true
			}
		}
		for _, id := range others {
			if !assigned[id] {
				delete(out, id)
			}
		}
		return nil
	})
	return out, err
}

// List returns a page of the tasks published at an org unit or below, to
// its task managers, newest first.
func (s *Service) List(ctx context.Context, unit uuid.UUID, first int, after *Cursor) (*Page, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	page := &Page{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := taskdb.New(tx)
		path, err := unitPath(ctx, q, p.TenantID, unit, "orgUnit")
		if err != nil {
			return err
		}
		if !canManage(p, path) {
			return errNoManage
		}
		arg := taskdb.TasksUnderParams{TenantID: p.TenantID, Path: path, HasCursor: after != nil, MaxRows: int32(first + 1)}
		if after != nil {
			arg.AfterAt, arg.AfterID = after.At, after.ID
		}
		rows, err := q.TasksUnder(ctx, arg)
		if err != nil {
			return fmt.Errorf("task: list: %w", err)
		}
		for _, r := range rows {
			page.Items = append(page.Items, taskFrom(p.TenantID, taskdb.GetTaskRow(r)))
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

// Mine returns a page of the caller's assignments, nearest deadline first
// (of the statuses given, when some are).
func (s *Service) Mine(ctx context.Context, statuses []Status, first int, after *Cursor) (*AssignmentPage, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	st := make([]string, len(statuses))
	for i, x := range statuses {
		st[i] = string(x)
	}
	page := &AssignmentPage{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		arg := taskdb.MyAssignmentsParams{TenantID: p.TenantID, PersonID: person, Statuses: st, HasCursor: after != nil, MaxRows: int32(first + 1)}
		if after != nil {
			arg.AfterAt, arg.AfterID = after.At, after.ID
		}
		rows, err := taskdb.New(tx).MyAssignments(ctx, arg)
		if err != nil {
			return fmt.Errorf("task: my tasks: %w", err)
		}
		page.Tasks, page.Latest = map[uuid.UUID]*Task{}, map[Key]*Submission{}
		for _, r := range rows {
			page.Items = append(page.Items, assignmentFrom(p.TenantID, taskdb.AssignmentForUpdateRow{TaskID: r.TaskID, PersonID: r.PersonID,
				OrgUnitID: r.OrgUnitID, Deadline: r.Deadline, Status: r.Status, Late: r.Late, AssignedAt: r.AssignedAt, UpdatedAt: r.UpdatedAt}))
			page.Tasks[r.TaskID] = &Task{TenantID: p.TenantID, ID: r.TaskID, OrgUnitID: r.TaskUnitID, orgPath: r.TaskPath, Title: r.Title,
				RequirementsHTML: r.RequirementsHtml, Checklist: r.Checklist, Attachments: r.Attachments, Deadline: r.Deadline,
				EvidenceRequired: r.EvidenceRequired, PointsHint: int(r.PointsHint), AssigneeCount: int(r.AssigneeCount), CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
			if len(r.Latest) > 0 {
				sub, err := latestFrom(p.TenantID, r.TaskID, r.PersonID, r.Latest)
				if err != nil {
					return err
				}
				page.Latest[Key{r.TaskID, r.PersonID}] = sub
			}
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

// mine loads, for an assignee, the task and their assignment (held until
// the transaction ends).
func mine(ctx context.Context, q *taskdb.Queries, tenant, person, taskID uuid.UUID) (*Task, *Assignment, error) {
	t, err := q.GetTask(ctx, taskdb.GetTaskParams{TenantID: tenant, ID: taskID})
	if apperr.Is(postgres.Err(err, "task"), apperr.NotFound) {
		return nil, nil, errNoTask
	}
	if err != nil {
		return nil, nil, fmt.Errorf("task: load: %w", err)
	}
	a, err := q.AssignmentForUpdate(ctx, taskdb.AssignmentForUpdateParams{TenantID: tenant, TaskID: taskID, PersonID: person})
	if apperr.Is(postgres.Err(err, "assignment"), apperr.NotFound) {
		return nil, nil, errNotAssigned
	}
	if err != nil {
		return nil, nil, fmt.Errorf("task: assignment: %w", err)
	}
	return taskFrom(tenant, t), assignmentFrom(tenant, a), nil
}

// Start marks the caller's assignment in progress (from assigned; in any
// other status it is left as it is).
func (s *Service) Start(ctx context.Context, taskID uuid.UUID) (*Assignment, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	var out *Assignment
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := taskdb.New(tx)
		_, a, err := mine(ctx, q, p.TenantID, person, taskID)
		if err != nil {
			return err
		}
		out = a
		if a.Status != StatusAssigned {
			return nil
		}
		r, err := q.SetAssignmentStatus(ctx, taskdb.SetAssignmentStatusParams{TenantID: p.TenantID, TaskID: taskID, PersonID: person,
			Status: string(StatusInProgress), Late: a.Late})
		if err != nil {
			return fmt.Errorf("task: start: %w", err)
		}
		out = assignmentFrom(p.TenantID, taskdb.AssignmentForUpdateRow(r))
		return nil
	})
	return out, err
}

// Submit records the caller's evidence for a task assigned to them, and
// returns it with their assignment as it now is. After the deadline it is
// accepted and marked late; a submission waiting for review, or an
// approved task, is a Conflict.
func (s *Service) Submit(ctx context.Context, in SubmitInput) (*Submission, *Assignment, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out *Submission
	var after *Assignment
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := taskdb.New(tx)
		t, a, err := mine(ctx, q, p.TenantID, person, in.TaskID)
		if err != nil {
			return err
		}
		switch a.Status {
		case StatusSubmitted:
			return apperr.Conflictf("your submission is waiting for review")
		case StatusApproved:
			return apperr.Conflictf("this task is already approved")
		}
		if err := in.validate(t); err != nil {
			return err
		}
		at := s.now()
		row, err := q.InsertSubmission(ctx, taskdb.InsertSubmissionParams{TenantID: p.TenantID, TaskID: t.ID, PersonID: person, Text: in.Text,
			Attachments: nonNil(in.Attachments), Items: mustJSON(nonNilItems(in.Items)), SubmittedAt: at})
		if err != nil {
			return fmt.Errorf("task: submit: %w", err)
		}
		if files := in.attachmentIDs(); len(files) > 0 {
			if err := media.UseReady(ctx, tx, p.TenantID, media.Usage{UserType: "task_submission", UserID: row.ID, Label: t.Title}, "attachments", files); err != nil {
				return err
			}
		}
		set, err := q.SetAssignmentStatus(ctx, taskdb.SetAssignmentStatusParams{TenantID: p.TenantID, TaskID: t.ID, PersonID: person,
			Status: string(StatusSubmitted), Late: at.After(t.Deadline)})
		if err != nil {
			return fmt.Errorf("task: submit: %w", err)
		}
		out, after = submissionFrom(p.TenantID, taskdb.DecideSubmissionRow(row)), assignmentFrom(p.TenantID, taskdb.AssignmentForUpdateRow(set))
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, after, nil
}

func nonNil(ids []uuid.UUID) []uuid.UUID {
	if ids == nil {
		return []uuid.UUID{}
	}
	return ids
}

func nonNilItems(items []EvidenceItem) []EvidenceItem {
	for i := range items {
		items[i].Attachments = nonNil(items[i].Attachments)
	}
	if items == nil {
		return []EvidenceItem{}
	}
	return items
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Review decides a submission: approving writes the task_approved learning
// fact (once); returning needs a comment and notifies the assignee. The
// reviewer needs task.manage over the assignee's unit and may not review
// their own submission. The same decision by the same reviewer again
// returns the submission as it is; any other decision on a decided
// submission (two reviewers at once) is a Conflict.
func (s *Service) Review(ctx context.Context, submissionID uuid.UUID, d Decision, comment string) (*Submission, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	comment = strings.TrimSpace(comment)
	switch {
	case d != Approve && d != Return:
		return nil, apperr.InvalidField("decision", "must be approve or return")
	case d == Return && comment == "":
		return nil, apperr.InvalidField("comment", "say what to change")
	case chars(comment) > 2000:
		return nil, apperr.InvalidField("comment", "at most 2000 characters")
	}
	var out *Submission
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := taskdb.New(tx)
		r, err := q.SubmissionForUpdate(ctx, taskdb.SubmissionForUpdateParams{TenantID: p.TenantID, ID: submissionID})
		if apperr.Is(postgres.Err(err, "submission"), apperr.NotFound) {
			return apperr.NotFoundf("submission not found")
		}
		if err != nil {
			return fmt.Errorf("task: review: %w", err)
		}
		if !canManage(p, r.AssigneePath) {
			return apperr.Forbiddenf("you may not review the tasks of this person's org unit")
		}
		if p.PersonID != nil && *p.PersonID == r.PersonID {
			return apperr.Forbiddenf("you may not review your own submission")
		}
		cur := submissionFrom(p.TenantID, decidedRow(r))
		if cur.Decision != nil {
			if *cur.Decision == d && sameActor(cur.DecidedBy, p.Actor()) {
				out = cur
				return nil
			}
			if *cur.Decision == Approve {
				return apperr.Conflictf("this submission was already approved; reload it")
			}
			return apperr.Conflictf("this submission was already returned; reload it")
		}
		now := s.now()
		ds := string(d)
		row, err := q.DecideSubmission(ctx, taskdb.DecideSubmissionParams{TenantID: p.TenantID, ID: submissionID, Decision: &ds,
			DecidedBy: p.Actor(), DecidedAt: &now, Comment: comment})
		if err != nil {
			return fmt.Errorf("task: review: %w", err)
		}
		status := StatusApproved
		if d == Return {
			status = StatusReturned
		}
		a, err := q.SetAssignmentStatus(ctx, taskdb.SetAssignmentStatusParams{TenantID: p.TenantID, TaskID: r.TaskID, PersonID: r.PersonID,
			Status: string(status), Late: r.SubmittedAt.After(r.Deadline)})
		if err != nil {
			return fmt.Errorf("task: review: %w", err)
		}
		if d == Approve {
			_, err = learning.RecordFact(ctx, tx, p.TenantID, learning.Fact{PersonID: r.PersonID, Kind: learning.FactTaskApproved,
				SourceType: "task", SourceID: r.TaskID, OccurredAt: now, RecordedBy: p.Actor(),
				Details: map[string]any{"submission": submissionID, "pointsHint": r.PointsHint, "late": a.Late}})
		} else {
			_, err = s.jobs.InsertTx(ctx, tx, NoticeArgs{TenantID: p.TenantID, TaskID: r.TaskID, What: noticeReturned, SubmissionID: submissionID}, nil)
		}
		if err != nil {
			return fmt.Errorf("task: review: %w", err)
		}
		out = submissionFrom(p.TenantID, row)
		return nil
	})
	return out, err
}

func decidedRow(r taskdb.SubmissionForUpdateRow) taskdb.DecideSubmissionRow {
	return decidedFrom(r.ID, r.TaskID, r.PersonID, r.Text, r.Attachments, r.Items, r.SubmittedAt, r.Decision, r.DecidedBy, r.DecidedAt, r.Comment)
}

// decidedFrom is a submission's columns as one row type (the queries
// that read a submission with more columns each have their own).
func decidedFrom(id, taskID, person uuid.UUID, text string, files []uuid.UUID, items []byte, at time.Time, decision *string,
	by *uuid.UUID, decidedAt *time.Time, comment string) taskdb.DecideSubmissionRow {
	return taskdb.DecideSubmissionRow{ID: id, TaskID: taskID, PersonID: person, Text: text, Attachments: files, Items: items,
		SubmittedAt: at, Decision: decision, DecidedBy: by, DecidedAt: decidedAt, Comment: comment}
}

func sameActor(a, b *uuid.UUID) bool {
	return a != nil && b != nil && *a == *b
}

// latestFrom decodes the latest submission a person's list carries (as
// JSON: one statement reads the page).
func latestFrom(tenant, taskID, person uuid.UUID, raw []byte) (*Submission, error) {
	var j struct {
		ID          uuid.UUID       `json:"id"`
		Text        string          `json:"text"`
		Attachments []uuid.UUID     `json:"attachments"`
		Items       json.RawMessage `json:"items"`
		SubmittedAt time.Time       `json:"submitted_at"`
		Decision    *string         `json:"decision"`
		DecidedBy   *uuid.UUID      `json:"decided_by"`
		DecidedAt   *time.Time      `json:"decided_at"`
		Comment     string          `json:"comment"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fmt.Errorf("task: latest submission: %w", err)
	}
	return submissionFrom(tenant, decidedFrom(j.ID, taskID, person, j.Text, j.Attachments, j.Items, j.SubmittedAt, j.Decision, j.DecidedBy, j.DecidedAt, j.Comment)), nil
}
