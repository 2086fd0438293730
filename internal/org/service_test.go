package org_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/org"
	"zhdj/internal/pgtest"
	"zhdj/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type testBundle struct {
	svc    *org.Service
	tenant uuid.UUID
	root   *org.Unit
	ctx    context.Context // acting as the platform itself in the tenant
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	db := pgtest.NewDB(t)
	tn, err := tenant.NewService(db.Pool).Create(context.Background(), tenant.CreateInput{Code: "school", Name: "示范职业技术学院"})
	if err != nil {
		t.Fatal(err)
	}
	svc := org.NewService(db.Pool)
	ctx := auth.WithPrincipal(context.Background(), auth.SystemPrincipal(tn.ID))
	root, err := svc.CreateUnit(ctx, org.CreateUnitInput{Kind: org.KindCommittee, Name: "党委", Code: "DW"})
	if err != nil {
		t.Fatal(err)
	}
	return &testBundle{svc: svc, tenant: tn.ID, root: root, ctx: ctx}
}

func (b *testBundle) add(t *testing.T, parent *org.Unit, kind org.Kind, code string) *org.Unit {
	t.Helper()
	u, err := b.svc.CreateUnit(b.ctx, org.CreateUnitInput{ParentID: &parent.ID, Kind: kind, Name: code + " 名称", Code: code})
	if err != nil {
		t.Fatalf("create %s: %v", code, err)
	}
	return u
}

func wantKind(t *testing.T, err error, k apperr.Kind, field string) {
	t.Helper()
	if apperr.KindOf(err) != k {
		t.Fatalf("got %v (%s), want %s", err, apperr.KindOf(err), k)
	}
	if field != "" {
		e := err.(*apperr.Error)
		if _, ok := e.Fields[field]; !ok {
			t.Fatalf("error %v does not name field %q", err, field)
		}
	}
}

func TestCreateUnitRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	gb := b.add(t, b.root, org.KindGeneralBranch, "JSJ")
	br := b.add(t, gb, org.KindBranch, "JSJ-ZB1")
	b.add(t, b.root, org.KindBranch, "JG-ZB") // branches may report to the committee directly
	grp := b.add(t, br, org.KindGroup, "JSJ-ZB1-XZ1")

	if got := grp.Depth(); got != 3 {
		t.Fatalf("group depth %d, want 3", got)
	}

	cases := []struct {
		name  string
		in    org.CreateUnitInput
		kind  apperr.Kind
		field string
	}{
		{"second root", org.CreateUnitInput{Kind: org.KindCommittee, Name: "另一个党委", Code: "DW2"}, apperr.Conflict, "parentId"},
		{"no parent", org.CreateUnitInput{Kind: org.KindBranch, Name: "支部", Code: "X1"}, apperr.Invalid, "parentId"},
		{"committee with parent", org.CreateUnitInput{ParentID: &b.root.ID, Kind: org.KindCommittee, Name: "党委", Code: "X2"}, apperr.Invalid, "kind"},
		{"group under general branch", org.CreateUnitInput{ParentID: &gb.ID, Kind: org.KindGroup, Name: "小组", Code: "X3"}, apperr.Invalid, "parentId"},
		{"general branch under branch", org.CreateUnitInput{ParentID: &br.ID, Kind: org.KindGeneralBranch, Name: "总支", Code: "X4"}, apperr.Invalid, "parentId"},
		{"unknown kind", org.CreateUnitInput{ParentID: &gb.ID, Kind: "cell", Name: "x", Code: "X5"}, apperr.Invalid, "kind"},
		{"empty name", org.CreateUnitInput{ParentID: &gb.ID, Kind: org.KindBranch, Name: "  ", Code: "X6"}, apperr.Invalid, "name"},
		{"bad code", org.CreateUnitInput{ParentID: &gb.ID, Kind: org.KindBranch, Name: "x", Code: "a b"}, apperr.Invalid, "code"},
		{"duplicate code", org.CreateUnitInput{ParentID: &gb.ID, Kind: org.KindBranch, Name: "x", Code: "JSJ-ZB1"}, apperr.Conflict, "code"},
		{"unknown parent", org.CreateUnitInput{ParentID: ptr(uuid.New()), Kind: org.KindBranch, Name: "x", Code: "X7"}, apperr.Invalid, "parentId"},
	}
	for _, tc := range cases {
		_, err := b.svc.CreateUnit(b.ctx, tc.in)
		t.Run(tc.name, func(t *testing.T) { wantKind(t, err, tc.kind, tc.field) })
	}
}

func ptr[T any](v T) *T { return &v }

