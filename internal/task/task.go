// Package task is work an org unit asks of its members by a deadline: a
// unit publishes a task to everyone in a subtree (of some stages) or to
// named people — one set-based statement however many they are — each
// assignee submits evidence, and a reviewer who is not the assignee
// approves it (a learning fact, from which the points ledger is computed)
// or returns it with a comment. Jobs notify assignees, remind them before
// the deadline, and mark what is not in by then overdue.
package task

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
	"zhdj/internal/member"
)

// Status is where an assignee is with a task.
type Status string

const (
	StatusAssigned   Status = "assigned"
	StatusInProgress Status = "in_progress"
	StatusSubmitted  Status = "submitted"
	StatusReturned   Status = "returned"
	StatusApproved   Status = "approved"
	StatusOverdue    Status = "overdue"
)

// Statuses lists every status.
var Statuses = []Status{StatusAssigned, StatusInProgress, StatusSubmitted, StatusReturned, StatusApproved, StatusOverdue}

// open reports whether an assignee in status s still has to submit.
func (s Status) open() bool {
	return s == StatusAssigned || s == StatusInProgress || s == StatusReturned || s == StatusOverdue
}

// Decision is a reviewer's verdict on a submission.
type Decision string

const (
	Approve Decision = "approved"
	Return  Decision = "returned"
)

// Rules are what a school may tune (tenants.settings → "tasks").
type Rules struct {
	// DueSoonHours is how long before the deadline assignees who have not
	// submitted are reminded.
	DueSoonHours int `json:"dueSoonHours"`
}

// DefaultRules are the rules of a school that sets none.
var DefaultRules = Rules{DueSoonHours: 24}

// RulesFrom reads the "tasks" section of tenant settings over the
// defaults; a value out of range keeps the default.
func RulesFrom(settings []byte) Rules {
	r := DefaultRules
	var wrap struct {
		Tasks *Rules `json:"tasks"`
	}
	if json.Unmarshal(settings, &wrap) != nil || wrap.Tasks == nil {
		return r
	}
	if h := wrap.Tasks.DueSoonHours; h >= 1 && h <= 24*14 {
		r.DueSoonHours = h
	}
	return r
}

// Task is a published task.
type Task struct {
	TenantID         uuid.UUID
	ID               uuid.UUID
	OrgUnitID        uuid.UUID // the publishing unit
	orgPath          string
	Title            string
	RequirementsHTML string
	Checklist        []string
	Attachments      []uuid.UUID
	Deadline         time.Time
	EvidenceRequired bool
	PointsHint       int
	AssigneeCount    int
	CreatedBy        *uuid.UUID
	CreatedAt        time.Time
}

// Assignees says whom a task is for: everyone active in the subtree of
// OrgUnitID (of Stages, when some are given), or the People named.
type Assignees struct {
	OrgUnitID *uuid.UUID
	Stages    []member.Stage
	People    []uuid.UUID
}

// PublishInput is what publishing a task takes.
type PublishInput struct {
	OrgUnitID        uuid.UUID // the publishing unit
	Title            string
	RequirementsHTML string
	Checklist        []string
	Attachments      []uuid.UUID
	Deadline         time.Time
	EvidenceRequired bool
	PointsHint       int
	Assignees        Assignees
}

// Limits of a task's input.
const (
	MaxChecklist    = 50
	MaxAttachments  = 20
	MaxNamed        = 1000
	MaxRequirements = 50000
)

func chars(s string) int { return utf8.RuneCountInString(s) }

func (in *PublishInput) validate(now time.Time) error {
	var v apperr.Validation
	in.Title = strings.TrimSpace(in.Title)
	if n := chars(in.Title); n < 1 || n > 200 {
		v.Add("title", "must be 1–200 characters")
	}
	if chars(in.RequirementsHTML) > MaxRequirements {
		v.Add("requirements", "at most 50000 characters")
	}
	if len(in.Checklist) > MaxChecklist {
		v.Add("checklist", "at most 50 items")
	}
	for i, item := range in.Checklist {
		in.Checklist[i] = strings.TrimSpace(item)
		if n := chars(in.Checklist[i]); n < 1 || n > 200 {
			v.Add("checklist", "each item must be 1–200 characters")
			break
		}
	}
	if len(in.Attachments) > MaxAttachments {
		v.Add("attachments", "at most 20 files")
	}
	if !in.Deadline.After(now) {
		v.Add("deadline", "must be in the future")
	}
	if in.PointsHint < 0 || in.PointsHint > 1000 {
		v.Add("pointsHint", "must be 0–1000")
	}
	a := &in.Assignees
	switch {
	case a.OrgUnitID == nil && len(a.People) == 0:
		v.Add("assignees", "say whom the task is for: an org unit (and stages) or named people")
	case a.OrgUnitID != nil && len(a.People) > 0:
		v.Add("assignees", "give an org unit or named people, not both")
	case len(a.People) > MaxNamed:
		v.Add("assignees.people", "at most 1000 named people; assign an org unit instead")
	case len(a.People) > 0 && len(a.Stages) > 0:
		v.Add("assignees.stages", "stages filter an org unit, not named people")
	}
	for _, s := range a.Stages {
		if !s.Valid() {
			v.Add("assignees.stages", "unknown membership stage")
			break
		}
	}
	return v.Err()
}

