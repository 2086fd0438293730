package model

import (
	"github.com/google/uuid"

	"zhdj/internal/meeting"
	"zhdj/internal/task"
)

// TaskAssignment is an assignment with what a list has loaded for the
// whole page (nil: loaded when asked).
type TaskAssignment struct {
	*task.Assignment
	Task *task.Task
	// Latest is the latest submission, when Loaded.
	Latest *task.Submission
	Loaded bool
}

// TaskEvidenceItem is a submission's evidence for one checklist item.
type TaskEvidenceItem struct {
	TenantID uuid.UUID
	task.EvidenceItem
}

// NotificationConnection is a page of the inbox.
type NotificationConnection struct {
	Edges    []*NotificationEdge `json:"edges"`
	PageInfo *PageInfo           `json:"pageInfo"`
}

// Event is an event with what a list has loaded for the whole page: its
// attendance counts and the caller's attendance (nil: loaded when asked).
type Event struct {
	*meeting.Event
	Counts *meeting.Counts
	Mine   *meeting.Attendance
	Loaded bool
}