func TestMoveSubtree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	a := b.add(t, b.root, org.KindGeneralBranch, "A")
	c := b.add(t, b.root, org.KindGeneralBranch, "C")
	ab := b.add(t, a, org.KindBranch, "A-B")
	abg := b.add(t, ab, org.KindGroup, "A-B-G")

	moved, err := b.svc.MoveUnit(b.ctx, ab.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *moved.ParentID != c.ID {
		t.Fatalf("parent after move %v, want %v", moved.ParentID, c.ID)
	}
	anc, err := b.svc.Ancestors(ctx, b.tenant, []uuid.UUID{abg.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := codes(anc[abg.ID])
	if want := []string{"DW", "C", "A-B"}; !equal(got, want) {
		t.Fatalf("ancestors of group after move %v, want %v", got, want)
	}
	kids, err := b.svc.Children(ctx, b.tenant, []uuid.UUID{a.ID, c.ID}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(kids[a.ID]) != 0 || len(kids[c.ID]) != 1 {
		t.Fatalf("children after move: A %d, C %d", len(kids[a.ID]), len(kids[c.ID]))
	}
}

func TestMoveRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := b.add(t, b.root, org.KindGeneralBranch, "A")
	ab := b.add(t, a, org.KindBranch, "A-B")
	abg := b.add(t, ab, org.KindGroup, "A-B-G")
	other := b.add(t, b.root, org.KindBranch, "O")

	before := snapshot(t, b)
	cases := []struct {
		name      string
		id, under uuid.UUID
	}{
		{"under own descendant", ab.ID, abg.ID},
		{"under itself", ab.ID, ab.ID},
		{"root", b.root.ID, a.ID},
		{"branch under branch", ab.ID, other.ID},
		{"group under general branch", abg.ID, a.ID},
		{"unknown parent", ab.ID, uuid.New()},
	}
	for _, tc := range cases {
		_, err := b.svc.MoveUnit(b.ctx, tc.id, tc.under)
		t.Run(tc.name, func(t *testing.T) { wantKind(t, err, apperr.Invalid, "") })
	}
	if after := snapshot(t, b); !equalMaps(before, after) {
		t.Fatalf("tree changed by refused moves:\nbefore %v\nafter  %v", before, after)
	}
	// A general branch may not become a grandchild of itself even by way of the committee.
	_, err := b.svc.MoveUnit(b.ctx, a.ID, ab.ID)
	wantKind(t, err, apperr.Invalid, "parentId")
}

func TestDescendantsPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	gb := b.add(t, b.root, org.KindGeneralBranch, "G")
	for i := range 7 {
		br := b.add(t, gb, org.KindBranch, "B"+string(rune('0'+i)))
		b.add(t, br, org.KindGroup, "B"+string(rune('0'+i))+"-X")
	}
	var seen []string
	var after *org.Cursor
	pages := 0
	for {
		page, err := b.svc.Descendants(ctx, b.tenant, gb.ID, org.DescendantsQuery{First: 4, After: after})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if pages > 10 {
			t.Fatalf("paging does not end: %v", seen)
		}
		if page.TotalCount != 14 {
			t.Fatalf("total %d, want 14", page.TotalCount)
		}
		for _, u := range page.Units {
			seen = append(seen, u.Code)
		}
		if !page.HasNext {
			break
		}
		c := org.CursorOf(page.Units[len(page.Units)-1])
		after = &c
	}
	if len(seen) != 14 || pages != 4 {
		t.Fatalf("saw %d units in %d pages: %v", len(seen), pages, seen)
	}
	// Breadth first: all branches before any group.
	for i, code := range seen {
		isGroup := len(code) > 2
		if (i < 7) == isGroup {
			t.Fatalf("order is not breadth first: %v", seen)
		}
	}
	only, err := b.svc.Descendants(ctx, b.tenant, b.root.ID, org.DescendantsQuery{First: 100, Kinds: []org.Kind{org.KindGroup}})
	if err != nil || len(only.Units) != 7 {
		t.Fatalf("groups only: %v %v", only, err)
	}
	_, err = b.svc.Descendants(ctx, b.tenant, gb.ID, org.DescendantsQuery{First: 1000})
	wantKind(t, err, apperr.Invalid, "first")
}

func TestTenantScoping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	if _, err := b.svc.Unit(ctx, uuid.New(), b.root.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unit read under another tenant: %v", err)
	}
}

func snapshot(t *testing.T, b *testBundle) map[string]string {
	t.Helper()
	page, err := b.svc.Descendants(context.Background(), b.tenant, b.root.ID, org.DescendantsQuery{First: 100, IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, u := range page.Units {
		out[u.Code] = u.Path
	}
	return out
}

func codes(us []*org.Unit) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Code
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestAuthorisation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := b.add(t, b.root, org.KindGeneralBranch, "A")
	ab := b.add(t, a, org.KindBranch, "A-B")
	c := b.add(t, b.root, org.KindGeneralBranch, "C")
	cb := b.add(t, c, org.KindBranch, "C-B")

	secretary := auth.WithPrincipal(context.Background(), &auth.Principal{TenantID: b.tenant,
		Bindings: []auth.Binding{{Role: auth.RoleOrgAdmin, OrgUnitID: a.ID, OrgUnitPath: a.Path}}})
	if _, err := b.svc.CreateUnit(secretary, org.CreateUnitInput{ParentID: &ab.ID, Kind: org.KindGroup, Name: "小组", Code: "A-B-G"}); err != nil {
		t.Fatalf("secretary creating below own unit: %v", err)
	}
	_, err := b.svc.CreateUnit(secretary, org.CreateUnitInput{ParentID: &cb.ID, Kind: org.KindGroup, Name: "小组", Code: "C-B-G"})
	wantKind(t, err, apperr.Forbidden, "")
	_, err = b.svc.MoveUnit(secretary, ab.ID, c.ID)
	wantKind(t, err, apperr.Forbidden, "")
	_, err = b.svc.UpdateUnit(secretary, c.ID, org.UpdateUnitInput{Name: ptr("改名")})
	wantKind(t, err, apperr.Forbidden, "")
	_, err = b.svc.CreateUnit(context.Background(), org.CreateUnitInput{ParentID: &ab.ID, Kind: org.KindGroup, Name: "x", Code: "X"})
	wantKind(t, err, apperr.Unauthenticated, "")
	editor := auth.WithPrincipal(context.Background(), &auth.Principal{TenantID: b.tenant,
		Bindings: []auth.Binding{{Role: auth.RoleEditor, OrgUnitID: b.root.ID, OrgUnitPath: b.root.Path}}})
	_, err = b.svc.UpdateUnit(editor, ab.ID, org.UpdateUnitInput{Name: ptr("改名")})
	wantKind(t, err, apperr.Forbidden, "")
}
