package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/seed"
)

const scheduleEventMutation = `mutation($in: ScheduleEventInput!) { scheduleEvent(input: $in) { event { id kind title
	attendance { expected voting quorum quorumMet } } } }`

const checkInEventMutation = `mutation($e: ID!, $c: String) { checkInEvent(input: {event: $e, code: $c}) { attendance { status checkedInBy voting } } }`

type eventCounts struct {
	Expected, Present, OnLeave, Absent, Voting, VotingPresent int
	Quorum                                                    *int
	QuorumMet                                                 *bool
}

// TestEventsOverHTTP: a secretary schedules a members' meeting of the
// branch; its members are expected (full members with a vote); a member
// checks in with the rotating code, another asks for leave, the secretary
// marks a third present once it has begun, and the quorum follows;
// minutes are refused before the end and marked late after the window;
// presence is one learning fact each; an online party lesson is attended
// by watching its micro-lesson during it; attendees are reminded.
func TestEventsOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	school := b.demo.School.ID
	ownerExec(t, b, `UPDATE accounts SET person_id = (SELECT id FROM people WHERE name = '陈红梅') WHERE username = 'secretary'`)
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	unit := func(code string) string { return testGlobalID(2, school, b.rowID(t, "org_units", "code", code)) }
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }
	event := func(over map[string]any) map[string]any {
		in := map[string]any{"orgUnit": unit("XXGC-XS1"), "kind": "MEMBERS_MEETING", "title": "第二季度支部党员大会",
			"startsAt": at(10 * time.Minute), "endsAt": at(70 * time.Minute), "place": "信息楼 302", "agenda": "1. 学习 2. 讨论发展对象"}
		for k, v := range over {
			in[k] = v
		}
		return map[string]any{"in": in}
	}
	type scheduled struct {
		ScheduleEvent struct {
			Event struct {
				ID, Kind, Title string
				Attendance      eventCounts
			}
		}
	}
	ev := decode[scheduled](t, b.post(t, scheduleEventMutation, event(nil), bearer(secretary)...)).ScheduleEvent.Event
	if a := ev.Attendance; a.Expected != 3 || a.Voting != 3 || a.Quorum == nil || *a.Quorum != 2 || *a.QuorumMet {
		t.Fatalf("scheduled: %+v", ev)
	}
	for _, c := range []struct {
		name        string
		vars        map[string]any
		auth        string
		code, field string
	}{
		{"for a sibling branch", event(map[string]any{"orgUnit": unit("XXGC-XS2")}), secretary, "FORBIDDEN", ""},
		{"by a member", event(nil), member, "FORBIDDEN", ""},
		{"in the past", event(map[string]any{"startsAt": at(-time.Hour)}), secretary, "BAD_USER_INPUT", "input.startsAt"},
		{"ending before it starts", event(map[string]any{"endsAt": at(5 * time.Minute)}), secretary, "BAD_USER_INPUT", "input.endsAt"},
		{"nowhere", event(map[string]any{"place": ""}), secretary, "BAD_USER_INPUT", "input.place"},
		{"a lesson that is not one", event(map[string]any{"lesson": unit("XXGC")}), secretary, "BAD_USER_INPUT", "input.lesson"},
	} {
		r := b.post(t, scheduleEventMutation, c.vars, bearer(c.auth)...)
		if r.code(0) != c.code {
			t.Errorf("%s: %+v, want %s", c.name, r.Errors, c.code)
			continue
		}
		if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); c.field != "" && fields[c.field] == nil {
			t.Errorf("%s: %+v, want the field %s", c.name, r.Errors, c.field)
		}
	}

	// On site: the code shown by the secretary checks the member in.
	code := decode[struct{ EventCheckInCode struct{ Code, QR string } }](t, b.post(t, `query($e: ID!) { eventCheckInCode(event: $e) { code qr } }`,
		map[string]any{"e": ev.ID}, bearer(secretary)...)).EventCheckInCode
	if r := b.post(t, `query($e: ID!) { eventCheckInCode(event: $e) { code } }`, map[string]any{"e": ev.ID}, bearer(member)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("a member asking for the code: %+v", r.Errors)
	}
	wrong := "000000"
	if code.Code == wrong {
		wrong = "000001"
	}
	if r := b.post(t, checkInEventMutation, map[string]any{"e": ev.ID, "c": wrong}, bearer(member)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("a wrong code: %+v", r.Errors)
	}
	r := b.post(t, checkInEventMutation, map[string]any{"e": ev.ID, "c": code.QR}, bearer(member)...)
	if len(r.Errors) > 0 || string(r.Data) != `{"checkInEvent":{"attendance":{"status":"PRESENT","checkedInBy":"CODE","voting":true}}}` {
		t.Fatalf("check in: %s %+v", r.Data, r.Errors)
	}
	// The secretary asks for leave; she cannot be marked before it begins.
	r = b.post(t, `mutation($e: ID!) { requestEventLeave(event: $e, reason: "出差") { attendance { status reason } } }`, map[string]any{"e": ev.ID}, bearer(secretary)...)
	if len(r.Errors) > 0 || string(r.Data) != `{"requestEventLeave":{"attendance":{"status":"LEAVE","reason":"出差"}}}` {
		t.Fatalf("leave: %s %+v", r.Data, r.Errors)
	}
	const markMutation = `mutation($e: ID!, $p: ID!, $s: AttendanceStatus!, $r: String) { markAttendance(input: {event: $e, person: $p, status: $s, reason: $r}) { attendance { status checkedInBy } } }`
	liu := testGlobalID(5, school, b.rowID(t, "people", "name", "刘强"))
	if r := b.post(t, markMutation, map[string]any{"e": ev.ID, "p": liu, "s": "PRESENT"}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("marking before the start: %+v", r.Errors)
	}
	if r := b.post(t, `mutation($e: ID!) { recordMinutes(input: {event: $e, minutes: "会议纪要"}) { event { id } } }`, map[string]any{"e": ev.ID}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("minutes before it happened: %+v", r.Errors)
	}
	// It begins: 刘强 forgot to check in and is marked present; the quorum is met.
	ownerExec(t, b, `UPDATE events SET starts_at = now() - interval '10 minutes', ends_at = now() + interval '50 minutes' WHERE title = '第二季度支部党员大会'`)
	if r := b.post(t, markMutation, map[string]any{"e": ev.ID, "p": liu, "s": "ABSENT"}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("absent without a reason: %+v", r.Errors)
	}
	if r := b.post(t, markMutation, map[string]any{"e": ev.ID, "p": liu, "s": "PRESENT"}, bearer(secretary)...); string(r.Data) != `{"markAttendance":{"attendance":{"status":"PRESENT","checkedInBy":"ORGANISER"}}}` {
		t.Fatalf("mark present: %s %+v", r.Data, r.Errors)
	}
	type eventNode struct {
		Node struct {
			Attendance  eventCounts
			Attendees   []struct{ PersonName, PersonID, Status string }
			Minutes     *string
			MinutesLate bool
		}
	}
	const eventQuery = `query($e: ID!) { node(id: $e) { ... on Event { attendance { expected present onLeave absent voting votingPresent quorum quorumMet }
		attendees { personName personId status } minutes minutesLate } } }`
	n := decode[eventNode](t, b.post(t, eventQuery, map[string]any{"e": ev.ID}, bearer(secretary)...)).Node
	if a := n.Attendance; a.Present != 2 || a.OnLeave != 1 || a.VotingPresent != 2 || !*a.QuorumMet || len(n.Attendees) != 3 {
		t.Errorf("attendance: %+v", n)
	}
	// The list names each attendee by the Member ID markAttendance takes.
	for _, a := range n.Attendees {
		if (a.PersonName == "刘强") != (a.PersonID == liu) {
			t.Errorf("attendee %s's ID %q (刘强's is %q)", a.PersonName, a.PersonID, liu)
		}
	}
	if r := b.post(t, `query($e: ID!) { node(id: $e) { ... on Event { attendees { personName } } } }`, map[string]any{"e": ev.ID}, bearer(member)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("a member reading the attendance list: %+v", r.Errors)
	}

	// It ended: no more check-ins; minutes on time, then late after the window.
	ownerExec(t, b, `UPDATE events SET starts_at = now() - interval '2 hours', ends_at = now() - interval '1 hour' WHERE title = '第二季度支部党员大会'`)
	if r := b.post(t, checkInEventMutation, map[string]any{"e": ev.ID, "c": code.Code}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("a check-in after the end: %+v", r.Errors)
	}
	const minutesMutation = `mutation($e: ID!, $m: String!) { recordMinutes(input: {event: $e, minutes: $m}) { event { minutes minutesLate minutesRecordedAt } } }`
	type minutesAnswer struct {
		RecordMinutes struct {
			Event struct {
				Minutes           string
				MinutesLate       bool
				MinutesRecordedAt time.Time
			}
		}
	}
	m := decode[minutesAnswer](t, b.post(t, minutesMutation, map[string]any{"e": ev.ID, "m": "讨论确定了发展对象"}, bearer(secretary)...)).RecordMinutes.Event
	if m.Minutes != "讨论确定了发展对象" || m.MinutesLate || time.Since(m.MinutesRecordedAt) > time.Minute {
		t.Errorf("minutes: %+v", m)
	}
	ownerExec(t, b, `UPDATE events SET starts_at = now() - interval '9 days', ends_at = now() - interval '8 days' WHERE title = '第二季度支部党员大会'`)
	m = decode[minutesAnswer](t, b.post(t, minutesMutation, map[string]any{"e": ev.ID, "m": "补充纪要"}, bearer(secretary)...)).RecordMinutes.Event
	if !m.MinutesLate || time.Since(m.MinutesRecordedAt) > time.Minute {
		t.Errorf("late minutes: %+v", m)
	}
	var facts int
	if err := b.asOwner(t, school, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM learning_facts WHERE kind = 'event_attended'`).Scan(&facts)
	}); err != nil || facts != 2 {
		t.Errorf("event_attended facts: %d %v", facts, err)
	}
	// The member's own list shows it with the minutes and their attendance.
	mine := decode[struct {
		MyEvents struct {
			Edges []struct {
				Node struct {
					Title        string
					Minutes      *string
					MyAttendance struct{ Status string }
				}
			}
		}
	}](t, b.post(t, `query($f: Time!, $u: Time!) { myEvents(from: $f, to: $u) { edges { node { title minutes myAttendance { status } } } } }`,
		map[string]any{"f": at(-30 * 24 * time.Hour), "u": at(24 * time.Hour)}, bearer(member)...)).MyEvents.Edges
	if len(mine) != 1 || mine[0].Node.Minutes == nil || *mine[0].Node.Minutes != "补充纪要" || mine[0].Node.MyAttendance.Status != "PRESENT" {
		t.Errorf("my events: %+v", mine)
	}

	// An online party lesson: watching its micro-lesson during it is attending.
	ownerExec(t, b, `INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at, body)
		SELECT u.tenant_id, 'micro_lesson', 'online-lesson', '线上党课', u.id, 'published', now(), '{"durationSeconds": 600}' FROM org_units u WHERE u.code = 'XXGC'`)
	lesson := testGlobalID(7, school, b.rowID(t, "contents", "slug", "online-lesson"))
	online := decode[scheduled](t, b.post(t, scheduleEventMutation, event(map[string]any{"kind": "PARTY_LESSON", "title": "线上党课", "place": "",
		"lesson": lesson}), bearer(secretary)...)).ScheduleEvent.Event
	if online.Attendance.Quorum != nil {
		t.Errorf("a party lesson has no quorum: %+v", online.Attendance)
	}
	ownerExec(t, b, `UPDATE events SET starts_at = now() - interval '10 minutes', ends_at = now() + interval '50 minutes' WHERE title = '线上党课'`)
	if r := b.post(t, checkInEventMutation, map[string]any{"e": online.ID}, bearer(member)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("online before watching: %+v", r.Errors)
	}
	ownerExec(t, b, `INSERT INTO learning_progress (tenant_id, person_id, content_id, mode, seconds, required_seconds, completed_at, started_at, updated_at)
		SELECT c.tenant_id, p.id, c.id, 'watch', 560, 540, now(), now() - interval '9 minutes', now() FROM contents c, people p WHERE c.slug = 'online-lesson' AND p.name = '李明'`)
	if r := b.post(t, checkInEventMutation, map[string]any{"e": online.ID}, bearer(member)...); string(r.Data) != `{"checkInEvent":{"attendance":{"status":"PRESENT","checkedInBy":"ONLINE","voting":true}}}` {
		t.Errorf("online after watching: %s %+v", r.Data, r.Errors)
	}

	// Attendees were reminded (the lesson starts within the lead time).
	eventually(t, "event reminders", func() bool {
		got := decode[struct {
			Notifications struct {
				Edges []struct {
					Node struct{ Kind, SubjectID string }
				}
			}
		}](t, b.post(t, `{ notifications { edges { node { kind subjectId } } } }`, nil, bearer(member)...))
		for _, e := range got.Notifications.Edges {
			if e.Node.Kind == "EVENT_REMINDER" && e.Node.SubjectID == online.ID {
				return true
			}
		}
		return false
	})
}

// TestDemoLearningSeed: the demo's tasks, events and quizzes are made
// through the services (so every rule holds for them), once.
func TestDemoLearningSeed(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	s := seed.LearningServices{Org: b.app.Org, Members: b.app.Members, Tasks: b.app.Tasks, Meetings: b.app.Meetings, Quizzes: b.app.Quizzes}
	n, err := seed.DemoLearning(context.Background(), b.demo.School, s, time.Now())
	if err != nil || n < 20 {
		t.Fatalf("demo learning: %d questions, %v", n, err)
	}
	if again, err := seed.DemoLearning(context.Background(), b.demo.School, s, time.Now()); err != nil || again != 0 {
		t.Fatalf("a second run: %d, %v", again, err)
	}
	var statuses string
	if err := b.asOwner(t, b.demo.School.ID, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM task_assignments`).Scan(&statuses)
	}); err != nil {
		t.Fatal(err)
	}
	if statuses != "approved,assigned,in_progress,returned,submitted" {
		t.Errorf("task statuses: %s", statuses)
	}
	member, _ := b.login(t, "member", demoPassword)
	got := decode[struct {
		MyEvents struct {
			Edges []struct {
				Node struct {
					Title   string
					Minutes *string
				}
			}
		}
	}](t, b.post(t, `query($f: Time!, $u: Time!) { myEvents(from: $f, to: $u) { edges { node { title minutes } } } }`,
		map[string]any{"f": time.Now().AddDate(0, 0, -30).Format(time.RFC3339), "u": time.Now().AddDate(0, 0, 30).Format(time.RFC3339)}, bearer(member)...)).MyEvents.Edges
	if len(got) != 2 || got[0].Node.Minutes == nil {
		t.Errorf("the member's events: %+v", got)
	}
	eventually(t, "the overdue example", func() bool {
		var n int
		_ = b.asOwner(t, b.demo.School.ID, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM task_assignments WHERE status = 'overdue'`).Scan(&n)
		})
		return n == 1
	})
}

// TestEventChangesOverHTTP: an event that has not started is changed by
// its managers only; a new time tells those expected and reminds them
// before it; a cancelled event tells them why, cancelling again changes
// nothing, and nobody checks in to it, asks for leave or changes it; one
// that has started is a record.
func TestEventChangesOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	school := b.demo.School.ID
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }
	type scheduled struct {
		ScheduleEvent struct{ Event struct{ ID string } }
	}
	schedule := func(title string) string {
		return decode[scheduled](t, b.post(t, scheduleEventMutation, map[string]any{"in": map[string]any{
			"orgUnit": testGlobalID(2, school, b.rowID(t, "org_units", "code", "XXGC-XS1")), "kind": "THEME_DAY", "title": title,
			"startsAt": at(72 * time.Hour), "endsAt": at(74 * time.Hour), "place": "信息楼 302"}}, bearer(secretary)...)).ScheduleEvent.Event.ID
	}
	ev := schedule("十二月主题党日")
	const update = `mutation($in: UpdateEventInput!) { updateEvent(input: $in) { event { title startsAt place cancelledAt } } }`
	type updated struct {
		UpdateEvent struct {
			Event struct {
				Title, Place string
				StartsAt     time.Time
				CancelledAt  *time.Time
			}
		}
	}
	for _, c := range []struct {
		name        string
		in          map[string]any
		auth        string
		code, field string
	}{
		{"by a member", map[string]any{"event": ev, "title": "改名"}, member, "FORBIDDEN", ""},
		{"ending before it starts", map[string]any{"event": ev, "endsAt": at(71 * time.Hour)}, secretary, "BAD_USER_INPUT", "input.endsAt"},
		{"to the past", map[string]any{"event": ev, "startsAt": at(-time.Hour)}, secretary, "BAD_USER_INPUT", "input.startsAt"},
		{"an empty title", map[string]any{"event": ev, "title": " "}, secretary, "BAD_USER_INPUT", "input.title"},
	} {
		r := b.post(t, update, map[string]any{"in": c.in}, bearer(c.auth)...)
		if r.code(0) != c.code {
			t.Errorf("%s: %+v, want %s", c.name, r.Errors, c.code)
			continue
		}
		if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); c.field != "" && fields[c.field] == nil {
			t.Errorf("%s: %+v, want the field %s", c.name, r.Errors, c.field)
		}
	}
	// Moved to within the reminder's lead time: told, and reminded now.
	u := decode[updated](t, b.post(t, update, map[string]any{"in": map[string]any{"event": ev, "startsAt": at(2 * time.Hour), "endsAt": at(3 * time.Hour),
		"place": "党员活动室"}}, bearer(secretary)...)).UpdateEvent.Event
	if u.Place != "党员活动室" || time.Until(u.StartsAt) > 2*time.Hour || u.Title != "十二月主题党日" {
		t.Fatalf("updated: %+v", u)
	}
	// A new title alone tells nobody.
	if u := decode[updated](t, b.post(t, update, map[string]any{"in": map[string]any{"event": ev, "title": "十二月主题党日（改）"}}, bearer(secretary)...)).UpdateEvent.Event; u.Title != "十二月主题党日（改）" {
		t.Fatalf("retitled: %+v", u)
	}
	type notice struct{ Kind, SubjectID, Body string }
	notices := func() []notice {
		got := decode[struct {
			Notifications struct{ Edges []struct{ Node notice } }
		}](t, b.post(t, `{ notifications(first: 50) { edges { node { kind subjectId body } } } }`, nil, bearer(member)...))
		var out []notice
		for _, e := range got.Notifications.Edges {
			if e.Node.SubjectID == ev {
				out = append(out, e.Node)
			}
		}
		return out
	}
	count := func(kind string) int {
		n := 0
		for _, x := range notices() {
			if x.Kind == kind {
				n++
			}
		}
		return n
	}
	eventually(t, "the reminder for the new time", func() bool { return count("EVENT_REMINDER") == 1 })
	if n := count("EVENT_CHANGED"); n != 1 {
		t.Errorf("%d notices of the change, want 1", n)
	}

	// Cancelled, with a reason; again changes nothing.
	const cancel = `mutation($e: ID!, $r: String!) { cancelEvent(input: {event: $e, reason: $r}) { event { cancelledAt cancelReason } } }`
	if r := b.post(t, cancel, map[string]any{"e": ev, "r": " "}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("cancelling without a reason: %+v", r.Errors)
	}
	if r := b.post(t, cancel, map[string]any{"e": ev, "r": "停电"}, bearer(member)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("a member cancelling: %+v", r.Errors)
	}
	type cancelled struct {
		CancelEvent struct {
			Event struct {
				CancelledAt  *time.Time
				CancelReason *string
			}
		}
	}
	first := decode[cancelled](t, b.post(t, cancel, map[string]any{"e": ev, "r": "教学楼停电，改期另行通知"}, bearer(secretary)...)).CancelEvent.Event
	again := decode[cancelled](t, b.post(t, cancel, map[string]any{"e": ev, "r": "另一个理由"}, bearer(secretary)...)).CancelEvent.Event
	if first.CancelledAt == nil || *first.CancelReason != "教学楼停电，改期另行通知" || !again.CancelledAt.Equal(*first.CancelledAt) || *again.CancelReason != *first.CancelReason {
		t.Fatalf("cancelled %+v, again %+v", first, again)
	}
	if got := notices(); !slices.ContainsFunc(got, func(x notice) bool {
		return x.Kind == "EVENT_CANCELLED" && x.Body == "教学楼停电，改期另行通知"
	}) || count("EVENT_CANCELLED") != 1 {
		t.Errorf("notices after cancelling: %+v", got)
	}
	for name, r := range map[string]*gqlResponse{
		"changing it":       b.post(t, update, map[string]any{"in": map[string]any{"event": ev, "title": "恢复"}}, bearer(secretary)...),
		"checking in":       b.post(t, checkInEventMutation, map[string]any{"e": ev, "c": "123456"}, bearer(member)...),
		"asking for leave":  b.post(t, `mutation($e: ID!) { requestEventLeave(event: $e, reason: "出差") { attendance { status } } }`, map[string]any{"e": ev}, bearer(member)...),
		"showing its code":  b.post(t, `query($e: ID!) { eventCheckInCode(event: $e) { code } }`, map[string]any{"e": ev}, bearer(secretary)...),
		"recording minutes": b.post(t, `mutation($e: ID!) { recordMinutes(input: {event: $e, minutes: "纪要"}) { event { id } } }`, map[string]any{"e": ev}, bearer(secretary)...),
	} {
		if r.code(0) != "CONFLICT" {
			t.Errorf("%s of a cancelled event: %+v, want CONFLICT", name, r.Errors)
		}
	}

	// The reminder queued before a change does nothing when its time comes
	// (the event moved later: reminding now would be early).
	later := schedule("改期的主题党日")
	decode[updated](t, b.post(t, update, map[string]any{"in": map[string]any{"event": later, "startsAt": at(200 * time.Hour), "endsAt": at(201 * time.Hour)}},
		bearer(secretary)...))
	laterID := b.rowID(t, "events", "title", "改期的主题党日")
	ownerExec(t, b, `UPDATE river_job SET scheduled_at = now() WHERE kind = 'meeting.reminder' AND args ->> 'event_id' = '`+laterID.String()+`'
		AND scheduled_at < now() + interval '100 hours'`)
	eventually(t, "the early reminder's run", func() bool {
		var waiting int
		err := b.asOwner(t, school, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'meeting.reminder' AND args ->> 'event_id' = $1
				AND scheduled_at < now() + interval '100 hours' AND state <> 'completed'`, laterID.String()).Scan(&waiting)
		})
		return err == nil && waiting == 0
	})
	var early int
	if err := b.asOwner(t, school, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE subject_id = $1 AND kind = 'event_reminder'`, laterID).Scan(&early)
	}); err != nil || early != 0 {
		t.Errorf("%d reminders of the moved event before its time (%v), want none", early, err)
	}

	// One that has started is a record: neither changed nor cancelled.
	started := schedule("已开始的主题党日")
	ownerExec(t, b, `UPDATE events SET starts_at = now() - interval '10 minutes', ends_at = now() + interval '50 minutes' WHERE title = '已开始的主题党日'`)
	if r := b.post(t, update, map[string]any{"in": map[string]any{"event": started, "place": "别处"}}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("changing a started event: %+v", r.Errors)
	}
	if r := b.post(t, cancel, map[string]any{"e": started, "r": "取消"}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("cancelling a started event: %+v", r.Errors)
	}
}

// TestMinutesAttachmentsThroughStorage: the secretary records minutes with
// a photo of the sign-in sheet uploaded to MinIO; the event then lists it,
// and it can be fetched; a file not ready is refused.
func TestMinutesAttachmentsThroughStorage(t *testing.T) {
	t.Parallel()
	b, _ := setupMedia(t, nil)
	secretary, _ := b.login(t, "secretary", demoPassword)
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }
	ev := decode[struct {
		ScheduleEvent struct{ Event struct{ ID string } }
	}](t, b.post(t, scheduleEventMutation, map[string]any{"in": map[string]any{
		"orgUnit": testGlobalID(2, b.demo.School.ID, b.rowID(t, "org_units", "code", "XXGC-XS1")), "kind": "COMMITTEE_MEETING", "title": "十一月支委会",
		"startsAt": at(-50 * time.Hour), "endsAt": at(-49 * time.Hour), "place": "信息楼 302", "record": true}}, bearer(secretary)...)).ScheduleEvent.Event
	up := decode[struct{ UploadImage struct{ Media mediaNode } }](t, b.uploadFile(t, secretary, "签到表.png", pngBytes(t, 1200, 900), "MINUTES")).UploadImage.Media
	const minutes = `mutation($e: ID!, $f: [ID!]) { recordMinutes(input: {event: $e, minutes: "研究了发展对象的确定", attachments: $f}) { event { minutesAttachments { id url } } } }`
	if r := b.post(t, minutes, map[string]any{"e": ev.ID, "f": []string{up.ID}}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" && up.Status != "READY" {
		t.Errorf("minutes with a file still processing: %+v", r.Errors)
	}
	if m := b.waitMedia(t, secretary, up.ID); m.Status != "READY" {
		t.Fatalf("the sign-in sheet: %+v", m)
	}
	got := decode[struct {
		RecordMinutes struct {
			Event struct {
				MinutesAttachments []struct {
					ID  string
					URL *string
				}
			}
		}
	}](t, b.post(t, minutes, map[string]any{"e": ev.ID, "f": []string{up.ID}}, bearer(secretary)...)).RecordMinutes.Event.MinutesAttachments
	if len(got) != 1 || got[0].ID != up.ID || got[0].URL == nil {
		t.Fatalf("minutes' attachments: %+v", got)
	}
	if status, body := httpGet(t, *got[0].URL); status != 200 || len(body) == 0 {
		t.Errorf("fetching the sign-in sheet: %d", status)
	}
}
