package learning

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/learning/learningdb"
	"zhdj/internal/member"
	"zhdj/internal/postgres"
)

// Period is how often a plan's lessons are due.
type Period string

const (
	Monthly   Period = "month"
	Quarterly Period = "quarter"
	Yearly    Period = "year"
)

// beijing is the time zone periods begin and end in (no daylight saving).
var beijing = time.FixedZone("UTC+8", 8*3600)

// Bounds returns the period containing t: its first day and the first day
// after it, at midnight in Beijing.
func (p Period) Bounds(t time.Time) (from, until time.Time) {
	t = t.In(beijing)
	y, m := t.Year(), t.Month()
	switch p {
	case Monthly:
		from = time.Date(y, m, 1, 0, 0, 0, 0, beijing)
		return from, from.AddDate(0, 1, 0)
	case Yearly:
		from = time.Date(y, 1, 1, 0, 0, 0, 0, beijing)
		return from, from.AddDate(1, 0, 0)
	}
	from = time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, beijing)
	return from, from.AddDate(0, 3, 0)
}

// Plan is how many micro-lessons a stage must complete per period, set
// at an org unit for everyone under it.
type Plan struct {
	TenantID        uuid.UUID
	OrgUnitID       uuid.UUID // the unit that set it
	Stage           member.Stage
	Period          Period
	RequiredLessons int
	Series          string // only lessons of this series count ("": any)
	// Inherited: set at a unit above the one asked about.
	Inherited bool
}

// PlanInput is what setting a plan takes.
type PlanInput struct {
	OrgUnitID       uuid.UUID
	Stage           member.Stage
	Period          Period
	RequiredLessons int
	Series          string
}

func (in *PlanInput) validate() error {
	var v apperr.Validation
	switch in.Stage {
	case member.StageApplicant, member.StageActivist, member.StageCandidate, member.StageProbationary, member.StageFull:
	default:
		v.Add("stage", "a plan is for applicants, activists, candidates, probationary or full members")
	}
	switch in.Period {
	case Monthly, Quarterly, Yearly:
	default:
		v.Add("period", "must be month, quarter or year")
	}
	if in.RequiredLessons < 1 || in.RequiredLessons > 100 {
		v.Add("requiredLessons", "must be 1–100")
	}
	in.Series = strings.TrimSpace(in.Series)
	if len([]rune(in.Series)) > 100 {
		v.Add("series", "at most 100 characters")
	}
	return v.Err()
}

// SetPlan sets the plan of a stage at an org unit (org.manage there); it
// applies to the unit and every unit below without a plan of its own.
func (s *Service) SetPlan(ctx context.Context, in PlanInput) (*Plan, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out *Plan
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := learningdb.New(tx)
		path, err := q.UnitPath(ctx, learningdb.UnitPathParams{TenantID: p.TenantID, ID: in.OrgUnitID})
		if apperr.Is(postgres.Err(err, "org unit"), apperr.NotFound) {
			return apperr.InvalidField("orgUnit", "no such org unit")
		}
		if err != nil {
			return fmt.Errorf("learning: plan's unit: %w", err)
		}
		if !p.Can(auth.PermOrgManage, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
			return apperr.Forbiddenf("you may not set the learning plans of this org unit")
		}
		r, err := q.UpsertPlan(ctx, learningdb.UpsertPlanParams{TenantID: p.TenantID, OrgUnitID: in.OrgUnitID, Stage: string(in.Stage),
			Period: string(in.Period), RequiredLessons: int32(in.RequiredLessons), Series: in.Series, UpdatedBy: p.Actor()})
		if err != nil {
			return fmt.Errorf("learning: set plan: %w", err)
		}
		out = planFrom(p.TenantID, learningdb.EffectivePlansRow(r), in.OrgUnitID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Plans returns the plans in force at an org unit, one per stage that has
// one (to anyone of the school).
func (s *Service) Plans(ctx context.Context, unit uuid.UUID) ([]*Plan, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Plan
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := learningdb.New(tx)
		path, err := q.UnitPath(ctx, learningdb.UnitPathParams{TenantID: p.TenantID, ID: unit})
		if err != nil {
			return postgres.Err(err, "org unit")
		}
		rows, err := q.EffectivePlans(ctx, learningdb.EffectivePlansParams{TenantID: p.TenantID, Path: path})
		if err != nil {
			return fmt.Errorf("learning: plans: %w", err)
		}
		for _, r := range rows {
			out = append(out, planFrom(p.TenantID, r, unit))
		}
		return nil
	})
	return out, err
}

