package points

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/learning"
)

// TestAward: what each kind awards before caps, and what the caps of the
// day, the week (from Monday) and the year leave, in Beijing time.
func TestAward(t *testing.T) {
	mon := time.Date(2026, 12, 7, 9, 0, 0, 0, Beijing) // a Monday
	fact := func(k learning.FactKind, at time.Time, details string) Fact {
		return Fact{ID: uuid.New(), Kind: k, OccurredAt: at, Details: json.RawMessage(details)}
	}
	reading := DefaultRules[learning.FactReadingCompleted]
	quiz := DefaultRules[learning.FactQuizCompleted]
	task := DefaultRules[learning.FactTaskApproved]
	hours := DefaultRules[learning.FactVolunteerHours]
	weekly := Rule{Kind: learning.FactLessonCompleted, Amount: 5, WeeklyCap: ptr(12)}
	yearly := Rule{Kind: learning.FactEventAttended, Amount: 3, YearlyCap: ptr(4)}
	deduct := Rule{Kind: learning.FactEventAttended, Amount: -2, DailyCap: ptr(0)}
	for _, c := range []struct {
		name   string
		rule   Rule
		before []Fact // awarded first, in order
		fact   Fact
		want   int
		capped bool
	}{
		{"an article", reading, nil, fact(learning.FactReadingCompleted, mon, `{}`), 1, false},
		{"the seventh article of a day", reading, []Fact{
			fact(learning.FactReadingCompleted, mon, `{}`), fact(learning.FactReadingCompleted, mon, `{}`), fact(learning.FactReadingCompleted, mon, `{}`),
			fact(learning.FactReadingCompleted, mon, `{}`), fact(learning.FactReadingCompleted, mon, `{}`), fact(learning.FactReadingCompleted, mon, `{}`),
		}, fact(learning.FactReadingCompleted, mon.Add(time.Hour), `{}`), 0, true},
		{"an article the next day (Beijing) after six", reading, []Fact{
			fact(learning.FactReadingCompleted, mon, `{}`), fact(learning.FactReadingCompleted, mon, `{}`), fact(learning.FactReadingCompleted, mon, `{}`),
			fact(learning.FactReadingCompleted, mon, `{}`), fact(learning.FactReadingCompleted, mon, `{}`), fact(learning.FactReadingCompleted, mon, `{}`),
		}, fact(learning.FactReadingCompleted, time.Date(2026, 12, 8, 0, 30, 0, 0, Beijing), `{}`), 1, false},
		{"a quiz with full marks", quiz, nil, fact(learning.FactQuizCompleted, mon, `{"passed": true, "right": 5, "total": 5}`), 2, false},
		{"a quiz passed", quiz, nil, fact(learning.FactQuizCompleted, mon, `{"passed": true, "right": 4, "total": 5}`), 1, false},
		{"a quiz failed", quiz, nil, fact(learning.FactQuizCompleted, mon, `{"passed": false, "right": 1, "total": 5}`), 0, false},
		{"a task with its own points", task, nil, fact(learning.FactTaskApproved, mon, `{"pointsHint": 8}`), 8, false},
		{"a task without", task, nil, fact(learning.FactTaskApproved, mon, `{"pointsHint": 0}`), 0, false},
		{"2.5 volunteer hours", hours, nil, fact(learning.FactVolunteerHours, mon, `{"hours": 2.5}`), 5, false},
		{"the third lesson of a week, cut to the cap", weekly, []Fact{
			fact(learning.FactLessonCompleted, mon, `{}`), fact(learning.FactLessonCompleted, mon.AddDate(0, 0, 3), `{}`),
		}, fact(learning.FactLessonCompleted, mon.AddDate(0, 0, 6), `{}`), 2, true},
		{"a lesson the next Monday", weekly, []Fact{
			fact(learning.FactLessonCompleted, mon, `{}`), fact(learning.FactLessonCompleted, mon.AddDate(0, 0, 3), `{}`),
		}, fact(learning.FactLessonCompleted, mon.AddDate(0, 0, 7), `{}`), 5, false},
		{"past the year's cap", yearly, []Fact{fact(learning.FactEventAttended, mon.AddDate(0, -6, 0), `{}`)},
			fact(learning.FactEventAttended, mon, `{}`), 1, true},
		{"a new year", yearly, []Fact{fact(learning.FactEventAttended, mon, `{}`), fact(learning.FactEventAttended, mon, `{}`)},
			fact(learning.FactEventAttended, time.Date(2027, 1, 1, 0, 0, 0, 0, Beijing), `{}`), 3, false},
		{"a deduction is not capped", deduct, nil, fact(learning.FactEventAttended, mon, `{}`), -2, false},
	} {
		a := Awarded{}
		for _, f := range c.before {
			c.rule.Award(f, a)
		}
		got, capped := c.rule.Award(c.fact, a)
		if got != c.want || capped != c.capped {
			t.Errorf("%s: %d (capped %v), want %d (capped %v)", c.name, got, capped, c.want, c.capped)
		}
	}
}

// TestRuleFor: the nearest unit's rule in effect when the fact occurred,
// its latest version then; above it, the parent's; without any, the
// default.
func TestRuleFor(t *testing.T) {
	d := time.Date(2026, 12, 1, 0, 0, 0, 0, Beijing)
	school := &Rule{ID: uuid.New(), orgPath: "s", Kind: learning.FactLessonCompleted, Amount: 3, EffectiveFrom: d}
	schoolLater := &Rule{ID: uuid.New(), orgPath: "s", Kind: learning.FactLessonCompleted, Amount: 4, EffectiveFrom: d.AddDate(0, 0, 10)}
	branch := &Rule{ID: uuid.New(), orgPath: "s.c.b", Kind: learning.FactLessonCompleted, Amount: 6, EffectiveFrom: d.AddDate(0, 0, 5)}
	rules := []*Rule{school, schoolLater, branch}
	for _, c := range []struct {
		name string
		path string
		at   time.Time
		want int
	}{
		{"before any rule: the default", "s.c.b.g", d.AddDate(0, 0, -1), DefaultRules[learning.FactLessonCompleted].Amount},
		{"the school's first version", "s.c.b.g", d.AddDate(0, 0, 1), 3},
		{"the branch's, below it", "s.c.b.g", d.AddDate(0, 0, 6), 6},
		{"the branch's, though the school changed since", "s.c.b", d.AddDate(0, 0, 20), 6},
		{"another college: the school's latest", "s.x", d.AddDate(0, 0, 20), 4},
		{"a sibling prefix is not below", "s.c.bb", d.AddDate(0, 0, 6), 3},
	} {
		if got := ruleFor(rules, learning.FactLessonCompleted, c.path, c.at).Amount; got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
