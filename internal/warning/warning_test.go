package warning

import (
	"testing"
	"time"

	"zhdj/internal/learning"
	"zhdj/internal/points"
)

func TestRulesFrom(t *testing.T) {
	for _, c := range []struct {
		name     string
		settings string
		check    func(Rules) bool
	}{
		{"none", `{}`, func(r Rules) bool { return r.NoLearningDays == 30 && r.EscalateAfterHours == 72 && r.Runs(LowPoints) }},
		{"malformed", `{"warnings": 3}`, func(r Rules) bool { return r.NoLearningDays == 30 }},
		{"set", `{"warnings": {"noLearningDays": 14, "lowPoints": 20, "lowPointsPeriod": "month", "off": ["minutes_missing"]}}`,
			func(r Rules) bool {
				return r.NoLearningDays == 14 && r.LowPoints == 20 && r.LowPointsPeriod == learning.Monthly && !r.Runs(MinutesMissing) && r.Runs(TaskOverdue)
			}},
		{"out of range keeps the default", `{"warnings": {"noLearningDays": 0, "escalateAfterHours": -5, "lowPointsPeriod": "week", "lookbackDays": 9999}}`,
			func(r Rules) bool {
				return r.NoLearningDays == 30 && r.EscalateAfterHours == 72 && r.LowPointsPeriod == learning.Quarterly && r.LookbackDays == 90
			}},
	} {
		if r := RulesFrom([]byte(c.settings)); !c.check(r) {
			t.Errorf("%s: %+v", c.name, r)
		}
	}
}

func TestPeriodsOfTheRules(t *testing.T) {
	bj := points.Beijing
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, bj) }
	for _, c := range []struct {
		p           learning.Period
		now         time.Time
		grace       int
		from, until time.Time
	}{
		// Seven days of grace: on 7 December November is not done yet.
		{learning.Monthly, day(2026, 12, 7), 7, day(2026, 10, 1), day(2026, 11, 1)},
		{learning.Monthly, day(2026, 12, 8), 7, day(2026, 11, 1), day(2026, 12, 1)},
		{learning.Monthly, day(2026, 12, 1), 0, day(2026, 11, 1), day(2026, 12, 1)},
		{learning.Quarterly, day(2026, 12, 7), 7, day(2026, 7, 1), day(2026, 10, 1)},
		{learning.Yearly, day(2026, 1, 5), 7, day(2024, 1, 1), day(2025, 1, 1)},
		{learning.Yearly, day(2026, 1, 9), 7, day(2025, 1, 1), day(2026, 1, 1)},
	} {
		from, until := lastWholePeriod(c.p, c.now, c.grace)
		if !from.Equal(c.from) || !until.Equal(c.until) {
			t.Errorf("%s on %s with %d days: [%s, %s), want [%s, %s)", c.p, c.now.Format(time.DateOnly), c.grace, from, until, c.from, c.until)
		}
	}
	q := points.PeriodOf(learning.Quarterly, day(2026, 11, 1))
	for _, c := range []struct {
		now  time.Time
		want bool
	}{{day(2026, 10, 2), false}, {day(2026, 11, 15), false}, {day(2026, 11, 16).Add(time.Hour), true}, {day(2026, 12, 31), true}} {
		if got := pastMiddle(q, c.now); got != c.want {
			t.Errorf("past the middle of the quarter on %s: %v", c.now, got)
		}
	}
}
