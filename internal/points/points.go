// Package points keeps the points ledger (积分): what each person was
// awarded, entry by entry, derived from the learning facts (a lesson
// completed, an event attended, a task approved, confirmed volunteer
// hours …) by a job, under rules a school sets per kind of fact. The
// ledger is append-only: a correction is a compensating entry with a
// reason.
//
// Rules are set at an org unit for everyone under it, overridable below,
// and versioned by the date they take effect: a fact is awarded by the
// rule of the nearest unit at or above its person's that was in effect
// when it occurred, and a new version applies from its date on, so
// changing a rule never rewrites history. A kind no unit has a rule for
// is awarded by DefaultRules.
package points

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/auth"
	"zhdj/internal/learning"
)

// Correction is the kind of a compensating entry.
const Correction = "correction"

// Kinds are the kinds of fact points are awarded for.
var Kinds = []learning.FactKind{learning.FactLessonCompleted, learning.FactReadingCompleted, learning.FactQuizCompleted,
	learning.FactEventAttended, learning.FactTaskApproved, learning.FactVolunteerHours, learning.FactEventAbsent}

// Rule is how one kind of fact is awarded.
type Rule struct {
	TenantID  uuid.UUID
	ID        uuid.UUID // uuid.Nil: the default of its kind
	OrgUnitID uuid.UUID // uuid.Nil: the default
	orgPath   string
	Kind      learning.FactKind
	// Amount is awarded per fact (per hour for volunteer hours; for a
	// passed quiz; for an approved task without points of its own).
	Amount int
	// FullMarksAmount is a quiz's with full marks (nil: Amount).
	FullMarksAmount *int
	// Caps on what the kind awards a person per day, week and year, in
	// Beijing time (nil: none). They bound gains, not deductions.
	DailyCap, WeeklyCap, YearlyCap *int
	EffectiveFrom                  time.Time
	CreatedAt                      time.Time
}

// Default reports whether r is a default rule (no unit set it).
func (r *Rule) Default() bool { return r.ID == uuid.Nil }

func ptr(n int) *int { return &n }

// DefaultRules award what a school that sets no rule awards (after the
// learning platforms' practice in DOMAIN.md): an article or comic read 1
// (at most 6 a day), a micro-lesson 2, a quiz passed 1 and with full
// marks 2 (at most 6 a day), an event attended 3, a task approved its own
// points (0 when it names none), a volunteer hour 2, an absence without
// reason −2. (A withdrawn absence has no rule: it gives back what the
// absence cost.)
var DefaultRules = map[learning.FactKind]Rule{
	learning.FactReadingCompleted: {Kind: learning.FactReadingCompleted, Amount: 1, DailyCap: ptr(6)},
	learning.FactLessonCompleted:  {Kind: learning.FactLessonCompleted, Amount: 2},
	learning.FactQuizCompleted:    {Kind: learning.FactQuizCompleted, Amount: 1, FullMarksAmount: ptr(2), DailyCap: ptr(6)},
	learning.FactEventAttended:    {Kind: learning.FactEventAttended, Amount: 3},
	learning.FactTaskApproved:     {Kind: learning.FactTaskApproved, Amount: 0},
	learning.FactVolunteerHours:   {Kind: learning.FactVolunteerHours, Amount: 2},
	learning.FactEventAbsent:      {Kind: learning.FactEventAbsent, Amount: -2},
}

// Fact is a learning fact as awarding reads it.
type Fact struct {
	ID         uuid.UUID
	PersonID   uuid.UUID
	Kind       learning.FactKind
	SourceID   uuid.UUID // what it is of (e.g. the event)
	OccurredAt time.Time
	Details    json.RawMessage
}

// Base is what r awards f before caps.
func (r *Rule) Base(f Fact) int {
	var d struct {
		Passed     *bool    `json:"passed"`
		Right      *int     `json:"right"`
		Total      *int     `json:"total"`
		PointsHint *int     `json:"pointsHint"`
		Hours      *float64 `json:"hours"`
	}
	_ = json.Unmarshal(f.Details, &d)
	switch f.Kind {
	case learning.FactQuizCompleted:
		switch {
		case d.Right != nil && d.Total != nil && *d.Total > 0 && *d.Right == *d.Total:
			return *cmp.Or(r.FullMarksAmount, &r.Amount)
		case d.Passed != nil && *d.Passed:
			return r.Amount
		}
		return 0
	case learning.FactTaskApproved:
		if d.PointsHint != nil && *d.PointsHint > 0 {
			return *d.PointsHint
		}
		return r.Amount
	case learning.FactVolunteerHours:
		if d.Hours == nil || *d.Hours <= 0 {
			return 0
		}
		return int(math.Floor(*d.Hours * float64(r.Amount)))
	}
	return r.Amount
}

// Beijing is the time zone days, weeks and years begin in (no daylight
// saving).
var Beijing = time.FixedZone("UTC+8", 8*3600)

