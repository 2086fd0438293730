package app_test

import (
	"testing"
	"time"
)

type pointsSummary struct {
	Total, Entries int
	ByKind         []struct {
		Kind            string
		Points, Entries int
	}
}

type pointsEntry struct {
	ID, Kind string
	Amount   int
	Capped   bool
	Reason   *string
	Corrects *string
	Rule     *struct {
		ID     *string
		Amount int
	}
}

const pointsHistoryQuery = `query($m: ID!) { memberPointsHistory(member: $m, first: 10) { edges { node { id kind amount capped reason corrects rule { id amount } } } pageInfo { hasNextPage } } }`

// TestPointsOverHTTP: the organisation department sets the college's rule
// for attending events; a member checks in at an event and the award job
// gives the points of that rule, without the check-in waiting for it; the
// member reads their points and history, their secretary reads them and
// corrects them with a reason (once per key); bad input is refused with
// the field named, and another branch's member is not found.
func TestPointsOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_POINTS_AWARD": "100ms"})
	school := b.demo.School.ID
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	unit := func(code string) string { return testGlobalID(2, school, b.rowID(t, "org_units", "code", code)) }
	liMing := testGlobalID(5, school, b.rowID(t, "people", "name", "李明"))
	sunLi := testGlobalID(5, school, b.rowID(t, "people", "name", "孙丽"))
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }

	const setRule = `mutation($in: SetPointsRuleInput!) { setPointsRule(input: $in) { rule { id kind amount dailyCap orgUnit { code } effectiveFrom } } }`
	for _, c := range []struct {
		name        string
		in          map[string]any
		auth        string
		code, field string
	}{
		{"by a member", map[string]any{"orgUnit": unit("XXGC-XS1"), "kind": "EVENT_ATTENDED", "amount": 10}, member, "FORBIDDEN", ""},
		{"by a secretary above their branch", map[string]any{"orgUnit": unit("XXGC"), "kind": "EVENT_ATTENDED", "amount": 10}, secretary, "FORBIDDEN", ""},
		{"a negative cap", map[string]any{"orgUnit": unit("XXGC"), "kind": "EVENT_ATTENDED", "amount": 4, "dailyCap": -1}, admin, "BAD_USER_INPUT", "input.dailyCap"},
		{"back in time", map[string]any{"orgUnit": unit("XXGC"), "kind": "EVENT_ATTENDED", "amount": 4, "effectiveFrom": at(-48 * time.Hour)}, admin, "BAD_USER_INPUT", "input.effectiveFrom"},
		{"for corrections", map[string]any{"orgUnit": unit("XXGC"), "kind": "CORRECTION", "amount": 4}, admin, "BAD_USER_INPUT", "input.kind"},
		{"too many points", map[string]any{"orgUnit": unit("XXGC"), "kind": "EVENT_ATTENDED", "amount": 500}, admin, "BAD_USER_INPUT", "input.amount"},
	} {
		r := b.post(t, setRule, map[string]any{"in": c.in}, bearer(c.auth)...)
		if r.code(0) != c.code {
			t.Errorf("%s: %+v, want %s", c.name, r.Errors, c.code)
			continue
		}
		if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); c.field != "" && fields[c.field] == nil {
			t.Errorf("%s: %+v, want the field %s", c.name, r.Errors, c.field)
		}
	}
	type ruleOut struct {
		ID, Kind string
		Amount   int
		OrgUnit  *struct{ Code string }
	}
	set := decode[struct{ SetPointsRule struct{ Rule ruleOut } }](t, b.post(t, setRule, map[string]any{"in": map[string]any{
		"orgUnit": unit("XXGC"), "kind": "EVENT_ATTENDED", "amount": 4}}, bearer(admin)...)).SetPointsRule.Rule
	if set.Amount != 4 || set.OrgUnit == nil || set.OrgUnit.Code != "XXGC" {
		t.Fatalf("set: %+v", set)
	}
	// The ruler is public to the school: the member sees the college's
	// rule for events and the defaults for the rest.
	rules := decode[struct{ PointsRules []*struct{ ruleOut } }](t, b.post(t, `query($u: ID!) { pointsRules(orgUnit: $u) { id kind amount orgUnit { code } } }`,
		map[string]any{"u": unit("XXGC-XS1")}, bearer(member)...)).PointsRules
	if len(rules) != 6 {
		t.Fatalf("%d rules in force, want one per kind (6)", len(rules))
	}
	for _, r := range rules {
		switch {
		case r.Kind == "EVENT_ATTENDED" && (r.ID != set.ID || r.Amount != 4):
			t.Errorf("events: %+v, want the college's rule", r)
		case r.Kind == "LESSON_COMPLETED" && (r.OrgUnit != nil || r.Amount != 2):
			t.Errorf("lessons: %+v, want the default 2", r)
		}
	}

	// The member checks in; the points follow.
	ev := decode[struct {
		ScheduleEvent struct{ Event struct{ ID string } }
	}](t, b.post(t, scheduleEventMutation, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC-XS1"), "kind": "THEME_DAY", "title": "十二月主题党日",
		"startsAt": at(10 * time.Minute), "endsAt": at(70 * time.Minute), "place": "信息楼 302"}}, bearer(secretary)...)).ScheduleEvent.Event
	code := decode[struct{ EventCheckInCode struct{ QR string } }](t, b.post(t, `query($e: ID!) { eventCheckInCode(event: $e) { qr } }`,
		map[string]any{"e": ev.ID}, bearer(secretary)...)).EventCheckInCode
	decode[map[string]any](t, b.post(t, checkInEventMutation, map[string]any{"e": ev.ID, "c": code.QR}, bearer(member)...))
	var mine pointsSummary
	eventually(t, "the points of the check-in", func() bool {
		mine = decode[struct{ MyPoints pointsSummary }](t, b.post(t, `{ myPoints(period: {kind: MONTH}) { total entries byKind { kind points entries } } }`, nil, bearer(member)...)).MyPoints
		return mine.Entries > 0
	})
	if mine.Total != 4 || len(mine.ByKind) != 1 || mine.ByKind[0].Kind != "EVENT_ATTENDED" {
		t.Fatalf("my points: %+v, want 4 for the event", mine)
	}
	history := decode[struct {
		MemberPointsHistory struct{ Edges []struct{ Node pointsEntry } }
	}](t, b.post(t, pointsHistoryQuery, map[string]any{"m": liMing}, bearer(secretary)...)).MemberPointsHistory.Edges
	if len(history) != 1 || history[0].Node.Rule == nil || *history[0].Node.Rule.ID != set.ID {
		t.Fatalf("the secretary reads the member's history: %+v", history)
	}
	awarded := history[0].Node

	// Corrections.
	const correct = `mutation($in: CorrectPointsInput!) { correctPoints(input: $in) { entry { id kind amount reason corrects } } }`
	for _, c := range []struct {
		name        string
		in          map[string]any
		auth        string
		code, field string
	}{
		{"without a reason", map[string]any{"person": liMing, "amount": -1, "reason": " "}, secretary, "BAD_USER_INPUT", "input.reason"},
		{"of nothing", map[string]any{"person": liMing, "amount": 0, "reason": "误记"}, secretary, "BAD_USER_INPUT", "input.amount"},
		{"by the member", map[string]any{"person": liMing, "amount": 50, "reason": "我很努力"}, member, "FORBIDDEN", ""},
		{"of another branch's member", map[string]any{"person": sunLi, "amount": -1, "reason": "误记"}, secretary, "NOT_FOUND", ""},
		{"of an entry that is not one", map[string]any{"person": liMing, "amount": -1, "reason": "误记", "corrects": liMing}, secretary, "BAD_USER_INPUT", "input.corrects"},
	} {
		r := b.post(t, correct, map[string]any{"in": c.in}, bearer(c.auth)...)
		if r.code(0) != c.code {
			t.Errorf("%s: %+v, want %s", c.name, r.Errors, c.code)
			continue
		}
		if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); c.field != "" && fields[c.field] == nil {
			t.Errorf("%s: %+v, want the field %s", c.name, r.Errors, c.field)
		}
	}
	in := map[string]any{"in": map[string]any{"person": liMing, "amount": -1, "reason": "迟到半小时", "corrects": awarded.ID, "idempotencyKey": "late-1"}}
	first := decode[struct{ CorrectPoints struct{ Entry pointsEntry } }](t, b.post(t, correct, in, bearer(secretary)...)).CorrectPoints.Entry
	again := decode[struct{ CorrectPoints struct{ Entry pointsEntry } }](t, b.post(t, correct, in, bearer(secretary)...)).CorrectPoints.Entry
	if first.Kind != "CORRECTION" || first.Amount != -1 || first.Corrects == nil || *first.Corrects != awarded.ID || again.ID != first.ID {
		t.Fatalf("correction %+v, again %+v", first, again)
	}
	theirs := decode[struct{ MemberPoints pointsSummary }](t, b.post(t, `query($m: ID!) { memberPoints(member: $m) { total entries } }`,
		map[string]any{"m": liMing}, bearer(secretary)...)).MemberPoints
	if theirs.Total != 3 || theirs.Entries != 2 {
		t.Fatalf("after the correction: %+v, want 3 in 2 entries", theirs)
	}

	// Reading: another branch's member is not found; periods are checked.
	for _, c := range []struct {
		name        string
		query       string
		vars        map[string]any
		auth        string
		code, field string
	}{
		{"another branch's member", `query($m: ID!) { memberPoints(member: $m) { total } }`, map[string]any{"m": sunLi}, secretary, "NOT_FOUND", ""},
		{"another member's, by a member", `query($m: ID!) { memberPoints(member: $m) { total } }`, map[string]any{"m": sunLi}, member, "NOT_FOUND", ""},
		{"a period ending before it starts", `query($f: Time, $t: Time) { myPoints(period: {kind: CUSTOM, from: $f, to: $t}) { total } }`,
			map[string]any{"f": at(0), "t": at(-time.Hour)}, member, "BAD_USER_INPUT", "period.to"},
		{"a custom period without its end", `query($f: Time) { myPoints(period: {kind: CUSTOM, from: $f}) { total } }`,
			map[string]any{"f": at(0)}, member, "BAD_USER_INPUT", "period.from"},
		{"signed out", `{ myPoints { total } }`, nil, "", "UNAUTHENTICATED", ""},
	} {
		var header []string
		if c.auth != "" {
			header = bearer(c.auth)
		}
		r := b.post(t, c.query, c.vars, header...)
		if r.code(0) != c.code {
			t.Errorf("%s: %+v, want %s", c.name, r.Errors, c.code)
			continue
		}
		if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); c.field != "" && fields[c.field] == nil {
			t.Errorf("%s: %+v, want the field %s", c.name, r.Errors, c.field)
		}
	}
}
