package points

// Assessment (考核): the school's preset indicators, each the points of
// some kinds of fact in a period against a monthly target, weighted into
// a score out of 100 per person; a unit's score is its people's mean (a
// rate per member, so that units of any size compare fairly).

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
	"zhdj/internal/learning"
)

// Indicator is a preset assessment indicator.
type Indicator string

const (
	IndicatorLearning     Indicator = "learning"     // lessons, reading, quizzes
	IndicatorTasks        Indicator = "tasks"        // tasks approved
	IndicatorVolunteering Indicator = "volunteering" // volunteer hours
	IndicatorMeetings     Indicator = "meetings"     // events attended (less absences without reason)
)

// Indicators are the preset indicators, in the order they are shown.
var Indicators = []Indicator{IndicatorLearning, IndicatorTasks, IndicatorVolunteering, IndicatorMeetings}

// IndicatorKinds are the kinds of entry each indicator counts (a
// correction counts under the kind it corrects).
var IndicatorKinds = map[Indicator][]learning.FactKind{
	IndicatorLearning:     {learning.FactLessonCompleted, learning.FactReadingCompleted, learning.FactQuizCompleted},
	IndicatorTasks:        {learning.FactTaskApproved},
	IndicatorVolunteering: {learning.FactVolunteerHours},
	IndicatorMeetings:     {learning.FactEventAttended, learning.FactEventAbsent, learning.FactAbsenceWithdrawn},
}

// IndicatorSetting is an indicator's weight (percent of the score) and
// the points a month that give it full marks.
type IndicatorSetting struct {
	Indicator     Indicator `json:"indicator"`
	Weight        int       `json:"weight"`
	MonthlyTarget int       `json:"monthlyTarget"`
}

// Scheme is how a school assesses, from a moment on.
type Scheme struct {
	TenantID   uuid.UUID
	ID         uuid.UUID // uuid.Nil: the default
	Indicators []IndicatorSetting
	// ShowPersonalRankings lets members see the ranking of the people of
	// a unit they belong to (admins always can).
	ShowPersonalRankings bool
	EffectiveFrom        time.Time
	CreatedAt            time.Time
}

// Default reports whether s is the default scheme (the school set none).
func (s *Scheme) Default() bool { return s.ID == uuid.Nil }

// DefaultScheme assesses a school that set no scheme: learning 40 %,
// tasks 30 %, volunteering 20 %, meetings 10 %, with monthly targets a
// member meets by ordinary participation; personal rankings not shown to
// members (public platforms removed them after complaints of formalism).
var DefaultScheme = Scheme{Indicators: []IndicatorSetting{
	{IndicatorLearning, 40, 20}, {IndicatorTasks, 30, 5}, {IndicatorVolunteering, 20, 4}, {IndicatorMeetings, 10, 6},
}}

// validateIndicators checks a scheme's indicators: each preset at most
// once, weights 0–100 adding up to 100, targets 1–10000.
func validateIndicators(in []IndicatorSetting) error {
	var v apperr.Validation
	seen := map[Indicator]bool{}
	sum := 0
	for i, s := range in {
		field := fmt.Sprintf("indicators.%d", i)
		switch {
		case IndicatorKinds[s.Indicator] == nil:
			v.Add(field+".indicator", "no such indicator")
		case seen[s.Indicator]:
			v.Add(field+".indicator", "each indicator is given once")
		}
		seen[s.Indicator] = true
		if s.Weight < 0 || s.Weight > 100 {
			v.Add(field+".weight", "a weight is 0–100 (percent)")
		}
		if s.MonthlyTarget < 1 || s.MonthlyTarget > 10000 {
			v.Add(field+".monthlyTarget", "a monthly target is 1–10000 points")
		}
		sum += s.Weight
	}
	if sum != 100 {
		v.Add("indicators", fmt.Sprintf("the weights (percent) add up to %d, not 100", sum))
	}
	return v.Err()
}

