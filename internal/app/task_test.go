package app_test

import (
	"context"
	"encoding/base64"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"zhdj/internal/app"
	"zhdj/internal/task"
)

const publishTaskMutation = `mutation($in: PublishTaskInput!) { publishTask(input: $in) { task { id title assigneeCount checklist requirements } } }`

const submitTaskMutation = `mutation($in: SubmitTaskInput!) { submitTask(input: $in) {
	submission { id text items { item text } decision } assignment { status late } } }`

const reviewMutation = `mutation($s: ID!, $d: TaskDecision!, $c: String) { reviewSubmission(input: {submission: $s, decision: $d, comment: $c}) {
	submission { id decision comment } } }`

const myTasksQuery = `query($st: [TaskStatus!]) { myTasks(status: $st) { edges { node { status late task { id title } latestSubmission { id decision comment } } } } }`

type myTasks struct {
	MyTasks struct {
		Edges []struct {
			Node struct {
				Status           string
				Late             bool
				Task             struct{ ID, Title string }
				LatestSubmission *struct{ ID, Decision, Comment string }
			}
		}
	}
}

// testGlobalID is the opaque ID of a row of the demo school (the form the
// API hands out: type, tenant, id).
func testGlobalID(typ byte, tenant, id uuid.UUID) string {
	b := append([]byte{typ}, tenant[:]...)
	return base64.RawURLEncoding.EncodeToString(append(b, id[:]...))
}

