package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/seed"
)

// ownerCount reads one number as the schema owner in tenant.
func (b *testBundle) ownerCount(t *testing.T, tenant uuid.UUID, query string, out *int) {
	t.Helper()
	if err := b.asOwner(t, tenant, func(ctx context.Context, tx pgx.Tx) error { return tx.QueryRow(ctx, query).Scan(out) }); err != nil {
		t.Fatal(err)
	}
}

const postSuggestionMutation = `mutation($in: PostSuggestionInput!) { postSuggestion(input: $in) { suggestion {
	id title body status moderation public anonymous authorName votes votedByMe dueAt matchedWords } } }`

type opinion struct {
	ID, Title, Body, Status, Moderation string
	Public, Anonymous, VotedByMe        bool
	AuthorName                          *string
	Votes                               int
	Pinned                              *int
	MatchedWords                        []string
	DueAt                               time.Time
	Replies                             []struct {
		Official bool
		Body     string
	}
}

// Suggestions with official replies, votes, pins and privacy; the word
// list catching disguised words and sending posts to review; bans;
// comments under a site's moderation; reports.
func TestInteractionOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_RATE_LIMITS": "post=1000/1m,post_address=1000/1m,graphql=100000/1m"})
	school := b.demo.School.ID
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)   // 李明
	student, _ := b.login(t, "student", demoPassword) // 王芳
	unit := func(code string) string { return testGlobalID(2, school, b.rowID(t, "org_units", "code", code)) }
	post := func(token string, in map[string]any) (*opinion, *gqlResponse) {
		t.Helper()
		base := map[string]any{"orgUnit": unit("XXGC-XS1"), "category": "study", "title": "关于党课时间", "body": "能否把党课安排在周四下午？", "public": true}
		for k, v := range in {
			base[k] = v
		}
		r := b.post(t, postSuggestionMutation, map[string]any{"in": base}, bearer(token)...)
		if len(r.Errors) > 0 {
			return nil, r
		}
		o := decode[struct {
			PostSuggestion struct{ Suggestion opinion }
		}](t, r).PostSuggestion.Suggestion
		return &o, r
	}
	const listQuery = `query($u: ID, $o: SuggestionOrder, $f: SuggestionFilter) { suggestions(orgUnit: $u, orderBy: $o, filter: $f, first: 50) {
		edges { node { id title status moderation votes pinned authorName } } } }`
	list := func(token string, vars map[string]any) []opinion {
		t.Helper()
		if vars == nil {
			vars = map[string]any{}
		}
		vars["u"] = unit("XXGC-XS1")
		var out []opinion
		for _, e := range decode[struct {
			Suggestions struct{ Edges []struct{ Node opinion } }
		}](t, b.post(t, listQuery, vars, bearer(token)...)).Suggestions.Edges {
			out = append(out, e.Node)
		}
		return out
	}
	ids := func(os []opinion) []string {
		var out []string
		for _, o := range os {
			out = append(out, o.ID)
		}
		return out
	}

	// The school's word list.
	if r := b.post(t, `mutation($w: [String!]!) { setWordList(words: $w) { version words } }`, map[string]any{"w": []string{"敏感词", "赌博"}}, bearer(member)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("a member setting the word list: %+v", r.Errors)
	}
	if r := b.post(t, `mutation($w: [String!]!) { setWordList(words: $w) { version words } }`, map[string]any{"w": []string{"敏感词", "赌博", "敏感词"}}, bearer(admin)...); !strings.Contains(string(r.Data), `"words":["敏感词","赌博"]`) {
		t.Fatalf("word list: %s %+v", r.Data, r.Errors)
	}

	// Posting: a public question, text as written (HTML is text).
	pub, r := post(student, map[string]any{"body": `<script>alert(1)</script> 周四下午可以吗？`})
	if pub == nil {
		t.Fatalf("post: %+v", r.Errors)
	}
	if pub.Status != "OPEN" || pub.Moderation != "VISIBLE" || pub.Body != `<script>alert(1)</script> 周四下午可以吗？` || pub.AuthorName == nil || *pub.AuthorName != "王芳" ||
		!pub.DueAt.After(time.Now().Add(5*24*time.Hour)) || pub.DueAt.After(time.Now().Add(10*24*time.Hour)) {
		t.Errorf("posted: %+v", *pub)
	}
	for _, c := range []struct {
		name  string
		in    map[string]any
		code  string
		field string
	}{
		{"no title", map[string]any{"title": "  "}, "BAD_USER_INPUT", "input.title"},
		{"a body too long", map[string]any{"body": strings.Repeat("长", 5001)}, "BAD_USER_INPUT", "input.body"},
		{"an unknown category", map[string]any{"category": "nope"}, "BAD_USER_INPUT", "input.category"},
	} {
		_, r := post(student, c.in)
		if r.code(0) != c.code {
			t.Errorf("%s: %+v", c.name, r.Errors)
			continue
		}
		if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); fields[c.field] == nil {
			t.Errorf("%s: %+v, want the field %s", c.name, r.Errors, c.field)
		}
	}
	if r := b.post(t, postSuggestionMutation, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC-XS1"), "category": "study", "title": "x", "body": "y", "public": true}}); r.code(0) != "UNAUTHENTICATED" {
		t.Errorf("posting signed out: %+v", r.Errors)
	}

	// A private one and an anonymous one by the member.
	private, _ := post(member, map[string]any{"title": "个人困难", "public": false})
	anon, _ := post(member, map[string]any{"title": "匿名建议", "anonymous": true})
	if private == nil || anon == nil {
		t.Fatal("the member's posts")
	}
	seen := list(student, nil)
	if got := strings.Join(ids(seen), ","); strings.Contains(got, private.ID) || !strings.Contains(got, pub.ID) || !strings.Contains(got, anon.ID) {
		t.Errorf("the student's list: %+v", seen)
	}
	if r := b.post(t, `query($id: ID!) { suggestion(id: $id) { id } }`, map[string]any{"id": private.ID}, bearer(student)...); r.code(0) != "NOT_FOUND" {
		t.Errorf("another's private suggestion: %s %+v", r.Data, r.Errors)
	}
	for _, o := range seen {
		if o.ID == anon.ID && o.AuthorName != nil {
			t.Errorf("an anonymous author shown to a reader: %+v", o)
		}
	}
	for _, o := range list(secretary, nil) {
		if o.ID == anon.ID && (o.AuthorName == nil || *o.AuthorName != "李明") {
			t.Errorf("the responder does not see who: %+v", o)
		}
	}
	var anonAudits int
	b.ownerCount(t, school, `SELECT count(*) FROM audit_log WHERE action = 'anonymous_post'`, &anonAudits)
	if anonAudits != 1 {
		t.Errorf("%d audit records of anonymous posts", anonAudits)
	}

	// Votes: twice is once; withdrawing one never cast is a conflict.
	const vote = `mutation($s: ID!, $v: Boolean!) { voteSuggestion(suggestion: $s, vote: $v) { suggestion { votes votedByMe } } }`
	for range 2 {
		if r := b.post(t, vote, map[string]any{"s": anon.ID, "v": true}, bearer(student)...); string(r.Data) != `{"voteSuggestion":{"suggestion":{"votes":1,"votedByMe":true}}}` {
			t.Errorf("vote: %s %+v", r.Data, r.Errors)
		}
	}
	b.post(t, vote, map[string]any{"s": anon.ID, "v": true}, bearer(secretary)...)
	if r := b.post(t, vote, map[string]any{"s": pub.ID, "v": false}, bearer(student)...); r.code(0) != "CONFLICT" {
		t.Errorf("withdrawing a vote never cast: %+v", r.Errors)
	}
	if hot := list(student, map[string]any{"o": "HOT"}); len(hot) < 2 || hot[0].ID != anon.ID || hot[0].Votes != 2 {
		t.Errorf("hot: %+v", hot)
	}
	if most := list(student, map[string]any{"o": "MOST_VOTED"}); len(most) == 0 || most[0].ID != anon.ID {
		t.Errorf("most voted: %+v", most)
	}

	// Only responders reply officially; only admins pin.
	const reply = `mutation($in: ReplySuggestionInput!) { replySuggestion(input: $in) { suggestion { status replies { official body } } } }`
	if r := b.post(t, reply, map[string]any{"in": map[string]any{"suggestion": pub.ID, "body": "好的", "official": true}}, bearer(member)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("a member replying officially: %+v", r.Errors)
	}
	if r := b.post(t, `mutation($s: ID!) { pinSuggestion(suggestion: $s, order: 1) { suggestion { pinned } } }`, map[string]any{"s": pub.ID}, bearer(member)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("a member pinning: %+v", r.Errors)
	}
	if r := b.post(t, reply, map[string]any{"in": map[string]any{"suggestion": pub.ID, "body": "支部已研究，下学期起安排在周四下午。", "official": true}}, bearer(secretary)...); string(r.Data) != `{"replySuggestion":{"suggestion":{"status":"ANSWERED","replies":[{"official":true,"body":"支部已研究，下学期起安排在周四下午。"}]}}}` {
		t.Errorf("official reply: %s %+v", r.Data, r.Errors)
	}
	notices := b.post(t, `{ notifications { edges { node { kind subjectId } } } }`, nil, bearer(student)...)
	if !strings.Contains(string(notices.Data), `"kind":"SUGGESTION_ANSWERED","subjectId":"`+pub.ID) {
		t.Errorf("the asker's inbox: %s", notices.Data)
	}
	if r := b.post(t, reply, map[string]any{"in": map[string]any{"suggestion": pub.ID, "body": "谢谢！那周四晚上呢？", "official": false}}, bearer(student)...); !strings.Contains(string(r.Data), `"status":"OPEN"`) {
		t.Errorf("a follow-up: %s %+v", r.Data, r.Errors)
	}
	if r := b.post(t, `mutation($s: ID!) { pinSuggestion(suggestion: $s, order: 1) { suggestion { pinned } } }`, map[string]any{"s": pub.ID}, bearer(secretary)...); string(r.Data) != `{"pinSuggestion":{"suggestion":{"pinned":1}}}` {
		t.Errorf("pin: %s %+v", r.Data, r.Errors)
	}
	if pinned := list(student, map[string]any{"o": "PINNED"}); len(pinned) != 1 || pinned[0].ID != pub.ID {
		t.Errorf("pinned: %+v", pinned)
	}
	if r := b.post(t, `mutation($s: ID!) { closeSuggestion(suggestion: $s, reject: true) { suggestion { status } } }`, map[string]any{"s": private.ID}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("rejecting without a reason: %+v", r.Errors)
	}
	if r := b.post(t, `mutation($s: ID!) { closeSuggestion(suggestion: $s, reject: true, reason: "不属于支部职责") { suggestion { status rejectReason } } }`, map[string]any{"s": private.ID}, bearer(secretary)...); string(r.Data) != `{"closeSuggestion":{"suggestion":{"status":"REJECTED","rejectReason":"不属于支部职责"}}}` {
		t.Errorf("reject: %s %+v", r.Data, r.Errors)
	}
	if r := b.post(t, reply, map[string]any{"in": map[string]any{"suggestion": private.ID, "body": "为什么？", "official": false}}, bearer(member)...); r.code(0) != "CONFLICT" {
		t.Errorf("following up a rejected one: %+v", r.Errors)
	}

	// The word list: disguised words are caught; the post waits for review
	// and says so; a moderator approves it.
	for _, text := range []string{"这里有 敏 感 词 呢", "敏*感*词", "线上賭博", "ＡＢＣ敏。感。词"} {
		o, r := post(student, map[string]any{"title": "普通标题", "body": text})
		if o == nil || o.Moderation != "PENDING" || len(o.MatchedWords) != 0 {
			t.Errorf("%q: %+v %+v (pending; the words are for moderators)", text, o, r.Errors)
		}
	}
	flagged, _ := post(student, map[string]any{"body": "敏 感 词"})
	if got := ids(list(member, nil)); strings.Contains(strings.Join(got, ","), flagged.ID) {
		t.Errorf("a pending suggestion shown to others")
	}
	var queue opinion
	for _, o := range list(secretary, nil) {
		if o.ID == flagged.ID {
			queue = o
		}
	}
	if queue.Moderation != "PENDING" {
		t.Errorf("the moderator does not see it waiting: %+v", queue)
	}
	if r := b.post(t, `query($id: ID!) { suggestion(id: $id) { matchedWords } }`, map[string]any{"id": flagged.ID}, bearer(secretary)...); !strings.Contains(string(r.Data), `["敏感词"]`) {
		t.Errorf("the matched words for the moderator: %s %+v", r.Data, r.Errors)
	}
	if r := b.post(t, `mutation($s: ID!) { moderateSuggestion(suggestion: $s, decision: APPROVE) { suggestion { moderation } } }`, map[string]any{"s": flagged.ID}, bearer(secretary)...); string(r.Data) != `{"moderateSuggestion":{"suggestion":{"moderation":"VISIBLE"}}}` {
		t.Errorf("approve: %s %+v", r.Data, r.Errors)
	}

	// Comments on an item on the college's site: post-moderation by
	// default; pre-moderation holds them; closed takes none.
	ownerExec(t, b, publishRaw("talk-1", "XXGC", "学习二十大", "", "<p>正文</p>", nil, nil, "published"))
	item := decode[struct{ Content struct{ ID string } }](t, b.post(t, `{ content(site: "xxgc", slug: "talk-1") { id } }`, nil)).Content.ID
	const comment = `mutation($b: String!) { postComment(input: {site: "xxgc", content: "` + "%s" + `", body: $b}) { comment { id status body } } }`
	postComment := func(token, body string) *gqlResponse {
		return b.post(t, strings.Replace(comment, "%s", item, 1), map[string]any{"b": body}, bearer(token)...)
	}
	if r := postComment(student, "<b>写得好</b>"); !strings.Contains(string(r.Data), `"status":"VISIBLE","body":"<b>写得好</b>"`) {
		t.Errorf("a comment: %s %+v", r.Data, r.Errors)
	}
	if r := postComment(student, "赌 博"); !strings.Contains(string(r.Data), `"status":"PENDING"`) {
		t.Errorf("a comment with a listed word: %s %+v", r.Data, r.Errors)
	}
	const mode = `mutation($m: CommentMode!) { setCommentMode(site: "xxgc", mode: $m) }`
	if r := b.post(t, mode, map[string]any{"m": "CLOSED"}, bearer(member)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("a member setting the mode: %+v", r.Errors)
	}
	b.post(t, mode, map[string]any{"m": "PRE"}, bearer(admin)...)
	pending := postComment(student, "期待下一期")
	if !strings.Contains(string(pending.Data), `"status":"PENDING"`) {
		t.Errorf("under pre-moderation: %s %+v", pending.Data, pending.Errors)
	}
	b.post(t, mode, map[string]any{"m": "CLOSED"}, bearer(admin)...)
	if r := postComment(student, "还能评论吗"); r.code(0) != "FORBIDDEN" {
		t.Errorf("commenting where comments are closed: %+v", r.Errors)
	}
	b.post(t, mode, map[string]any{"m": "POST"}, bearer(admin)...)
	pendingID := decode[struct {
		PostComment struct{ Comment struct{ ID string } }
	}](t, pending).PostComment.Comment.ID
	if r := b.post(t, `mutation($c: ID!) { moderateComment(comment: $c, decision: APPROVE) { comment { status } } }`, map[string]any{"c": pendingID}, bearer(admin)...); string(r.Data) != `{"moderateComment":{"comment":{"status":"VISIBLE"}}}` {
		t.Errorf("approve a comment: %s %+v", r.Data, r.Errors)
	}
	listComments := func() string {
		return string(b.post(t, `query($c: ID!) { comments(site: "xxgc", content: $c) { edges { node { body status } } } }`, map[string]any{"c": item}).Data)
	}
	if got := listComments(); !strings.Contains(got, "期待下一期") || strings.Contains(got, "赌") {
		t.Errorf("the comments shown: %s", got)
	}
	// Reports: three readers send a visible comment back to review.
	if r := b.post(t, `mutation($c: ID!) { reportComment(comment: $c, reason: "") }`, map[string]any{"c": pendingID}, bearer(member)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("a report without a reason: %+v", r.Errors)
	}
	for _, who := range []string{member, secretary, admin, member} {
		if r := b.post(t, `mutation($c: ID!) { reportComment(comment: $c, reason: "不当言论") }`, map[string]any{"c": pendingID}, bearer(who)...); len(r.Errors) > 0 && who != member {
			t.Errorf("report: %+v", r.Errors)
		}
	}
	if got := listComments(); strings.Contains(got, "期待下一期") {
		t.Errorf("a reported comment still shows: %s", got)
	}

	// Unanswered past its deadline: an early warning to the unit's admins.
	ownerExec(t, b, `UPDATE suggestions SET due_at = now() - interval '1 day' WHERE title = '匿名建议'`)
	if _, err := b.app.Warnings.Scan(context.Background(), school); err != nil {
		t.Fatal(err)
	}
	if r := b.post(t, `query($u: ID!) { warnings(orgUnit: $u, rule: [SUGGESTION_UNANSWERED]) { edges { node { title subjectId } } } }`,
		map[string]any{"u": unit("XXGC-XS1")}, bearer(secretary)...); !strings.Contains(string(r.Data), "意见建议逾期未答复：匿名建议") || !strings.Contains(string(r.Data), anon.ID) {
		t.Errorf("the warning: %s %+v", r.Data, r.Errors)
	}

	// A ban: no posting until it ends.
	studentAccount := testGlobalID(4, school, b.rowID(t, "accounts", "username", "student"))
	if r := b.post(t, `mutation($a: ID!, $u: Time!) { banAccount(account: $a, until: $u, reason: "多次发布不当言论") }`, map[string]any{"a": studentAccount,
		"u": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, bearer(admin)...); string(r.Data) != `{"banAccount":true}` {
		t.Fatalf("ban: %s %+v", r.Data, r.Errors)
	}
	if _, r := post(student, nil); r.code(0) != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "多次发布不当言论") {
		t.Errorf("a banned account posting: %+v", r.Errors)
	}
	if r := postComment(student, "我还能说话吗"); r.code(0) != "FORBIDDEN" {
		t.Errorf("a banned account commenting: %+v", r.Errors)
	}
}

