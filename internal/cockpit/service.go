package cockpit

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/cockpit/cockpitdb"
	"zhdj/internal/meeting"
	"zhdj/internal/member"
	"zhdj/internal/points"
	"zhdj/internal/postgres"
)

// Service is the cockpit's use cases: the figures, and the people behind
// one of them.
type Service struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	cache *figureCache // nil: every cockpit is read when asked
}

// NewService returns a Service over pool whose cockpits are at most
// maxAge old (0: read when asked).
func NewService(pool *pgxpool.Pool, maxAge time.Duration) *Service {
	s := &Service{pool: pool, now: time.Now}
	if maxAge > 0 {
		s.cache = newFigureCache(maxAge, func() time.Time { return s.now() })
	}
	return s
}

// NearHorizon is how far ahead "near their next stage" looks.
const NearHorizon = 60 * 24 * time.Hour

var (
	errUnitNotFound = apperr.NotFoundf("org unit not found")
	errNoUnit       = apperr.InvalidField("orgUnit", "no such org unit")
)

// open reads the unit's path in tx, for those who read its member records
// (admins of it or above); to others the unit is not found, as a
// sibling's records are not.
func open(ctx context.Context, q *cockpitdb.Queries, p *auth.Principal, unit uuid.UUID) (string, error) {
	path, err := q.UnitPath(ctx, cockpitdb.UnitPathParams{TenantID: p.TenantID, ID: unit})
	if apperr.Is(postgres.Err(err, "org unit"), apperr.NotFound) {
		return "", errNoUnit
	}
	if err != nil {
		return "", fmt.Errorf("cockpit: unit: %w", err)
	}
	if !p.Can(auth.PermMemberRead, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
		return "", errUnitNotFound
	}
	return path, nil
}

// Figures reads the cockpit of a unit's subtree in a period, as it stood
// at most the cache's age ago (see figureCache; without one, now).
func (s *Service) Figures(ctx context.Context, unit uuid.UUID, period points.Period) (*Cockpit, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := points.ValidatePeriod(period); err != nil {
		return nil, err
	}
	if s.cache == nil {
		return s.compute(ctx, p, unit, period)
	}
	key := cacheKey{tenant: p.TenantID, unit: unit, from: period.From, until: period.Until}
	if e := s.cache.get(key); e != nil {
		// Who may read it is decided now, on the unit's path.
		if !p.Can(auth.PermMemberRead, auth.Scope{TenantID: p.TenantID, OrgPath: e.path}) {
			return nil, errUnitNotFound
		}
		if s.cache.aging(e) {
			s.cache.refresh(key, e, func(ctx context.Context) (*cacheEntry, error) { return s.computeEntry(ctx, p.TenantID, unit, period) })
		}
		return e.cockpit, nil
	}
	// Not cached: the caller must be allowed before anything is computed.
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		_, err := open(ctx, cockpitdb.New(tx), p, unit)
		return err
	})
	if err != nil {
		return nil, err
	}
	e, err := s.cache.load(ctx, key, func(ctx context.Context) (*cacheEntry, error) { return s.computeEntry(ctx, p.TenantID, unit, period) })
	if err != nil {
		return nil, err
	}
	return e.cockpit, nil
}

// compute reads the cockpit now, for p (who must be allowed to).
func (s *Service) compute(ctx context.Context, p *auth.Principal, unit uuid.UUID, period points.Period) (*Cockpit, error) {
	var c *Cockpit
	err := postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		path, err := open(ctx, cockpitdb.New(tx), p, unit)
		if err != nil {
			return err
		}
		c, err = s.read(ctx, tx, p.TenantID, unit, path, period)
		return err
	})
	return c, err
}

// computeEntry reads the cockpit now for the cache (whoever asks is
// checked against the entry's path).
func (s *Service) computeEntry(ctx context.Context, tenant, unit uuid.UUID, period points.Period) (*cacheEntry, error) {
	e := &cacheEntry{at: s.now()}
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		path, err := cockpitdb.New(tx).UnitPath(ctx, cockpitdb.UnitPathParams{TenantID: tenant, ID: unit})
		if apperr.Is(postgres.Err(err, "org unit"), apperr.NotFound) {
			return errNoUnit
		}
		if err != nil {
			return fmt.Errorf("cockpit: unit: %w", err)
		}
		e.path = path
		e.cockpit, err = s.read(ctx, tx, tenant, unit, path, period)
		return err
	})
	return e, err
}

