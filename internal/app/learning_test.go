package app_test

import (
	"encoding/base64"
	"fmt"
	"testing"
	"time"
)

const startLearningMutation = `mutation($c: ID!, $m: LearningMode!) { startLearning(input: {content: $c, mode: $m}) {
	session { id progress { mode seconds requiredSeconds completed } } } }`

const recordProgressMutation = `mutation($s: ID!, $p: Int, $playing: Boolean!, $at: Time) {
	recordProgress(input: {session: $s, position: $p, playing: $playing, sentAt: $at}) {
		verdict justCompleted progress { seconds skippedBeats rejectedBeats } } }`

// TestLearningOverHTTP: a member starts watching a micro-lesson and sends
// heartbeats; what each counts for comes back, bad input gets its typed
// error, and the progress is listed with its item. (The rules, with a
// clock of their own, are tested in internal/learning.)
func TestLearningOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ownerExec(t, b,
		`INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at, body)
		 SELECT u.tenant_id, 'micro_lesson', 'lesson-1', '党史中的青年', u.id, 'published', now(), '{"durationSeconds": 600}'
		 FROM org_units u WHERE u.code = 'XXGC'`,
		publishRaw("reading-1", "XXGC", "学习二十大", "", "<p>正文</p>", nil, nil, "published"))
	id := func(slug string) string {
		t.Helper()
		return decode[struct{ Content struct{ ID string } }](t, b.post(t, `query($s: String!) { content(site: "xxgc", slug: $s) { id } }`,
			map[string]any{"s": slug})).Content.ID
	}
	lesson, article := id("lesson-1"), id("reading-1")
	member, _ := b.login(t, "member", demoPassword)

	type progress struct {
		Seconds, SkippedBeats, RejectedBeats int
	}
	type beatAnswer struct {
		RecordProgress struct {
			Verdict       string
			JustCompleted bool
			Progress      progress
		}
	}
	started := decode[struct {
		StartLearning struct {
			Session struct {
				ID       string
				Progress struct {
					Mode            string
					Seconds         int
					RequiredSeconds int
					Completed       bool
				}
			}
		}
	}](t, b.post(t, startLearningMutation, map[string]any{"c": lesson, "m": "WATCH"}, bearer(member)...)).StartLearning.Session
	if started.Progress.RequiredSeconds != 540 || started.Progress.Mode != "WATCH" || started.Progress.Completed {
		t.Fatalf("started: %+v", started)
	}
	beat := func(position int, sentAt *time.Time) beatAnswer {
		t.Helper()
		vars := map[string]any{"s": started.ID, "p": position, "playing": true}
		if sentAt != nil {
			vars["at"] = sentAt.UTC().Format(time.RFC3339)
		}
		return decode[beatAnswer](t, b.post(t, recordProgressMutation, vars, bearer(member)...))
	}
	if r := beat(0, nil).RecordProgress; r.Verdict != "NOT_PLAYING" {
		t.Fatalf("the first beat: %+v", r)
	}
	if r := beat(500, nil).RecordProgress; r.Verdict != "SKIPPED_AHEAD" || r.Progress.SkippedBeats != 1 || r.Progress.Seconds != 0 {
		t.Fatalf("a jump ahead: %+v", r)
	}
	later := time.Now().Add(time.Hour)
	if r := beat(502, &later).RecordProgress; r.Verdict != "REJECTED_FUTURE" || r.Progress.RejectedBeats != 1 {
		t.Fatalf("a beat from the future: %+v", r)
	}

	for _, c := range []struct {
		name, query string
		vars        map[string]any
		auth        []string
		code, field string
	}{
		{"an article watched", startLearningMutation, map[string]any{"c": article, "m": "WATCH"}, bearer(member), "BAD_USER_INPUT", "input.mode"},
		{"not an item's ID", startLearningMutation, map[string]any{"c": started.ID, "m": "WATCH"}, bearer(member), "BAD_USER_INPUT", "input.content"},
		{"not a session's ID", recordProgressMutation, map[string]any{"s": lesson, "playing": true}, bearer(member), "BAD_USER_INPUT", "input.session"},
		{"a session never started", recordProgressMutation, map[string]any{"s": otherID(t, started.ID), "playing": true}, bearer(member), "BAD_USER_INPUT", "input.session"},
		{"signed out", startLearningMutation, map[string]any{"c": lesson, "m": "WATCH"}, nil, "UNAUTHENTICATED", ""},
	} {
		r := b.post(t, c.query, c.vars, c.auth...)
		if r.code(0) != c.code {
			t.Errorf("%s: %+v, want %s", c.name, r.Errors, c.code)
			continue
		}
		if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); c.field != "" && fields[c.field] == nil {
			t.Errorf("%s: %+v, want the field %s", c.name, r.Errors, c.field)
		}
	}
	admin, _ := b.login(t, "admin", demoPassword) // no person record
	if r := b.post(t, startLearningMutation, map[string]any{"c": lesson, "m": "WATCH"}, bearer(admin)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("an account with no person record: %+v", r.Errors)
	}
	// Reading the article too; both are listed, the latest first, with their items.
	if r := b.post(t, startLearningMutation, map[string]any{"c": article, "m": "READ"}, bearer(member)...); len(r.Errors) != 0 {
		t.Fatalf("start reading: %+v", r.Errors)
	}
	list := decode[struct {
		MyLearning struct {
			Edges []struct {
				Node struct {
					Mode    string
					Content struct{ Title string }
					progress
				}
			}
			PageInfo struct{ HasNextPage bool }
		}
	}](t, b.post(t, `{ myLearning(first: 1) { edges { node { mode content { title } seconds skippedBeats rejectedBeats } } pageInfo { hasNextPage } } }`, nil, bearer(member)...))
	if got := fmt.Sprintf("%+v", list.MyLearning); got != "{Edges:[{Node:{Mode:READ Content:{Title:学习二十大} progress:{Seconds:0 SkippedBeats:0 RejectedBeats:0}}}] PageInfo:{HasNextPage:true}}" {
		t.Fatalf("my learning: %s", got)
	}
}