// A burst of posts runs into the limit with a time to wait.
func TestPostingIsRateLimited(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_RATE_LIMITS": "post=20/1h,post_address=1000/1h,graphql=100000/1h"})
	school := b.demo.School.ID
	student, _ := b.login(t, "student", demoPassword)
	unit := testGlobalID(2, school, b.rowID(t, "org_units", "code", "XXGC-XS1"))
	limited := 0
	for i := range 50 {
		r := b.post(t, postSuggestionMutation, map[string]any{"in": map[string]any{"orgUnit": unit, "category": "other", "title": "第" + string(rune('A'+i%26)) + "条",
			"body": "内容", "public": true}}, bearer(student)...)
		if r.code(0) == "RATE_LIMITED" {
			limited++
			if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra <= 0 {
				t.Errorf("no retryAfter: %+v", r.Errors)
			}
		} else if len(r.Errors) > 0 {
			t.Fatalf("post %d: %+v", i, r.Errors)
		}
	}
	if limited != 30 {
		t.Errorf("%d of 50 posts limited, want 30 (20 a window; an hour here, so that the burst stays in one)", limited)
	}
}

// The demo's suggestions: one answered, one pinned, one waiting for
// review; seeding again adds nothing.
func TestDemoInteractionSeed(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	svc := seed.InteractionServices{Accounts: b.app.Accounts, Org: b.app.Org, Talk: b.app.Talk, Moderation: b.app.Moderation}
	for i, want := range []int{3, 0} {
		n, err := seed.DemoInteraction(context.Background(), b.demo.School, svc)
		if err != nil || n != want {
			t.Fatalf("seeding %d: %d (%v), want %d", i+1, n, err, want)
		}
	}
	r := b.post(t, `{ suggestions(site: "xxgc", orderBy: NEWEST) { edges { node { title status pinned moderation } } } }`, nil)
	got := string(r.Data)
	if !strings.Contains(got, `"status":"ANSWERED"`) || !strings.Contains(got, `"pinned":1`) || strings.Contains(got, "赌") || len(r.Errors) > 0 {
		t.Errorf("the site's suggestions: %s %+v", got, r.Errors)
	}
}

