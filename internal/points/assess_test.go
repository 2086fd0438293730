package points

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
	"zhdj/internal/learning"
)

func TestValidateIndicators(t *testing.T) {
	ok := DefaultScheme.Indicators
	for _, c := range []struct {
		name  string
		in    []IndicatorSetting
		field string // "" when valid
	}{
		{"the default", ok, ""},
		{"one indicator at 100", []IndicatorSetting{{IndicatorLearning, 100, 10}}, ""},
		{"weights adding up to 90", []IndicatorSetting{{IndicatorLearning, 40, 20}, {IndicatorTasks, 50, 5}}, "indicators"},
		{"weights adding up to 110", []IndicatorSetting{{IndicatorLearning, 60, 20}, {IndicatorTasks, 50, 5}}, "indicators"},
		{"nothing", nil, "indicators"},
		{"an unknown indicator", []IndicatorSetting{{"attendance", 100, 10}}, "indicators.0.indicator"},
		{"an indicator twice", []IndicatorSetting{{IndicatorLearning, 50, 10}, {IndicatorLearning, 50, 10}}, "indicators.1.indicator"},
		{"a negative weight", []IndicatorSetting{{IndicatorLearning, 110, 10}, {IndicatorTasks, -10, 10}}, "indicators.1.weight"},
		{"no target", []IndicatorSetting{{IndicatorLearning, 100, 0}}, "indicators.0.monthlyTarget"},
	} {
		err := validateIndicators(c.in)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if _, ok := apperr.FieldsOf(err)[c.field]; !apperr.Is(err, apperr.Invalid) || !ok {
			t.Errorf("%s: %v, want %s invalid", c.name, err, c.field)
		}
	}
}

func TestMonths(t *testing.T) {
	for _, c := range []struct {
		name string
		p    Period
		want float64
	}{
		{"February", PeriodOf(learning.Monthly, time.Date(2027, 2, 10, 0, 0, 0, 0, Beijing)), 1},
		{"a quarter", PeriodOf(learning.Quarterly, time.Date(2026, 11, 10, 0, 0, 0, 0, Beijing)), 3},
		{"a year", PeriodOf(learning.Yearly, time.Date(2026, 11, 10, 0, 0, 0, 0, Beijing)), 12},
		{"a term from 1 September to 1 February", Period{time.Date(2026, 9, 1, 0, 0, 0, 0, Beijing), time.Date(2027, 2, 1, 0, 0, 0, 0, Beijing)}, 5},
		{"two weeks", Period{time.Date(2026, 9, 7, 0, 0, 0, 0, Beijing), time.Date(2026, 9, 21, 0, 0, 0, 0, Beijing)}, 14 / 30.4375},
	} {
		if got := Months(c.p); got != c.want {
			t.Errorf("%s: %v months, want %v", c.name, got, c.want)
		}
	}
}

// TestScore: each indicator is its points over its target (at most 100,
// never below 0), weighted; corrections count under the kind they name.
func TestScore(t *testing.T) {
	s := DefaultScheme // learning 40 % of 20 a month, tasks 30 % of 5, volunteering 20 % of 4, meetings 10 % of 6
	has := map[string]KindTotal{
		"lesson_completed":          {Kind: "lesson_completed", Points: 10, Entries: 5},
		"reading_completed":         {Kind: "reading_completed", Points: 5, Entries: 5},
		"quiz_completed":            {Kind: "quiz_completed", Points: 3, Entries: 2},
		"task_approved":             {Kind: "task_approved", Points: 30, Entries: 3},
		"volunteer_hours_confirmed": {Kind: "volunteer_hours_confirmed", Points: -2, Entries: 1},
		"correction":                {Kind: "correction", Points: 7, Entries: 1},
	}
	pp := &personPoints{ID: uuid.New(), Has: has}
	got := s.scored(pp, PeriodOf(learning.Monthly, time.Date(2026, 12, 7, 0, 0, 0, 0, Beijing)))
	want := []struct {
		points       int
		score, contr float64
	}{{18, 90, 36}, {30, 100, 30}, {-2, 0, 0}, {0, 0, 0}}
	for i, w := range want {
		is := got.Indicators[i]
		if is.Points != w.points || is.Score != w.score || is.Contribution != w.contr {
			t.Errorf("%s: %+v, want %+v", is.Indicator, is, w)
		}
	}
	if got.Score != 66 || got.Points != 53 || got.OtherPoints != 7 {
		t.Fatalf("score %v of %d points (%d other), want 66 of 53 (7)", got.Score, got.Points, got.OtherPoints)
	}
	if len(got.Indicators[0].Kinds) != 3 {
		t.Fatalf("learning is made of %+v", got.Indicators[0].Kinds)
	}
	// Over a quarter, the same points are a third of the targets.
	q := s.scored(pp, PeriodOf(learning.Quarterly, time.Date(2026, 12, 7, 0, 0, 0, 0, Beijing)))
	if q.Indicators[0].Target != 60 || q.Indicators[0].Score != 30 {
		t.Fatalf("a quarter's learning: %+v", q.Indicators[0])
	}
}

