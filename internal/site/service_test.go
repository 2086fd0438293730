package site_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/org"
	"zhdj/internal/pgtest"
	"zhdj/internal/site"
	"zhdj/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type testBundle struct {
	svc    *site.Service
	pool   *pgxpool.Pool
	tenant uuid.UUID
	unit   uuid.UUID
	ctx    context.Context
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	tn, err := tenant.NewService(db.Pool).Create(ctx, tenant.CreateInput{Code: "school", Name: "学校"})
	if err != nil {
		t.Fatal(err)
	}
	ctx = auth.WithPrincipal(ctx, auth.SystemPrincipal(tn.ID))
	root, err := org.NewService(db.Pool).CreateUnit(ctx, org.CreateUnitInput{Kind: org.KindCommittee, Name: "党委", Code: "DW"})
	if err != nil {
		t.Fatal(err)
	}
	return &testBundle{svc: site.NewService(db.Pool, nil), pool: db.Pool, tenant: tn.ID, unit: root.ID, ctx: ctx}
}

func TestCreateAndRoute(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	changed := 0
	b.svc = site.NewService(b.pool, func() { changed++ })
	st, err := b.svc.Create(b.ctx, site.CreateInput{
		OrgUnitID: b.unit, Slug: "dw", Name: "党委网站",
		Origins:    []string{"https://dj.example.edu.cn:443", "http://localhost:3000"},
		Theme:      json.RawMessage(`{"colors":{"primary":"#aa0000"}}`),
		Navigation: json.RawMessage(`[{"label":"首页","kind":"page","pageSlug":"home"}]`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if changed != 1 {
		t.Fatalf("origin change hook called %d times", changed)
	}
	if st.Theme.Colors.Primary != "#aa0000" || st.Theme.Colors.Background != site.DefaultTheme.Colors.Background {
		t.Fatalf("theme not merged with defaults: %+v", st.Theme)
	}
	r, err := b.svc.RouteByOrigin(ctx, "HTTPS://dj.example.edu.cn")
	if err != nil || r.SiteID != st.ID || r.TenantID != b.tenant {
		t.Fatalf("route by origin: %+v %v", r, err)
	}
	if _, err := b.svc.RouteBySlug(ctx, "nope"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown slug: %v", err)
	}
	origins, err := b.svc.ActiveOrigins(ctx)
	if err != nil || len(origins) != 2 {
		t.Fatalf("active origins %v %v", origins, err)
	}

	// Deactivating the site removes its origins from routing and CORS.
	off := false
	if _, err := b.svc.Update(b.ctx, st.ID, site.UpdateInput{Active: &off}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.RouteBySlug(ctx, "dw"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("inactive site still routed: %v", err)
	}
	if origins, _ := b.svc.ActiveOrigins(ctx); len(origins) != 0 {
		t.Fatalf("inactive site's origins still allowed: %v", origins)
	}
}

func TestCreateRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	if _, err := b.svc.Create(b.ctx, site.CreateInput{OrgUnitID: b.unit, Slug: "taken", Name: "x", Origins: []string{"https://a.example.com"}}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		in     site.CreateInput
		kind   apperr.Kind
		fields []string
	}{
		{"javascript origin", site.CreateInput{OrgUnitID: b.unit, Slug: "s1", Name: "x", Origins: []string{"javascript:alert(1)"}}, apperr.Invalid, []string{"origins[0]"}},
		{"empty host origin", site.CreateInput{OrgUnitID: b.unit, Slug: "s2", Name: "x", Origins: []string{"https://ok.example.com", "http://"}}, apperr.Invalid, []string{"origins[1]"}},
		{"duplicate origin in input", site.CreateInput{OrgUnitID: b.unit, Slug: "s3", Name: "x", Origins: []string{"https://b.example.com", "https://B.example.com:443"}}, apperr.Invalid, []string{"origins[1]"}},
		{"origin of another site", site.CreateInput{OrgUnitID: b.unit, Slug: "s4", Name: "x", Origins: []string{"https://a.example.com"}}, apperr.Conflict, []string{"origins[0]"}},
		{"taken slug", site.CreateInput{OrgUnitID: b.unit, Slug: "taken", Name: "x"}, apperr.Conflict, []string{"slug"}},
		{"unknown org unit", site.CreateInput{OrgUnitID: uuid.New(), Slug: "s5", Name: "x"}, apperr.Invalid, []string{"orgUnitId"}},
		{"all problems at once", site.CreateInput{OrgUnitID: b.unit, Slug: "A B", Name: "", Theme: json.RawMessage(`{"colors":{"primary":"blue"}}`), HomeBlocks: json.RawMessage(`[{"type":"nope"}]`)}, apperr.Invalid,
			[]string{"slug", "name", "theme.colors.primary", "homeBlocks[0].type"}},
	}
	for _, tc := range cases {
		_, err := b.svc.Create(b.ctx, tc.in)
		t.Run(tc.name, func(t *testing.T) {
			e, ok := err.(*apperr.Error)
			if !ok || e.Kind != tc.kind {
				t.Fatalf("got %v, want %s", err, tc.kind)
			}
			for _, f := range tc.fields {
				if _, ok := e.Fields[f]; !ok {
					t.Fatalf("error %v does not name %q", err, f)
				}
			}
		})
	}
	// Nothing of the refused sites was stored.
	origins, err := b.svc.ActiveOrigins(ctx)
	if err != nil || len(origins) != 1 {
		t.Fatalf("origins after refusals: %v %v", origins, err)
	}
}
