package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/auth"
	"zhdj/internal/learning"
	"zhdj/internal/member"
	"zhdj/internal/postgres"
	"zhdj/internal/tenant"
)

// demoActivityNS names the demo activity's sources (the same every run:
// a fact is written once).
var demoActivityNS = uuid.MustParse("6f1f0c3e-3d0a-4d55-9f0e-6b3c1f2a7d10")

// demoEngagement is how active each demo person was over the last term:
// per fortnight, articles read, micro-lessons completed, quizzes passed,
// volunteer hours confirmed.
var demoEngagement = map[string][4]int{
	"张建国": {4, 2, 1, 2},
	"陈红梅": {5, 2, 1, 0},
	"刘强":  {2, 1, 0, 4},
	"李明":  {3, 1, 1, 2},
	"王芳":  {1, 0, 0, 0},
	"赵磊":  {0, 0, 0, 0}, // idle: the cockpit's NOT_LEARNING and LOW_POINTS
	"孙丽":  {3, 2, 1, 0},
	"周杰":  {2, 1, 0, 2},
}

// DemoActivity gives the demo people a term (the last 14 weeks) of what
// they did — articles read, lessons completed, quizzes passed, volunteer
// hours — as learning facts, which the points job then awards, so that
// points, scores, rankings and the cockpit show real numbers. Each fact is
// written once however often it runs; it returns how many it wrote.
func DemoActivity(ctx context.Context, pool *pgxpool.Pool, school *tenant.Tenant, members *member.Service, now time.Time) (int, error) {
	system := auth.WithPrincipal(ctx, auth.SystemPrincipal(school.ID))
	list, err := members.List(system, member.Filter{}, 100, nil)
	if err != nil {
		return 0, fmt.Errorf("seed: members: %w", err)
	}
	written := 0
	err = postgres.InTenantTx(ctx, pool, school.ID, func(tx pgx.Tx) error {
		for _, p := range list.People {
			e, ok := demoEngagement[p.Name]
			if !ok {
				continue
			}
			for week := 0; week < 14; week += 2 {
				day := now.AddDate(0, 0, -7*week-1-len(p.Name)%3)
				kinds := []struct {
					kind    learning.FactKind
					n       int
					details map[string]any
				}{
					{learning.FactReadingCompleted, e[0], nil},
					{learning.FactLessonCompleted, e[1], nil},
					{learning.FactQuizCompleted, e[2], map[string]any{"passed": true, "right": 8 + week%3, "total": 10}},
					{learning.FactVolunteerHours, min(e[3], 1), map[string]any{"hours": float64(e[3])}},
				}
				for _, k := range kinds {
					for i := range k.n {
						src := uuid.NewSHA1(demoActivityNS, fmt.Appendf(nil, "%s/%s/%d/%d", p.ID, k.kind, week, i))
						ok, err := learning.RecordFact(ctx, tx, school.ID, learning.Fact{PersonID: p.ID, Kind: k.kind, SourceType: "demo", SourceID: src,
							OccurredAt: day.Add(time.Duration(9+i) * time.Hour), Details: k.details})
						if err != nil {
							return err
						}
						if ok {
							written++
						}
					}
				}
			}
		}
		return nil
	})
	return written, err
}
