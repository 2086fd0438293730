package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zhdj/internal/seed"
)

// TestCockpitOverHTTP: the cockpit of a branch counts what really
// happened — its people by stage and the activist past his training year,
// a check-in at a theme day held, points spread over its people, tasks
// gone overdue — and each figure lists the people behind it, paged; the
// college's cockpit compares its branches per person; a unit outside the
// viewer's subtree is not found.
func TestCockpitOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_POINTS_AWARD": "100ms"})
	school := b.demo.School.ID
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	unit := func(code string) string { return testGlobalID(2, school, b.rowID(t, "org_units", "code", code)) }
	person := func(name string) string { return testGlobalID(5, school, b.rowID(t, "people", "name", name)) }
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339Nano) }

	// A theme day under way, 李明 checked in; 刘强 given 5 for tasks; a
	// task for 李明 and 赵磊 whose deadline passes.
	ev := decode[struct {
		ScheduleEvent struct{ Event struct{ ID string } }
	}](t, b.post(t, scheduleEventMutation, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC-XS1"), "kind": "THEME_DAY", "title": "十二月主题党日",
		"startsAt": at(10 * time.Minute), "endsAt": at(70 * time.Minute), "place": "信息楼 302"}}, bearer(secretary)...)).ScheduleEvent.Event
	code := decode[struct{ EventCheckInCode struct{ QR string } }](t, b.post(t, `query($e: ID!) { eventCheckInCode(event: $e) { qr } }`,
		map[string]any{"e": ev.ID}, bearer(secretary)...)).EventCheckInCode
	decode[map[string]any](t, b.post(t, checkInEventMutation, map[string]any{"e": ev.ID, "c": code.QR}, bearer(member)...))
	ownerExec(t, b, `UPDATE events SET starts_at = now() - interval '10 minutes', ends_at = now() + interval '50 minutes' WHERE title = '十二月主题党日'`)
	decode[map[string]any](t, b.post(t, `mutation($in: CorrectPointsInput!) { correctPoints(input: $in) { entry { id } } }`, map[string]any{"in": map[string]any{
		"person": person("刘强"), "amount": 5, "reason": "补记任务", "kind": "TASK_APPROVED"}}, bearer(secretary)...))
	decode[map[string]any](t, b.post(t, publishTaskMutation, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC-XS1"), "title": "提交思想汇报",
		"deadline": at(time.Second), "assignees": map[string]any{"people": []string{person("李明"), person("赵磊")}}}}, bearer(secretary)...))
	time.Sleep(1500 * time.Millisecond)

	period := map[string]any{"kind": "CUSTOM", "from": at(-2 * time.Hour), "to": at(2 * time.Hour)}
	const cockpitQuery = `query($u: ID!, $p: PeriodInput) { cockpit(orgUnit: $u, period: $p) {
		orgUnit { code }
		people { total assessed byStage { stage people } nearNextStage dueBy }
		learning { learners rate facts weekly { start count people } }
		points { mean p10 p25 p50 p75 p90 topUnits { orgUnit { code } people meanPoints } bottomUnits { orgUnit { code } people meanPoints } }
		tasks { assigned approved overdue completionRate weekly { start assigned overdue } }
		volunteering { participants rate hours }
		meetings { byKind { kind held expected withMinutes present attendees } attendanceRate } } }`
	type unitPoints struct {
		OrgUnit    struct{ Code string }
		People     int
		MeanPoints float64
	}
	type cockpit struct {
		People struct {
			Total, Assessed, NearNextStage int
			ByStage                        []struct {
				Stage  string
				People int
			}
		}
		Learning struct{ Learners, Facts int }
		Points   struct {
			Mean, P10, P25, P50, P75, P90 float64
			TopUnits, BottomUnits         []unitPoints
		}
		Tasks    struct{ Assigned, Approved, Overdue int }
		Meetings struct {
			ByKind []struct {
				Kind                                            string
				Held, Expected, WithMinutes, Present, Attendees int
			}
			AttendanceRate float64
		}
	}
	var c cockpit
	eventually(t, "the points in the cockpit", func() bool {
		c = decode[struct{ Cockpit cockpit }](t, b.post(t, cockpitQuery, map[string]any{"u": unit("XXGC-XS1"), "p": period}, bearer(secretary)...)).Cockpit
		return c.Points.Mean > 1.5
	})
	stages := map[string]int{}
	for _, s := range c.People.ByStage {
		stages[s.Stage] = s.People
	}
	if c.People.Total != 5 || c.People.Assessed != 5 || stages["FULL"] != 3 || stages["ACTIVIST"] != 1 || stages["APPLICANT"] != 1 || c.People.NearNextStage != 1 {
		t.Errorf("people: %+v", c.People)
	}
	// Points 0, 0, 0, 3, 5.
	if p := c.Points; p.Mean != 1.6 || p.P50 != 0 || p.P75 != 3 || p.P90 != 4.2 {
		t.Errorf("points: %+v", p)
	}
	if c.Tasks.Assigned != 2 || c.Tasks.Overdue != 2 || c.Tasks.Approved != 0 {
		t.Errorf("tasks: %+v", c.Tasks)
	}
	if len(c.Meetings.ByKind) != 1 || c.Meetings.ByKind[0].Kind != "THEME_DAY" || c.Meetings.ByKind[0].Held != 1 || c.Meetings.ByKind[0].Present != 1 {
		t.Errorf("meetings: %+v", c.Meetings)
	}
	if c.Learning.Learners != 0 {
		t.Errorf("learning: %+v", c.Learning)
	}

	type personPage struct {
		CockpitPeople struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					PersonID, Name, Stage string
					Detail                *string
				}
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
		}
	}
	const drill = `query($u: ID!, $p: PeriodInput, $f: CockpitFigure!, $s: MembershipStage, $first: Int, $after: String) {
		cockpitPeople(orgUnit: $u, period: $p, figure: $f, stage: $s, first: $first, after: $after) {
		totalCount edges { node { personId name stage detail } } pageInfo { hasNextPage endCursor } } }`
	names := func(f, stage string) (out []string, details map[string]string) {
		details = map[string]string{}
		var after *string
		for {
			vars := map[string]any{"u": unit("XXGC-XS1"), "p": period, "f": f, "first": 2, "after": after}
			if stage != "" {
				vars["s"] = stage
			}
			pg := decode[personPage](t, b.post(t, drill, vars, bearer(secretary)...)).CockpitPeople
			for _, e := range pg.Edges {
				out = append(out, e.Node.Name)
				if e.Node.Detail != nil {
					details[e.Node.Name] = *e.Node.Detail
				}
			}
			if !pg.PageInfo.HasNextPage {
				if len(out) != pg.TotalCount {
					t.Fatalf("%s: %d of %d", f, len(out), pg.TotalCount)
				}
				return out, details
			}
			after = pg.PageInfo.EndCursor
		}
	}
	for _, d := range []struct {
		figure, stage string
		want          int
		who           string
	}{
		{"STAGE", "FULL", 3, "李明"},
		{"NEAR_NEXT_STAGE", "", 1, "赵磊"},
		{"NOT_LEARNING", "", 5, "王芳"},
		{"OVERDUE_TASKS", "", 2, "赵磊"},
		{"LOW_POINTS", "", 3, "陈红梅"},
	} {
		got, details := names(d.figure, d.stage)
		found := false
		for _, n := range got {
			found = found || n == d.who
		}
		if len(got) != d.want || !found {
			t.Errorf("%s %s: %v, want %d with %s", d.figure, d.stage, got, d.want, d.who)
		}
		if d.figure == "NEAR_NEXT_STAGE" && details["赵磊"] != "2026-04-01" {
			t.Errorf("赵磊's training year ends %q", details["赵磊"])
		}
	}

	// The college: its branches per person.
	college := decode[struct{ Cockpit cockpit }](t, b.post(t, cockpitQuery, map[string]any{"u": unit("XXGC"), "p": period}, bearer(admin)...)).Cockpit
	if top := college.Points.TopUnits; len(top) == 0 || top[0].OrgUnit.Code != "XXGC-XS1" || top[0].MeanPoints != 1.6 || top[0].People != 5 {
		t.Errorf("the college's top units: %+v", top)
	}
	if n := len(college.Points.BottomUnits); n == 0 || college.Points.BottomUnits[n-1].OrgUnit.Code != "XXGC-XS1" {
		t.Errorf("the college's bottom units: %+v", college.Points.BottomUnits)
	}
	// A calendar month reads the roll-up: the same points.
	month := decode[struct{ Cockpit cockpit }](t, b.post(t, cockpitQuery, map[string]any{"u": unit("XXGC-XS1"), "p": map[string]any{"kind": "MONTH"}}, bearer(secretary)...)).Cockpit
	if month.Points.P90 != 4.2 && time.Now().Day() > 1 {
		t.Errorf("this month's points: %+v", month.Points)
	}

	b.refuses(t, []refusal{
		{"a secretary, the college", cockpitQuery, map[string]any{"u": unit("XXGC")}, secretary, "NOT_FOUND", ""},
		{"a secretary, a sibling branch", cockpitQuery, map[string]any{"u": unit("XXGC-XS2")}, secretary, "NOT_FOUND", ""},
		{"a member", cockpitQuery, map[string]any{"u": unit("XXGC-XS1")}, member, "NOT_FOUND", ""},
		{"a period ending before it starts", cockpitQuery, map[string]any{"u": unit("XXGC-XS1"), "p": map[string]any{"kind": "CUSTOM", "from": at(0), "to": at(-time.Hour)}},
			secretary, "BAD_USER_INPUT", "period.to"},
		{"a stage's people without the stage", drill, map[string]any{"u": unit("XXGC-XS1"), "f": "STAGE"}, secretary, "BAD_USER_INPUT", "stage"},
		{"another branch's people", drill, map[string]any{"u": unit("XXGC-XS2"), "f": "NOT_LEARNING"}, secretary, "NOT_FOUND", ""},
	})
}

