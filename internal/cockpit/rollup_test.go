package cockpit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/auth"
	"zhdj/internal/org"
	"zhdj/internal/pgtest"
	"zhdj/internal/points"
	"zhdj/internal/postgres"
	"zhdj/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestRollUpsMatchTheRecords: the cockpit's roll-ups, kept by triggers
// while eight writers record facts (often the same person in the same
// week at the same moment), publish and review assignments and check
// attendees in, equal a count of the records themselves — a person is
// counted once per bucket, and a status change moves its count.
func TestRollUpsMatchTheRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	school, err := tenant.NewService(db.Pool).Create(ctx, tenant.CreateInput{Code: "school", Name: "示范职业技术学院"})
	if err != nil {
		t.Fatal(err)
	}
	sys := auth.WithPrincipal(ctx, auth.SystemPrincipal(school.ID))
	units := org.NewService(db.Pool)
	root, err := units.CreateUnit(sys, org.CreateUnitInput{Kind: org.KindCommittee, Name: "党委", Code: "DW"})
	if err != nil {
		t.Fatal(err)
	}
	var branches []uuid.UUID
	for i := range 2 {
		u, err := units.CreateUnit(sys, org.CreateUnitInput{ParentID: &root.ID, Kind: org.KindBranch, Name: fmt.Sprint("支部", i), Code: fmt.Sprint("B", i)})
		if err != nil {
			t.Fatal(err)
		}
		branches = append(branches, u.ID)
	}
	exec := func(f func(tx pgx.Tx) error) error { return postgres.InTenantTx(ctx, db.Pool, school.ID, f) }
	var people []uuid.UUID
	var task, event uuid.UUID
	err = exec(func(tx pgx.Tx) error {
		for i := range 6 {
			var id uuid.UUID
			stage := "full"
			if i == 5 {
				stage = "none" // not assessed: the cockpit does not count them
			}
			if err := tx.QueryRow(ctx, `INSERT INTO people (tenant_id, name, gender, category, org_unit_id, stage) VALUES ($1, $2, 'female', 'student', $3, $4) RETURNING id`,
				school.ID, fmt.Sprint("成员", i), branches[i%2], stage).Scan(&id); err != nil {
				return err
			}
			people = append(people, id)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO tasks (tenant_id, org_unit_id, title, deadline, audience) VALUES ($1, $2, '任务', now() + interval '1 day', '{}') RETURNING id`,
			school.ID, root.ID).Scan(&task); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO events (tenant_id, org_unit_id, kind, title, starts_at, ends_at, code_secret)
			VALUES ($1, $2, 'theme_day', '主题党日', now(), now() + interval '1 hour', '\x00') RETURNING id`, school.ID, branches[0]).Scan(&event)
	})
	if err != nil {
		t.Fatal(err)
	}

	kinds := []string{"lesson_completed", "reading_completed", "quiz_completed", "volunteer_hours_confirmed", "event_attended"}
	monday := time.Date(2026, 11, 30, 10, 0, 0, 0, time.FixedZone("Beijing", 8*3600))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for range 25 {
				err := exec(func(tx pgx.Tx) error {
					// One to three facts a statement, of people 0–2 mostly.
					n := 1 + r.IntN(3)
					var vals []string
					var args []any
					for range n {
						k := kinds[r.IntN(len(kinds))]
						at := monday.Add(time.Duration(r.IntN(17*24)) * time.Hour) // three weeks, across a month's end
						details := "{}"
						if k == "volunteer_hours_confirmed" {
							details = fmt.Sprintf(`{"hours": %d.5}`, r.IntN(4))
						}
						j := len(args)
						vals = append(vals, fmt.Sprintf("($%d, $%d, $%d, 'test', gen_random_uuid(), $%d, $%d::jsonb)", j+1, j+2, j+3, j+4, j+5))
						args = append(args, school.ID, people[[]int{0, 0, 1, 1, 2, 3, 4, 5}[r.IntN(8)]], k, at, details)
					}
					if _, err := tx.Exec(ctx, `INSERT INTO learning_facts (tenant_id, person_id, kind, source_type, source_id, occurred_at, details) VALUES `+strings.Join(vals, ", "), args...); err != nil {
						return err
					}
					// An assignment and an attendee changing status.
					p := people[r.IntN(len(people))]
					if _, err := tx.Exec(ctx, `INSERT INTO task_assignments (tenant_id, task_id, person_id, org_unit_id, deadline)
						SELECT tenant_id, $2, id, org_unit_id, now() + interval '1 day' FROM people WHERE tenant_id = $1 AND id = $3
						ON CONFLICT (tenant_id, task_id, person_id) DO UPDATE SET status = (ARRAY['submitted', 'approved', 'returned'])[1 + $4::int]`,
						school.ID, task, p, r.IntN(3)); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `INSERT INTO event_attendees (tenant_id, event_id, person_id, voting) VALUES ($1, $2, $3, true)
						ON CONFLICT (tenant_id, event_id, person_id) DO UPDATE SET status = (ARRAY['present', 'leave', 'absent'])[1 + $4::int]`,
						school.ID, event, p, r.IntN(3))
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// A removed assignment leaves its count (as the schema's owner: the
	// server removes none but by a task's removal).
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if err := pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, school.ID.String()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM task_assignments WHERE tenant_id = $1 AND person_id = $2`, school.ID, people[0])
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// The cockpit of the school, of a calendar month and of days, counts
	// the learners the records have.
	admin := auth.WithPrincipal(ctx, &auth.Principal{TenantID: school.ID, AccountID: uuid.New(),
		Bindings: []auth.Binding{{Role: auth.RoleTenantAdmin, OrgUnitID: root.ID, OrgUnitPath: root.Path}}})
	svc := NewService(db.Pool, 0)
	svc.now = func() time.Time { return monday.AddDate(0, 1, 0) }
	for _, period := range []points.Period{
		{From: time.Date(2026, 12, 1, 0, 0, 0, 0, points.Beijing), Until: time.Date(2027, 1, 1, 0, 0, 0, 0, points.Beijing)},
		{From: monday.Add(-time.Hour), Until: monday.AddDate(0, 0, 10)},
	} {
		c, err := svc.Figures(admin, root.ID, period)
		if err != nil {
			t.Fatalf("cockpit of %v: %v", period, err)
		}
		var learners, facts int
		if err := exec(func(tx pgx.Tx) error {
			from, until := points.Days(period)
			return tx.QueryRow(ctx, `SELECT count(DISTINCT f.person_id), count(*) FROM learning_facts f JOIN people p ON p.tenant_id = f.tenant_id AND p.id = f.person_id AND p.stage <> 'none'
				WHERE learning_fact_category(f.kind) = 'learning' AND (f.occurred_at AT TIME ZONE 'UTC' + interval '8 hours')::date >= $1 AND (f.occurred_at AT TIME ZONE 'UTC' + interval '8 hours')::date < $2`,
				from, until).Scan(&learners, &facts)
		}); err != nil {
			t.Fatal(err)
		}
		if c.Learning.Learners != learners || c.Learning.Facts != facts || facts == 0 || c.People.Assessed != 5 {
			t.Errorf("cockpit of %v: %d learners, %d facts, %d assessed; the records have %d learners, %d facts (of 5 assessed)",
				period, c.Learning.Learners, c.Learning.Facts, c.People.Assessed, learners, facts)
		}
	}

	// Each roll-up against its records counted afresh.
	for _, c := range []struct{ name, rolledUp, counted string }{
		{"learning by unit",
			`SELECT bucket_kind, bucket_start, category, org_unit_id, facts, people, hours::float8 FROM learning_by_unit`,
			`SELECT k.bucket_kind, date_trunc(k.bucket_kind, (f.occurred_at AT TIME ZONE 'UTC' + interval '8 hours')::date)::date, learning_fact_category(f.kind),
			        p.org_unit_id, count(*)::int, count(DISTINCT f.person_id)::int, coalesce(sum((f.details ->> 'hours')::numeric), 0)::float8
			 FROM learning_facts f JOIN people p ON p.tenant_id = f.tenant_id AND p.id = f.person_id AND p.stage <> 'none'
			 CROSS JOIN (VALUES ('day'), ('week'), ('month'), ('quarter'), ('year')) AS k (bucket_kind)
			 WHERE learning_fact_category(f.kind) IS NOT NULL GROUP BY 1, 2, 3, 4`},
		{"who was seen",
			`SELECT bucket_kind, bucket_start, category, person_id FROM learning_seen`,
			`SELECT DISTINCT k.bucket_kind, date_trunc(k.bucket_kind, (f.occurred_at AT TIME ZONE 'UTC' + interval '8 hours')::date)::date, learning_fact_category(f.kind), f.person_id
			 FROM learning_facts f JOIN people p ON p.tenant_id = f.tenant_id AND p.id = f.person_id AND p.stage <> 'none'
			 CROSS JOIN (VALUES ('day'), ('week'), ('month'), ('quarter'), ('year')) AS k (bucket_kind)
			 WHERE learning_fact_category(f.kind) IS NOT NULL`},
		{"assignments",
			`SELECT org_unit_id, deadline, status, assignments FROM task_assignment_unit_counts`,
			`SELECT org_unit_id, deadline, status, count(*)::int FROM task_assignments GROUP BY 1, 2, 3`},
		{"attendance",
			`SELECT event_id, status, attendees FROM event_attendance_totals`,
			`SELECT event_id, status, count(*)::int FROM event_attendees GROUP BY 1, 2`},
	} {
		var rolledUp, counted []string
		if err := exec(func(tx pgx.Tx) error {
			for q, out := range map[string]*[]string{c.rolledUp: &rolledUp, c.counted: &counted} {
				rows, err := tx.Query(ctx, q)
				if err != nil {
					return err
				}
				for rows.Next() {
					v, err := rows.Values()
					if err != nil {
						return err
					}
					*out = append(*out, fmt.Sprint(v...))
				}
				if err := rows.Err(); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		slices.Sort(rolledUp)
		slices.Sort(counted)
		if len(counted) == 0 || !slices.Equal(rolledUp, counted) {
			t.Errorf("%s: rolled up %d rows, counted %d; first differences:\n%s", c.name, len(rolledUp), len(counted), diff(rolledUp, counted))
		}
	}
}

// diff shows up to five rows in one list and not the other.
func diff(a, b []string) string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) && len(out) < 5 {
			out = append(out, "rolled up only: "+x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) && len(out) < 10 {
			out = append(out, "counted only: "+x)
		}
	}
	return strings.Join(out, "\n")
}
