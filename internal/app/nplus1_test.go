package app_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/reqmeta"
)

// countingTracer counts the round trips requests make to PostgreSQL: each
// statement, and each batch (sent at once) as one. Background work (job
// polling, view flushes) carries no request and is not counted.
type countingTracer struct {
	n    atomic.Int64
	mu   sync.Mutex
	sqls []string
}

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if reqmeta.From(ctx) == nil {
		return ctx
	}
	c.n.Add(1)
	c.mu.Lock()
	c.sqls = append(c.sqls, d.SQL)
	c.mu.Unlock()
	return ctx
}

func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *countingTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	if reqmeta.From(ctx) == nil {
		return ctx
	}
	c.n.Add(1)
	c.mu.Lock()
	c.sqls = append(c.sqls, "<batch>")
	c.mu.Unlock()
	return ctx
}

func (c *countingTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (c *countingTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

const frontPage = `query Front($n: Int) {
  contents(site: "xxgc", first: $n) {
    edges { node { title slug publishedAt tags cover { url srcset } authors { displayName } } }
    pageInfo { hasNextPage endCursor }
  }
}`

// TestFrontPageIsNPlusOneFree proves that the statements one front-page
// request costs do not depend on how many items it returns.
func TestFrontPageIsNPlusOneFree(t *testing.T) {
	t.Parallel()
	tracer := &countingTracer{}
	b, _ := setupMediaWith(t, nil, tracer)
	admin, _ := b.login(t, "admin", demoPassword)
	cover := b.readyCover(t, admin)
	coverRaw, _ := base64RawURL(cover)

	// 120 published articles of 信息工程学院, each with the cover and an author.
	ownerExec(t, b, fmt.Sprintf(`INSERT INTO contents (tenant_id, type, slug, title, cover_id, tags, org_unit_id, status, published_at, body)
		SELECT u.tenant_id, 'article', 'bulk-' || g, '文章 ' || g, '%s'::uuid, ARRAY['党建动态'], u.id, 'published', now() - g * interval '1 minute', '{"html":"<p>x</p>"}'
		FROM generate_series(1, 120) g, org_units u WHERE u.code = 'XXGC'`, uuidFrom(coverRaw[17:])),
		`INSERT INTO content_authors (tenant_id, content_id, account_id, position)
		SELECT c.tenant_id, c.id, a.id, 0 FROM contents c, accounts a WHERE a.username = 'editor'`)

	count := func(n int) int64 {
		tracer.mu.Lock()
		tracer.sqls = nil
		tracer.mu.Unlock()
		before := tracer.n.Load()
		r := b.post(t, frontPage, map[string]any{"n": n})
		if len(r.Errors) != 0 {
			t.Fatalf("front page: %+v", r.Errors)
		}
		d := decode[struct {
			Contents struct {
				Edges []struct {
					Node struct {
						Cover   struct{ URL, Srcset string }
						Authors []struct{ DisplayName string }
					}
				}
			}
		}](t, r)
		if len(d.Contents.Edges) != n || d.Contents.Edges[n-1].Node.Cover.URL == "" || len(d.Contents.Edges[n-1].Node.Authors) != 1 {
			t.Fatalf("front page with %d items is incomplete: %d edges", n, len(d.Contents.Edges))
		}
		return tracer.n.Load() - before
	}
	count(5) // warm caches (site routing, prepared statements)
	twenty, hundred := count(20), count(100)
	if twenty != hundred {
		t.Fatalf("front page: %d round trips for 20 items, %d for 100: %q", twenty, hundred, tracer.sqls)
	}
	t.Logf("front page: %d round trips to PostgreSQL whatever the page size", twenty)
}

// TestActivityBrowseIsNPlusOneFree: browsing activities with their area,
// topics, partners, unit and the caller's own sign-up costs the same round
// trips for 20 items as for 100.
func TestActivityBrowseIsNPlusOneFree(t *testing.T) {
	t.Parallel()
	tracer := &countingTracer{}
	b := setupWith(t, identityEnv(), tracer)
	member, _ := b.login(t, "member", demoPassword)
	ownerExec(t, b,
		`INSERT INTO volunteer_areas (tenant_id, code, name) SELECT id, 'a' || g, '区域' || g FROM tenants, generate_series(1, 3) g WHERE code = 'demo'`,
		`INSERT INTO volunteer_topics (tenant_id, code, name) SELECT id, 't' || g, '主题' || g FROM tenants, generate_series(1, 3) g WHERE code = 'demo'`,
		`INSERT INTO partners (tenant_id, name, kind) SELECT id, '伙伴' || g, 'community' FROM tenants, generate_series(1, 3) g WHERE code = 'demo'`,
		`INSERT INTO activities (tenant_id, title, area_id, topic_ids, partner_ids, org_unit_id, starts_at, ends_at, signup_opens_at, signup_closes_at,
			capacity, audience, hours, status, code_secret)
		 SELECT u.tenant_id, '活动 ' || g, (SELECT id FROM volunteer_areas WHERE code = 'a' || (g % 3 + 1)),
			ARRAY(SELECT id FROM volunteer_topics), ARRAY(SELECT id FROM partners), u.id,
			now() + g * interval '1 hour', now() + g * interval '1 hour' + interval '2 hours', now() - interval '1 day', now() + interval '1 hour',
			10, 'all_students', 2, 'open', '\x00'
		 FROM generate_series(1, 120) g, org_units u WHERE u.code = 'XXGC'`,
		`INSERT INTO signups (tenant_id, activity_id, person_id, status)
		 SELECT a.tenant_id, a.id, p.id, 'confirmed' FROM activities a, people p WHERE p.name = '李明'`)
	const doc = `query($n: Int) { activities(site: "xxgc", first: $n) { edges { node {
		title status placesLeft area { name } topics { name } partners { name } orgUnit { name } mySignUp { status } } } } }`
	count := func(n int) int64 {
		tracer.mu.Lock()
		tracer.sqls = nil
		tracer.mu.Unlock()
		before := tracer.n.Load()
		r := b.post(t, doc, map[string]any{"n": n}, bearer(member)...)
		if len(r.Errors) != 0 {
			t.Fatalf("activities: %+v", r.Errors)
		}
		d := decode[struct {
			Activities struct {
				Edges []struct {
					Node struct {
						Area     struct{ Name string }
						Topics   []struct{ Name string }
						Partners []struct{ Name string }
						OrgUnit  struct{ Name string }
						MySignUp struct{ Status string }
					}
				}
			}
		}](t, r)
		last := d.Activities.Edges[len(d.Activities.Edges)-1].Node
		if len(d.Activities.Edges) != n || last.Area.Name == "" || len(last.Topics) != 3 || len(last.Partners) != 3 || last.OrgUnit.Name == "" || last.MySignUp.Status != "CONFIRMED" {
			t.Fatalf("activities with %d items are incomplete: %+v", n, last)
		}
		return tracer.n.Load() - before
	}
	count(5)
	twenty, hundred := count(20), count(100)
	if twenty != hundred {
		t.Fatalf("activities: %d round trips for 20 items, %d for 100: %q", twenty, hundred, tracer.sqls)
	}
	t.Logf("activities: %d round trips to PostgreSQL whatever the page size", twenty)
}

// TestSearchIsNPlusOneFree: a search page with its items, their authors,
// the editors' index state and facets costs the same round trips for 10
// hits as for 50.
func TestSearchIsNPlusOneFree(t *testing.T) {
	t.Parallel()
	tracer := &countingTracer{}
	b := setupWith(t, nil, tracer)
	ownerExec(t, b, `INSERT INTO contents (tenant_id, type, slug, title, summary, tags, topics, org_unit_id, status, published_at, body)
		SELECT u.tenant_id, 'article', 'bulk-' || g, '党建动态 ' || g, '摘要', ARRAY['党建动态'], ARRAY['理论学习'], u.id, 'published', now() - g * interval '1 minute', '{"html":"<p>x</p>"}'
		FROM generate_series(1, 80) g, org_units u WHERE u.code = 'XXGC'`,
		`INSERT INTO content_authors (tenant_id, content_id, account_id, position)
		SELECT c.tenant_id, c.id, a.id, 0 FROM contents c, accounts a WHERE a.username = 'editor'`)
	b.waitIndexed(t)
	editor, _ := b.login(t, "editor", demoPassword)
	const q = `query($n: Int) { search(site: "xxgc", query: "党建", first: $n, facets: [TYPE, TOPIC, TAG, AREA]) {
		edges { titleHighlight node { ... on Article { title authors { displayName } searchIndex { indexedVersion } } } }
		facets { facet values { label count } } } }`
	count := func(n int) int64 {
		before := tracer.n.Load()
		d := decode[struct {
			Search struct {
				Edges []struct {
					Node struct {
						Authors     []struct{ DisplayName string }
						SearchIndex *struct{ IndexedVersion int }
					}
				}
			}
		}](t, b.post(t, q, map[string]any{"n": n}, bearer(editor)...))
		if len(d.Search.Edges) != n || len(d.Search.Edges[n-1].Node.Authors) != 1 || d.Search.Edges[n-1].Node.SearchIndex == nil {
			t.Fatalf("search with %d hits is incomplete: %+v", n, d.Search.Edges)
		}
		return tracer.n.Load() - before
	}
	count(5) // warm caches
	ten, fifty := count(10), count(50)
	if ten != fifty {
		t.Fatalf("search: %d round trips for 10 hits, %d for 50", ten, fifty)
	}
	t.Logf("search: %d round trips to PostgreSQL whatever the page size", ten)
}

// TestMyLearningIsNPlusOneFree: a person's learning with each item, its
// authors and cover costs the same round trips for 20 entries as for 100.
func TestMyLearningIsNPlusOneFree(t *testing.T) {
	t.Parallel()
	tracer := &countingTracer{}
	b := setupWith(t, identityEnv(), tracer)
	member, _ := b.login(t, "member", demoPassword)
	ownerExec(t, b, `INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at, body)
		SELECT u.tenant_id, 'article', 'study-' || g, '学习材料 ' || g, u.id, 'published', now() - g * interval '1 minute', '{"html":"<p>x</p>"}'
		FROM generate_series(1, 120) g, org_units u WHERE u.code = 'XXGC'`,
		`INSERT INTO content_authors (tenant_id, content_id, account_id, position)
		SELECT c.tenant_id, c.id, a.id, 0 FROM contents c, accounts a WHERE a.username = 'editor' AND c.slug LIKE 'study-%'`,
		`INSERT INTO learning_progress (tenant_id, person_id, content_id, mode, seconds, required_seconds, updated_at)
		SELECT c.tenant_id, p.id, c.id, 'read', 30, 60, c.published_at FROM contents c, people p WHERE p.name = '李明' AND c.slug LIKE 'study-%'`)
	const doc = `query($n: Int) { myLearning(first: $n) { edges { node { seconds content { title ... on Article { authors { displayName } } } } } } }`
	count := func(n int) int64 {
		before := tracer.n.Load()
		d := decode[struct {
			MyLearning struct {
				Edges []struct {
					Node struct {
						Content struct {
							Title   string
							Authors []struct{ DisplayName string }
						}
					}
				}
			}
		}](t, b.post(t, doc, map[string]any{"n": n}, bearer(member)...))
		if len(d.MyLearning.Edges) != n || len(d.MyLearning.Edges[n-1].Node.Content.Authors) != 1 {
			t.Fatalf("my learning with %d entries is incomplete: %+v", n, d.MyLearning.Edges)
		}
		return tracer.n.Load() - before
	}
	count(5)
	twenty, hundred := count(20), count(100)
	if twenty != hundred {
		t.Fatalf("my learning: %d round trips for 20 entries, %d for 100", twenty, hundred)
	}
	t.Logf("my learning: %d round trips to PostgreSQL whatever the page size", twenty)
}

// TestTaskListsAreNPlusOneFree: a member's tasks with their units and
// latest submissions, and a task's assignees, cost the same round trips
// for 20 rows as for 100.
func TestTaskListsAreNPlusOneFree(t *testing.T) {
	t.Parallel()
	tracer := &countingTracer{}
	b := setupWith(t, identityEnv(), tracer)
	member, _ := b.login(t, "member", demoPassword)
	admin, _ := b.login(t, "admin", demoPassword)
	ownerExec(t, b, `INSERT INTO tasks (tenant_id, org_unit_id, title, deadline, audience, assignee_count)
		SELECT u.tenant_id, u.id, '任务 ' || g, now() + g * interval '1 hour', '{}', 1 FROM generate_series(1, 120) g, org_units u WHERE u.code = 'XXGC-XS1'`,
		`INSERT INTO task_assignments (tenant_id, task_id, person_id, org_unit_id, deadline, status)
		SELECT t.tenant_id, t.id, p.id, p.org_unit_id, t.deadline, 'submitted' FROM tasks t, people p WHERE p.name = '李明'`,
		`INSERT INTO task_submissions (tenant_id, task_id, person_id, text) SELECT tenant_id, task_id, person_id, '已完成' FROM task_assignments`,
		// One task assigned to 120 people of the branch.
		`INSERT INTO people (tenant_id, name, gender, category, org_unit_id, stage)
		SELECT u.tenant_id, '学生' || g, 'male', 'student', u.id, 'activist' FROM generate_series(1, 120) g, org_units u WHERE u.code = 'XXGC-XS1'`,
		`INSERT INTO task_assignments (tenant_id, task_id, person_id, org_unit_id, deadline)
		SELECT t.tenant_id, t.id, p.id, p.org_unit_id, t.deadline FROM tasks t, people p WHERE t.title = '任务 1' AND p.name LIKE '学生%'`)
	var taskID string
	const mine = `query($n: Int) { myTasks(first: $n) { edges { node { status orgUnit { name } task { title orgUnit { name } } latestSubmission { text } } } } }`
	const assignees = `query($id: ID!, $n: Int) { node(id: $id) { ... on Task { assignees(first: $n) { edges { node { personName orgUnit { name } latestSubmission { text } } } } } } }`
	count := func(doc string, n int, token string) int64 {
		before := tracer.n.Load()
		r := b.post(t, doc, map[string]any{"n": n, "id": taskID}, bearer(token)...)
		d := decode[struct {
			MyTasks struct {
				Edges []struct {
					Node struct {
						Task             struct{ Title string }
						LatestSubmission *struct{ Text string }
					}
				}
			}
			Node struct {
				Assignees struct {
					Edges []struct{ Node struct{ PersonName string } }
				}
			}
		}](t, r)
		got := len(d.MyTasks.Edges) + len(d.Node.Assignees.Edges)
		if got != n || len(d.MyTasks.Edges) > 0 && d.MyTasks.Edges[n-1].Node.LatestSubmission == nil {
			t.Fatalf("%d rows, want %d: %s", got, n, r.Data)
		}
		return tracer.n.Load() - before
	}
	count(mine, 5, member)
	if twenty, hundred := count(mine, 20, member), count(mine, 100, member); twenty != hundred {
		t.Fatalf("my tasks: %d round trips for 20, %d for 100", twenty, hundred)
	}
	b.asOwner(t, b.demo.School.ID, func(ctx context.Context, tx pgx.Tx) error {
		var id uuid.UUID
		err := tx.QueryRow(ctx, `SELECT id FROM tasks WHERE title = '任务 1'`).Scan(&id)
		taskID = testGlobalID(15, b.demo.School.ID, id)
		return err
	})
	count(assignees, 5, admin)
	if twenty, hundred := count(assignees, 20, admin), count(assignees, 100, admin); twenty != hundred {
		t.Fatalf("a task's assignees: %d round trips for 20, %d for 100", twenty, hundred)
	}
}

// TestEventListsAreNPlusOneFree: events with their units, attendance
// counts and the caller's attendance cost the same round trips for 20
// events as for 100.
func TestEventListsAreNPlusOneFree(t *testing.T) {
	t.Parallel()
	tracer := &countingTracer{}
	b := setupWith(t, identityEnv(), tracer)
	member, _ := b.login(t, "member", demoPassword)
	ownerExec(t, b, `INSERT INTO events (tenant_id, org_unit_id, kind, title, starts_at, ends_at, place, code_secret)
		SELECT u.tenant_id, u.id, 'theme_day', '主题党日 ' || g, now() + g * interval '1 day', now() + g * interval '1 day' + interval '1 hour', '活动室', '\x00'
		FROM generate_series(1, 120) g, org_units u WHERE u.code = 'XXGC-XS1'`,
		`INSERT INTO event_attendees (tenant_id, event_id, person_id, voting)
		SELECT e.tenant_id, e.id, p.id, p.stage = 'full' FROM events e, people p WHERE p.org_unit_id = e.org_unit_id`)
	const doc = `query($n: Int, $f: Time!, $u: Time!) { myEvents(from: $f, to: $u, first: $n) { edges { node { title orgUnit { name }
		attendance { expected present quorum } myAttendance { status } } } } }`
	count := func(n int) int64 {
		before := tracer.n.Load()
		d := decode[struct {
			MyEvents struct {
				Edges []struct {
					Node struct {
						Attendance   struct{ Expected int }
						MyAttendance *struct{ Status string }
					}
				}
			}
		}](t, b.post(t, doc, map[string]any{"n": n, "f": time.Now().Format(time.RFC3339), "u": time.Now().AddDate(0, 6, 0).Format(time.RFC3339)}, bearer(member)...))
		if len(d.MyEvents.Edges) != n || d.MyEvents.Edges[n-1].Node.MyAttendance == nil || d.MyEvents.Edges[n-1].Node.Attendance.Expected == 0 {
			t.Fatalf("my events with %d entries are incomplete: %+v", n, d.MyEvents.Edges)
		}
		return tracer.n.Load() - before
	}
	count(5)
	if twenty, hundred := count(20), count(100); twenty != hundred {
		t.Fatalf("my events: %d round trips for 20, %d for 100", twenty, hundred)
	}
}
