package warning

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"zhdj/internal/learning"
	"zhdj/internal/meeting"
	"zhdj/internal/member"
	"zhdj/internal/notify"
	"zhdj/internal/points"
	"zhdj/internal/postgres"
	"zhdj/internal/warning/warningdb"
)

// finding is one cause a rule finds now (every rule's query has this shape).
type finding struct {
	Cause       string
	OrgUnitID   uuid.UUID
	PersonID    uuid.UUID // uuid.Nil: none
	SubjectType string
	SubjectID   uuid.UUID
	Details     json.RawMessage
}

// Outcome is what one run did in a school.
type Outcome struct {
	Raised, Cleared, Escalated int
}

// ScanAll runs every school's rules.
func (s *Service) ScanAll(ctx context.Context) error {
	tenants, err := warningdb.New(s.pool).Tenants(ctx)
	if err != nil {
		return fmt.Errorf("warning: tenants: %w", err)
	}
	for _, t := range tenants {
		if _, err := s.Scan(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// Scan runs a school's rules once: each raises what it finds that is not
// raised yet and clears what it no longer finds, in its own transaction;
// then open warnings nobody acknowledged in time escalate. Running it
// again at once changes nothing.
func (s *Service) Scan(ctx context.Context, tenant uuid.UUID) (Outcome, error) {
	var out Outcome
	var settings []byte
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		var err error
		settings, err = warningdb.New(tx).TenantSettings(ctx, tenant)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("warning: settings: %w", err)
	}
	rules := RulesFrom(settings)
	now := s.now()
	for _, rule := range AllRules {
		if !rules.Runs(rule) {
			continue
		}
		err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
			q := warningdb.New(tx)
			found, ran, err := s.find(ctx, q, tenant, rule, rules, settings, now)
			if err != nil || !ran {
				return err
			}
			raised, cleared, err := s.apply(ctx, tx, q, tenant, rule, found)
			out.Raised += raised
			out.Cleared += cleared
			return err
		})
		if err != nil {
			return out, fmt.Errorf("warning: %s: %w", rule, err)
		}
	}
	err = postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		q := warningdb.New(tx)
		rows, err := q.Escalate(ctx, warningdb.EscalateParams{TenantID: tenant, Before: now.Add(-time.Duration(rules.EscalateAfterHours) * time.Hour)})
		if err != nil {
			return fmt.Errorf("warning: escalate: %w", err)
		}
		out.Escalated = len(rows)
		addressed := make([]addressedWarning, len(rows))
		for i, r := range rows {
			addressed[i] = addressedWarning(r)
		}
		return tell(ctx, tx, q, tenant, addressed)
	})
	return out, err
}

