package app_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
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
	b.refuses(t, []refusal{
		{"by a member", setRule, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC-XS1"), "kind": "EVENT_ATTENDED", "amount": 10}}, member, "FORBIDDEN", ""},
		{"by a secretary above their branch", setRule, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC"), "kind": "EVENT_ATTENDED", "amount": 10}}, secretary, "FORBIDDEN", ""},
		{"a negative cap", setRule, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC"), "kind": "EVENT_ATTENDED", "amount": 4, "dailyCap": -1}}, admin, "BAD_USER_INPUT", "input.dailyCap"},
		{"back in time", setRule, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC"), "kind": "EVENT_ATTENDED", "amount": 4, "effectiveFrom": at(-48 * time.Hour)}}, admin, "BAD_USER_INPUT", "input.effectiveFrom"},
		{"for corrections", setRule, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC"), "kind": "CORRECTION", "amount": 4}}, admin, "BAD_USER_INPUT", "input.kind"},
		{"too many points", setRule, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC"), "kind": "EVENT_ATTENDED", "amount": 500}}, admin, "BAD_USER_INPUT", "input.amount"},
	})
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
	if len(rules) != 7 {
		t.Fatalf("%d rules in force, want one per kind (7)", len(rules))
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
	b.refuses(t, []refusal{
		{"without a reason", correct, map[string]any{"in": map[string]any{"person": liMing, "amount": -1, "reason": " "}}, secretary, "BAD_USER_INPUT", "input.reason"},
		{"of nothing", correct, map[string]any{"in": map[string]any{"person": liMing, "amount": 0, "reason": "误记"}}, secretary, "BAD_USER_INPUT", "input.amount"},
		{"by the member", correct, map[string]any{"in": map[string]any{"person": liMing, "amount": 50, "reason": "我很努力"}}, member, "FORBIDDEN", ""},
		{"of another branch's member", correct, map[string]any{"in": map[string]any{"person": sunLi, "amount": -1, "reason": "误记"}}, secretary, "NOT_FOUND", ""},
		{"of an entry that is not one", correct, map[string]any{"in": map[string]any{"person": liMing, "amount": -1, "reason": "误记", "corrects": liMing}}, secretary, "BAD_USER_INPUT", "input.corrects"},
	})
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
	b.refuses(t, []refusal{
		{"another branch's member", `query($m: ID!) { memberPoints(member: $m) { total } }`, map[string]any{"m": sunLi}, secretary, "NOT_FOUND", ""},
		{"another member's, by a member", `query($m: ID!) { memberPoints(member: $m) { total } }`, map[string]any{"m": sunLi}, member, "NOT_FOUND", ""},
		{"a period ending before it starts", `query($f: Time, $t: Time) { myPoints(period: {kind: CUSTOM, from: $f, to: $t}) { total } }`,
			map[string]any{"f": at(0), "t": at(-time.Hour)}, member, "BAD_USER_INPUT", "period.to"},
		{"a custom period without its end", `query($f: Time) { myPoints(period: {kind: CUSTOM, from: $f}) { total } }`,
			map[string]any{"f": at(0)}, member, "BAD_USER_INPUT", "period.from"},
		{"signed out", `{ myPoints { total } }`, nil, "", "UNAUTHENTICATED", ""},
	})
}

type assessmentScore struct {
	Score               float64
	Points, OtherPoints int
	Indicators          []struct {
		Indicator                   string
		Weight, Points              int
		Target, Score, Contribution float64
		Kinds                       []struct {
			Kind   string
			Points int
		}
	}
}

const scoreFields = `score points otherPoints indicators { indicator weight target points score contribution kinds { kind points } }`

// TestAssessmentOverHTTP: scores and rankings from what happened (an
// event's check-in, a correction counted under tasks); every score
// decomposes into indicators, kinds and the entries behind them; equal
// scores share a rank; units compare by their people's mean; members see
// personal rankings only once the school shows them; the export is a real
// .xlsx; bad schemes and foreign units are refused.
func TestAssessmentOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_POINTS_AWARD": "100ms"})
	school := b.demo.School.ID
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	unit := func(code string) string { return testGlobalID(2, school, b.rowID(t, "org_units", "code", code)) }
	person := func(name string) string { return testGlobalID(5, school, b.rowID(t, "people", "name", name)) }
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }

	// 李明 checks in at a theme day (meetings: 3 of 6 this month → 50 ×
	// 10 % = 5); 刘强 is given 5 for tasks by a correction (5 of 5 → 100 ×
	// 30 % = 30).
	ev := decode[struct {
		ScheduleEvent struct{ Event struct{ ID string } }
	}](t, b.post(t, scheduleEventMutation, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC-XS1"), "kind": "THEME_DAY", "title": "十二月主题党日",
		"startsAt": at(10 * time.Minute), "endsAt": at(70 * time.Minute), "place": "信息楼 302"}}, bearer(secretary)...)).ScheduleEvent.Event
	code := decode[struct{ EventCheckInCode struct{ QR string } }](t, b.post(t, `query($e: ID!) { eventCheckInCode(event: $e) { qr } }`,
		map[string]any{"e": ev.ID}, bearer(secretary)...)).EventCheckInCode
	decode[map[string]any](t, b.post(t, checkInEventMutation, map[string]any{"e": ev.ID, "c": code.QR}, bearer(member)...))
	decode[map[string]any](t, b.post(t, `mutation($in: CorrectPointsInput!) { correctPoints(input: $in) { entry { id } } }`, map[string]any{"in": map[string]any{
		"person": person("刘强"), "amount": 5, "reason": "补记任务：迎新志愿讲解", "kind": "TASK_APPROVED"}}, bearer(secretary)...))
	const myScore = `{ myScore(period: {kind: MONTH}) { ` + scoreFields + ` } }`
	var mine assessmentScore
	eventually(t, "the check-in's points in my score", func() bool {
		mine = decode[struct{ MyScore assessmentScore }](t, b.post(t, myScore, nil, bearer(member)...)).MyScore
		return mine.Points > 0
	})
	if mine.Score != 5 || len(mine.Indicators) != 4 {
		t.Fatalf("my score: %+v", mine)
	}
	// Why is my score 5? Each indicator's contribution, and the entries of
	// its kinds adding up to its points.
	sum := 0.0
	for _, is := range mine.Indicators {
		sum += is.Contribution
		var kinds []string
		for _, k := range is.Kinds {
			kinds = append(kinds, k.Kind)
		}
		if len(kinds) == 0 {
			continue
		}
		h := decode[struct {
			MyPointsHistory struct{ Edges []struct{ Node pointsEntry } }
		}](t, b.post(t, `query($k: [PointsKind!]) { myPointsHistory(period: {kind: MONTH}, kinds: $k, first: 100) { edges { node { kind amount } } } }`,
			map[string]any{"k": kinds}, bearer(member)...)).MyPointsHistory.Edges
		n := 0
		for _, e := range h {
			n += e.Node.Amount
		}
		if n != is.Points {
			t.Errorf("%s: its entries add up to %d, its points are %d", is.Indicator, n, is.Points)
		}
	}
	if sum != mine.Score {
		t.Errorf("contributions add up to %v, the score is %v", sum, mine.Score)
	}

	type ranked struct {
		Rank     int
		PersonID string
		Name     string
		Score    struct{ Score float64 }
	}
	const ranking = `query($u: ID!, $first: Int, $after: String) { personRanking(orgUnit: $u, period: {kind: MONTH}, first: $first, after: $after) {
		totalCount edges { cursor node { rank personId name score { score } } } pageInfo { hasNextPage endCursor } } }`
	type rankingPage struct {
		PersonRanking struct {
			TotalCount int
			Edges      []struct {
				Cursor string
				Node   ranked
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
		}
	}
	var all []ranked
	var after *string
	for {
		p := decode[rankingPage](t, b.post(t, ranking, map[string]any{"u": unit("XXGC-XS1"), "first": 2, "after": after}, bearer(secretary)...)).PersonRanking
		for _, e := range p.Edges {
			all = append(all, e.Node)
		}
		if !p.PageInfo.HasNextPage {
			if len(all) != p.TotalCount {
				t.Fatalf("pages held %d of %d", len(all), p.TotalCount)
			}
			break
		}
		after = p.PageInfo.EndCursor
	}
	if len(all) < 3 || all[0].Name != "刘强" || all[0].Score.Score != 30 || all[0].Rank != 1 || all[1].Name != "李明" || all[1].Rank != 2 {
		t.Fatalf("ranking: %+v", all)
	}
	for i, r := range all[2:] {
		if r.Score.Score != 0 || r.Rank != 3 {
			t.Errorf("the %d. without points: %+v, want rank 3 (tied)", i+3, r)
		}
	}
	if all[1].PersonID != person("李明") {
		t.Errorf("李明's id in the ranking is %s", all[1].PersonID)
	}

	units := decode[struct {
		UnitRanking []struct {
			Rank    *int
			People  int
			OrgUnit struct{ Code string }
			Score   struct{ Score float64 }
		}
	}](t, b.post(t, `query($u: ID!) { unitRanking(parent: $u, period: {kind: MONTH}) { rank people orgUnit { code } score { score } } }`,
		map[string]any{"u": unit("XXGC")}, bearer(admin)...)).UnitRanking
	if len(units) < 2 || units[0].OrgUnit.Code != "XXGC-XS1" || *units[0].Rank != 1 || units[0].People != len(all) {
		t.Fatalf("units: %+v", units)
	}
	if want := 35.0 / float64(len(all)); units[0].Score.Score < want-0.1 || units[0].Score.Score > want+0.1 {
		t.Errorf("学生第一支部 scores %v, want the mean %v", units[0].Score.Score, want)
	}

	// Refusals.
	const setScheme = `mutation($in: SetAssessmentSchemeInput!) { setAssessmentScheme(input: $in) { scheme { id showPersonalRankings indicators { indicator weight kinds } } } }`
	ninety := map[string]any{"in": map[string]any{"showPersonalRankings": true, "indicators": []map[string]any{
		{"indicator": "LEARNING", "weight": 50, "monthlyTarget": 20}, {"indicator": "TASKS", "weight": 40, "monthlyTarget": 5}}}}
	b.refuses(t, []refusal{
		{"weights adding up to 90", setScheme, ninety, admin, "BAD_USER_INPUT", "input.indicators"},
		{"a scheme by a secretary", setScheme, ninety, secretary, "FORBIDDEN", ""},
		{"personal rankings to a member, not shown", ranking, map[string]any{"u": unit("XXGC-XS1")}, member, "FORBIDDEN", ""},
		{"another branch's ranking", ranking, map[string]any{"u": unit("XXGC-XS2")}, secretary, "NOT_FOUND", ""},
		{"the units above a secretary", `query($u: ID!) { unitRanking(parent: $u) { rank } }`, map[string]any{"u": unit("XXGC")}, secretary, "NOT_FOUND", ""},
		{"another's score, by a member", `query($m: ID!) { memberScore(member: $m) { score } }`, map[string]any{"m": person("刘强")}, member, "NOT_FOUND", ""},
		{"a ranking of a period ending before it starts", `query($u: ID!, $f: Time, $t: Time) { personRanking(orgUnit: $u, period: {kind: CUSTOM, from: $f, to: $t}) { totalCount } }`,
			map[string]any{"u": unit("XXGC-XS1"), "f": at(0), "t": at(-time.Hour)}, secretary, "BAD_USER_INPUT", "period.to"},
		{"the export by a member", `mutation($u: ID!) { exportRanking(input: {orgUnit: $u}) { rows } }`, map[string]any{"u": unit("XXGC-XS1")}, member, "NOT_FOUND", ""},
	})

	// The school shows personal rankings: the member sees the branch's,
	// and their own place in it.
	decode[map[string]any](t, b.post(t, setScheme, map[string]any{"in": map[string]any{"showPersonalRankings": true, "indicators": []map[string]any{
		{"indicator": "LEARNING", "weight": 40, "monthlyTarget": 20}, {"indicator": "TASKS", "weight": 30, "monthlyTarget": 5},
		{"indicator": "VOLUNTEERING", "weight": 20, "monthlyTarget": 4}, {"indicator": "MEETINGS", "weight": 10, "monthlyTarget": 6}}}}, bearer(admin)...))
	seen := decode[rankingPage](t, b.post(t, ranking, map[string]any{"u": unit("XXGC-XS1"), "first": 10}, bearer(member)...)).PersonRanking
	if seen.TotalCount != len(all) || seen.Edges[1].Node.Name != "李明" {
		t.Fatalf("the member's view of the ranking: %+v", seen)
	}

	x := decode[struct {
		ExportRanking struct {
			Filename, ContentType string
			Rows                  int
			Data                  *string
		}
	}](t, b.post(t, `mutation($u: ID!) { exportRanking(input: {orgUnit: $u, period: {kind: MONTH}}) { filename contentType rows data } }`,
		map[string]any{"u": unit("XXGC-XS1")}, bearer(secretary)...)).ExportRanking
	if x.Rows != len(all) || x.Data == nil || !strings.HasSuffix(x.Filename, ".xlsx") {
		t.Fatalf("export: %+v", x)
	}
	raw, err := base64.StdEncoding.DecodeString(*x.Data)
	if err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := book.GetRows(book.GetSheetName(0))
	if err != nil || len(rows) != len(all)+1 || rows[1][1] != "刘强" || rows[1][0] != "1" || rows[1][3] != "30.0" {
		t.Fatalf("the exported sheet: %v %v", rows, err)
	}
}

// TestAppealsOverHTTP: a member disputes an entry of theirs (not someone
// else's, and not twice while it is open); the organisation department
// upholds it with a compensating entry, which the history shows and the
// member is told of; a score's appeal is rejected with a note; a
// secretary may not resolve; a resolved appeal stays resolved.
func TestAppealsOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	school := b.demo.School.ID
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	person := func(name string) string { return testGlobalID(5, school, b.rowID(t, "people", "name", name)) }
	correct := func(name string, amount int) string {
		return decode[struct {
			CorrectPoints struct{ Entry struct{ ID string } }
		}](t, b.post(t, `mutation($in: CorrectPointsInput!) { correctPoints(input: $in) { entry { id } } }`, map[string]any{"in": map[string]any{
			"person": person(name), "amount": amount, "reason": "会议缺席扣分", "kind": "EVENT_ATTENDED"}}, bearer(secretary)...)).CorrectPoints.Entry.ID
	}
	mine, others := correct("李明", -2), correct("刘强", -2)

	const file = `mutation($in: FileAppealInput!) { fileAppeal(input: $in) { appeal { id personId status reason entry { id amount } from to } } }`
	type appeal struct {
		ID, PersonID, Status, Reason string
		Resolution                   *string
		Entry, Correction            *struct {
			ID     string
			Amount int
			Reason *string
		}
		From, To *time.Time
	}
	b.refuses(t, []refusal{
		{"someone else's entry", file, map[string]any{"in": map[string]any{"entry": others, "reason": "不是我"}}, member, "BAD_USER_INPUT", "input.entry"},
		{"without a reason", file, map[string]any{"in": map[string]any{"entry": mine, "reason": " "}}, member, "BAD_USER_INPUT", "input.reason"},
		{"an entry and a period", file, map[string]any{"in": map[string]any{"entry": mine, "period": map[string]any{"kind": "MONTH"}, "reason": "有误"}}, member, "BAD_USER_INPUT", "input.entry"},
		{"for another branch's member", file, map[string]any{"in": map[string]any{"person": person("孙丽"), "period": map[string]any{"kind": "MONTH"}, "reason": "有误"}}, secretary, "NOT_FOUND", ""},
	})
	onEntry := decode[struct{ FileAppeal struct{ Appeal appeal } }](t, b.post(t, file, map[string]any{"in": map[string]any{
		"entry": mine, "reason": "当天已请假，有审批记录"}}, bearer(member)...)).FileAppeal.Appeal
	if onEntry.Status != "OPEN" || onEntry.Entry == nil || onEntry.Entry.ID != mine || onEntry.PersonID != person("李明") {
		t.Fatalf("filed: %+v", onEntry)
	}
	if r := b.post(t, file, map[string]any{"in": map[string]any{"entry": mine, "reason": "再申诉一次"}}, bearer(member)...); r.code(0) != "CONFLICT" {
		t.Errorf("a second appeal of the entry while one is open: %+v", r.Errors)
	}
	// The branch appeals 李明's month for him.
	onScore := decode[struct{ FileAppeal struct{ Appeal appeal } }](t, b.post(t, file, map[string]any{"in": map[string]any{
		"person": person("李明"), "period": map[string]any{"kind": "MONTH"}, "reason": "本月志愿时长未计入"}}, bearer(secretary)...)).FileAppeal.Appeal
	if onScore.From == nil || onScore.Entry != nil {
		t.Fatalf("a score's appeal: %+v", onScore)
	}

	const resolve = `mutation($in: ResolveAppealInput!) { resolveAppeal(input: $in) { appeal { id status resolution correction { id amount reason } } } }`
	b.refuses(t, []refusal{
		{"by a secretary", resolve, map[string]any{"in": map[string]any{"appeal": onEntry.ID, "decision": "UPHOLD", "amount": 2, "note": "属实"}}, secretary, "FORBIDDEN", ""},
		{"by the member", resolve, map[string]any{"in": map[string]any{"appeal": onEntry.ID, "decision": "UPHOLD", "amount": 2, "note": "属实"}}, member, "NOT_FOUND", ""},
		{"upheld with nothing", resolve, map[string]any{"in": map[string]any{"appeal": onEntry.ID, "decision": "UPHOLD", "note": "属实"}}, admin, "BAD_USER_INPUT", "input.amount"},
		{"without an answer", resolve, map[string]any{"in": map[string]any{"appeal": onEntry.ID, "decision": "REJECT", "note": ""}}, admin, "BAD_USER_INPUT", "input.note"},
	})
	upheld := decode[struct{ ResolveAppeal struct{ Appeal appeal } }](t, b.post(t, resolve, map[string]any{"in": map[string]any{
		"appeal": onEntry.ID, "decision": "UPHOLD", "amount": 2, "note": "请假属实，撤销扣分"}}, bearer(admin)...)).ResolveAppeal.Appeal
	if upheld.Status != "UPHELD" || upheld.Correction == nil || upheld.Correction.Amount != 2 || *upheld.Correction.Reason != "请假属实，撤销扣分" {
		t.Fatalf("upheld: %+v", upheld)
	}
	if r := b.post(t, resolve, map[string]any{"in": map[string]any{"appeal": onEntry.ID, "decision": "REJECT", "note": "改判"}}, bearer(admin)...); r.code(0) != "CONFLICT" {
		t.Errorf("resolving again: %+v", r.Errors)
	}
	rejected := decode[struct{ ResolveAppeal struct{ Appeal appeal } }](t, b.post(t, resolve, map[string]any{"in": map[string]any{
		"appeal": onScore.ID, "decision": "REJECT", "note": "志愿时长尚未经活动方确认"}}, bearer(admin)...)).ResolveAppeal.Appeal
	if rejected.Status != "REJECTED" || rejected.Correction != nil || *rejected.Resolution != "志愿时长尚未经活动方确认" {
		t.Fatalf("rejected: %+v", rejected)
	}

	// Both in the member's view: the history nets the deduction out; the
	// appeals show how each ended; the inbox has both answers.
	sum := decode[struct{ MyPoints pointsSummary }](t, b.post(t, `{ myPoints(period: {kind: MONTH}) { total entries } }`, nil, bearer(member)...)).MyPoints
	if sum.Total != 0 || sum.Entries != 2 {
		t.Fatalf("after the appeal: %+v, want 0 in 2 entries", sum)
	}
	list := decode[struct {
		MyAppeals struct{ Edges []struct{ Node appeal } }
	}](t, b.post(t, `{ myAppeals { edges { node { id status resolution } } } }`, nil, bearer(member)...)).MyAppeals.Edges
	if len(list) != 2 || list[0].Node.Status != "REJECTED" || list[1].Node.Status != "UPHELD" {
		t.Fatalf("my appeals: %+v", list)
	}
	open := decode[struct {
		PointsAppeals struct{ Edges []struct{ Node appeal } }
	}](t, b.post(t, `query($u: ID!) { pointsAppeals(orgUnit: $u, status: OPEN) { edges { node { id } } } }`,
		map[string]any{"u": testGlobalID(2, school, b.rowID(t, "org_units", "code", "XXGC-XS1"))}, bearer(secretary)...)).PointsAppeals.Edges
	if len(open) != 0 {
		t.Fatalf("open appeals left: %+v", open)
	}
	inbox := decode[struct {
		Notifications struct {
			Edges []struct{ Node struct{ Kind, Body string } }
		}
	}](t, b.post(t, `{ notifications(first: 20) { edges { node { kind body } } } }`, nil, bearer(member)...)).Notifications.Edges
	told := 0
	for _, n := range inbox {
		if n.Node.Kind == "APPEAL_RESOLVED" {
			told++
		}
	}
	if told != 2 {
		t.Fatalf("told of %d resolutions, want 2: %+v", told, inbox)
	}
}

// refusal is a request that must be refused: its GraphQL error's code,
// and the input field it names (if any).
type refusal struct {
	name        string
	query       string
	vars        map[string]any
	auth        string // an access token; "" signed out
	code, field string
}

// refuses posts each refusal and checks its error.
func (b *testBundle) refuses(t *testing.T, cases []refusal) {
	t.Helper()
	for _, c := range cases {
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

// An absence without reason costs the school's points (−2 by default, −5
// where a rule says so); marking the person present (or on leave) after
// all gives back exactly what it cost, whichever rule that was.
func TestAbsenceWithoutReason(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_POINTS_AWARD": "100ms"})
	school := b.demo.School.ID
	secretary, _ := b.login(t, "secretary", demoPassword)
	unit := func(code string) string { return testGlobalID(2, school, b.rowID(t, "org_units", "code", code)) }
	person := func(name string) string { return testGlobalID(5, school, b.rowID(t, "people", "name", name)) }
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339Nano) }
	const markMutation = `mutation($e: ID!, $p: ID!, $s: AttendanceStatus!, $r: String) { markAttendance(input: {event: $e, person: $p, status: $s, reason: $r}) { attendance { status } } }`
	type summary struct {
		MemberPoints struct {
			Total  int
			ByKind []struct {
				Kind   string
				Points int
			}
		}
	}
	pointsOf := func(name string) (int, map[string]int) {
		t.Helper()
		s := decode[summary](t, b.post(t, `query($m: ID!) { memberPoints(member: $m) { total byKind { kind points } } }`,
			map[string]any{"m": person(name)}, bearer(secretary)...)).MemberPoints
		by := map[string]int{}
		for _, k := range s.ByKind {
			by[k.Kind] = k.Points
		}
		return s.Total, by
	}
	event := func(title string) string {
		t.Helper()
		ev := decode[struct {
			ScheduleEvent struct{ Event struct{ ID string } }
		}](t, b.post(t, scheduleEventMutation, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC-XS1"), "kind": "PARTY_LESSON", "title": title,
			"startsAt": at(10 * time.Minute), "endsAt": at(70 * time.Minute), "place": "信息楼 302"}}, bearer(secretary)...)).ScheduleEvent.Event
		ownerExec(t, b, `UPDATE events SET starts_at = now() - interval '70 minutes', ends_at = now() - interval '10 minutes' WHERE title = '`+title+`'`)
		return ev.ID
	}
	mark := func(ev, name, status, reason string) {
		t.Helper()
		if r := b.post(t, markMutation, map[string]any{"e": ev, "p": person(name), "s": status, "r": nilIfEmpty(reason)}, bearer(secretary)...); len(r.Errors) > 0 {
			t.Fatalf("mark %s %s: %+v", name, status, r.Errors)
		}
	}

	first := event("十一月党课")
	mark(first, "刘强", "ABSENT", "未请假未到")
	eventually(t, "the deduction", func() bool { total, _ := pointsOf("刘强"); return total == -2 })
	// Marking absent again changes nothing.
	mark(first, "刘强", "ABSENT", "未请假未到")

	// The branch sets −5 from now on; the next absence costs that.
	if r := b.post(t, `mutation($in: SetPointsRuleInput!) { setPointsRule(input: $in) { rule { amount } } }`, map[string]any{"in": map[string]any{
		"orgUnit": unit("XXGC-XS1"), "kind": "EVENT_ABSENT", "amount": -5}}, bearer(secretary)...); len(r.Errors) > 0 {
		t.Fatalf("rule: %+v", r.Errors)
	}
	second := event("十二月党课")
	mark(second, "刘强", "ABSENT", "未请假未到")
	eventually(t, "both deductions", func() bool { total, _ := pointsOf("刘强"); return total == -7 })

	// He was there after all at the first (checked in late by the
	// organiser), and on leave at the second: each gives back its own.
	mark(first, "刘强", "PRESENT", "迟到，现场签到")
	mark(second, "刘强", "LEAVE", "补交请假条")
	var by map[string]int
	eventually(t, "the absences withdrawn", func() bool {
		var total int
		total, by = pointsOf("刘强")
		return total == 3
	})
	if by["EVENT_ABSENT"] != -7 || by["EVENT_ABSENCE_WITHDRAWN"] != 7 || by["EVENT_ATTENDED"] != 3 {
		t.Errorf("by kind: %+v", by)
	}
	// A withdrawn absence has no rule to set.
	if r := b.post(t, `mutation($in: SetPointsRuleInput!) { setPointsRule(input: $in) { rule { amount } } }`, map[string]any{"in": map[string]any{
		"orgUnit": unit("XXGC-XS1"), "kind": "EVENT_ABSENCE_WITHDRAWN", "amount": 1}}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("a rule for withdrawn absences: %+v", r.Errors)
	}
}