// Day is the day (in Beijing) t falls on, as a date at midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.In(Beijing).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// weekOf is the Monday of day's week; yearOf its year.
func weekOf(day time.Time) time.Time { return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)) }

// Awarded is what a person already has of each kind, per day (see Day).
type Awarded map[learning.FactKind]map[time.Time]int

func (a Awarded) add(k learning.FactKind, day time.Time, n int) {
	if a[k] == nil {
		a[k] = map[time.Time]int{}
	}
	a[k][day] += n
}

// within sums the gains of kind k on days in [from, until).
func (a Awarded) within(k learning.FactKind, from, until time.Time) int {
	sum := 0
	for day, n := range a[k] {
		if !day.Before(from) && day.Before(until) && n > 0 {
			sum += n
		}
	}
	return sum
}

// Award is what r awards f for a person who already has a: the base, cut
// to what the day's, week's and year's caps leave (capped when cut). It
// adds the award to a.
func (r *Rule) Award(f Fact, a Awarded) (amount int, capped bool) {
	amount = r.Base(f)
	if amount > 0 {
		day := Day(f.OccurredAt)
		week := weekOf(day)
		year := time.Date(day.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		for _, c := range []struct {
			cap         *int
			from, until time.Time
		}{
			{r.DailyCap, day, day.AddDate(0, 0, 1)},
			{r.WeeklyCap, week, week.AddDate(0, 0, 7)},
			{r.YearlyCap, year, year.AddDate(1, 0, 0)},
		} {
			if c.cap == nil {
				continue
			}
			if left := max(0, *c.cap-a.within(f.Kind, c.from, c.until)); amount > left {
				amount, capped = left, true
			}
		}
	}
	a.add(f.Kind, Day(f.OccurredAt), amount)
	return amount, capped
}

// ruleFor picks, among rules, the one awarding a fact of kind k that
// occurred at, for a person at the unit at personPath: of the units at or
// above theirs with a rule of the kind in effect then, the nearest, and
// of its versions the latest in effect; else the default.
func ruleFor(rules []*Rule, k learning.FactKind, personPath string, at time.Time) *Rule {
	var best *Rule
	for _, r := range rules {
		if r.Kind != k || r.EffectiveFrom.After(at) || !auth.Within(personPath, r.orgPath) {
			continue
		}
		if best == nil || depth(r.orgPath) > depth(best.orgPath) ||
			depth(r.orgPath) == depth(best.orgPath) && r.EffectiveFrom.After(best.EffectiveFrom) {
			best = r
		}
	}
	if best != nil {
		return best
	}
	d := DefaultRules[k]
	return &d
}

func depth(path string) int { return strings.Count(path, ".") + 1 }

// InForce returns the rules in force at the unit at path as of now, one
// per kind, in the order of Kinds.
func InForce(rules []*Rule, path string, now time.Time) []*Rule {
	out := make([]*Rule, 0, len(Kinds))
	for _, k := range Kinds {
		out = append(out, ruleFor(rules, k, path, now))
	}
	return out
}

// sortFacts orders facts as they are awarded: as they occurred.
func sortFacts(fs []Fact) {
	slices.SortFunc(fs, func(a, b Fact) int {
		return cmp.Or(a.OccurredAt.Compare(b.OccurredAt), slices.Compare(a.ID[:], b.ID[:]))
	})
}

// Entry is one line of the ledger.
type Entry struct {
	TenantID   uuid.UUID
	ID         uuid.UUID
	PersonID   uuid.UUID
	Amount     int
	Kind       string // a fact's kind, or Correction
	RuleID     *uuid.UUID
	SourceType string // "fact" or "correction"
	SourceID   uuid.UUID
	Corrects   *uuid.UUID
	// CountsAs is the kind a correction counts under in assessment (nil:
	// none, only in the total).
	CountsAs   *string
	Capped     bool
	Reason     string
	OccurredAt time.Time
	RecordedAt time.Time
	RecordedBy *uuid.UUID
	// Rule is the version RuleID names, read with the entry.
	Rule *Rule
}

// Period is a range of time [From, Until).
type Period struct {
	From, Until time.Time
}

// PeriodOf is the month, quarter or year (learning's periods, in Beijing)
// containing at.
func PeriodOf(p learning.Period, at time.Time) Period {
	from, until := p.Bounds(at)
	return Period{From: from, Until: until}
}

// Summary is what a person was awarded in a period, in all and per kind.
type Summary struct {
	Period  Period
	Total   int
	ByKind  []KindTotal
	Entries int
}

// KindTotal is what one kind awarded.
type KindTotal struct {
	Kind    string
	Points  int
	Entries int
}

// Cursor is a position in a person's history (latest first).
type Cursor struct {
	OccurredAt time.Time
	ID         uuid.UUID
}

// Page is one page of a person's history.
type Page struct {
	Items   []*Entry
	HasNext bool
}

// MaxPageSize is the largest page of history.
const MaxPageSize = 100