// Assignment is one assignee's task.
type Assignment struct {
	TenantID   uuid.UUID
	TaskID     uuid.UUID
	PersonID   uuid.UUID
	PersonName string // filled by lists for reviewers
	OrgUnitID  uuid.UUID
	Deadline   time.Time
	Status     Status
	Late       bool // submitted after the deadline
	AssignedAt time.Time
	UpdatedAt  time.Time
}

// EvidenceItem is the evidence for one checklist item.
type EvidenceItem struct {
	Item        int         `json:"item"` // index into the checklist
	Text        string      `json:"text"`
	Attachments []uuid.UUID `json:"attachments"`
}

// SubmitInput is an assignee's evidence.
type SubmitInput struct {
	TaskID      uuid.UUID
	Text        string
	Attachments []uuid.UUID
	Items       []EvidenceItem
}

func (in *SubmitInput) validate(t *Task) error {
	var v apperr.Validation
	in.Text = strings.TrimSpace(in.Text)
	if chars(in.Text) > 5000 {
		v.Add("text", "at most 5000 characters")
	}
	files := len(in.Attachments)
	seen := map[int]bool{}
	for i := range in.Items {
		it := &in.Items[i]
		it.Text = strings.TrimSpace(it.Text)
		switch {
		case it.Item < 0 || it.Item >= len(t.Checklist):
			v.Add("items", "no such checklist item")
		case seen[it.Item]:
			v.Add("items", "one entry per checklist item")
		case chars(it.Text) > 2000:
			v.Add("items", "an item's text is at most 2000 characters")
		}
		seen[it.Item] = true
		files += len(it.Attachments)
	}
	if files > MaxAttachments {
		v.Add("attachments", "at most 20 files in all")
	}
	if t.EvidenceRequired && in.Text == "" && files == 0 && !anyText(in.Items) {
		v.Add("text", "this task needs evidence: write what you did or attach files")
	}
	return v.Err()
}

func anyText(items []EvidenceItem) bool {
	for _, it := range items {
		if it.Text != "" {
			return true
		}
	}
	return false
}

// attachmentIDs lists every file a submission refers to.
func (in *SubmitInput) attachmentIDs() []uuid.UUID {
	ids := append([]uuid.UUID(nil), in.Attachments...)
	for _, it := range in.Items {
		ids = append(ids, it.Attachments...)
	}
	return ids
}

// Submission is one round of an assignee's evidence and its review.
type Submission struct {
	TenantID    uuid.UUID
	ID          uuid.UUID
	TaskID      uuid.UUID
	PersonID    uuid.UUID
	Text        string
	Attachments []uuid.UUID
	Items       []EvidenceItem
	SubmittedAt time.Time
	Decision    *Decision
	DecidedBy   *uuid.UUID
	DecidedAt   *time.Time
	Comment     string
}

// UnitProgress counts a task's assignees by status in one org unit's
// subtree.
type UnitProgress struct {
	TenantID  uuid.UUID
	OrgUnitID uuid.UUID
	// Self: the unit asked about (its own members only), not one below it.
	Self                                                                bool
	Total, Assigned, InProgress, Submitted, Returned, Approved, Overdue int
}

// Cursor is a position in a list of tasks (CreatedAt, newest first) or of
// a person's assignments (Deadline, nearest first).
type Cursor struct {
	At time.Time
	ID uuid.UUID
}

// Page is a page of tasks.
type Page struct {
	Items   []*Task
	HasNext bool
}

// AssignmentPage is a page of assignments; a person's own list comes with
// the tasks and the latest submissions (nil: the caller loads them).
type AssignmentPage struct {
	Items   []*Assignment
	HasNext bool
	Tasks   map[uuid.UUID]*Task
	Latest  map[Key]*Submission
}

// MaxPageSize is the largest page a list returns.
const MaxPageSize = 100