// TestDemoActivitySeed: the demo's term of activity is written once, and
// its points reach the cockpit and the rankings of the demo school.
func TestDemoActivitySeed(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_POINTS_AWARD": "100ms"})
	n, err := seed.DemoActivity(context.Background(), b.app.Pool, b.demo.School, b.app.Members, time.Now())
	if err != nil || n == 0 {
		t.Fatalf("demo activity: %d facts, %v", n, err)
	}
	if again, err := seed.DemoActivity(context.Background(), b.app.Pool, b.demo.School, b.app.Members, time.Now()); err != nil || again != 0 {
		t.Fatalf("again: %d facts, %v", again, err)
	}
	admin, _ := b.login(t, "admin", demoPassword)
	school := testGlobalID(2, b.demo.School.ID, b.rowID(t, "org_units", "code", "DW"))
	period := map[string]any{"kind": "CUSTOM", "from": time.Now().AddDate(0, 0, -100).UTC().Format(time.RFC3339), "to": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}
	var c struct {
		Cockpit struct {
			Learning     struct{ Learners int }
			Points       struct{ Mean, P90 float64 }
			Volunteering struct{ Participants int }
		}
	}
	eventually(t, "the demo's points", func() bool {
		c = decode[struct {
			Cockpit struct {
				Learning     struct{ Learners int }
				Points       struct{ Mean, P90 float64 }
				Volunteering struct{ Participants int }
			}
		}](t, b.post(t, `query($u: ID!, $p: PeriodInput) { cockpit(orgUnit: $u, period: $p) { learning { learners } points { mean p90 } volunteering { participants } } }`,
			map[string]any{"u": school, "p": period}, bearer(admin)...))
		return c.Cockpit.Points.Mean > 0
	})
	if c.Cockpit.Learning.Learners != 7 || c.Cockpit.Volunteering.Participants != 4 || c.Cockpit.Points.P90 <= c.Cockpit.Points.Mean {
		t.Fatalf("the demo school's cockpit: %+v", c.Cockpit)
	}
}