// PlanProgress is where a person stands with the plan in force for them.
type PlanProgress struct {
	Plan *Plan
	// From and Until bound the current period; DueOn is its last day.
	From, Until time.Time
	DueOn       time.Time
	Done        int // distinct lessons (of the series) completed in the period
	Remaining   int
}

// MyPlan returns the caller's plan for the current period, or nil when no
// plan is in force for their stage and unit.
func (s *Service) MyPlan(ctx context.Context) (*PlanProgress, error) {
	p, personID, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	var out *PlanProgress
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		out, err = s.planOf(ctx, learningdb.New(tx), p.TenantID, personID)
		return err
	})
	return out, err
}

// PlanFor is where a person stands with their plan this period (nil: no
// plan in force), for the platform's own jobs (early warnings).
func (s *Service) PlanFor(ctx context.Context, tenant, person uuid.UUID) (*PlanProgress, error) {
	var out *PlanProgress
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		var err error
		out, err = s.planOf(ctx, learningdb.New(tx), tenant, person)
		return err
	})
	return out, err
}

// planOf is where person stands with the plan in force for them this
// period (nil: none), read with q.
func (s *Service) planOf(ctx context.Context, q *learningdb.Queries, tenant, personID uuid.UUID) (*PlanProgress, error) {
	now := s.now()
	rows, err := q.PersonPlan(ctx, personPlanParams(tenant, personID, now))
	if err != nil {
		return nil, fmt.Errorf("learning: plan: %w", err)
	}
	return planProgress(tenant, rows, now), nil
}

// personPlanParams asks for person's plan as of now: the bounds of the
// periods containing it.
func personPlanParams(tenant, person uuid.UUID, now time.Time) learningdb.PersonPlanParams {
	arg := learningdb.PersonPlanParams{TenantID: tenant, PersonID: person}
	arg.MonthFrom, arg.MonthUntil = Monthly.Bounds(now)
	arg.QuarterFrom, arg.QuarterUntil = Quarterly.Bounds(now)
	arg.YearFrom, arg.YearUntil = Yearly.Bounds(now)
	return arg
}

// planProgress is where a person stands, from what PersonPlan read as of
// now (nil: no plan).
func planProgress(tenant uuid.UUID, rows []learningdb.PersonPlanRow, now time.Time) *PlanProgress {
	if len(rows) == 0 {
		return nil
	}
	r := rows[0]
	plan := planFrom(tenant, learningdb.EffectivePlansRow{OrgUnitID: r.OrgUnitID, Stage: r.Stage, Period: r.Period,
		RequiredLessons: r.RequiredLessons, Series: r.Series}, uuid.Nil)
	from, until := plan.Period.Bounds(now)
	return &PlanProgress{Plan: plan, From: from, Until: until, DueOn: until.AddDate(0, 0, -1), Done: int(r.Done),
		Remaining: max(0, plan.RequiredLessons-int(r.Done))}
}

// planFrom is the Plan of a row, as seen from unit at (inherited when set
// above it; uuid.Nil: not said).
func planFrom(tenant uuid.UUID, r learningdb.EffectivePlansRow, at uuid.UUID) *Plan {
	return &Plan{TenantID: tenant, OrgUnitID: r.OrgUnitID, Stage: member.Stage(r.Stage), Period: Period(r.Period), RequiredLessons: int(r.RequiredLessons),
		Series: r.Series, Inherited: at != uuid.Nil && r.OrgUnitID != at}
}