// find runs one rule; ran is false when it does not apply now (low points
// before the middle of the period).
func (s *Service) find(ctx context.Context, q *warningdb.Queries, tenant uuid.UUID, rule Rule, r Rules, settings []byte, now time.Time) (found []finding, ran bool, err error) {
	since := now.AddDate(0, 0, -r.LookbackDays)
	add := func(n int, at func(int) finding) {
		for i := range n {
			found = append(found, at(i))
		}
	}
	switch rule {
	case TaskOverdue:
		rows, err := q.FindTaskOverdue(ctx, warningdb.FindTaskOverdueParams{TenantID: tenant, Since: since, Now: now})
		if err != nil {
			return nil, false, err
		}
		add(len(rows), func(i int) finding { return finding(rows[i]) })
	case NoLearning:
		rows, err := q.FindNoLearning(ctx, warningdb.FindNoLearningParams{TenantID: tenant, Now: now, Cutoff: now.AddDate(0, 0, -r.NoLearningDays)})
		if err != nil {
			return nil, false, err
		}
		add(len(rows), func(i int) finding { return finding(rows[i]) })
	case ProbationBehind:
		probation := member.RulesFrom(settings).ProbationDays
		// Probations that end within the lead time (or ended, unconverted).
		cutoff := now.AddDate(0, 0, r.ProbationLeadDays-probation)
		rows, err := q.FindProbationsNear(ctx, warningdb.FindProbationsNearParams{TenantID: tenant, Now: now, Cutoff: cutoff})
		if err != nil {
			return nil, false, err
		}
		for _, p := range rows {
			plan, err := s.plans.PlanFor(ctx, tenant, p.ID)
			if err != nil {
				return nil, false, err
			}
			d := Details{Label: p.Name, Name: p.Name, Overdue: int(p.Overdue)}
			if plan != nil {
				d.Done, d.Required = plan.Done, plan.Plan.RequiredLessons
			}
			if d.Overdue == 0 && d.Done >= d.Required {
				continue
			}
			due := p.StageSince.AddDate(0, 0, probation)
			d.Deadline = &due
			b, _ := json.Marshal(d)
			found = append(found, finding{Cause: fmt.Sprintf("probation_behind:%s:%s", p.ID, p.StageSince.Format(time.DateOnly)),
				OrgUnitID: p.OrgUnitID, PersonID: p.ID, SubjectType: "person", SubjectID: p.ID, Details: b})
		}
	case ActivistStalled:
		training := member.RulesFrom(settings).ActivistTrainingDays
		rows, err := q.FindActivistStalled(ctx, warningdb.FindActivistStalledParams{TenantID: tenant, TrainingDays: int32(training),
			Cutoff: now.AddDate(0, 0, -(training + r.ActivistGraceDays))})
		if err != nil {
			return nil, false, err
		}
		add(len(rows), func(i int) finding { return finding(rows[i]) })
	case LowPoints:
		period := points.PeriodOf(r.LowPointsPeriod, now)
		if !pastMiddle(period, now) {
			return nil, false, nil
		}
		rows, err := q.FindLowPoints(ctx, warningdb.FindLowPointsParams{TenantID: tenant, PeriodKind: string(r.LowPointsPeriod),
			PeriodStart: points.Day(period.From), Threshold: int32(r.LowPoints), PeriodFrom: period.From, PeriodUntil: period.Until})
		if err != nil {
			return nil, false, err
		}
		add(len(rows), func(i int) finding { return finding(rows[i]) })
	case MeetingsMissing:
		arg := warningdb.FindMeetingsMissingParams{TenantID: tenant}
		for kind, freq := range meeting.RulesFrom(settings).Frequencies {
			from, until := lastWholePeriod(learning.Period(freq), now, r.MeetingsGraceDays)
			arg.Kinds, arg.Froms, arg.Untils = append(arg.Kinds, string(kind)), append(arg.Froms, from), append(arg.Untils, until)
		}
		rows, err := q.FindMeetingsMissing(ctx, arg)
		if err != nil {
			return nil, false, err
		}
		add(len(rows), func(i int) finding { return finding(rows[i]) })
	case SuggestionUnanswered:
		rows, err := q.FindSuggestionUnanswered(ctx, warningdb.FindSuggestionUnansweredParams{TenantID: tenant, Now: now})
		if err != nil {
			return nil, false, err
		}
		add(len(rows), func(i int) finding { return finding(rows[i]) })
	case MinutesMissing:
		window := meeting.RulesFrom(settings).MinutesWindowDays
		rows, err := q.FindMinutesMissing(ctx, warningdb.FindMinutesMissingParams{TenantID: tenant, Since: since, Cutoff: now.AddDate(0, 0, -window)})
		if err != nil {
			return nil, false, err
		}
		add(len(rows), func(i int) finding { return finding(rows[i]) })
	}
	return found, true, nil
}

// pastMiddle reports whether now is past the middle of period.
func pastMiddle(period points.Period, now time.Time) bool {
	return !now.Before(period.From.Add(period.Until.Sub(period.From) / 2))
}

// lastWholePeriod is the last period of a frequency that ended at least
// graceDays before now (the one before the period containing now less the
// grace).
func lastWholePeriod(p learning.Period, now time.Time, graceDays int) (from, until time.Time) {
	from, _ = p.Bounds(now.AddDate(0, 0, -graceDays))
	return p.Bounds(from.Add(-time.Hour))
}

