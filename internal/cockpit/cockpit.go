// Package cockpit is the data cockpit (党建数据座舱): the figures of an
// org unit's subtree in a period — its people by stage and those near
// their next stage, learning, points, tasks, volunteering and meetings —
// each drillable to the people behind it.
//
// It owns no table: it reads what the other domains recorded through the
// views they promise (assessed_people, person_profiles,
// learning_fact_records, points_period_totals, points_day_totals,
// task_assignment_records, event_records, event_attendance_records),
// all of a request's figures in one round trip. Points of a calendar
// month, quarter or year come from the ledger's roll-up (one row per
// person and kind), kept current in the transaction that awards them; a
// figure is as fresh as the award job (ZHDJ_POINTS_AWARD, 2 s by default),
// the rest as fresh as the database.
package cockpit

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/meeting"
	"zhdj/internal/member"
	"zhdj/internal/points"
)

// Cockpit is the figures of a unit's subtree in a period.
type Cockpit struct {
	TenantID     uuid.UUID
	OrgUnitID    uuid.UUID
	Period       points.Period
	People       People
	Learning     Learning
	Points       Points
	Tasks        Tasks
	Volunteering Volunteering
	Meetings     Meetings
	Warnings     Warnings
}

// Warnings is the early warnings open (or acknowledged, not yet resolved)
// under the unit, in all and per rule (whatever the period: they are
// open now).
type Warnings struct {
	Open   int
	ByRule []RuleCount
}

// RuleCount is how many warnings of a rule are open.
type RuleCount struct {
	Rule string
	Open int
}

// StageCount is how many people are at a stage.
type StageCount struct {
	Stage  member.Stage
	People int
}

// People is who is on record: per stage; Assessed are those the rates
// are of (members and those in party development); NearNextStage those
// whose training year or probation ends by DueBy (or has ended).
type People struct {
	Total, Assessed int
	ByStage         []StageCount
	NearNextStage   int
	DueBy           time.Time
}

// Week is a week's count (from Monday, Beijing) and how many people.
type Week struct {
	Start         time.Time
	Count, People int
}

// Learning is who studied (a lesson, an article, a quiz) in the period:
// Learners of the assessed, their Rate, the facts, per week.
type Learning struct {
	Learners int
	Rate     float64
	Facts    int
	Weekly   []Week
}

// UnitPoints is a unit's mean points per person assessed.
type UnitPoints struct {
	TenantID   uuid.UUID
	OrgUnitID  uuid.UUID
	Name       string
	People     int
	MeanPoints float64
}

// Points is how the period's points are spread over the people assessed
// (quantiles of their totals), and the child units with the most and the
// fewest per person.
type Points struct {
	Mean, P10, P25, P50, P75, P90 float64
	TopUnits, BottomUnits         []UnitPoints
}

// TaskWeek is a week's assignments (by deadline).
type TaskWeek struct {
	Start                       time.Time
	Assigned, Approved, Overdue int
}

// Tasks is the assignments due in the period: approved, overdue now.
type Tasks struct {
	Assigned, Approved, Overdue int
	CompletionRate              float64
	Weekly                      []TaskWeek
}

// Volunteering is who served in the period and for how many hours.
type Volunteering struct {
	Participants int
	Rate, Hours  float64
}

// MeetingKind is how often a kind of event was held in the period against
// how often the school expects it (its units × the periods of its
// frequency in the period).
type MeetingKind struct {
	Kind                            meeting.Kind
	Held, Expected, WithMinutes     int
	Frequency                       string // "month", "quarter", "year", or "" (none expected)
	AttendancePresent, AttendanceOf int
}

// Meetings is the events held, per kind, and their attendance (present
// of those expected, less those on leave).
type Meetings struct {
	ByKind         []MeetingKind
	AttendanceRate float64
}

// The categories of learning facts the cockpit counts (which kinds are
// which is learning_fact_category's, in the database: the roll-ups are
// kept by it).
const (
	categoryLearning  = "learning"  // studying: lessons, reading, quizzes
	categoryVolunteer = "volunteer" // confirmed volunteer hours
)

// rate is n of d (0 of nobody), to three decimals.
func rate(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(d)*1000) / 1000
}

// round1 rounds to one decimal, as figures are shown.
func round1(x float64) float64 { return math.Round(x*10) / 10 }

// quantile is the q-quantile of sorted values (linear between ranks).
func quantile(sorted []int, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return round1(float64(sorted[lo]) + (pos-float64(lo))*float64(sorted[hi]-sorted[lo]))
}

// nearNextStage reports whether a person at stage since a date finishes
// the stage's time (an activist's training, a probation) by dueBy: the
// one place of this rule.
func nearNextStage(stage member.Stage, since *time.Time, r member.Rules, dueBy time.Time) bool {
	if since == nil {
		return false
	}
	switch stage {
	case member.StageActivist:
		return !since.AddDate(0, 0, r.ActivistTrainingDays).After(dueBy)
	case member.StageProbationary:
		return !since.AddDate(0, 0, r.ProbationDays).After(dueBy)
	}
	return false
}

// expected is how many times units are expected to hold a kind of event
// of frequency f in a period of months months: once per whole month,
// quarter or year in it.
func expected(f string, units int, months float64) int {
	per := map[string]float64{"month": 1, "quarter": 3, "year": 12}[f]
	if per == 0 {
		return 0
	}
	return units * int(math.Floor(months/per+1e-9))
}

// unitPoints ranks child units by their people's mean points: the top n
// and the bottom n (those with people only).
func unitPoints(units []UnitPoints, n int) (top, bottom []UnitPoints) {
	var with []UnitPoints
	for _, u := range units {
		if u.People > 0 {
			with = append(with, u)
		}
	}
	slices.SortStableFunc(with, func(a, b UnitPoints) int {
		return cmp.Or(cmp.Compare(b.MeanPoints, a.MeanPoints), cmp.Compare(a.Name, b.Name))
	})
	top = slices.Clone(with[:min(n, len(with))])
	slices.Reverse(with)
	bottom = slices.Clone(with[:min(n, len(with))])
	return top, bottom
}