// rowID looks up the id of a demo school's row by a column of it.
func (b *testBundle) rowID(t *testing.T, table, column, value string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := b.asOwner(t, b.demo.School.ID, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM `+pgx.Identifier{table}.Sanitize()+` WHERE `+pgx.Identifier{column}.Sanitize()+` = $1`, value).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// eventually retries check until it passes or 15 s have gone by.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !check(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15 s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTasksOverHTTP: a branch secretary publishes a task to the branch;
// the rules' bad input gets its typed errors; a member starts, submits
// (and cannot submit twice), is returned with a comment and notified,
// resubmits; two reviewers decide at once and one of them gets CONFLICT;
// approving writes one learning fact; progress counts by status and the
// deadline job marks what is late overdue.
func TestTasksOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	school := b.demo.School.ID
	// The secretary is 陈红梅, a member of the branch too.
	ownerExec(t, b, `UPDATE accounts SET person_id = (SELECT id FROM people WHERE name = '陈红梅') WHERE username = 'secretary'`)
	secretary, _ := b.login(t, "secretary", demoPassword)
	admin, _ := b.login(t, "admin", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	unit := func(code string) string { return testGlobalID(2, school, b.rowID(t, "org_units", "code", code)) }
	person := func(name string) string { return testGlobalID(5, school, b.rowID(t, "people", "name", name)) }
	future := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
	task := func(over map[string]any) map[string]any {
		in := map[string]any{"orgUnit": unit("XXGC-XS1"), "title": "学习心得", "requirements": `<p>写一篇心得<script>alert(1)</script></p>`,
			"checklist": []string{"阅读原文", "撰写心得"}, "deadline": future, "evidenceRequired": true, "pointsHint": 5,
			"assignees": map[string]any{"orgUnit": unit("XXGC-XS1")}}
		for k, v := range over {
			in[k] = v
		}
		return map[string]any{"in": in}
	}

	type published struct {
		PublishTask struct {
			Task struct {
				ID            string
				AssigneeCount int
				Checklist     []string
				Requirements  string
			}
		}
	}
	tk := decode[published](t, b.post(t, publishTaskMutation, task(nil), bearer(secretary)...)).PublishTask.Task
	if tk.AssigneeCount != 5 || len(tk.Checklist) != 2 || tk.Requirements != "<p>写一篇心得</p>" {
		t.Fatalf("published: %+v", tk)
	}

	for _, c := range []struct {
		name        string
		vars        map[string]any
		auth        string
		code, field string
	}{
		{"a past deadline", task(map[string]any{"deadline": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}), secretary, "BAD_USER_INPUT", "input.deadline"},
		{"no assignees", task(map[string]any{"assignees": map[string]any{}}), secretary, "BAD_USER_INPUT", "input.assignees"},
		{"nobody matches", task(map[string]any{"assignees": map[string]any{"orgUnit": unit("XXGC-XS1"), "stages": []string{"CANDIDATE"}}}), secretary, "BAD_USER_INPUT", "input.assignees"},
		{"a sibling branch's members", task(map[string]any{"assignees": map[string]any{"orgUnit": unit("XXGC-XS2")}}), secretary, "FORBIDDEN", ""},
		{"a named person outside", task(map[string]any{"assignees": map[string]any{"people": []string{person("孙丽")}}}), secretary, "FORBIDDEN", ""},
		{"published for a sibling branch", task(map[string]any{"orgUnit": unit("XXGC-XS2"), "assignees": map[string]any{"orgUnit": unit("XXGC-XS2")}}), secretary, "FORBIDDEN", ""},
		{"by a member", task(nil), member, "FORBIDDEN", ""},
	} {
		r := b.post(t, publishTaskMutation, c.vars, bearer(c.auth)...)
		if r.code(0) != c.code {
			t.Errorf("%s: %+v, want %s", c.name, r.Errors, c.code)
			continue
		}
		if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); c.field != "" && fields[c.field] == nil {
			t.Errorf("%s: %+v, want the field %s", c.name, r.Errors, c.field)
		}
	}

	// The member sees it, starts it, and must give evidence.
	mine := decode[myTasks](t, b.post(t, myTasksQuery, nil, bearer(member)...)).MyTasks.Edges
	if len(mine) != 1 || mine[0].Node.Task.ID != tk.ID || mine[0].Node.Status != "ASSIGNED" || mine[0].Node.LatestSubmission != nil {
		t.Fatalf("my tasks: %+v", mine)
	}
	if r := b.post(t, `mutation($t: ID!) { startTask(task: $t) { assignment { status } } }`, map[string]any{"t": tk.ID}, bearer(member)...); len(r.Errors) > 0 || string(r.Data) != `{"startTask":{"assignment":{"status":"IN_PROGRESS"}}}` {
		t.Fatalf("start: %s %+v", r.Data, r.Errors)
	}
	if r := b.post(t, submitTaskMutation, map[string]any{"in": map[string]any{"task": tk.ID}}, bearer(member)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("no evidence: %+v", r.Errors)
	}
	if r := b.post(t, submitTaskMutation, map[string]any{"in": map[string]any{"task": tk.ID, "items": []map[string]any{{"item": 5, "text": "x"}}}}, bearer(member)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("no such checklist item: %+v", r.Errors)
	}
	type submitted struct {
		SubmitTask struct {
			Submission struct {
				ID       string
				Decision *string
			}
			Assignment struct {
				Status string
				Late   bool
			}
		}
	}
	submit := func(token, text string) string {
		t.Helper()
		s := decode[submitted](t, b.post(t, submitTaskMutation, map[string]any{"in": map[string]any{"task": tk.ID, "text": text,
			"items": []map[string]any{{"item": 1, "text": "已写"}}}}, bearer(token)...)).SubmitTask
		if s.Assignment.Status != "SUBMITTED" || s.Assignment.Late || s.Submission.Decision != nil {
			t.Fatalf("submitted: %+v", s)
		}
		return s.Submission.ID
	}
	first := submit(member, "读了原文，写了心得")
	if r := b.post(t, submitTaskMutation, map[string]any{"in": map[string]any{"task": tk.ID, "text": "again"}}, bearer(member)...); r.code(0) != "CONFLICT" {
		t.Errorf("a second submission while one waits: %+v", r.Errors)
	}

	// A task for someone else only.
	other := decode[published](t, b.post(t, publishTaskMutation, task(map[string]any{"assignees": map[string]any{"people": []string{person("刘强")}}}), bearer(secretary)...)).PublishTask.Task
	if other.AssigneeCount != 1 {
		t.Fatalf("named: %+v", other)
	}
	if r := b.post(t, submitTaskMutation, map[string]any{"in": map[string]any{"task": other.ID, "text": "x"}}, bearer(member)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("submitting to a task not assigned to you: %+v", r.Errors)
	}

	// The secretary's own submission is not hers to review.
	own := submit(secretary, "我的心得")
	if r := b.post(t, reviewMutation, map[string]any{"s": own, "d": "APPROVE"}, bearer(secretary)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("reviewing your own submission: %+v", r.Errors)
	}
	if r := b.post(t, reviewMutation, map[string]any{"s": first, "d": "APPROVE"}, bearer(member)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("a member reviewing: %+v", r.Errors)
	}
	if r := b.post(t, reviewMutation, map[string]any{"s": first, "d": "RETURN"}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("returning without a comment: %+v", r.Errors)
	}
	if r := b.post(t, reviewMutation, map[string]any{"s": first, "d": "RETURN", "c": "请补充阅读原文的证明"}, bearer(secretary)...); len(r.Errors) > 0 {
		t.Fatalf("return: %+v", r.Errors)
	}
	mine = decode[myTasks](t, b.post(t, myTasksQuery, map[string]any{"st": []string{"RETURNED"}}, bearer(member)...)).MyTasks.Edges
	if len(mine) != 1 || mine[0].Node.LatestSubmission == nil || mine[0].Node.LatestSubmission.Comment != "请补充阅读原文的证明" {
		t.Fatalf("returned: %+v", mine)
	}

	// The member was told it was assigned, and that it came back.
	type inbox struct {
		Notifications struct {
			UnreadCount int
			Edges       []struct {
				Node struct {
					ID, Kind, SubjectID, Title string
					Body                       *string
				}
			}
		}
	}
	const inboxQuery = `{ notifications(unreadOnly: true) { unreadCount edges { node { id kind subjectId title body } } } }`
	var got inbox
	eventually(t, "the member's notifications", func() bool {
		got = decode[inbox](t, b.post(t, inboxQuery, nil, bearer(member)...))
		// The count and the list are two reads: a notice may come between.
		return got.Notifications.UnreadCount == 2 && len(got.Notifications.Edges) == 2
	})
	kinds := map[string]string{}
	for _, e := range got.Notifications.Edges {
		if e.Node.SubjectID != tk.ID || e.Node.Title != "学习心得" {
			t.Errorf("notification: %+v", e.Node)
		}
		kinds[e.Node.Kind] = deref(e.Node.Body)
	}
	if _, ok := kinds["TASK_ASSIGNED"]; !ok || kinds["TASK_RETURNED"] != "请补充阅读原文的证明" {
		t.Errorf("notifications: %+v", got)
	}
	r := b.post(t, `mutation($ids: [ID!]) { markNotificationsRead(input: {ids: $ids}) { marked } }`, map[string]any{"ids": []string{got.Notifications.Edges[0].Node.ID}}, bearer(member)...)
	if len(r.Errors) > 0 || string(r.Data) != `{"markNotificationsRead":{"marked":1}}` {
		t.Errorf("mark read: %s %+v", r.Data, r.Errors)
	}
	if n := decode[inbox](t, b.post(t, inboxQuery, nil, bearer(member)...)).Notifications.UnreadCount; n != 1 {
		t.Errorf("unread after marking one: %d", n)
	}
	// Someone else's notification is not theirs to mark.
	if r := b.post(t, `mutation($ids: [ID!]) { markNotificationsRead(input: {ids: $ids}) { marked } }`, map[string]any{"ids": []string{got.Notifications.Edges[1].Node.ID}}, bearer(secretary)...); string(r.Data) != `{"markNotificationsRead":{"marked":0}}` {
		t.Errorf("marking another's: %s %+v", r.Data, r.Errors)
	}

	// Resubmitted; two reviewers decide at once: one wins, the other gets CONFLICT.
	second := submit(member, "补充了证明")
	var wg sync.WaitGroup
	codes := make([]string, 2)
	for i, c := range []struct{ token, decision, comment string }{{admin, "APPROVE", ""}, {secretary, "RETURN", "再改改"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = b.post(t, reviewMutation, map[string]any{"s": second, "d": c.decision, "c": c.comment}, bearer(c.token)...).code(0)
		}()
	}
	wg.Wait()
	if (codes[0] == "") == (codes[1] == "") || codes[0] != "CONFLICT" && codes[1] != "CONFLICT" {
		t.Fatalf("two reviewers at once: %q", codes)
	}
	if codes[1] == "" { // the return won: once more, and approve it
		second = submit(member, "第三次")
		if r := b.post(t, reviewMutation, map[string]any{"s": second, "d": "APPROVE"}, bearer(admin)...); len(r.Errors) > 0 {
			t.Fatalf("approve: %+v", r.Errors)
		}
	}
	// Approving again is idempotent: one fact.
	if r := b.post(t, reviewMutation, map[string]any{"s": second, "d": "APPROVE"}, bearer(admin)...); len(r.Errors) > 0 || string(r.Data) == "" {
		t.Fatalf("approving twice: %+v", r.Errors)
	}
	var facts int
	if err := b.asOwner(t, school, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM learning_facts WHERE kind = 'task_approved' AND person_id = $1`, b.rowID(t, "people", "name", "李明")).Scan(&facts)
	}); err != nil || facts != 1 {
		t.Fatalf("task_approved facts: %d %v", facts, err)
	}
	if r := b.post(t, submitTaskMutation, map[string]any{"in": map[string]any{"task": tk.ID, "text": "again"}}, bearer(member)...); r.code(0) != "CONFLICT" {
		t.Errorf("submitting an approved task: %+v", r.Errors)
	}

	// Progress: counts by status at the branch, then drilled to its people.
	type progressAnswer struct {
		Node struct {
			Progress []struct {
				OrgUnit                                          struct{ Code string }
				Self                                             bool
				Total, Assigned, InProgress, Submitted, Approved int
			}
			Assignees struct {
				Edges []struct {
					Node struct {
						PersonName       string
						Status           string
						LatestSubmission *struct{ Decision *string }
					}
				}
			}
		}
	}
	const progressQuery = `query($id: ID!, $at: ID) { node(id: $id) { ... on Task {
		progress(orgUnit: $at) { orgUnit { code } self total assigned inProgress submitted approved }
		assignees(orgUnit: $at, status: SUBMITTED) { edges { node { personName status latestSubmission { decision } } } } } } }`
	pr := decode[progressAnswer](t, b.post(t, progressQuery, map[string]any{"id": tk.ID}, bearer(secretary)...)).Node
	if len(pr.Progress) != 1 || !pr.Progress[0].Self || pr.Progress[0].Total != 5 || pr.Progress[0].Approved != 1 || pr.Progress[0].Submitted != 1 || pr.Progress[0].Assigned != 3 {
		t.Errorf("progress at the branch: %+v", pr.Progress)
	}
	if len(pr.Assignees.Edges) != 1 || pr.Assignees.Edges[0].Node.PersonName != "陈红梅" || pr.Assignees.Edges[0].Node.LatestSubmission == nil {
		t.Errorf("submitted assignees: %+v", pr.Assignees)
	}
	pr = decode[progressAnswer](t, b.post(t, progressQuery, map[string]any{"id": tk.ID, "at": unit("XXGC")}, bearer(admin)...)).Node
	if len(pr.Progress) != 1 || pr.Progress[0].Self || pr.Progress[0].OrgUnit.Code != "XXGC-XS1" || pr.Progress[0].Total != 5 {
		t.Errorf("progress at the college: %+v", pr.Progress)
	}
	if r := b.post(t, progressQuery, map[string]any{"id": tk.ID}, bearer(member)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("a member reading progress: %+v", r.Errors)
	}

	// At the deadline, what is not in is overdue; a late submission is marked late.
	soon := decode[published](t, b.post(t, publishTaskMutation, task(map[string]any{"deadline": time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano),
		"evidenceRequired": false, "assignees": map[string]any{"people": []string{person("李明")}}}), bearer(secretary)...)).PublishTask.Task
	eventually(t, "the overdue job", func() bool {
		m := decode[myTasks](t, b.post(t, myTasksQuery, map[string]any{"st": []string{"OVERDUE"}}, bearer(member)...)).MyTasks.Edges
		return len(m) == 1 && m[0].Node.Task.ID == soon.ID
	})
	late := decode[submitted](t, b.post(t, submitTaskMutation, map[string]any{"in": map[string]any{"task": soon.ID}}, bearer(member)...)).SubmitTask
	if late.Assignment.Status != "SUBMITTED" || !late.Assignment.Late {
		t.Errorf("a late submission: %+v", late)
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// TestTaskNoticesOncePerCause: the notice job run again, and on two
// processes at once, delivers each assignee one notice.
func TestTaskNoticesOncePerCause(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	other := b.replica(t)
	admin, _ := b.login(t, "admin", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	xs1 := testGlobalID(2, b.demo.School.ID, b.rowID(t, "org_units", "code", "XXGC-XS1"))
	tk := decode[struct {
		PublishTask struct{ Task struct{ ID string } }
	}](t, b.post(t, publishTaskMutation, map[string]any{"in": map[string]any{"orgUnit": xs1, "title": "通知测试",
		"deadline": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339), "assignees": map[string]any{"orgUnit": xs1}}}, bearer(admin)...)).PublishTask.Task
	count := func() int {
		var n int
		_ = b.asOwner(t, b.demo.School.ID, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE kind = 'task_assigned'`).Scan(&n)
		})
		return n
	}
	eventually(t, "the notices", func() bool { return count() == 5 })
	raw, _ := base64.RawURLEncoding.DecodeString(tk.ID)
	taskID, _ := uuid.FromBytes(raw[17:])
	job := &river.Job[task.NoticeArgs]{Args: task.NoticeArgs{TenantID: b.demo.School.ID, TaskID: taskID, What: "assigned"}}
	var wg sync.WaitGroup
	for _, a := range []*app.App{b.app, other.app, b.app} {
		wg.Go(func() {
			if err := (&task.NoticeWorker{Tasks: a.Tasks}).Work(context.Background(), job); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := count(); n != 5 {
		t.Fatalf("%d notices after the job ran again on two processes, want 5", n)
	}
	got := decode[struct{ Notifications struct{ UnreadCount int } }](t, b.post(t, `{ notifications { unreadCount } }`, nil, bearer(member)...))
	if got.Notifications.UnreadCount != 1 {
		t.Errorf("the member's unread: %d", got.Notifications.UnreadCount)
	}
}

// TestTaskEvidenceThroughStorage: a member uploads a photo as evidence (to
// MinIO), submits it; the secretary reviewing it fetches it, a file not
// ready is refused.
func TestTaskEvidenceThroughStorage(t *testing.T) {
	t.Parallel()
	b, _ := setupMedia(t, nil)
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	xs1 := testGlobalID(2, b.demo.School.ID, b.rowID(t, "org_units", "code", "XXGC-XS1"))
	tk := decode[struct {
		PublishTask struct{ Task struct{ ID string } }
	}](t, b.post(t, publishTaskMutation, map[string]any{"in": map[string]any{"orgUnit": xs1, "title": "主题党日照片", "evidenceRequired": true,
		"deadline": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339), "assignees": map[string]any{"orgUnit": xs1}}}, bearer(secretary)...)).PublishTask.Task
	up := decode[struct{ UploadImage struct{ Media mediaNode } }](t, b.uploadFile(t, member, "活动照片.png", pngBytes(t, 800, 600), "TASK_EVIDENCE")).UploadImage.Media
	if r := b.post(t, submitTaskMutation, map[string]any{"in": map[string]any{"task": tk.ID, "attachments": []string{up.ID}}}, bearer(member)...); r.code(0) != "BAD_USER_INPUT" && up.Status != "READY" {
		t.Errorf("evidence still processing: %+v", r.Errors)
	}
	if m := b.waitMedia(t, member, up.ID); m.Status != "READY" {
		t.Fatalf("evidence: %+v", m)
	}
	if r := b.post(t, submitTaskMutation, map[string]any{"in": map[string]any{"task": tk.ID, "text": "见照片", "attachments": []string{up.ID}}}, bearer(member)...); len(r.Errors) > 0 {
		t.Fatalf("submit: %+v", r.Errors)
	}
	got := decode[struct {
		Node struct {
			Assignees struct {
				Edges []struct {
					Node struct {
						LatestSubmission struct {
							Attachments []struct {
								ID  string
								URL *string
							}
						}
					}
				}
			}
		}
	}](t, b.post(t, `query($id: ID!) { node(id: $id) { ... on Task { assignees(status: SUBMITTED) { edges { node { latestSubmission { attachments { id url } } } } } } } }`,
		map[string]any{"id": tk.ID}, bearer(secretary)...)).Node.Assignees.Edges
	if len(got) != 1 || len(got[0].Node.LatestSubmission.Attachments) != 1 || got[0].Node.LatestSubmission.Attachments[0].URL == nil {
		t.Fatalf("the reviewer's view of the evidence: %+v", got)
	}
	if status, body := httpGet(t, *got[0].Node.LatestSubmission.Attachments[0].URL); status != 200 || len(body) == 0 {
		t.Errorf("fetching the evidence: %d", status)
	}
}