// One queue for moderators across comments, suggestions and follow-ups:
// each sees the units they moderate, oldest first, keyset-paged; a
// follow-up is approved or rejected from it.
func TestModerationQueue(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	school := b.demo.School.ID
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword) // moderates XXGC-XS1
	member, _ := b.login(t, "member", demoPassword)
	student, _ := b.login(t, "student", demoPassword)
	unit := testGlobalID(2, school, b.rowID(t, "org_units", "code", "XXGC-XS1"))
	b.post(t, `mutation { setWordList(words: ["赌博"]) { version } }`, nil, bearer(admin)...)
	post := func(body string) string {
		t.Helper()
		r := b.post(t, postSuggestionMutation, map[string]any{"in": map[string]any{"orgUnit": unit, "category": "study", "title": "标题", "body": body,
			"public": true}}, bearer(student)...)
		return decode[struct {
			PostSuggestion struct{ Suggestion opinion }
		}](t, r).PostSuggestion.Suggestion.ID
	}
	flagged := post("网 上 赌 博 怎么办")
	clean := post("普通问题")
	const reply = `mutation($in: ReplySuggestionInput!) { replySuggestion(input: $in) { suggestion { replies { body moderation } } } }`
	if r := b.post(t, reply, map[string]any{"in": map[string]any{"suggestion": clean, "body": "追问：賭博网站怎么举报？", "official": false}}, bearer(student)...); !strings.Contains(string(r.Data), `"moderation":"PENDING"`) {
		t.Fatalf("a flagged follow-up: %s %+v", r.Data, r.Errors)
	}
	ownerExec(t, b, publishRaw("queue-1", "XXGC", "学习", "", "<p>正文</p>", nil, nil, "published"))
	item := decode[struct{ Content struct{ ID string } }](t, b.post(t, `{ content(site: "xxgc", slug: "queue-1") { id } }`, nil)).Content.ID
	if r := b.post(t, `mutation($c: ID!) { postComment(input: {site: "xxgc", content: $c, body: "赌博"}) { comment { status } } }`, map[string]any{"c": item},
		bearer(student)...); !strings.Contains(string(r.Data), "PENDING") {
		t.Fatalf("a flagged comment: %s %+v", r.Data, r.Errors)
	}

	type entry struct {
		ID, Kind, AuthorName, Text string
		MatchedWords               []string
		Site                       *struct{ Slug string }
		Content                    *struct{ ID string }
		Suggestion                 *struct{ ID, Title string }
	}
	const queueQuery = `query($k: [ModerationItemKind!], $first: Int, $after: String) { moderationQueue(kinds: $k, first: $first, after: $after) {
		edges { cursor node { id kind authorName text matchedWords site { slug } content { id } suggestion { id title } } } pageInfo { hasNextPage } } }`
	type page struct {
		ModerationQueue struct {
			Edges []struct {
				Cursor string
				Node   entry
			}
			PageInfo struct{ HasNextPage bool }
		}
	}
	queue := func(token string, vars map[string]any) page {
		t.Helper()
		return decode[page](t, b.post(t, queueQuery, vars, bearer(token)...))
	}
	kinds := func(p page) string {
		var out []string
		for _, e := range p.ModerationQueue.Edges {
			out = append(out, e.Node.Kind)
		}
		return strings.Join(out, ",")
	}
	if got := kinds(queue(admin, nil)); got != "SUGGESTION,REPLY,COMMENT" {
		t.Errorf("the school's queue: %s", got)
	}
	all := queue(admin, nil).ModerationQueue.Edges
	if s, c := all[0].Node, all[2].Node; s.ID != flagged || s.Suggestion == nil || s.Suggestion.ID != flagged || s.Text != "标题\n网 上 赌 博 怎么办" ||
		strings.Join(s.MatchedWords, ",") != "赌博" || s.AuthorName != "王芳" ||
		c.Site == nil || c.Site.Slug != "xxgc" || c.Content == nil || c.Content.ID != item || c.Suggestion != nil {
		t.Errorf("the queue's items: %+v", all)
	}
	if r := all[1].Node; r.Suggestion == nil || r.Suggestion.ID != clean || r.Text != "追问：賭博网站怎么举报？" {
		t.Errorf("the follow-up in the queue: %+v", r)
	}
	// The secretary moderates the branch, not the college's site.
	if got := kinds(queue(secretary, nil)); got != "SUGGESTION,REPLY" {
		t.Errorf("the branch's queue: %s", got)
	}
	if got := kinds(queue(admin, map[string]any{"k": []string{"COMMENT"}})); got != "COMMENT" {
		t.Errorf("comments only: %s", got)
	}
	first := queue(admin, map[string]any{"first": 2})
	if kinds(first) != "SUGGESTION,REPLY" || !first.ModerationQueue.PageInfo.HasNextPage {
		t.Errorf("the first page: %+v", first)
	}
	if rest := queue(admin, map[string]any{"first": 2, "after": first.ModerationQueue.Edges[1].Cursor}); kinds(rest) != "COMMENT" || rest.ModerationQueue.PageInfo.HasNextPage {
		t.Errorf("the next page: %+v", rest)
	}
	if r := b.post(t, queueQuery, nil, bearer(member)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("a member reading the queue: %+v", r.Errors)
	}
	if r := b.post(t, queueQuery, map[string]any{"after": "garbage"}, bearer(admin)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("a bad cursor: %+v", r.Errors)
	}

	// Deciding on the follow-up.
	replyID := all[1].Node.ID
	const decide = `mutation($r: ID!, $d: ModerationDecision!, $why: String) { moderateReply(reply: $r, decision: $d, reason: $why) { suggestion { replies { body moderation } } } }`
	if r := b.post(t, decide, map[string]any{"r": replyID, "d": "APPROVE"}, bearer(member)...); r.code(0) != "NOT_FOUND" {
		t.Errorf("a member deciding: %+v", r.Errors)
	}
	if r := b.post(t, decide, map[string]any{"r": replyID, "d": "REJECT"}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("rejecting without a reason: %+v", r.Errors)
	}
	if r := b.post(t, decide, map[string]any{"r": flagged, "d": "APPROVE"}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("a suggestion's ID as a reply's: %+v", r.Errors)
	}
	readReplies := func(token string) string {
		return string(b.post(t, `query($id: ID!) { suggestion(id: $id) { replies { body } } }`, map[string]any{"id": clean}, bearer(token)...).Data)
	}
	if got := readReplies(member); strings.Contains(got, "追问") {
		t.Errorf("a pending follow-up shown to others: %s", got)
	}
	if r := b.post(t, decide, map[string]any{"r": replyID, "d": "APPROVE"}, bearer(secretary)...); !strings.Contains(string(r.Data), `"moderation":"VISIBLE"`) {
		t.Errorf("approving the follow-up: %s %+v", r.Data, r.Errors)
	}
	if got := readReplies(member); !strings.Contains(got, "追问") {
		t.Errorf("the approved follow-up: %s", got)
	}
	if got := kinds(queue(secretary, nil)); got != "SUGGESTION" {
		t.Errorf("the branch's queue after the decision: %s", got)
	}
	var audits int
	b.ownerCount(t, school, `SELECT count(*) FROM audit_log WHERE action = 'moderate' AND target_type = 'suggestion_reply'`, &audits)
	if audits != 1 {
		t.Errorf("%d audit records of the decision", audits)
	}
}
