package content_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/auth"
	"zhdj/internal/org"
	"zhdj/internal/pgtest"
	"zhdj/internal/postgres"
	"zhdj/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestWhichSitesShowAnItem pins content_on_sites, the one statement of
// which sites an item is placed on (migration 00017), case by case: a
// site's list, an item's webhooks and its search document all read it.
//
// The tree: 党委 (DW) → 信息工程学院总支 (XX) → 软件党支部 (RJ), and a
// second college 机电学院总支 (JD). One site per unit.
func TestWhichSitesShowAnItem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	school, err := tenant.NewService(db.Pool).Create(ctx, tenant.CreateInput{Code: "school", Name: "示范职业技术学院"})
	if err != nil {
		t.Fatal(err)
	}
	units := org.NewService(db.Pool)
	sys := auth.WithPrincipal(ctx, auth.SystemPrincipal(school.ID))
	dw, err := units.CreateUnit(sys, org.CreateUnitInput{Kind: org.KindCommittee, Name: "党委", Code: "DW"})
	if err != nil {
		t.Fatal(err)
	}
	unit := map[string]uuid.UUID{"DW": dw.ID}
	for _, u := range []struct{ code, parent string }{{"XX", "DW"}, {"RJ", "XX"}, {"JD", "DW"}} {
		kind := org.KindGeneralBranch
		if u.code == "RJ" {
			kind = org.KindBranch
		}
		parent := unit[u.parent]
		made, err := units.CreateUnit(sys, org.CreateUnitInput{ParentID: &parent, Kind: kind, Name: u.code + " 名称", Code: u.code})
		if err != nil {
			t.Fatal(err)
		}
		unit[u.code] = made.ID
	}
	site := map[string]uuid.UUID{}
	inSchool := func(fn func(tx pgx.Tx) error) {
		t.Helper()
		if err := postgres.InTenantTx(ctx, db.Pool, school.ID, fn); err != nil {
			t.Fatal(err)
		}
	}
	inSchool(func(tx pgx.Tx) error {
		for code, id := range unit {
			var s uuid.UUID
			if err := tx.QueryRow(ctx, `INSERT INTO sites (tenant_id, org_unit_id, slug, name) VALUES ($1, $2, $3, $4) RETURNING id`,
				school.ID, id, "site-"+strings.ToLower(code), code+" 网站").Scan(&s); err != nil {
				return err
			}
			site[code] = s
		}
		return nil
	})

	cases := []struct {
		name     string
		unit     string // the item's unit
		subtree  bool   // published to the sites below
		hiddenOn []string
		want     []string // the sites it is placed on
	}{
		{"its own unit's site only", "XX", false, nil, []string{"XX"}},
		{"to the subtree: its unit and every site below", "XX", true, nil, []string{"XX", "RJ"}},
		{"from the top to the subtree: every site", "DW", true, nil, []string{"DW", "XX", "RJ", "JD"}},
		{"a branch's own item stays on the branch's site", "RJ", true, nil, []string{"RJ"}},
		{"a site below that hides it", "XX", true, []string{"RJ"}, []string{"XX"}},
		{"its own site may hide it too", "DW", false, []string{"DW"}, nil},
		{"another college's item", "JD", true, nil, []string{"JD"}},
	}
	for i, c := range cases {
		var id uuid.UUID
		inSchool(func(tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, publish_to_subtree, status, published_at)
				VALUES ($1, 'article', $2, $3, $4, $5, 'published', now()) RETURNING id`,
				school.ID, "item-"+string(rune('a'+i))+"x", c.name, unit[c.unit], c.subtree).Scan(&id); err != nil {
				return err
			}
			for _, h := range c.hiddenOn {
				if _, err := tx.Exec(ctx, `INSERT INTO site_hidden (tenant_id, site_id, content_id) VALUES ($1, $2, $3)`, school.ID, site[h], id); err != nil {
					return err
				}
			}
			return nil
		})
		var got []string
		inSchool(func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT site_slug FROM content_on_sites WHERE tenant_id = $1 AND id = $2`, school.ID, id)
			if err != nil {
				return err
			}
			slugs, err := pgx.CollectRows(rows, pgx.RowTo[string])
			for _, s := range slugs {
				got = append(got, strings.ToUpper(s[len("site-"):]))
			}
			return err
		})
		slices.Sort(got)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: placed on %v, want %v", c.name, got, want)
		}
	}
}