func schemeFrom(tenant, id uuid.UUID, indicators []byte, show bool, from, created time.Time) *Scheme {
	s := &Scheme{TenantID: tenant, ID: id, ShowPersonalRankings: show, EffectiveFrom: from, CreatedAt: created}
	_ = json.Unmarshal(indicators, &s.Indicators)
	return s
}

// schemeAt picks, of a school's scheme versions (by effective date), the
// one in force at t; else the default.
func schemeAt(versions []*Scheme, tenant uuid.UUID, t time.Time) *Scheme {
	var best *Scheme
	for _, s := range versions {
		if !s.EffectiveFrom.After(t) && (best == nil || s.EffectiveFrom.After(best.EffectiveFrom)) {
			best = s
		}
	}
	if best == nil {
		d := DefaultScheme
		d.TenantID = tenant
		return &d
	}
	return best
}

// monthStart reports whether t (in Beijing) is the first moment of a month.
func monthStart(t time.Time) bool {
	return t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// Months is how many months a period is: whole months when it runs from
// the start of a month to the start of one (Beijing), else its days over
// the mean month.
func Months(p Period) float64 {
	a, b := p.From.In(Beijing), p.Until.In(Beijing)
	start := func(t time.Time) bool {
		return t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	}
	if start(a) && start(b) {
		return float64((b.Year()-a.Year())*12 + int(b.Month()-a.Month()))
	}
	return p.Until.Sub(p.From).Hours() / 24 / 30.4375
}

// Calendar reports whether p is a calendar month, quarter or year in
// Beijing (whose totals are rolled up), and which: its kind ("month",
// "quarter", "year") and its first day (a date at midnight UTC).
func Calendar(p Period) (kind string, start time.Time, ok bool) {
	a, b := p.From.In(Beijing), p.Until.In(Beijing)
	if !monthStart(a) {
		return "", time.Time{}, false
	}
	start = time.Date(a.Year(), a.Month(), 1, 0, 0, 0, 0, time.UTC)
	switch {
	case b.Equal(a.AddDate(0, 1, 0)):
		return "month", start, true
	case b.Equal(a.AddDate(0, 3, 0)) && (a.Month()-1)%3 == 0:
		return "quarter", start, true
	case b.Equal(a.AddDate(1, 0, 0)) && a.Month() == time.January:
		return "year", start, true
	}
	return "", time.Time{}, false
}

// Days is the period in whole days (Beijing) as the roll-up counts them:
// from its first day to the day after its last.
func Days(p Period) (from, until time.Time) {
	return Day(p.From), Day(p.Until.Add(-time.Nanosecond)).AddDate(0, 0, 1)
}

// IndicatorScore is one indicator of a score: the points of its kinds,
// the target they are measured against, the indicator's score out of 100
// and what it contributes to the whole (weight × score).
type IndicatorScore struct {
	Indicator    Indicator
	Weight       int
	Target       float64
	Points       int
	Score        float64
	Contribution float64
	Kinds        []KindTotal
}

// Score is a person's (or a unit's: its people's mean) assessment in a
// period.
type Score struct {
	Period Period
	Scheme *Scheme
	// Score is out of 100, to one decimal.
	Score float64
	// Points is the whole ledger of the period; OtherPoints what counts
	// under none of the scheme's indicators (a correction naming no kind).
	Points, OtherPoints int
	Indicators          []IndicatorScore
}

// round1 rounds to one decimal: scores are compared (and ranks tied) as
// they are shown.
func round1(x float64) float64 { return math.Round(x*10) / 10 }

// score scores what a person has per kind (points and entries) in a
// period of months months.
func (s *Scheme) score(has map[string]KindTotal, months float64) (float64, []IndicatorScore) {
	out := make([]IndicatorScore, 0, len(s.Indicators))
	total := 0.0
	for _, set := range s.Indicators {
		is := IndicatorScore{Indicator: set.Indicator, Weight: set.Weight, Target: round1(float64(set.MonthlyTarget) * months), Kinds: []KindTotal{}}
		for _, k := range IndicatorKinds[set.Indicator] {
			if t, ok := has[string(k)]; ok {
				is.Points += t.Points
				is.Kinds = append(is.Kinds, t)
			}
		}
		if is.Target > 0 {
			is.Score = round1(math.Min(100, 100*math.Max(0, float64(is.Points))/is.Target))
		}
		is.Contribution = round1(float64(set.Weight) * is.Score / 100)
		total += float64(set.Weight) * is.Score / 100
		out = append(out, is)
	}
	return round1(total), out
}

// counts reports whether one of s's indicators counts kind.
func (s *Scheme) counts(kind string) bool {
	for _, set := range s.Indicators {
		if slices.Contains(IndicatorKinds[set.Indicator], learning.FactKind(kind)) {
			return true
		}
	}
	return false
}

// personPoints are a person's points per kind in a period.
type personPoints struct {
	ID        uuid.UUID
	Name      string
	OrgUnitID uuid.UUID
	OrgPath   string
	Has       map[string]KindTotal
}

// scored scores p under s.
func (s *Scheme) scored(p *personPoints, period Period) *Score {
	out := &Score{Period: period, Scheme: s}
	out.Score, out.Indicators = s.score(p.Has, Months(period))
	for k, t := range p.Has {
		out.Points += t.Points
		if !s.counts(k) {
			out.OtherPoints += t.Points
		}
	}
	return out
}

// mean is the score of a group: each indicator's and the whole score
// averaged over its people (a rate per member).
func mean(s *Scheme, period Period, scores []*Score) *Score {
	out := &Score{Period: period, Scheme: s}
	n := float64(len(scores))
	if n == 0 {
		return out
	}
	byInd := map[Indicator]*IndicatorScore{}
	sum := 0.0
	for _, sc := range scores {
		sum += sc.Score
		out.Points += sc.Points
		out.OtherPoints += sc.OtherPoints
		for _, is := range sc.Indicators {
			m := byInd[is.Indicator]
			if m == nil {
				m = &IndicatorScore{Indicator: is.Indicator, Weight: is.Weight, Target: is.Target, Kinds: []KindTotal{}}
				byInd[is.Indicator] = m
			}
			m.Points += is.Points
			m.Score += is.Score
			for _, k := range is.Kinds {
				if i := slices.IndexFunc(m.Kinds, func(t KindTotal) bool { return t.Kind == k.Kind }); i >= 0 {
					m.Kinds[i].Points += k.Points
					m.Kinds[i].Entries += k.Entries
				} else {
					m.Kinds = append(m.Kinds, k)
				}
			}
		}
	}
	out.Score = round1(sum / n)
	for _, set := range s.Indicators {
		if m := byInd[set.Indicator]; m != nil {
			m.Score = round1(m.Score / n)
			m.Contribution = round1(float64(m.Weight) * m.Score / 100)
			out.Indicators = append(out.Indicators, *m)
		}
	}
	return out
}

// Ranked is one of a ranking: a person, or a unit (its people's mean).
type Ranked struct {
	// Rank is 1 for the best; equal scores share a rank and the next
	// rank skips (1, 2, 2, 4); 0 for a unit with nobody to assess.
	Rank      int
	PersonID  uuid.UUID // a person's ranking
	Name      string
	OrgUnitID uuid.UUID
	orgPath   string
	People    int // a unit's ranking: those assessed
	*Score
}

// rank orders rs best first (ties by name, then id: the same order every
// time; of units, those with nobody to assess last, unranked) and gives
// each its rank.
func rank(rs []*Ranked, units bool) {
	slices.SortStableFunc(rs, func(a, b *Ranked) int {
		if units && (a.People == 0) != (b.People == 0) {
			if a.People == 0 {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(b.Score.Score, a.Score.Score), cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.PersonID.String()+a.OrgUnitID.String(), b.PersonID.String()+b.OrgUnitID.String()))
	})
	for i, r := range rs {
		switch {
		case units && r.People == 0:
			r.Rank = 0
		case i > 0 && rs[i-1].Score.Score == r.Score.Score && rs[i-1].Rank > 0:
			r.Rank = rs[i-1].Rank
		default:
			r.Rank = i + 1
		}
	}
}