// read runs the figures' statements in one round trip in tx.
func (s *Service) read(ctx context.Context, tx pgx.Tx, tenant, unit uuid.UUID, path string, period points.Period) (*Cockpit, error) {
	now := s.now()
	a := figureArgs{tenant: tenant, path: path, from: period.From, until: period.Until, now: now,
		stagesNearNextStage: []string{string(member.StageActivist), string(member.StageProbationary)}}
	if a.until.After(now) {
		a.until = now
	}
	if a.until.Before(a.from) {
		a.until = a.from
	}
	if kind, start, ok := points.Calendar(period); ok {
		a.periodKind, a.periodStart = kind, start
	}
	a.fromDay, a.untilDay = points.Days(period)
	a.fromWeek = a.fromDay.AddDate(0, 0, -(int(a.fromDay.Weekday())+6)%7)
	var rows figureRows
	b := &pgx.Batch{}
	queueFigures(b, a, unit, &rows)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("cockpit: figures: %w", err)
	}
	return figures(tenant, unit, period, now, &rows), nil
}

// figures computes the cockpit from what its statements read.
func figures(tenant, unit uuid.UUID, period points.Period, now time.Time, r *figureRows) *Cockpit {
	c := &Cockpit{TenantID: tenant, OrgUnitID: unit, Period: period}
	mrules := member.RulesFrom(r.settings)
	erules := meeting.RulesFrom(r.settings)

	// People.
	c.People.DueBy = now.Add(NearHorizon)
	byStage := map[member.Stage]int{}
	for _, st := range r.stages {
		stage := member.Stage(st.stage)
		if _, ok := byStage[stage]; !ok {
			c.People.ByStage = append(c.People.ByStage, StageCount{Stage: stage})
		}
		byStage[stage] += int(st.people)
		c.People.Total += int(st.people)
		if nearNextStage(stage, st.since, mrules, c.People.DueBy) {
			c.People.NearNextStage += int(st.people)
		}
	}
	for i := range c.People.ByStage {
		c.People.ByStage[i].People = byStage[c.People.ByStage[i].Stage]
	}
	slices.SortFunc(c.People.ByStage, func(a, b StageCount) int { return stageOrder(a.Stage) - stageOrder(b.Stage) })

	// Learning and volunteering, by the categories of facts.
	c.Learning.Weekly = []Week{}
	for _, w := range r.weeks {
		c.Learning.Weekly = append(c.Learning.Weekly, Week{Start: w.Week, Count: int(w.Facts), People: int(w.People)})
	}
	for _, l := range r.learning {
		switch l.Category {
		case categoryLearning:
			c.Learning.Learners += int(l.People)
			c.Learning.Facts += int(l.Facts)
		case categoryVolunteer:
			c.Volunteering.Participants += int(l.People)
			c.Volunteering.Hours += l.Hours
		}
	}

	// Points: everyone's total, and each child unit's mean.
	var totals []int
	sum := 0
	perChild := map[string][2]int{} // people, points
	for _, h := range r.points {
		for range h.People {
			totals = append(totals, int(h.Points))
		}
		sum += int(h.Points) * int(h.People)
		pc := perChild[h.Child]
		perChild[h.Child] = [2]int{pc[0] + int(h.People), pc[1] + int(h.Points)*int(h.People)}
	}
	c.People.Assessed = len(totals)
	c.Learning.Rate = rate(c.Learning.Learners, c.People.Assessed)
	c.Volunteering.Rate = rate(c.Volunteering.Participants, c.People.Assessed)
	slices.Sort(totals)
	if len(totals) > 0 {
		c.Points.Mean = round1(float64(sum) / float64(len(totals)))
	}
	c.Points.P10, c.Points.P25, c.Points.P50 = quantile(totals, 0.1), quantile(totals, 0.25), quantile(totals, 0.5)
	c.Points.P75, c.Points.P90 = quantile(totals, 0.75), quantile(totals, 0.9)
	units := make([]UnitPoints, len(r.children))
	for i, ch := range r.children {
		pc := perChild[ch.Path]
		units[i] = UnitPoints{TenantID: tenant, OrgUnitID: ch.ID, Name: ch.Name, People: pc[0]}
		if pc[0] > 0 {
			units[i].MeanPoints = round1(float64(pc[1]) / float64(pc[0]))
		}
	}
	c.Points.TopUnits, c.Points.BottomUnits = unitPoints(units, 3)

	// Tasks.
	c.Tasks.Weekly = []TaskWeek{}
	for _, w := range r.tasks {
		if w.week == nil {
			c.Tasks.Assigned, c.Tasks.Approved, c.Tasks.Overdue = int(w.assigned), int(w.approved), int(w.overdue)
			continue
		}
		c.Tasks.Weekly = append(c.Tasks.Weekly, TaskWeek{Start: *w.week, Assigned: int(w.assigned), Approved: int(w.approved), Overdue: int(w.overdue)})
	}
	c.Tasks.CompletionRate = rate(c.Tasks.Approved, c.Tasks.Assigned)

	// Meetings: every kind the school expects, and any other held.
	unitsOf := map[string]int{}
	for _, u := range r.units {
		unitsOf[u.Kind] = int(u.Units)
	}
	months := points.Months(period)
	byKind := map[meeting.Kind]*MeetingKind{}
	for _, k := range meeting.Kinds {
		f := erules.Frequencies[k]
		units := unitsOf["branch"]
		if k == meeting.GroupMeeting {
			units = unitsOf["group"]
		}
		if e := expected(f, units, months); e > 0 {
			byKind[k] = &MeetingKind{Kind: k, Frequency: f, Expected: e}
		}
	}
	present, of := 0, 0
	for _, e := range r.events {
		k := meeting.Kind(e.Kind)
		m := byKind[k]
		if m == nil {
			m = &MeetingKind{Kind: k, Frequency: erules.Frequencies[k]}
			byKind[k] = m
		}
		m.Held, m.WithMinutes, m.AttendancePresent, m.AttendanceOf = int(e.Held), int(e.WithMinutes), int(e.Present), int(e.Expected)
		present += int(e.Present)
		of += int(e.Expected)
	}
	c.Meetings.ByKind = []MeetingKind{}
	for _, k := range meeting.Kinds {
		if m := byKind[k]; m != nil {
			c.Meetings.ByKind = append(c.Meetings.ByKind, *m)
		}
	}
	c.Meetings.AttendanceRate = rate(present, of)

	c.Warnings.ByRule = []RuleCount{}
	for _, w := range r.warnings {
		c.Warnings.ByRule = append(c.Warnings.ByRule, RuleCount{Rule: w.Rule, Open: int(w.Open)})
		c.Warnings.Open += int(w.Open)
	}
	return c
}

