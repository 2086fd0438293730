package learning

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/member"
	"zhdj/internal/org"
	"zhdj/internal/postgres"
)

func TestPeriodBounds(t *testing.T) {
	t.Parallel()
	bj := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, beijing) }
	for _, c := range []struct {
		period      Period
		at          time.Time
		from, until time.Time
	}{
		{Quarterly, bj(2026, 12, 6, 18), bj(2026, 10, 1, 0), bj(2027, 1, 1, 0)},
		{Quarterly, bj(2026, 4, 1, 0), bj(2026, 4, 1, 0), bj(2026, 7, 1, 0)},
		{Quarterly, bj(2026, 3, 31, 23), bj(2026, 1, 1, 0), bj(2026, 4, 1, 0)},
		// 23:30 UTC on 30 June is already July in Beijing.
		{Quarterly, time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), bj(2026, 7, 1, 0), bj(2026, 10, 1, 0)},
		{Monthly, bj(2026, 2, 14, 9), bj(2026, 2, 1, 0), bj(2026, 3, 1, 0)},
		{Yearly, bj(2026, 12, 31, 23), bj(2026, 1, 1, 0), bj(2027, 1, 1, 0)},
	} {
		from, until := c.period.Bounds(c.at)
		if !from.Equal(c.from) || !until.Equal(c.until) {
			t.Errorf("%s at %s: [%s, %s), want [%s, %s)", c.period, c.at, from, until, c.from, c.until)
		}
	}
}

// TestPlansAreInheritedAndOverridden: a plan set at the committee applies
// to every unit below until a unit sets its own; a person's plan counts
// the lessons completed in the current period (of its series, if any).
func TestPlansAreInheritedAndOverridden(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	sys := auth.WithPrincipal(ctx, auth.SystemPrincipal(b.tenant))
	units := org.NewService(b.db.Pool)
	root, err := units.UnitByCode(sys, b.tenant, "DW")
	if err != nil {
		t.Fatal(err)
	}
	xx, err := units.CreateUnit(sys, org.CreateUnitInput{ParentID: &root.ID, Kind: org.KindGeneralBranch, Name: "信息工程学院党总支", Code: "XX"})
	if err != nil {
		t.Fatal(err)
	}
	rj, err := units.CreateUnit(sys, org.CreateUnitInput{ParentID: &xx.ID, Kind: org.KindBranch, Name: "软件党支部", Code: "RJ"})
	if err != nil {
		t.Fatal(err)
	}
	set := func(unit uuid.UUID, required int, series string) {
		t.Helper()
		if _, err := b.svc.SetPlan(sys, PlanInput{OrgUnitID: unit, Stage: member.StageActivist, Period: Quarterly, RequiredLessons: required, Series: series}); err != nil {
			t.Fatal(err)
		}
	}
	inForce := func(unit uuid.UUID) *Plan {
		t.Helper()
		plans, err := b.svc.Plans(sys, unit)
		if err != nil || len(plans) != 1 {
			t.Fatalf("plans at %s: %+v %v", unit, plans, err)
		}
		return plans[0]
	}
	set(root.ID, 6, "")
	if p := inForce(rj.ID); p.RequiredLessons != 6 || !p.Inherited || p.OrgUnitID != root.ID {
		t.Fatalf("the committee's plan at the branch: %+v", p)
	}
	set(xx.ID, 4, "")
	if p := inForce(rj.ID); p.RequiredLessons != 4 || p.OrgUnitID != xx.ID {
		t.Fatalf("the college's plan at the branch: %+v", p)
	}
	if p := inForce(xx.ID); p.Inherited {
		t.Fatalf("the college's own plan: %+v", p)
	}
	if p := inForce(root.ID); p.RequiredLessons != 6 {
		t.Fatalf("the committee keeps its plan: %+v", p)
	}

	// The person (an activist) moves to the branch; two lessons this
	// quarter, one the quarter before.
	lessons := make([]uuid.UUID, 3)
	err = postgres.InTenantTx(ctx, b.db.Pool, b.tenant, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE people SET org_unit_id = $1 WHERE id = $2`, rj.ID, b.person); err != nil {
			return err
		}
		for i, at := range []time.Time{t0.AddDate(0, 0, -20), t0.AddDate(0, 0, -2), t0.AddDate(0, -3, 0)} {
			series := "党史"
			if i == 1 {
				series = "理论"
			}
			if err := tx.QueryRow(ctx, `INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at, body)
				VALUES ($1, 'micro_lesson', $2, $2, $3, 'published', now(), jsonb_build_object('durationSeconds', 600, 'series', $4::text)) RETURNING id`,
				b.tenant, "lesson-"+string(rune('a'+i)), rj.ID, series).Scan(&lessons[i]); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO learning_facts (tenant_id, person_id, kind, source_type, source_id, occurred_at)
				VALUES ($1, $2, 'lesson_completed', 'content', $3, $4)`, b.tenant, b.person, lessons[i], at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := b.svc.MyPlan(b.ctx)
	if err != nil || mine == nil {
		t.Fatalf("my plan: %+v %v", mine, err)
	}
	if mine.Plan.RequiredLessons != 4 || mine.Done != 2 || mine.Remaining != 2 || mine.DueOn.Format(time.DateOnly) != "2026-12-31" {
		t.Fatalf("my plan: %+v (plan %+v)", mine, mine.Plan)
	}
	set(rj.ID, 3, "党史")
	if mine, err = b.svc.MyPlan(b.ctx); err != nil || mine.Done != 1 || mine.Remaining != 2 || mine.Plan.Series != "党史" {
		t.Fatalf("my plan of a series: %+v %v", mine, err)
	}
}

func TestPlanRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sys := auth.WithPrincipal(context.Background(), auth.SystemPrincipal(b.tenant))
	root, err := org.NewService(b.db.Pool).UnitByCode(sys, b.tenant, "DW")
	if err != nil {
		t.Fatal(err)
	}
	good := PlanInput{OrgUnitID: root.ID, Stage: member.StageActivist, Period: Quarterly, RequiredLessons: 6}
	for _, c := range []struct {
		name  string
		as    context.Context
		edit  func(*PlanInput)
		kind  apperr.Kind
		field string
	}{
		{"a member", b.ctx, func(*PlanInput) {}, apperr.Forbidden, ""},
		{"no stage of a plan", sys, func(in *PlanInput) { in.Stage = member.StageNone }, apperr.Invalid, "stage"},
		{"an unknown period", sys, func(in *PlanInput) { in.Period = "week" }, apperr.Invalid, "period"},
		{"no lessons", sys, func(in *PlanInput) { in.RequiredLessons = 0 }, apperr.Invalid, "requiredLessons"},
		{"no such unit", sys, func(in *PlanInput) { in.OrgUnitID = uuid.New() }, apperr.Invalid, "orgUnit"},
	} {
		in := good
		c.edit(&in)
		_, err := b.svc.SetPlan(c.as, in)
		if !apperr.Is(err, c.kind) || (c.field != "" && apperr.FieldsOf(err)[c.field] == "") {
			t.Errorf("%s: %v, want %s at %q", c.name, err, c.kind, c.field)
		}
	}
	if mine, err := b.svc.MyPlan(b.ctx); err != nil || mine != nil {
		t.Errorf("no plan in force: %+v %v", mine, err)
	}
}
