package interaction_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/auth"
	"zhdj/internal/interaction"
	"zhdj/internal/moderation"
	"zhdj/internal/org"
	"zhdj/internal/pgtest"
	"zhdj/internal/postgres"
	"zhdj/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// row is a suggestion as the test wrote it.
type row struct {
	id      uuid.UUID
	unit    uuid.UUID
	votes   int
	at      time.Time
	public  bool
	pending bool
}

// A list walks each unit's index when the subtree is small (a college)
// and the school's index when it is large (the whole school, more units
// than a list walks one by one): both give every order's rows in that
// order, page after page, with nothing missed or repeated, and only what
// an anonymous reader may see.
func TestListOrdersAndPages(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	tn, err := tenant.NewService(db.Pool).Create(ctx, tenant.CreateInput{Code: "school", Name: "示范职业技术学院"})
	if err != nil {
		t.Fatal(err)
	}
	units := org.NewService(db.Pool)
	sys := auth.WithPrincipal(ctx, auth.SystemPrincipal(tn.ID))
	root, err := units.CreateUnit(sys, org.CreateUnitInput{Kind: org.KindCommittee, Name: "党委", Code: "DW"})
	if err != nil {
		t.Fatal(err)
	}
	college, err := units.CreateUnit(sys, org.CreateUnitInput{ParentID: &root.ID, Kind: org.KindGeneralBranch, Name: "信息学院", Code: "XX"})
	if err != nil {
		t.Fatal(err)
	}
	var branches []uuid.UUID
	for i := range 70 { // the school: more units than a list walks one by one
		parent := &root.ID
		if i < 3 {
			parent = &college.ID
		}
		u, err := units.CreateUnit(sys, org.CreateUnitInput{ParentID: parent, Kind: org.KindBranch, Name: fmt.Sprintf("支部%d", i), Code: fmt.Sprintf("B%02d", i)})
		if err != nil {
			t.Fatal(err)
		}
		branches = append(branches, u.ID)
	}
	inCollege := map[uuid.UUID]bool{college.ID: true, branches[0]: true, branches[1]: true, branches[2]: true}

	// 300 suggestions: ties in votes, a few private, a few pending.
	now := time.Now().Truncate(time.Microsecond)
	var rows []row
	for i := range 300 {
		unit := branches[i%len(branches)]
		if i%4 == 0 {
			unit = branches[i%3] // a good share in the college
		}
		rows = append(rows, row{id: uuid.New(), unit: unit, votes: (i * 7) % 11, at: now.Add(-time.Duration(i*37%300) * time.Hour),
			public: i%9 != 0, pending: i%13 == 0})
	}
	author := uuid.New()
	if err := postgres.InTenantTx(ctx, db.Pool, tn.ID, func(tx pgx.Tx) error {
		for _, r := range rows {
			mod := "visible"
			if r.pending {
				mod = "pending"
			}
			if _, err := tx.Exec(ctx, `INSERT INTO suggestions (tenant_id, id, org_unit_id, category, title, body, author_id, author_name, public, moderation,
				due_at, votes, hot, created_at) VALUES ($1, $2, $3, 'study', 't', 'b', $4, '作者', $5, $6, now(), $7, suggestion_hot($7, $8), $8)`,
				tn.ID, r.id, r.unit, author, r.public, mod, r.votes, r.at); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	svc := interaction.NewService(db.Pool, moderation.NewService(db.Pool))
	hot := func(r row) float64 { // suggestion_hot, as the migration defines it
		v := max(r.votes, 1)
		return math.Log10(float64(v)) + float64(r.at.UnixMicro())/1e6/43200
	}
	for _, c := range []struct {
		name  string
		unit  uuid.UUID
		order interaction.Order
		less  func(a, b row) bool // a before b
	}{
		{"college, newest", college.ID, interaction.Newest, func(a, b row) bool { return a.at.After(b.at) }},
		{"college, hot", college.ID, interaction.Hot, func(a, b row) bool { return hot(a) > hot(b) }},
		{"college, most voted", college.ID, interaction.MostVoted, func(a, b row) bool { return a.votes > b.votes }},
		{"school, newest", root.ID, interaction.Newest, func(a, b row) bool { return a.at.After(b.at) }},
		{"school, hot", root.ID, interaction.Hot, func(a, b row) bool { return hot(a) > hot(b) }},
		{"school, most voted", root.ID, interaction.MostVoted, func(a, b row) bool { return a.votes > b.votes }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want []uuid.UUID
			var sorted []row
			for _, r := range rows {
				if r.public && !r.pending && (c.unit == root.ID || inCollege[r.unit]) {
					sorted = append(sorted, r)
				}
			}
			sort.SliceStable(sorted, func(i, j int) bool {
				a, b := sorted[i], sorted[j]
				if c.less(a, b) || c.less(b, a) {
					return c.less(a, b)
				}
				return slices.Compare(a.id[:], b.id[:]) > 0 // then the id, descending
			})
			for _, r := range sorted {
				want = append(want, r.id)
			}
			var got []uuid.UUID
			var after *interaction.ListCursor
			for pages := 0; ; pages++ {
				if pages > 100 {
					t.Fatal("the pages do not end")
				}
				unit := c.unit
				page, err := svc.List(ctx, interaction.Where{TenantID: tn.ID, OrgUnitID: &unit}, interaction.Filter{}, c.order, 17, after)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range page.Items {
					got = append(got, s.ID)
				}
				if !page.HasNext {
					break
				}
				after = &page.Cursors[len(page.Cursors)-1]
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %d rows, want %d; first differing at %d", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func firstDiff(a, b []uuid.UUID) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