// stageOrder orders stages along the way into the party.
func stageOrder(s member.Stage) int {
	return slices.Index([]member.Stage{member.StageNone, member.StageApplicant, member.StageActivist, member.StageCandidate,
		member.StageProbationary, member.StageFull, member.StageCancelled}, s)
}

// Figure names the people behind a figure.
type Figure string

const (
	FigureStage           Figure = "stage"            // at a stage (Stage)
	FigureNearNextStage   Figure = "near_next_stage"  // training year or probation ending within NearHorizon
	FigureNotLearning     Figure = "not_learning"     // assessed, without studying in the period
	FigureNotVolunteering Figure = "not_volunteering" // assessed, without volunteer hours in the period
	FigureOverdueTasks    Figure = "overdue_tasks"    // with assignments due in the period overdue now
	FigureLowPoints       Figure = "low_points"       // assessed, at or below the period's first quartile
)

// Person is one of those behind a figure.
type Person struct {
	TenantID  uuid.UUID
	ID        uuid.UUID
	Name      string
	OrgUnitID uuid.UUID
	Stage     member.Stage
	// Detail says why they are here: a due date, how many overdue, the
	// points.
	Detail string
}

// PersonCursor is a position in a list of people (by name, then id).
type PersonCursor struct {
	Name string
	ID   uuid.UUID
}

// PeoplePage is a page of people behind a figure.
type PeoplePage struct {
	Items   []*Person
	HasNext bool
	Total   int
}

// MaxPageSize bounds a page of people.
const MaxPageSize = 100

