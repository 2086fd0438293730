package app_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/warning"
)

const warningsQuery = `query($u: ID!, $s: [WarningStatus!], $r: [WarningRule!], $after: String) {
	warnings(orgUnit: $u, status: $s, rule: $r, first: 100, after: $after) {
		edges { node { id rule title detail status escalations note personId subjectType subjectId orgUnit { code } addressedTo { code } } }
		pageInfo { hasNextPage endCursor } } }`

type warningNode struct {
	ID, Rule, Title, Detail, Status, Note, SubjectType, SubjectID string
	Escalations                                                   int
	PersonID                                                      *string
	OrgUnit, AddressedTo                                          struct{ Code string }
}

type warningList struct {
	Warnings struct {
		Edges    []struct{ Node warningNode }
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

// Early warnings from what happened in the demo school: the job raises one
// per cause (also when it runs on several workers at once), addresses it
// to the nearest admins and tells them, clears it when the cause goes
// away, escalates it when nobody answers in time; admins acknowledge and
// resolve it; the cockpit counts them; subscribers see them.
func TestWarningsOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_WARNING_SCAN": "off"})
	school := b.demo.School.ID
	ctx := context.Background()
	// The secretary is 陈红梅 and the admin 张建国, so that they have inboxes.
	ownerExec(t, b, `UPDATE accounts SET person_id = (SELECT id FROM people WHERE name = '陈红梅') WHERE username = 'secretary'`,
		`UPDATE accounts SET person_id = (SELECT id FROM people WHERE name = '张建国') WHERE username = 'admin'`)
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	unit := func(code string) string { return testGlobalID(2, school, b.rowID(t, "org_units", "code", code)) }
	person := func(name string) string { return testGlobalID(5, school, b.rowID(t, "people", "name", name)) }
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339Nano) }
	list := func(token, code string, vars map[string]any) []warningNode {
		t.Helper()
		if vars == nil {
			vars = map[string]any{}
		}
		vars["u"] = unit(code)
		var out []warningNode
		for {
			page := decode[warningList](t, b.post(t, warningsQuery, vars, bearer(token)...)).Warnings
			for _, e := range page.Edges {
				out = append(out, e.Node)
			}
			if !page.PageInfo.HasNextPage {
				return out
			}
			vars["after"] = *page.PageInfo.EndCursor
		}
	}
	find := func(ws []warningNode, rule, text string) *warningNode {
		for i := range ws {
			if ws[i].Rule == rule && strings.Contains(ws[i].Title+ws[i].Detail, text) {
				return &ws[i]
			}
		}
		return nil
	}
	scan := func() warning.Outcome {
		t.Helper()
		out, err := b.app.Warnings.Scan(ctx, school)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	// What happened: a task for 李明 whose deadline passed; a theme day
	// held ten days ago without minutes; the first branch a year old (so
	// last month's meetings are expected of it).
	decode[map[string]any](t, b.post(t, publishTaskMutation, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC-XS1"), "title": "提交思想汇报",
		"deadline": at(time.Second), "assignees": map[string]any{"people": []string{person("李明")}}}}, bearer(secretary)...))
	decode[map[string]any](t, b.post(t, scheduleEventMutation, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC-XS1"), "kind": "THEME_DAY",
		"title": "十一月主题党日", "startsAt": at(time.Hour), "endsAt": at(2 * time.Hour), "place": "信息楼 302"}}, bearer(secretary)...))
	ownerExec(t, b, `UPDATE events SET starts_at = now() - interval '10 days 2 hours', ends_at = now() - interval '10 days' WHERE title = '十一月主题党日'`,
		`UPDATE org_units SET created_at = now() - interval '1 year' WHERE code = 'XXGC-XS1'`)
	time.Sleep(1200 * time.Millisecond)

	// A subscriber to the branch's warnings (the secretary, over WebSocket).
	live := b.subscribe(t, secretary, "", `subscription($u: ID!) { warningChanged(orgUnit: $u) { rule status orgUnit { code } } }`,
		map[string]any{"u": unit("XXGC-XS1")})
	live.await("the subscriber connects", isEvent("connected"))
	time.Sleep(300 * time.Millisecond)

	// Four workers run the rules at once: each cause is raised once.
	var wg sync.WaitGroup
	outcomes := make([]warning.Outcome, 4)
	for i := range outcomes {
		wg.Go(func() {
			o, err := b.app.Warnings.Scan(ctx, school)
			if err != nil {
				t.Error(err)
			}
			outcomes[i] = o
		})
	}
	wg.Wait()
	raised := 0
	for _, o := range outcomes {
		raised += o.Raised
	}
	var rows, causes int
	if err := b.asOwner(t, school, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*), count(DISTINCT cause) FROM warnings`).Scan(&rows, &causes)
	}); err != nil {
		t.Fatal(err)
	}
	if raised == 0 || rows != raised || causes != rows {
		t.Fatalf("raised %d by four runs; %d warnings of %d causes", raised, rows, causes)
	}
	if again := scan(); again.Raised != 0 || again.Cleared != 0 {
		t.Errorf("a run after those changed %+v", again)
	}
	e := live.await("a warning pushed", isEvent("next"))
	if !strings.Contains(string(e.Data), "XXGC-XS1") {
		t.Errorf("pushed: %s", e.Data)
	}

	mine := list(secretary, "XXGC-XS1", nil)
	overdue := find(mine, "TASK_OVERDUE", "提交思想汇报")
	minutes := find(mine, "MINUTES_MISSING", "十一月主题党日")
	stalled := find(mine, "ACTIVIST_STALLED", "赵磊")
	lapsed := find(mine, "NO_LEARNING", "李明")
	meetings := find(mine, "MEETINGS_MISSING", "支部委员会")
	for name, w := range map[string]*warningNode{"the overdue task": overdue, "the missing minutes": minutes, "the stalled activist": stalled,
		"李明 not learning": lapsed, "the committee meetings missing": meetings} {
		if w == nil {
			t.Fatalf("%s: no warning among %+v", name, mine)
		}
		if w.Status != "OPEN" || w.OrgUnit.Code != "XXGC-XS1" || w.AddressedTo.Code != "XXGC-XS1" || w.Escalations != 0 {
			t.Errorf("%s: %+v", name, *w)
		}
	}
	if overdue.PersonID == nil || *overdue.PersonID != person("李明") || overdue.SubjectType != "TASK" || !strings.Contains(overdue.Detail, "李明 尚未完成") {
		t.Errorf("the overdue task: %+v", *overdue)
	}
	// Its training year ended a year after 2025-04-01 (the school's 365 days).
	if !strings.Contains(stalled.Detail, "已于 2026-04-01 满一年") {
		t.Errorf("the stalled activist: %q", stalled.Detail)
	}
	if meetings.PersonID != nil || meetings.SubjectID != unit("XXGC-XS1") {
		t.Errorf("the missing meetings: %+v", *meetings)
	}

	// The secretary was told of each warning of the branch.
	type inbox struct {
		Notifications struct {
			Edges []struct {
				Node struct{ Kind, Title, SubjectID string }
			}
		}
	}
	notices := decode[inbox](t, b.post(t, `{ notifications(first: 100) { edges { node { kind title subjectId } } } }`, nil, bearer(secretary)...))
	told := map[string]bool{}
	for _, n := range notices.Notifications.Edges {
		if n.Node.Kind == "WARNING_RAISED" {
			told[n.Node.SubjectID] = true
		}
	}
	if len(told) != len(mine) || !told[overdue.ID] {
		t.Errorf("the secretary was told of %d warnings, the branch has %d", len(told), len(mine))
	}

	// Who may see and answer: another branch's secretary does not see the
	// first's; a member sees none; the secretary cannot read a sibling.
	if r := b.post(t, warningsQuery, map[string]any{"u": unit("XXGC-XS2")}, bearer(secretary)...); r.code(0) != "NOT_FOUND" {
		t.Errorf("a sibling branch's warnings: %+v", r.Errors)
	}
	if r := b.post(t, warningsQuery, map[string]any{"u": unit("XXGC-XS1")}, bearer(member)...); r.code(0) != "NOT_FOUND" {
		t.Errorf("a member listing warnings: %+v", r.Errors)
	}
	const ack = `mutation($w: ID!, $n: String) { acknowledgeWarning(warning: $w, note: $n) { warning { status note } } }`
	const resolve = `mutation($w: ID!, $n: String!) { resolveWarning(warning: $w, note: $n) { warning { status note } } }`
	if r := b.post(t, ack, map[string]any{"w": overdue.ID}, bearer(member)...); r.code(0) != "NOT_FOUND" {
		t.Errorf("a member acknowledging: %+v", r.Errors)
	}
	for _, c := range []struct {
		name, note, code string
	}{{"no note", "  ", "BAD_USER_INPUT"}, {"a note too long", strings.Repeat("长", 2001), "BAD_USER_INPUT"}} {
		r := b.post(t, resolve, map[string]any{"w": overdue.ID, "n": c.note}, bearer(secretary)...)
		if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); r.code(0) != c.code || fields["note"] == nil {
			t.Errorf("resolving with %s: %+v", c.name, r.Errors)
		}
	}
	if r := b.post(t, ack, map[string]any{"w": overdue.ID, "n": "已提醒本人"}, bearer(secretary)...); string(r.Data) != `{"acknowledgeWarning":{"warning":{"status":"ACKNOWLEDGED","note":"已提醒本人"}}}` {
		t.Errorf("acknowledge: %s %+v", r.Data, r.Errors)
	}
	if r := b.post(t, ack, map[string]any{"w": overdue.ID}, bearer(secretary)...); r.code(0) != "CONFLICT" {
		t.Errorf("acknowledging twice: %+v", r.Errors)
	}
	if r := b.post(t, resolve, map[string]any{"w": minutes.ID, "n": "会议记录已补录"}, bearer(secretary)...); string(r.Data) != `{"resolveWarning":{"warning":{"status":"RESOLVED","note":"会议记录已补录"}}}` {
		t.Errorf("resolve: %s %+v", r.Data, r.Errors)
	}
	if r := b.post(t, resolve, map[string]any{"w": minutes.ID, "n": "again"}, bearer(secretary)...); r.code(0) != "CONFLICT" {
		t.Errorf("resolving twice: %+v", r.Errors)
	}

	// The cause goes away: 李明 studies, and submits the task. The next run
	// clears both warnings; a resolved one stays resolved (its minutes are
	// still missing, but someone answered for it).
	ownerExec(t, b, `INSERT INTO learning_facts (tenant_id, person_id, kind, source_type, source_id, occurred_at)
		SELECT tenant_id, id, 'reading_completed', 'content', gen_random_uuid(), now() FROM people WHERE name = '李明'`,
		`UPDATE task_assignments SET status = 'submitted' WHERE person_id = (SELECT id FROM people WHERE name = '李明')`)
	if o := scan(); o.Cleared != 2 || o.Raised != 0 {
		t.Errorf("after the causes went away: %+v, want two cleared", o)
	}
	now := list(secretary, "XXGC-XS1", map[string]any{"s": []string{"CLEARED"}})
	if len(now) != 2 || find(now, "TASK_OVERDUE", "提交思想汇报") == nil || find(now, "NO_LEARNING", "李明") == nil {
		t.Errorf("cleared: %+v", now)
	}
	if w := find(list(secretary, "XXGC-XS1", map[string]any{"r": []string{"MINUTES_MISSING"}}), "MINUTES_MISSING", "十一月主题党日"); w == nil || w.Status != "RESOLVED" {
		t.Errorf("the resolved warning: %+v", w)
	}

	// Nobody acknowledged the stalled activist in time: it goes up to the
	// nearest admins above (the school's), who are told.
	ownerExec(t, b, `UPDATE tenants SET settings = settings || '{"warnings": {"escalateAfterHours": 1}}'`,
		`UPDATE warnings SET addressed_at = now() - interval '2 hours' WHERE rule = 'activist_stalled'`)
	if o := scan(); o.Escalated != 1 {
		t.Errorf("escalation: %+v", o)
	}
	up := find(list(admin, "XXGC", map[string]any{"r": []string{"ACTIVIST_STALLED"}}), "ACTIVIST_STALLED", "赵磊")
	if up == nil || up.AddressedTo.Code != "DW" || up.Escalations != 1 || up.OrgUnit.Code != "XXGC-XS1" {
		t.Errorf("escalated: %+v", up)
	}
	adminInbox := decode[inbox](t, b.post(t, `{ notifications(first: 100) { edges { node { kind title subjectId } } } }`, nil, bearer(admin)...))
	escalated := false
	for _, n := range adminInbox.Notifications.Edges {
		escalated = escalated || n.Node.Kind == "WARNING_ESCALATED" && n.Node.SubjectID == up.ID && strings.Contains(n.Node.Title, "赵磊")
	}
	if !escalated {
		t.Errorf("the admin's inbox: %+v", adminInbox)
	}

	// The cockpit counts what is open under a unit.
	type cockpitWarnings struct {
		Cockpit struct {
			Warnings struct {
				Open   int
				ByRule []struct {
					Rule string
					Open int
				}
			}
		}
	}
	c := decode[cockpitWarnings](t, b.post(t, `query($u: ID!) { cockpit(orgUnit: $u) { warnings { open byRule { rule open } } } }`,
		map[string]any{"u": unit("XXGC")}, bearer(admin)...))
	open := list(admin, "XXGC", map[string]any{"s": []string{"OPEN", "ACKNOWLEDGED"}})
	sum := 0
	for _, r := range c.Cockpit.Warnings.ByRule {
		sum += r.Open
	}
	if c.Cockpit.Warnings.Open != len(open) || sum != len(open) || len(open) == 0 {
		t.Errorf("cockpit: %+v; %d open listed", c.Cockpit.Warnings, len(open))
	}
}
