package app_test

import (
	"encoding/base64"
	"fmt"
	"strings"
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

// TestForYouOverHTTP: the lessons the member's plan still needs come
// first, then items on the tags they study, then the latest; never what
// they completed, nor what no site shows.
func TestForYouOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	xs1 := testGlobalID(2, b.demo.School.ID, b.rowID(t, "org_units", "code", "XXGC-XS1"))
	if r := b.post(t, `mutation($u: ID!) { setLearningPlan(input: {orgUnit: $u, stage: FULL, period: QUARTER, requiredLessons: 2, series: "党史"}) { plan { requiredLessons } } }`,
		map[string]any{"u": xs1}, bearer(secretary)...); len(r.Errors) > 0 {
		t.Fatalf("plan: %+v", r.Errors)
	}
	lesson := func(slug, series string, age int) string {
		return fmt.Sprintf(`INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at, body)
			SELECT u.tenant_id, 'micro_lesson', '%s', '%s', u.id, 'published', now() - interval '%d hours', jsonb_build_object('durationSeconds', 600, 'series', '%s')
			FROM org_units u WHERE u.code = 'XXGC'`, slug, slug, age, series)
	}
	ownerExec(t, b, lesson("done-lesson", "党史", 1), lesson("old-lesson", "党史", 5), lesson("new-lesson", "党史", 2), lesson("other-lesson", "", 3),
		publishRaw("youth", "XXGC", "youth", "", "<p>x</p>", []string{"青年"}, nil, "published"),
		publishRaw("youth-read", "XXGC", "youth-read", "", "<p>x</p>", []string{"青年"}, nil, "published"),
		publishRaw("village", "XXGC", "village", "", "<p>x</p>", []string{"乡村振兴"}, nil, "published"),
		publishRaw("draft", "XXGC", "draft", "", "<p>x</p>", []string{"青年"}, nil, "draft"),
		`UPDATE contents SET published_at = now() - interval '9 hours' WHERE slug = 'youth'`,
		`UPDATE contents SET published_at = now() - interval '10 hours' WHERE slug = 'youth-read'`,
		`UPDATE contents SET published_at = now() - interval '20 hours' WHERE slug = 'village'`,
		// Studying one youth item (not finished) makes 青年 an interest; one lesson is done.
		`INSERT INTO learning_progress (tenant_id, person_id, content_id, mode, seconds, required_seconds)
		 SELECT c.tenant_id, p.id, c.id, 'read', 10, 60 FROM contents c, people p WHERE c.slug = 'youth-read' AND p.name = '李明'`,
		`INSERT INTO learning_facts (tenant_id, person_id, kind, source_type, source_id, occurred_at)
		 SELECT c.tenant_id, p.id, 'lesson_completed', 'content', c.id, now() FROM contents c, people p WHERE c.slug = 'done-lesson' AND p.name = '李明'`)
	const doc = `query($n: Int, $a: String) { forYou(first: $n, after: $a) { edges { cursor node { required dueOn score content { slug } } } pageInfo { hasNextPage } } }`
	type page struct {
		ForYou struct {
			Edges []struct {
				Cursor string
				Node   struct {
					Required bool
					DueOn    *string
					Score    int
					Content  struct{ Slug string }
				}
			}
			PageInfo struct{ HasNextPage bool }
		}
	}
	var got []string
	var after any
	for i := 0; i < 10; i++ {
		p := decode[page](t, b.post(t, doc, map[string]any{"n": 2, "a": after}, bearer(member)...)).ForYou
		for _, e := range p.Edges {
			got = append(got, e.Node.Content.Slug)
			if e.Node.Required != (e.Node.DueOn != nil) {
				t.Errorf("%s: required %v, due %v", e.Node.Content.Slug, e.Node.Required, e.Node.DueOn)
			}
		}
		if !p.PageInfo.HasNextPage {
			break
		}
		after = p.Edges[len(p.Edges)-1].Cursor
	}
	want := []string{"new-lesson", "old-lesson", "youth", "youth-read", "other-lesson", "village"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("for you: %v, want %v", got, want)
	}
}