// People lists the people behind a figure of a unit's cockpit, by name.
func (s *Service) People(ctx context.Context, unit uuid.UUID, period points.Period, f Figure, stage member.Stage, first int, after *PersonCursor) (*PeoplePage, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	if err := points.ValidatePeriod(period); err != nil {
		return nil, err
	}
	if f == FigureStage && stageOrder(stage) < 0 {
		return nil, apperr.InvalidField("stage", "name the stage whose people to list")
	}
	now := s.now()
	until := period.Until
	if until.After(now) {
		until = now
	}
	var all []*Person
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := cockpitdb.New(tx)
		path, err := open(ctx, q, p, unit)
		if err != nil {
			return err
		}
		switch f {
		case FigureStage, FigureNearNextStage:
			stages := []string{string(stage)}
			var settings []byte
			if f == FigureNearNextStage {
				stages = []string{string(member.StageActivist), string(member.StageProbationary)}
				if settings, err = q.TenantSettings(ctx, p.TenantID); err != nil {
					return fmt.Errorf("cockpit: settings: %w", err)
				}
			}
			rows, err := q.PeopleInStages(ctx, cockpitdb.PeopleInStagesParams{TenantID: p.TenantID, Path: path, Stages: stages})
			if err != nil {
				return fmt.Errorf("cockpit: people: %w", err)
			}
			rules, dueBy := member.RulesFrom(settings), now.Add(NearHorizon)
			for _, r := range rows {
				st := member.Stage(r.Stage)
				person := &Person{TenantID: p.TenantID, ID: r.ID, Name: r.Name, OrgUnitID: r.OrgUnitID, Stage: st}
				if f == FigureNearNextStage {
					if !nearNextStage(st, r.StageSince, rules, dueBy) {
						continue
					}
					days := rules.ActivistTrainingDays
					if st == member.StageProbationary {
						days = rules.ProbationDays
					}
					person.Detail = r.StageSince.AddDate(0, 0, days).Format(time.DateOnly)
				}
				all = append(all, person)
			}
			return nil
		}
		people, err := q.AssessedPeople(ctx, cockpitdb.AssessedPeopleParams{TenantID: p.TenantID, Path: path})
		if err != nil {
			return fmt.Errorf("cockpit: people: %w", err)
		}
		keep := map[uuid.UUID]string{} // who is behind the figure, and why
		switch f {
		case FigureNotLearning, FigureNotVolunteering:
			category := categoryLearning
			if f == FigureNotVolunteering {
				category = categoryVolunteer
			}
			args := cockpitdb.PeopleSeenParams{TenantID: p.TenantID, BucketKind: "day", Category: category, Path: path}
			if kind, start, ok := points.Calendar(period); ok {
				args.BucketKind, args.FromDay, args.UntilDay = kind, start, start.AddDate(0, 0, 1)
			} else {
				args.FromDay, args.UntilDay = points.Days(period)
			}
			did, err := q.PeopleSeen(ctx, args)
			if err != nil {
				return fmt.Errorf("cockpit: facts: %w", err)
			}
			done := map[uuid.UUID]bool{}
			for _, id := range did {
				done[id] = true
			}
			for _, r := range people {
				if !done[r.ID] {
					keep[r.ID] = ""
				}
			}
		case FigureOverdueTasks:
			rows, err := q.PeopleOverdue(ctx, cockpitdb.PeopleOverdueParams{TenantID: p.TenantID, FromAt: period.From, UntilAt: period.Until, Path: path, Now: now})
			if err != nil {
				return fmt.Errorf("cockpit: overdue: %w", err)
			}
			for _, r := range rows {
				keep[r.PersonID] = fmt.Sprint(r.Overdue)
			}
		case FigureLowPoints:
			var totals []cockpitdb.PeriodTotalsRow
			if kind, start, ok := points.Calendar(period); ok {
				totals, err = q.PeriodTotals(ctx, cockpitdb.PeriodTotalsParams{PeriodKind: kind, PeriodStart: start, TenantID: p.TenantID, Path: path})
			} else {
				var rows []cockpitdb.DayTotalsRow
				from, until := points.Days(period)
				rows, err = q.DayTotals(ctx, cockpitdb.DayTotalsParams{FromDay: from, UntilDay: until, TenantID: p.TenantID, Path: path})
				for _, r := range rows {
					totals = append(totals, cockpitdb.PeriodTotalsRow(r))
				}
			}
			if err != nil {
				return fmt.Errorf("cockpit: points: %w", err)
			}
			sorted := make([]int, len(totals))
			for i, t := range totals {
				sorted[i] = int(t.Points)
			}
			slices.Sort(sorted)
			q1 := quantile(sorted, 0.25)
			for _, t := range totals {
				if float64(t.Points) <= q1 {
					keep[t.ID] = fmt.Sprint(t.Points)
				}
			}
		default:
			return apperr.InvalidField("figure", "no such figure")
		}
		for _, r := range people {
			if why, ok := keep[r.ID]; ok {
				all = append(all, &Person{TenantID: p.TenantID, ID: r.ID, Name: r.Name, OrgUnitID: r.OrgUnitID, Stage: member.Stage(r.Stage), Detail: why})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b *Person) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID.String(), b.ID.String()))
	})
	page := &PeoplePage{Total: len(all)}
	start := 0
	if after != nil {
		start = len(all)
		for i, r := range all {
			if r.Name > after.Name || r.Name == after.Name && r.ID.String() > after.ID.String() {
				start = i
				break
			}
		}
	}
	end := min(len(all), start+first)
	page.Items, page.HasNext = all[start:end], end < len(all)
	return page, nil
}
