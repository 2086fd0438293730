package app_test

import (
	"strings"
	"testing"
)

const workspaceQuery = `query($f: WorkspaceFilterInput, $first: Int, $after: String) {
  workspace(filter: $f, first: $first, after: $after) { edges { cursor node { slug status orgUnit { code } } } pageInfo { hasNextPage endCursor } } }`

type workspacePage struct {
	Workspace struct {
		Edges []struct {
			Cursor string
			Node   struct {
				Slug, Status string
				OrgUnit      struct{ Code string }
			}
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

func (b *testBundle) workspace(t *testing.T, token string, filter map[string]any) []string {
	t.Helper()
	var slugs []string
	var after any
	for range 50 {
		p := decode[workspacePage](t, b.post(t, workspaceQuery, map[string]any{"f": filter, "first": 2, "after": after}, bearer(token)...)).Workspace
		for _, e := range p.Edges {
			slugs = append(slugs, e.Node.Slug)
		}
		if !p.PageInfo.HasNextPage {
			return slugs
		}
		after = *p.PageInfo.EndCursor
	}
	t.Fatal("workspace: more than 50 pages")
	return nil
}

// TestWorkspace: editors and reviewers list the items of their units in
// any status, newest change first, by keyset pages, filtered; others get a
// typed refusal.
func TestWorkspace(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	editor, _ := b.login(t, "editor", demoPassword)
	reviewer, _ := b.login(t, "reviewer", demoPassword)
	admin, _ := b.login(t, "admin", demoPassword)
	for _, slug := range []string{"ws-one", "ws-two", "ws-three"} {
		b.create(t, editor, map[string]any{"slug": slug, "title": "工作台 " + slug, "article": map[string]any{"html": "<p>草稿</p>"}})
	}
	drafts := b.workspace(t, editor, map[string]any{"statuses": []string{"DRAFT"}})
	if strings.Join(drafts, ",") != "ws-three,ws-two,ws-one" {
		t.Fatalf("editor's drafts, newest first over pages of 2: %v", drafts)
	}
	other := b.otherCollegeEditor(t, admin)
	b.create(t, other, map[string]any{"slug": "ws-znzz", "title": "工作台 智能制造", "article": map[string]any{"html": "<p>草稿</p>"}})
	if r := b.post(t, `mutation { createContent(input: {type: COMIC, fields: {slug: "ws-comic", title: "工作台漫画"}}) { content { id } } }`, nil, bearer(editor)...); len(r.Errors) != 0 {
		t.Fatal(r.Errors)
	}
	all := b.workspace(t, editor, nil)
	seen := map[string]bool{}
	for _, s := range all {
		if seen[s] {
			t.Fatalf("%s twice across pages: %v", s, all)
		}
		seen[s] = true
	}
	if strings.Join(all, ",") != "ws-comic,ws-three,ws-two,ws-one" {
		t.Fatalf("editor of 信息工程学院 sees its items, not another college's: %v", all)
	}
	if got := b.workspace(t, other, nil); strings.Join(got, ",") != "ws-znzz" {
		t.Fatalf("the other college's editor: %v", got)
	}

	// A reviewer's queue: what was submitted.
	var id string
	for _, e := range decode[struct {
		Workspace struct {
			Edges []struct{ Node struct{ ID, Slug string } }
		}
	}](t, b.post(t, `{ workspace(filter: {query: "ws-two"}) { edges { node { id slug } } } }`, nil, bearer(editor)...)).Workspace.Edges {
		id = e.Node.ID
	}
	if r := b.post(t, `mutation($id: ID!) { updateContent(input: {id: $id, version: 1, fields: {slug: "ws-two", title: "工作台 ws-two", summary: "提交审核", article: {html: "<p>正文</p>"}}}) { content { id } } }`, map[string]any{"id": id}, bearer(editor)...); len(r.Errors) != 0 {
		t.Fatal(r.Errors)
	}
	if got := b.workspace(t, reviewer, map[string]any{"statuses": []string{"DRAFT"}, "query": "ws-"}); strings.Join(got, ",") != "ws-two,ws-comic,ws-three,ws-one" {
		t.Fatalf("the edit moved ws-two to the front: %v", got)
	}
	if got := b.workspace(t, reviewer, map[string]any{"query": "工作台 ws-t"}); strings.Join(got, ",") != "ws-two,ws-three" {
		t.Fatalf("title query: %v", got)
	}
	if got := b.workspace(t, reviewer, map[string]any{"types": []string{"COMIC"}}); strings.Join(got, ",") != "ws-comic" {
		t.Fatalf("comics: %v", got)
	}
	unit := decode[struct {
		Site struct{ OrgUnit struct{ ID string } }
	}](t, b.post(t, `{ site(slug: "znzz") { orgUnit { id } } }`, nil)).Site.OrgUnit.ID
	if got := b.workspace(t, admin, map[string]any{"orgUnit": unit}); strings.Join(got, ",") != "ws-znzz" {
		t.Fatalf("the admin, narrowed to 智能制造学院: %v", got)
	}
	if got := b.workspace(t, admin, map[string]any{"query": "ws-"}); len(got) != 5 {
		t.Fatalf("the admin sees every college's: %v", got)
	}

	member, _ := b.login(t, "member", demoPassword)
	long := strings.Repeat("长", 101)
	for _, c := range []struct {
		name, token string
		vars        map[string]any
		code, field string
	}{
		{"anonymous", "", nil, "UNAUTHENTICATED", ""},
		{"a member", member, nil, "FORBIDDEN", ""},
		{"a long query", editor, map[string]any{"f": map[string]any{"query": long}}, "BAD_USER_INPUT", "filter.query"},
		{"a cursor of another list", editor, map[string]any{"after": "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "BAD_USER_INPUT", "after"},
		{"a page too large", editor, map[string]any{"first": 101}, "BAD_USER_INPUT", "first"},
		{"an unknown unit id", editor, map[string]any{"f": map[string]any{"orgUnit": "bm90LWFuLWlk"}}, "BAD_USER_INPUT", "filter.orgUnit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var headers []string
			if c.token != "" {
				headers = bearer(c.token)
			}
			r := b.post(t, workspaceQuery, c.vars, headers...)
			if r.code(0) != c.code {
				t.Fatalf("want %s: %+v", c.code, r.Errors)
			}
			if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); c.field != "" && fields[c.field] == nil {
				t.Fatalf("want the error on %s: %+v", c.field, r.Errors)
			}
		})
	}
}
