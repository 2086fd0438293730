package learning

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestRank(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	id := func(n byte) uuid.UUID { return uuid.UUID{15: n} }
	items := []Studyable{
		{ID: id(1), Lesson: true, Series: "党史", PublishedAt: now.Add(-1 * time.Hour)},
		{ID: id(2), Lesson: true, Series: "党史", PublishedAt: now.Add(-5 * time.Hour)},
		{ID: id(3), Lesson: true, Series: "", PublishedAt: now.Add(-2 * time.Hour)},
		{ID: id(4), Tags: []string{"青年", "党史"}, PublishedAt: now.Add(-9 * time.Hour)},
		{ID: id(5), Tags: []string{"青年"}, PublishedAt: now.Add(-8 * time.Hour)},
		{ID: id(6), Tags: []string{"乡村振兴"}, PublishedAt: now.Add(-3 * time.Hour)},
		{ID: id(7), PublishedAt: now.Add(-3 * time.Hour)}, // same time as 6: the larger id first
		{ID: id(8), Lesson: true, Series: "党史", PublishedAt: now},
	}
	interests := map[string]int{"青年": 2, "党史": 1}
	due := now.AddDate(0, 0, 20)
	names := func(s []*Suggestion) string {
		var b strings.Builder
		for _, x := range s {
			b.WriteByte('0' + x.ContentID[15])
			if x.Required {
				b.WriteByte('!')
			}
		}
		return b.String()
	}
	for _, c := range []struct {
		name      string
		completed []byte
		need      Need
		want      string
	}{
		{"the plan's series first, then interests, then the latest", []byte{8}, Need{Open: true, Series: "党史", DueOn: due}, "1!2!45376"},
		{"any lesson when the plan names no series", nil, Need{Open: true, DueOn: due}, "8!1!3!2!4576"},
		{"a plan done: lessons rank as other items", nil, Need{}, "45813762"},
		{"never what was completed", []byte{1, 4, 8}, Need{Open: true, Series: "党史", DueOn: due}, "2!5376"},
	} {
		completed := map[uuid.UUID]bool{}
		for _, n := range c.completed {
			completed[id(n)] = true
		}
		got, more := Rank(items, completed, interests, c.need, nil, 20)
		if names(got) != c.want || more {
			t.Errorf("%s: %s (more %v), want %s", c.name, names(got), more, c.want)
		}
		// Paging two at a time gives the same list.
		var paged []*Suggestion
		var after *ForYouCursor
		for i := 0; i < 10; i++ {
			page, more := Rank(items, completed, interests, c.need, after, 2)
			paged = append(paged, page...)
			if !more {
				break
			}
			last := page[len(page)-1]
			after = &ForYouCursor{Bucket: last.Bucket(), Score: last.Score, PublishedAt: last.PublishedAt, ID: last.ContentID}
		}
		if names(paged) != c.want {
			t.Errorf("%s, paged: %s, want %s", c.name, names(paged), c.want)
		}
	}
}