// A cockpit is computed once for its many readers and is at most
// ZHDJ_COCKPIT_MAX_AGE old; who may read it is decided on every read.
func TestCockpitCache(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_COCKPIT_MAX_AGE": "2s", "ZHDJ_POINTS_AWARD": "100ms"})
	school := b.demo.School.ID
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	unit := func(code string) string { return testGlobalID(2, school, b.rowID(t, "org_units", "code", code)) }
	person := func(name string) string { return testGlobalID(5, school, b.rowID(t, "people", "name", name)) }
	const q = `query($u: ID!) { cockpit(orgUnit: $u, period: {kind: YEAR}) { points { mean } } }`
	mean := func(token, code string) (float64, *gqlResponse) {
		t.Helper()
		r := b.post(t, q, map[string]any{"u": unit(code)}, bearer(token)...)
		if len(r.Errors) > 0 {
			return 0, r
		}
		return decode[struct {
			Cockpit struct{ Points struct{ Mean float64 } }
		}](t, r).Cockpit.Points.Mean, r
	}
	before, _ := mean(admin, "XXGC-XS1")
	cached := time.Now()
	decode[map[string]any](t, b.post(t, `mutation($in: CorrectPointsInput!) { correctPoints(input: $in) { entry { id } } }`, map[string]any{"in": map[string]any{
		"person": person("刘强"), "amount": 50, "reason": "补记任务", "kind": "TASK_APPROVED"}}, bearer(secretary)...))
	eventually(t, "the correction in the ledger", func() bool {
		r := b.post(t, `query($m: ID!) { memberPoints(member: $m) { total } }`, map[string]any{"m": person("刘强")}, bearer(admin)...)
		return strings.Contains(string(r.Data), `"total":50`)
	})
	// Within half the cache's age the cached figures are served as they
	// are (after it, a refresh may have begun).
	if now, _ := mean(admin, "XXGC-XS1"); time.Since(cached) < time.Second && now != before {
		t.Errorf("within the cache's age the figure changed: %v → %v", before, now)
	}
	start := time.Now()
	// The member, who does not read the branch's records, is refused what
	// is cached.
	if _, r := mean(member, "XXGC-XS1"); r.code(0) != "NOT_FOUND" {
		t.Errorf("a member reading the cached cockpit: %+v", r.Errors)
	}
	// After it, the figure is the new one.
	eventually(t, "the cockpit after the correction", func() bool { now, _ := mean(admin, "XXGC-XS1"); return now > before })
	if waited := time.Since(start); waited > 4*time.Second {
		t.Errorf("the new figure took %v (the cache's age is 2 s)", waited)
	}
}