// TestRank: best first, equal scores share a rank and the next skips, the
// order among equals is the same every time; units with nobody last,
// unranked; a unit's score is its people's mean.
func TestRank(t *testing.T) {
	sc := func(x float64) *Score { return &Score{Score: x} }
	rs := []*Ranked{
		{PersonID: uuid.New(), Name: "丙", Score: sc(70)},
		{PersonID: uuid.New(), Name: "甲", Score: sc(82.5)},
		{PersonID: uuid.New(), Name: "乙", Score: sc(70)},
		{PersonID: uuid.New(), Name: "丁", Score: sc(12)},
	}
	rank(rs, false)
	var got []string
	var ranks []int
	for _, r := range rs {
		got, ranks = append(got, r.Name), append(ranks, r.Rank)
	}
	if want := []string{"甲", "丙", "乙", "丁"}; !slices.Equal(got, want) || !slices.Equal(ranks, []int{1, 2, 2, 4}) {
		t.Fatalf("ranked %v %v", got, ranks)
	}
	period := PeriodOf(learning.Monthly, time.Date(2026, 12, 7, 0, 0, 0, 0, Beijing))
	big := mean(&DefaultScheme, period, []*Score{sc(90), sc(10), sc(50), sc(50)})
	small := mean(&DefaultScheme, period, []*Score{sc(60)})
	units := []*Ranked{
		{OrgUnitID: uuid.New(), Name: "空支部", Score: mean(&DefaultScheme, period, nil)},
		{OrgUnitID: uuid.New(), Name: "大支部", People: 4, Score: big},
		{OrgUnitID: uuid.New(), Name: "小支部", People: 1, Score: small},
	}
	rank(units, true)
	if units[0].Name != "小支部" || units[0].Rank != 1 || units[1].Score.Score != 50 || units[2].Name != "空支部" || units[2].Rank != 0 {
		t.Fatalf("units: %+v %+v %+v", units[0], units[1], units[2])
	}
}

func TestCalendar(t *testing.T) {
	at := time.Date(2026, 11, 10, 0, 0, 0, 0, Beijing)
	for _, c := range []struct {
		p     Period
		kind  string
		start time.Time
	}{
		{PeriodOf(learning.Monthly, at), "month", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		{PeriodOf(learning.Quarterly, at), "quarter", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)},
		{PeriodOf(learning.Yearly, at), "year", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Period{time.Date(2026, 11, 1, 0, 0, 0, 0, Beijing), time.Date(2027, 2, 1, 0, 0, 0, 0, Beijing)}, "", time.Time{}},    // three months, not a quarter
		{Period{time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, "", time.Time{}}, // a month in UTC
	} {
		kind, start, ok := Calendar(c.p)
		if kind != c.kind || !start.Equal(c.start) || ok != (c.kind != "") {
			t.Errorf("%v: %q %v %v, want %q %v", c.p, kind, start, ok, c.kind, c.start)
		}
	}
}