// otherID is a well-formed ID of the same type and school as id, naming
// nothing (its last byte changed).
func otherID(t *testing.T, id string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestLearningPlansOverHTTP: the committee sets a plan for full members, a
// branch overrides it for its own, a secretary cannot set the
// committee's, and a member sees where they stand this period.
func TestLearningPlansOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	unitOf := func(token string) string {
		t.Helper()
		return decode[struct {
			Me struct {
				Roles []struct{ OrgUnit struct{ ID string } }
			}
		}](t, b.post(t, `{ me { roles { orgUnit { id } } } }`, nil, bearer(token)...)).Me.Roles[0].OrgUnit.ID
	}
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	committee, branch := unitOf(admin), unitOf(secretary)
	const set = `mutation($u: ID!, $n: Int!, $s: String) { setLearningPlan(input: {orgUnit: $u, stage: FULL, period: QUARTER, requiredLessons: $n, series: $s}) {
		plan { requiredLessons inherited } } }`
	if r := b.post(t, set, map[string]any{"u": committee, "n": 6}, bearer(admin)...); len(r.Errors) != 0 {
		t.Fatalf("the committee's plan: %+v", r.Errors)
	}
	if r := b.post(t, set, map[string]any{"u": branch, "n": 4, "s": "党史"}, bearer(secretary)...); len(r.Errors) != 0 {
		t.Fatalf("the branch's plan: %+v", r.Errors)
	}
	if r := b.post(t, set, map[string]any{"u": committee, "n": 1}, bearer(secretary)...); r.code(0) != "FORBIDDEN" {
		t.Fatalf("a secretary setting the committee's plan: %+v", r.Errors)
	}
	if r := b.post(t, set, map[string]any{"u": branch, "n": 0}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Fatalf("no lessons: %+v", r.Errors)
	} else if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); fields["input.requiredLessons"] == nil {
		t.Fatalf("no lessons, field: %+v", r.Errors)
	}
	plans := decode[struct {
		LearningPlans []struct {
			Stage           string
			RequiredLessons int
			Series          *string
			Inherited       bool
		}
	}](t, b.post(t, `query($u: ID!) { learningPlans(orgUnit: $u) { stage requiredLessons series inherited } }`, map[string]any{"u": branch}, bearer(member)...))
	if len(plans.LearningPlans) != 1 || plans.LearningPlans[0].RequiredLessons != 4 || plans.LearningPlans[0].Inherited || plans.LearningPlans[0].Series == nil {
		t.Fatalf("plans at the branch: %+v", plans)
	}
	mine := decode[struct {
		MyLearningPlan struct {
			Plan            struct{ RequiredLessons int }
			Done, Remaining int
			From, DueOn     string
		}
	}](t, b.post(t, `{ myLearningPlan { plan { requiredLessons } done remaining from dueOn } }`, nil, bearer(member)...)).MyLearningPlan
	if mine.Plan.RequiredLessons != 4 || mine.Done != 0 || mine.Remaining != 4 || mine.From == "" || mine.DueOn <= mine.From {
		t.Fatalf("my plan: %+v", mine)
	}
}
