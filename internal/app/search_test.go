package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/seed"
)

// publishRaw inserts a published article of unit (by code) straight into
// the database (the workflow is tested elsewhere; the trigger queues it
// for indexing like any change).
func publishRaw(slug, unit, title, summary, html string, tags, topics []string, status string) string {
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	arr := func(vs []string) string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = q(v)
		}
		return "ARRAY[" + strings.Join(out, ",") + "]::text[]"
	}
	return fmt.Sprintf(`INSERT INTO contents (tenant_id, type, slug, title, summary, tags, topics, org_unit_id, status, published_at, body)
		SELECT u.tenant_id, 'article', %s, %s, %s, %s, %s, u.id, %s, CASE WHEN %s = 'published' THEN now() END, jsonb_build_object('html', %s::text)
		FROM org_units u WHERE u.code = %s`, q(slug), q(title), q(summary), arr(tags), arr(topics), q(status), q(status), q(html), q(unit))
}

// waitIndexed waits until the demo school's outbox is empty.
func (b *testBundle) waitIndexed(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := b.app.Search.StatusOf(context.Background(), b.demo.School.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Backlog == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the index did not catch up: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const searchQuery = `query($site: String!, $q: String!, $filter: SearchFilterInput, $facets: [SearchFacet!], $order: SearchOrder, $first: Int, $after: String) {
  search(site: $site, query: $q, filter: $filter, facets: $facets, orderBy: $order, first: $first, after: $after) {
    engine totalCount
    edges { cursor titleHighlight summaryHighlight node {
      __typename
      ... on Article { id slug title searchIndex { inIndex indexedVersion pending } }
      ... on Activity { id title }
    } }
    facets { facet values { value label count } }
    pageInfo { hasNextPage endCursor }
  }
}`

type searchConn struct {
	Engine     string
	TotalCount int
	Edges      []struct {
		Cursor, TitleHighlight, SummaryHighlight string
		Node                                     struct {
			Typename    string `json:"__typename"`
			ID, Slug    string
			Title       string
			SearchIndex *struct {
				InIndex        bool
				IndexedVersion *int
				Pending        bool
			}
		}
	}
	Facets []struct {
		Facet  string
		Values []struct {
			Value, Label string
			Count        int
		}
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   string
	}
}

func (b *testBundle) search(t *testing.T, vars map[string]any, header ...string) searchConn {
	t.Helper()
	if vars["site"] == nil {
		vars["site"] = "xxgc"
	}
	return decode[struct{ Search searchConn }](t, b.post(t, searchQuery, vars, header...)).Search
}

func titles(c searchConn) []string {
	var out []string
	for _, e := range c.Edges {
		out = append(out, e.Node.Title)
	}
	return out
}

func TestSearchBuiltIn(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	if _, err := seed.DemoVolunteer(context.Background(), b.demo.School, b.app.Org, b.app.Volunteer, time.Now()); err != nil {
		t.Fatal(err)
	}
	ownerExec(t, b,
		publishRaw("dangshi-title", "XXGC", "党史学习教育动员会", "学院部署学习任务。", "<p>全体党员参加。</p>", []string{"党史"}, []string{"理论学习"}, "published"),
		publishRaw("dangshi-body", "XXGC", "信息工程学院主题党日", "重温入党誓词。", "<p>大家交流学习<b>党史</b>的体会。</p>", []string{"主题党日"}, []string{"组织生活"}, "published"),
		publishRaw("dangshi-draft", "XXGC", "党史草稿", "未发布。", "", nil, nil, "draft"),
		publishRaw("dangshi-znzz", "ZNZZ", "智能制造学院党史讲座", "只在智能制造学院站点。", "", nil, nil, "published"),
		publishRaw("xss-title", "XXGC", `<script>alert(1)</script>党史漫谈`, "", "", nil, nil, "published"),
	)
	b.waitIndexed(t)

	// Title hits rank above body hits; drafts and other colleges' items are not found.
	got := b.search(t, map[string]any{"q": "党史"})
	if got.Engine != "postgres" || len(got.Edges) != 3 || got.TotalCount != 3 {
		t.Fatalf("党史 on xxgc: %+v", titles(got))
	}
	if slices.Index(titles(got), "党史学习教育动员会") > slices.Index(titles(got), "信息工程学院主题党日") {
		t.Fatalf("the title hit ranks below the body hit: %v", titles(got))
	}
	for _, e := range got.Edges {
		if e.Node.Typename != "Article" || e.Node.SearchIndex != nil {
			t.Fatalf("anonymous hit %+v: readers see no index state", e.Node)
		}
		if strings.Contains(e.TitleHighlight, "<script>") || strings.Contains(e.Node.Title, "党史") != strings.Contains(e.TitleHighlight, "<mark>党史</mark>") {
			t.Fatalf("highlight %q: want escaped HTML with the match marked", e.TitleHighlight)
		}
	}
	if got := b.search(t, map[string]any{"q": "党史", "site": "znzz"}); !slices.Equal(titles(got), []string{"智能制造学院党史讲座"}) {
		t.Fatalf("党史 on znzz: %v", titles(got))
	}

	// Activities: 社区 finds the community clean-up day by its title, with
	// area and topic facets labelled.
	act := b.search(t, map[string]any{"q": "社区", "facets": []string{"TYPE", "AREA", "TOPIC"}})
	if len(act.Edges) != 1 || act.Edges[0].Node.Typename != "Activity" || act.Edges[0].Node.Title != "新苑社区环境清洁日" {
		t.Fatalf("社区: %+v", act.Edges)
	}
	facets := map[string]map[string]int{}
	labels := map[string]string{}
	for _, f := range act.Facets {
		facets[f.Facet] = map[string]int{}
		for _, v := range f.Values {
			facets[f.Facet][v.Label] = v.Count
			labels[v.Label] = v.Value
		}
	}
	if facets["TYPE"]["志愿活动"] != 1 || facets["AREA"]["新苑社区"] != 1 || facets["TOPIC"]["环境保护"] != 1 || facets["TOPIC"]["文明创建"] != 1 {
		t.Fatalf("facets %+v", facets)
	}
	// Filtering by the parent area (南校区) finds what is in its sub-area.
	area := labels["新苑社区"]
	if got := b.search(t, map[string]any{"q": "清洁", "filter": map[string]any{"areas": []string{area}, "types": []string{"ACTIVITY"}}}); len(got.Edges) != 1 {
		t.Fatalf("清洁 in the area: %v", titles(got))
	}

	// Renaming the partner or the parent area re-indexes the activity:
	// it is found by the new names.
	ownerExec(t, b, `UPDATE partners SET name = '和平街道办事处' WHERE name = '新苑社区居民委员会'`,
		`UPDATE volunteer_areas SET name = '东校区' WHERE code = 'south'`)
	b.waitIndexed(t)
	for _, q := range []string{"街道办事处", "东校区"} {
		if got := b.search(t, map[string]any{"q": q}); !slices.Equal(titles(got), []string{"新苑社区环境清洁日"}) {
			t.Fatalf("%s after the rename: %v", q, titles(got))
		}
	}

	// Editors see the index state of what they may edit.
	editor, _ := b.login(t, "editor", demoPassword)
	mine := b.search(t, map[string]any{"q": "动员"}, bearer(editor)...)
	if len(mine.Edges) != 1 || mine.Edges[0].Node.SearchIndex == nil || !mine.Edges[0].Node.SearchIndex.InIndex ||
		mine.Edges[0].Node.SearchIndex.IndexedVersion == nil || *mine.Edges[0].Node.SearchIndex.IndexedVersion != 1 || mine.Edges[0].Node.SearchIndex.Pending {
		t.Fatalf("editor's view of the index state: %+v", mine.Edges)
	}

	// Unpublishing removes it from search once indexed.
	ownerExec(t, b, `UPDATE contents SET status = 'archived' WHERE slug = 'dangshi-title'`)
	b.waitIndexed(t)
	if got := b.search(t, map[string]any{"q": "动员"}); len(got.Edges) != 0 {
		t.Fatalf("an archived item is still found: %v", titles(got))
	}

	// Pages of one hit each walk every hit once.
	var walked []string
	after := any(nil)
	for range 5 {
		page := b.search(t, map[string]any{"q": "党史", "first": 1, "after": after})
		walked = append(walked, titles(page)...)
		if !page.PageInfo.HasNextPage {
			break
		}
		after = page.PageInfo.EndCursor
	}
	if len(walked) != 2 || walked[0] == walked[1] {
		t.Fatalf("paging: %v", walked)
	}

	// A site hiding an item removes it from that site's search.
	ownerExec(t, b, `INSERT INTO site_hidden (tenant_id, site_id, content_id)
		SELECT c.tenant_id, s.id, c.id FROM contents c, sites s WHERE c.slug = 'dangshi-body' AND s.slug = 'xxgc'`)
	b.waitIndexed(t)
	if got := b.search(t, map[string]any{"q": "党史"}); slices.Contains(titles(got), "信息工程学院主题党日") {
		t.Fatalf("a hidden item is still found on the site: %v", titles(got))
	}
}

func TestSearchBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	for _, c := range []struct {
		name  string
		vars  map[string]any
		code  string
		field string
	}{
		{"empty", map[string]any{"q": "   "}, "BAD_USER_INPUT", "query"},
		{"too long", map[string]any{"q": strings.Repeat("党", 10000)}, "BAD_USER_INPUT", "query"},
		{"no words", map[string]any{"q": "？！。"}, "BAD_USER_INPUT", "query"},
		{"page too big", map[string]any{"q": "党史", "first": 51}, "BAD_USER_INPUT", "first"},
		{"forged cursor", map[string]any{"q": "党史", "after": "bm90LWEtY3Vyc29y"}, "BAD_USER_INPUT", "after"},
		{"bad area id", map[string]any{"q": "党史", "filter": map[string]any{"areas": []string{"nope"}}}, "BAD_USER_INPUT", "filter.areas"},
		{"unknown facet", map[string]any{"q": "党史", "facets": []string{"COLOUR"}}, "BAD_USER_INPUT", ""},
		{"unknown site", map[string]any{"q": "党史", "site": "no-such-site"}, "NOT_FOUND", ""},
		{"backwards dates", map[string]any{"q": "党史", "filter": map[string]any{"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}}, "BAD_USER_INPUT", "filter.to"},
	} {
		r := b.post(t, searchQuery, map[string]any{"site": "xxgc", "q": c.vars["q"], "first": c.vars["first"], "after": c.vars["after"],
			"filter": c.vars["filter"], "facets": c.vars["facets"]})
		if c.vars["site"] != nil {
			vars := map[string]any{"site": c.vars["site"], "q": c.vars["q"]}
			r = b.post(t, searchQuery, vars)
		}
		if r.code(0) != c.code {
			t.Errorf("%s: got %+v, want %s", c.name, r.Errors, c.code)
			continue
		}
		if c.field != "" {
			fields, _ := r.Errors[0].Extensions["fields"].(map[string]any)
			if fields[c.field] == nil {
				t.Errorf("%s: error %+v does not name %s", c.name, r.Errors[0], c.field)
			}
		}
	}
	// Quotes and operators in filter values are literal values: no error, no match.
	got := b.search(t, map[string]any{"q": "党史", "filter": map[string]any{"tags": []string{`x" OR tags = "党史`, `') OR 1=1 --`}, "topics": []string{`\`}}})
	if len(got.Edges) != 0 {
		t.Fatalf("injected filter values matched: %v", titles(got))
	}
	// Without Meilisearch there is no search token, and it says why.
	if r := b.post(t, `{ searchToken(site: "xxgc") { token } }`, nil); r.code(0) != "UNAVAILABLE" {
		t.Fatalf("searchToken without Meilisearch: %+v", r.Errors)
	}
}

// TestSearchConvergesAfterOutage: the engine fails while 1,000 items
// change; nothing is lost, and once it is back the index converges to
// exactly the database.
func TestSearchConvergesAfterOutage(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_SEARCH_RETRY_MAX": "200ms", "ZHDJ_SEARCH_SWEEP": "1s"})
	ownerExec(t, b, `INSERT INTO contents (tenant_id, type, slug, title, summary, org_unit_id, status, published_at, body)
		SELECT u.tenant_id, 'article', 'item-' || g, '党建动态 第' || g || '期', '摘要', u.id, 'published', now(), '{"html":"<p>正文</p>"}'
		FROM generate_series(1, 1000) g, org_units u WHERE u.code = 'XXGC'`)
	b.waitIndexed(t)
	if got := b.search(t, map[string]any{"q": "党建动态"}); got.TotalCount != 1000 {
		t.Fatalf("indexed %d of 1000", got.TotalCount)
	}

	// The engine goes down: its table refuses the server's writes.
	ownerExec(t, b, `REVOKE INSERT, UPDATE, DELETE ON search_documents FROM zhdj_app`)
	changed := time.Now()
	ownerExec(t, b,
		`UPDATE contents SET title = '乡村振兴 第' || substr(slug, 6) || '期', version = version + 1 WHERE slug LIKE 'item-%' AND substr(slug, 6)::int <= 900`,
		`UPDATE contents SET status = 'archived', version = version + 1 WHERE slug LIKE 'item-%' AND substr(slug, 6)::int > 950`)
	b.waitDrainFailed(t, changed)
	st, err := b.app.Search.StatusOf(context.Background(), b.demo.School.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Backlog != 950 {
		t.Fatalf("backlog during the outage %d, want 950 (nothing indexed, nothing lost)", st.Backlog)
	}
	if got := b.search(t, map[string]any{"q": "党建动态"}); got.TotalCount != 1000 {
		t.Fatalf("during the outage search answers from the old index: %d", got.TotalCount)
	}

	// Back: the backlog drains and the index matches the database exactly.
	ownerExec(t, b, `GRANT INSERT, UPDATE, DELETE ON search_documents TO zhdj_app`)
	b.waitIndexed(t)
	if got := b.search(t, map[string]any{"q": "乡村振兴"}); got.TotalCount != 900 {
		t.Fatalf("乡村振兴 found %d, want 900", got.TotalCount)
	}
	if got := b.search(t, map[string]any{"q": "党建动态"}); got.TotalCount != 50 {
		t.Fatalf("党建动态 found %d, want 50 (901-950)", got.TotalCount)
	}
	rep, err := b.app.Indexer.Reconcile(context.Background(), b.demo.School.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Checked != 950 || rep.Fixed() != 0 {
		t.Fatalf("after recovery the reconciler finds %+v, want 950 checked and nothing to fix", rep)
	}
}

// TestSearchReconcilerRepairsDrift: documents missing, stale or extra in
// the index are found, reported and repaired.
func TestSearchReconcilerRepairsDrift(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ownerExec(t, b,
		publishRaw("a-1", "XXGC", "红色家书一", "", "", nil, nil, "published"),
		publishRaw("a-2", "XXGC", "红色家书二", "", "", nil, nil, "published"),
		publishRaw("a-3", "XXGC", "红色家书三", "", "", nil, nil, "published"),
	)
	b.waitIndexed(t)
	// The server reconciles once as it starts: let that run first, or it
	// may repair the drift below before this test's own run reports it.
	eventually(t, "the start-up reconcile", func() bool {
		var n int
		_ = b.app.Pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'search.reconcile' AND state = 'completed'`).Scan(&n)
		return n > 0
	})
	// Drift that no change explains: a document lost, one tampered with,
	// and one for an item that does not exist.
	ownerExec(t, b,
		`DELETE FROM search_documents WHERE item_id = (SELECT id FROM contents WHERE slug = 'a-1')`,
		`UPDATE search_documents SET fingerprint = 'tampered', title = '错误标题' WHERE item_id = (SELECT id FROM contents WHERE slug = 'a-2')`,
		`INSERT INTO search_documents (tenant_id, kind, item_id, type, title, summary, org_unit_id, sites, at, version, fingerprint, tsv)
			SELECT tenant_id, 'content', gen_random_uuid(), 'article', '幽灵', '', org_unit_id, sites, at, 1, 'x', tsv
			FROM search_documents WHERE item_id = (SELECT id FROM contents WHERE slug = 'a-3')`)
	rep, err := b.app.Indexer.Reconcile(context.Background(), b.demo.School.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Missing != 1 || rep.Stale != 1 || rep.Extra != 1 || rep.Checked != 3 {
		t.Fatalf("report %+v, want 1 missing, 1 stale, 1 extra of 3", rep)
	}
	b.waitIndexed(t)
	if got := b.search(t, map[string]any{"q": "红色家书"}); got.TotalCount != 3 {
		t.Fatalf("after repair: %v", titles(got))
	}
	rep, err = b.app.Indexer.Reconcile(context.Background(), b.demo.School.ID)
	if err != nil || rep.Fixed() != 0 {
		t.Fatalf("second run %+v %v, want nothing to fix", rep, err)
	}
	admin, _ := b.login(t, "admin", demoPassword)
	st := decode[struct {
		SearchStatus struct {
			Engine        string
			Indexed       int
			Backlog       int
			LastReconcile struct{ Checked, Missing, Stale, Extra int }
		}
	}](t, b.post(t, `{ searchStatus { engine indexed backlog lastReconcile { checked missing stale extra } } }`, nil, bearer(admin)...)).SearchStatus
	if st.Engine != "postgres" || st.Indexed != 3 || st.Backlog != 0 || st.LastReconcile.Checked != 3 {
		t.Fatalf("searchStatus %+v", st)
	}
	editor, _ := b.login(t, "editor", demoPassword)
	if r := b.post(t, `{ searchStatus { engine } }`, nil, bearer(editor)...); r.code(0) != "FORBIDDEN" {
		t.Fatalf("an editor reading searchStatus: %+v", r.Errors)
	}
}

// TestDemoContentSeed: make run's demo content is published once on each
// college's site, with ready covers, and search finds it.
func TestDemoContentSeed(t *testing.T) {
	t.Parallel()
	b, _ := setupMedia(t, nil)
	for i, want := range []int{6, 0} {
		n, err := seed.DemoContent(context.Background(), b.demo.School, b.app.Org, b.app.Media, b.app.Content)
		if err != nil || n != want {
			t.Fatalf("run %d: %d items (%v), want %d", i, n, err, want)
		}
	}
	d := decode[struct {
		Contents struct {
			Edges []struct {
				Node struct {
					Title string
					Cover *struct{ URL string }
				}
			}
		}
	}](t, b.post(t, `{ contents(site: "xxgc") { edges { node { title cover { url } } } } }`, nil))
	if len(d.Contents.Edges) != 4 || d.Contents.Edges[0].Node.Cover == nil || d.Contents.Edges[0].Node.Cover.URL == "" {
		t.Fatalf("xxgc front page: %+v", d.Contents.Edges)
	}
	b.waitIndexed(t)
	if got := b.search(t, map[string]any{"q": "乡村振兴", "site": "znzz"}); len(got.Edges) != 1 {
		t.Fatalf("乡村振兴 on znzz: %v", titles(got))
	}
}

// TestSearchWithMeilisearchDown: with a Meilisearch that cannot be reached
// the server still starts and serves everything else; readiness says so,
// searches answer UNAVAILABLE, and changes wait in the outbox.
func TestSearchWithMeilisearchDown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more
	b := setup(t, map[string]string{"ZHDJ_MEILI_URL": "http://" + addr, "ZHDJ_SEARCH_RETRY_MAX": "100ms"})
	res, err := http.Get(b.server.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Checks struct {
			Search struct{ Engine, Status string }
		}
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || body.Checks.Search.Engine != "meilisearch" || !strings.HasPrefix(body.Checks.Search.Status, "unreachable") {
		t.Fatalf("readyz: %d %+v", res.StatusCode, body)
	}
	if r := b.post(t, searchQuery, map[string]any{"site": "xxgc", "q": "党史"}); r.code(0) != "UNAVAILABLE" {
		t.Fatalf("search with Meilisearch down: %+v", r.Errors)
	}
	changed := time.Now()
	ownerExec(t, b, publishRaw("waiting", "XXGC", "等待索引的文章", "", "", nil, nil, "published"))
	b.waitDrainFailed(t, changed)
	st, err := b.app.Search.StatusOf(context.Background(), b.demo.School.ID)
	if err != nil || st.Backlog != 1 {
		t.Fatalf("status %+v %v, want the change waiting", st, err)
	}
}

// TestServerCompactsScatteredSearchDocuments: a drain of more than a
// thousand items (an import: written one topic and type after another)
// asks for a compaction at once, not at the next hourly one, and the
// documents end up in search order.
func TestServerCompactsScatteredSearchDocuments(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ownerExec(t, b, `INSERT INTO contents (tenant_id, type, slug, title, topics, org_unit_id, status, published_at)
		SELECT u.tenant_id, (ARRAY['article', 'micro_lesson', 'comic'])[1 + g % 3], 'doc-' || g, '党史学习教育 ' || g,
			ARRAY[(ARRAY['理论学习', '组织生活', '志愿服务', '廉政建设'])[1 + g / 3 % 4]], u.id, 'published', now() - g * interval '1 minute'
		FROM org_units u, generate_series(1, 1200) g WHERE u.code = 'XXGC'`)
	b.waitIndexed(t)
	// Runs (a group's stretch on one page) per page and group, as the
	// engine measures them: about 1 in search order.
	spread := func() float64 {
		var s float64
		err := b.asOwner(t, b.demo.School.ID, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*)::float8 / (count(DISTINCT page) + count(DISTINCT (sites, topics, type)))
				FROM (SELECT DISTINCT (ctid::text::point)[0] AS page, sites, topics, type FROM search_documents WHERE tenant_id = $1) r`,
				b.demo.School.ID).Scan(&s)
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	deadline := time.Now().Add(time.Minute)
	for s := spread(); s > 1.05; s = spread() {
		if time.Now().After(deadline) {
			t.Fatalf("documents still scattered a minute after a drain of 1,200: spread %.2f", s)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := b.search(t, map[string]any{"q": "党史"}); got.TotalCount != 1200 {
		t.Fatalf("党史 after compaction: %d hits, want 1200", got.TotalCount)
	}
}

// waitDrainFailed waits until a search drain has failed after since (the
// engine is down, and the change made then has been tried).
func (b *testBundle) waitDrainFailed(t *testing.T, since time.Time) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var failed bool
		err := b.asOwner(t, b.demo.School.ID, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM river_job j, unnest(j.errors) e
				WHERE j.kind = 'search.drain' AND (e ->> 'at')::timestamptz > $1)`, since).Scan(&failed)
		})
		if err != nil {
			t.Fatal(err)
		}
		if failed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no search drain failed within 20 s of the change")
		}
	}
}
