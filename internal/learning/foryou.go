package learning

// "For you": what a person should study next.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/learning/learningdb"
	"zhdj/internal/postgres"
)

// CatalogueTTL is how long a school's list of studyable items is kept in
// memory: an item published (or withdrawn) appears in (or leaves) "for
// you" within it. (An item withdrawn meanwhile is not shown: items are
// read again, with their visibility, for the page.)
const CatalogueTTL = 5 * time.Second

// Studyable is a published item an active site shows, as ranking needs it.
type Studyable struct {
	ID          uuid.UUID
	Lesson      bool   // a micro-lesson
	Series      string // a lesson's series
	Tags        []string
	PublishedAt time.Time
}

// ForYouCursor is a position in the "for you" list.
type ForYouCursor struct {
	Bucket, Score int
	PublishedAt   time.Time
	ID            uuid.UUID
}

// Suggestion is an item suggested to study, and why.
type Suggestion struct {
	ContentID uuid.UUID
	// Required: a lesson the person's plan still needs this period (due
	// on DueOn); otherwise Score is how well it matches their interests.
	Required    bool
	DueOn       *time.Time
	Score       int
	PublishedAt time.Time
}

// Bucket is where the suggestion sorts: required lessons (0) first.
func (s *Suggestion) Bucket() int {
	if s.Required {
		return 0
	}
	return 1
}

// before reports whether a sorts before b: required first, then by score,
// then the latest.
func before(a, b *Suggestion) int {
	return cmp.Or(cmp.Compare(a.Bucket(), b.Bucket()), cmp.Compare(b.Score, a.Score),
		b.PublishedAt.Compare(a.PublishedAt), -slices.Compare(a.ContentID[:], b.ContentID[:]))
}

// Need is what a person's plan still asks for this period.
type Need struct {
	Open   bool   // lessons remain
	Series string // of this series ("": any)
	DueOn  time.Time
}

// Rank is the rule of "for you": the lessons the plan still needs first,
// then items by the weight of the person's interests they share (their
// tags and topics, weighted by how often the person studied them), then
// the latest; never what the person completed. It returns up to n
// suggestions after the cursor, and whether there are more.
func Rank(items []Studyable, completed map[uuid.UUID]bool, interests map[string]int, need Need, after *ForYouCursor, n int) ([]*Suggestion, bool) {
	all := make([]*Suggestion, 0, len(items))
	for _, it := range items {
		if completed[it.ID] {
			continue
		}
		s := &Suggestion{ContentID: it.ID, PublishedAt: it.PublishedAt}
		if need.Open && it.Lesson && (need.Series == "" || it.Series == need.Series) {
			due := need.DueOn
			s.Required, s.DueOn = true, &due
		}
		for _, t := range it.Tags {
			s.Score += interests[t]
		}
		all = append(all, s)
	}
	slices.SortFunc(all, before)
	start := 0
	if after != nil {
		at := &Suggestion{ContentID: after.ID, Required: after.Bucket == 0, Score: after.Score, PublishedAt: after.PublishedAt}
		start, _ = slices.BinarySearchFunc(all, at, before)
		for start < len(all) && before(all[start], at) <= 0 {
			start++
		}
	}
	page := all[start:]
	if len(page) > n {
		return page[:n], true
	}
	return page, false
}

// catalogue returns the school's studyable items, from memory when read
// within CatalogueTTL.
func (s *Service) catalogue(ctx context.Context, tenant uuid.UUID) ([]Studyable, error) {
	if items, ok := s.studyable.Get(tenant); ok {
		return items, nil
	}
	var rows []learningdb.StudyableRow
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		var err error
		rows, err = learningdb.New(tx).Studyable(ctx, tenant)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("learning: studyable items: %w", err)
	}
	items := make([]Studyable, 0, len(rows))
	for _, r := range rows {
		it := Studyable{ID: r.ID, Lesson: r.Type == "micro_lesson", Series: r.Series, Tags: append(r.Tags, r.Topics...)}
		if r.PublishedAt != nil {
			it.PublishedAt = *r.PublishedAt
		}
		items = append(items, it)
	}
	s.studyable.Add(tenant, items)
	return items, nil
}

// SuggestionPage is a page of suggestions.
type SuggestionPage struct {
	Items   []*Suggestion
	HasNext bool
}

// ForYou returns a page of what the caller should study next (see Rank):
// the lessons their plan still needs this period, then published items on
// the tags and topics they study most, then the latest; never what they
// have completed, only what an active site of the school shows.
func (s *Service) ForYou(ctx context.Context, first int, after *ForYouCursor) (*SuggestionPage, error) {
	p, personID, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	// What ranking needs of the person goes in one round trip (the
	// school's items come from memory, mostly).
	now := s.now()
	var (
		plan      []learningdb.PersonPlanRow
		done      []uuid.UUID
		interests = map[string]int{}
	)
	reads := &pgx.Batch{}
	queueForYouReads(reads, personPlanParams(p.TenantID, personID, now), &plan, &done, interests)
	if err := postgres.TenantBatch(ctx, s.pool, p.TenantID, reads); err != nil {
		return nil, fmt.Errorf("learning: for you: %w", err)
	}
	items, err := s.catalogue(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	need := Need{}
	if pp := planProgress(p.TenantID, plan, now); pp != nil && pp.Remaining > 0 {
		need = Need{Open: true, Series: pp.Plan.Series, DueOn: pp.DueOn}
	}
	completed := make(map[uuid.UUID]bool, len(done))
	for _, id := range done {
		completed[id] = true
	}
	page := &SuggestionPage{}
	page.Items, page.HasNext = Rank(items, completed, interests, need, after, first)
	return page, nil
}