// apply raises the findings not raised yet and clears the rule's open
// warnings it no longer finds; the admins addressed are told.
func (s *Service) apply(ctx context.Context, tx pgx.Tx, q *warningdb.Queries, tenant uuid.UUID, rule Rule, found []finding) (raised, cleared int, err error) {
	// In the order of their causes, so that runs at once wait for each
	// other instead of deadlocking.
	slices.SortFunc(found, func(a, b finding) int { return strings.Compare(a.Cause, b.Cause) })
	arg := warningdb.RaiseParams{TenantID: tenant, Rule: string(rule)}
	for _, f := range found {
		arg.Causes = append(arg.Causes, f.Cause)
		arg.Units = append(arg.Units, f.OrgUnitID)
		arg.People = append(arg.People, f.PersonID)
		arg.SubjectTypes = append(arg.SubjectTypes, f.SubjectType)
		arg.SubjectIds = append(arg.SubjectIds, f.SubjectID)
		arg.Details = append(arg.Details, f.Details)
	}
	n, err := q.Clear(ctx, warningdb.ClearParams{TenantID: tenant, Rule: string(rule), Causes: append([]string{}, arg.Causes...)})
	if err != nil {
		return 0, 0, fmt.Errorf("clear: %w", err)
	}
	if len(found) == 0 {
		return 0, int(n), nil
	}
	rows, err := q.Raise(ctx, arg)
	if err != nil {
		return 0, 0, fmt.Errorf("raise: %w", err)
	}
	addressed := make([]addressedWarning, len(rows))
	for i, r := range rows {
		addressed[i] = addressedWarning(r)
	}
	return len(rows), int(n), tell(ctx, tx, q, tenant, addressed)
}

// addressedWarning is a warning raised or escalated, and to whom.
type addressedWarning struct {
	ID              uuid.UUID
	AddressedUnitID uuid.UUID
	Escalations     int32
}

// tell puts a notice in the inbox of the admins each warning is addressed
// to now (one per warning and escalation).
func tell(ctx context.Context, tx pgx.Tx, q *warningdb.Queries, tenant uuid.UUID, ws []addressedWarning) error {
	if len(ws) == 0 {
		return nil
	}
	units := make([]uuid.UUID, 0, len(ws))
	for _, w := range ws {
		units = append(units, w.AddressedUnitID)
	}
	admins, err := q.AdminsOf(ctx, warningdb.AdminsOfParams{TenantID: tenant, Units: units})
	if err != nil {
		return fmt.Errorf("admins: %w", err)
	}
	byUnit := map[uuid.UUID][]uuid.UUID{}
	for _, a := range admins {
		byUnit[a.OrgUnitID] = append(byUnit[a.OrgUnitID], a.PersonID)
	}
	for _, w := range ws {
		people := byUnit[w.AddressedUnitID]
		if len(people) == 0 {
			continue
		}
		r, err := q.Warning(ctx, warningdb.WarningParams{TenantID: tenant, ID: w.ID})
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		wn := warningFrom(tenant, r)
		kind := notify.WarningRaised
		if w.Escalations > 0 {
			kind = notify.WarningEscalated
		}
		if _, err := notify.Deliver(ctx, tx, tenant, notify.Notice{Kind: kind, Cause: fmt.Sprintf("warning:%s:%d", w.ID, w.Escalations),
			SubjectType: "warning", SubjectID: w.ID, Title: Title(wn), Body: Describe(wn)}, people); err != nil {
			return err
		}
	}
	return nil
}

// ScanArgs is the periodic job that runs every school's rules.
type ScanArgs struct{}

// Kind names the job.
func (ScanArgs) Kind() string { return "warning.scan" }

// ScanWorker works ScanArgs.
type ScanWorker struct {
	river.WorkerDefaults[ScanArgs]
	Warnings *Service
}

// Work scans.
func (w *ScanWorker) Work(ctx context.Context, _ *river.Job[ScanArgs]) error {
	return w.Warnings.ScanAll(ctx)
}
