// Package warning is early warning (预警): a background job looks for what
// is going wrong under each org unit by the school's rules — an overdue
// task, a member who stopped learning, a probation or an activist's
// training falling behind, points low at mid-period, a branch missing its
// meetings or their minutes — and raises one warning per cause (never
// twice for the same lapse), addressed to the admins of the nearest unit
// at or above the responsible one. Nobody acknowledging it in time sends
// it up the tree; admins acknowledge and resolve warnings with a note, and
// a warning whose cause went away is cleared by the next run.
package warning

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/learning"
)

// Rule is what a warning is about.
type Rule string

const (
	TaskOverdue     Rule = "task_overdue"     // an assignment past its deadline
	NoLearning      Rule = "no_learning"      // a member with no learning for N days
	ProbationBehind Rule = "probation_behind" // conversion near, required lessons or tasks not done
	ActivistStalled Rule = "activist_stalled" // the training year passed without the next step
	LowPoints       Rule = "low_points"       // points below a threshold at mid-period
	MeetingsMissing Rule = "meetings_missing" // a branch without the expected meetings of a period
	MinutesMissing  Rule = "minutes_missing"  // a held meeting without minutes
	// SuggestionUnanswered: a suggestion still open past its deadline.
	SuggestionUnanswered Rule = "suggestion_unanswered"
)

// AllRules lists every rule, in the order they run.
var AllRules = []Rule{TaskOverdue, NoLearning, ProbationBehind, ActivistStalled, LowPoints, MeetingsMissing, MinutesMissing, SuggestionUnanswered}

// Status is where a warning stands.
type Status string

const (
	Open         Status = "open"
	Acknowledged Status = "acknowledged" // someone is on it
	Resolved     Status = "resolved"     // closed with a note
	Cleared      Status = "cleared"      // its cause went away by itself
)

// Warning is one raised warning.
type Warning struct {
	TenantID        uuid.UUID
	ID              uuid.UUID
	Rule            Rule
	OrgUnitID       uuid.UUID // the unit responsible
	AddressedUnitID uuid.UUID // whose admins it is addressed to now
	Escalations     int
	PersonID        *uuid.UUID
	SubjectType     string // "task", "person", "event", "org_unit"
	SubjectID       uuid.UUID
	// Label names the subject (a person's name, a task's title).
	Label string
	// Details are what the rule found, as the job saw it.
	Details        Details
	Status         Status
	RaisedAt       time.Time
	AcknowledgedAt *time.Time
	ResolvedAt     *time.Time
	Note           string

	path string // of the responsible unit
}

// Details are the facts behind a warning (which apply depends on the rule).
type Details struct {
	Label        string     `json:"label,omitempty"`
	Name         string     `json:"name,omitempty"`         // the person concerned
	Deadline     *time.Time `json:"deadline,omitempty"`     // task_overdue; probation_behind, activist_stalled: when the next step was due
	LastActivity *time.Time `json:"lastActivity,omitempty"` // no_learning (null: never)
	Days         int        `json:"days,omitempty"`         // no_learning: days without learning
	Done         int        `json:"done,omitempty"`         // probation_behind: lessons done; low_points: points
	Required     int        `json:"required,omitempty"`     // probation_behind: lessons required; low_points: the threshold
	Overdue      int        `json:"overdue,omitempty"`      // probation_behind: overdue assignments
	Kind         string     `json:"kind,omitempty"`         // meetings_missing, minutes_missing: the meeting kind
	From         *time.Time `json:"from,omitempty"`         // meetings_missing, low_points: the period
	Until        *time.Time `json:"until,omitempty"`
}

// Rules are what a school tunes (tenants.settings → "warnings"); every
// number has a default.
type Rules struct {
	// Off lists rules the school does not run.
	Off []Rule `json:"off"`
	// NoLearningDays: a member with no learning fact for this long.
	NoLearningDays int `json:"noLearningDays"`
	// ProbationLeadDays: how long before the conversion date a probation
	// is checked.
	ProbationLeadDays int `json:"probationLeadDays"`
	// ActivistGraceDays: how long after the training year an activist may
	// wait for the next step.
	ActivistGraceDays int `json:"activistGraceDays"`
	// LowPoints: points below this at the middle of the period warn;
	// LowPointsPeriod is the period ("month", "quarter" or "year").
	LowPoints       int             `json:"lowPoints"`
	LowPointsPeriod learning.Period `json:"lowPointsPeriod"`
	// MeetingsGraceDays: after a period ends, how long a branch has to
	// record the meetings it held in it.
	MeetingsGraceDays int `json:"meetingsGraceDays"`
	// EscalateAfterHours: an open warning nobody acknowledged goes to the
	// next admins up after this long (each time).
	EscalateAfterHours int `json:"escalateAfterHours"`
	// LookbackDays bounds how far back tasks and meetings are looked at,
	// so that a school turning warnings on is not flooded with history.
	LookbackDays int `json:"lookbackDays"`
}

// DefaultRules are those of a school that sets none.
var DefaultRules = Rules{NoLearningDays: 30, ProbationLeadDays: 60, ActivistGraceDays: 30, LowPoints: 10,
	LowPointsPeriod: learning.Quarterly, MeetingsGraceDays: 7, EscalateAfterHours: 72, LookbackDays: 90}

// RulesFrom reads the "warnings" section of tenant settings over the
// defaults; a value out of range keeps the default.
func RulesFrom(settings []byte) Rules {
	r := DefaultRules
	var wrap struct {
		Warnings *struct {
			Off                []Rule          `json:"off"`
			NoLearningDays     *int            `json:"noLearningDays"`
			ProbationLeadDays  *int            `json:"probationLeadDays"`
			ActivistGraceDays  *int            `json:"activistGraceDays"`
			LowPoints          *int            `json:"lowPoints"`
			LowPointsPeriod    learning.Period `json:"lowPointsPeriod"`
			MeetingsGraceDays  *int            `json:"meetingsGraceDays"`
			EscalateAfterHours *int            `json:"escalateAfterHours"`
			LookbackDays       *int            `json:"lookbackDays"`
		} `json:"warnings"`
	}
	if json.Unmarshal(settings, &wrap) != nil || wrap.Warnings == nil {
		return r
	}
	w := wrap.Warnings
	r.Off = w.Off
	set := func(dst *int, v *int, lo, hi int) {
		if v != nil && *v >= lo && *v <= hi {
			*dst = *v
		}
	}
	set(&r.NoLearningDays, w.NoLearningDays, 1, 366)
	set(&r.ProbationLeadDays, w.ProbationLeadDays, 1, 366)
	set(&r.ActivistGraceDays, w.ActivistGraceDays, 0, 366)
	set(&r.LowPoints, w.LowPoints, 1, 10000)
	set(&r.MeetingsGraceDays, w.MeetingsGraceDays, 0, 90)
	set(&r.EscalateAfterHours, w.EscalateAfterHours, 1, 24*90)
	set(&r.LookbackDays, w.LookbackDays, 1, 366)
	switch w.LowPointsPeriod {
	case learning.Monthly, learning.Quarterly, learning.Yearly:
		r.LowPointsPeriod = w.LowPointsPeriod
	}
	return r
}

// Runs reports whether the school runs rule.
func (r Rules) Runs(rule Rule) bool {
	for _, o := range r.Off {
		if o == rule {
			return false
		}
	}
	return true
}

// MaxNote bounds an acknowledgement's or resolution's note.
const MaxNote = 2000
