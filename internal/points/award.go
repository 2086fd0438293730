package points

// Awarding: the facts waiting in points_pending (queued by a trigger as
// each fact is written) are awarded by a periodic job, a batch per
// transaction, as they occurred. One award of a school runs at a time (a
// lock held by the transaction), because a cap depends on what was
// awarded before; the ledger's unique key gives a fact one entry however
// often it is awarded, so the job can run again, or be run over every
// fact again (Reaward), and the ledger stays the same.

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"zhdj/internal/learning"
	"zhdj/internal/points/pointsdb"
	"zhdj/internal/postgres"
)

// awardBatch bounds one transaction of awards.
const awardBatch = 500

// AwardAll awards every school's waiting facts.
func (s *Service) AwardAll(ctx context.Context) error {
	tenants, err := pointsdb.New(s.pool).Tenants(ctx)
	if err != nil {
		return fmt.Errorf("points: tenants: %w", err)
	}
	for _, t := range tenants {
		if _, err := s.Award(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// Award awards a school's waiting facts and returns how many entries it
// wrote.
func (s *Service) Award(ctx context.Context, tenant uuid.UUID) (int, error) {
	total := 0
	for {
		n, written, err := s.awardBatch(ctx, tenant)
		if err != nil {
			return total, err
		}
		total += written
		if n < awardBatch {
			return total, nil
		}
	}
}

// awardBatch awards up to awardBatch waiting facts in one transaction: n
// facts taken, written entries new.
func (s *Service) awardBatch(ctx context.Context, tenant uuid.UUID) (n, written int, err error) {
	err = postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		if err := q.LockLedger(ctx, tenant.String()); err != nil {
			return fmt.Errorf("points: lock: %w", err)
		}
		rows, err := q.PendingFacts(ctx, pointsdb.PendingFactsParams{TenantID: tenant, MaxRows: awardBatch})
		if err != nil {
			return fmt.Errorf("points: pending: %w", err)
		}
		n = len(rows)
		if n == 0 {
			return nil
		}
		ids := make([]uuid.UUID, n)
		var facts []Fact
		people := map[uuid.UUID]bool{}
		var persons []uuid.UUID
		from, until := rows[0].OccurredAt, rows[0].OccurredAt
		for i, r := range rows {
			ids[i] = r.ID
			if r.Awarded {
				// Queued again (Reaward): it keeps its entry, and does not
				// count twice against the caps of the others.
				continue
			}
			facts = append(facts, Fact{ID: r.ID, PersonID: r.PersonID, Kind: learning.FactKind(r.Kind), SourceID: r.SourceID, OccurredAt: r.OccurredAt,
				Details: r.Details})
			if !people[r.PersonID] {
				people[r.PersonID] = true
				persons = append(persons, r.PersonID)
			}
			from, until = minTime(from, r.OccurredAt), maxTime(until, r.OccurredAt)
		}
		if len(facts) == 0 {
			return q.DeletePending(ctx, pointsdb.DeletePendingParams{TenantID: tenant, Facts: ids})
		}
		sortFacts(facts)
		rules, err := tenantRules(ctx, q, tenant)
		if err != nil {
			return err
		}
		paths, err := q.PersonPaths(ctx, pointsdb.PersonPathsParams{TenantID: tenant, Ids: persons})
		if err != nil {
			return fmt.Errorf("points: people: %w", err)
		}
		pathOf := make(map[uuid.UUID]string, len(paths))
		for _, p := range paths {
			pathOf[p.ID] = p.OrgPath
		}
		// What each of them has already, over the years the batch spans
		// (the widest cap).
		y0, y1 := Day(from).Year(), Day(until).Year()
		spanFrom := time.Date(y0, 1, 1, 0, 0, 0, 0, Beijing)
		spanUntil := time.Date(y1+1, 1, 1, 0, 0, 0, 0, Beijing)
		_, offset := spanFrom.Zone()
		sums, err := q.AwardedByDay(ctx, pointsdb.AwardedByDayParams{OffsetSeconds: int32(offset), TenantID: tenant, Persons: persons,
			FromAt: spanFrom, UntilAt: spanUntil})
		if err != nil {
			return fmt.Errorf("points: awarded: %w", err)
		}
		has := make(map[uuid.UUID]Awarded, len(persons))
		for _, r := range sums {
			if has[r.PersonID] == nil {
				has[r.PersonID] = Awarded{}
			}
			has[r.PersonID].add(learning.FactKind(r.Kind), r.Day, int(r.Points))
		}
		cost, err := absenceCosts(ctx, q, tenant, facts)
		if err != nil {
			return err
		}
		arg := pointsdb.InsertAwardsParams{TenantID: tenant}
		for _, f := range facts {
			path, ok := pathOf[f.PersonID]
			if !ok {
				continue // no longer on record: nothing to award (and nothing waits)
			}
			if has[f.PersonID] == nil {
				has[f.PersonID] = Awarded{}
			}
			var amount int
			var capped bool
			rule := uuid.Nil
			key := absence{f.PersonID, f.SourceID}
			switch f.Kind {
			case learning.FactAbsenceWithdrawn:
				// Back what the absence cost, by whichever rule it was.
				amount, cost[key] = -cost[key], 0
			default:
				r := ruleFor(rules, f.Kind, path, f.OccurredAt)
				amount, capped = r.Award(f, has[f.PersonID])
				rule = r.ID
				if f.Kind == learning.FactEventAbsent {
					cost[key] += amount
				}
			}
			arg.Persons = append(arg.Persons, f.PersonID)
			arg.Amounts = append(arg.Amounts, int32(amount))
			arg.Kinds = append(arg.Kinds, string(f.Kind))
			arg.Rules = append(arg.Rules, rule)
			arg.Facts = append(arg.Facts, f.ID)
			arg.Capped = append(arg.Capped, capped)
			arg.Occurred = append(arg.Occurred, f.OccurredAt)
		}
		w, err := q.InsertAwards(ctx, arg)
		if err != nil {
			return fmt.Errorf("points: award: %w", err)
		}
		written = int(w)
		if err := q.DeletePending(ctx, pointsdb.DeletePendingParams{TenantID: tenant, Facts: ids}); err != nil {
			return fmt.Errorf("points: pending: %w", err)
		}
		return nil
	})
	return n, written, err
}

// absence is a person's absence from an event.
type absence struct{ person, event uuid.UUID }

// absenceCosts is what the ledger holds for the absences that facts
// withdraw (facts of the batch add theirs as they are awarded).
func absenceCosts(ctx context.Context, q *pointsdb.Queries, tenant uuid.UUID, facts []Fact) (map[absence]int, error) {
	cost := map[absence]int{}
	var persons, events []uuid.UUID
	for _, f := range facts {
		if f.Kind == learning.FactAbsenceWithdrawn {
			persons, events = append(persons, f.PersonID), append(events, f.SourceID)
		}
	}
	if len(persons) == 0 {
		return cost, nil
	}
	rows, err := q.AbsenceAwards(ctx, pointsdb.AbsenceAwardsParams{TenantID: tenant, Persons: persons, Sources: events})
	if err != nil {
		return nil, fmt.Errorf("points: absences: %w", err)
	}
	for _, r := range rows {
		cost[absence{r.PersonID, r.SourceID}] = int(r.Amount)
	}
	return cost, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Reaward queues every fact of a school again and awards them: facts
// awarded already keep their one entry, and those missing get theirs.
// It returns the entries written.
func (s *Service) Reaward(ctx context.Context, tenant uuid.UUID) (int, error) {
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		_, err := pointsdb.New(tx).QueueAllFacts(ctx, tenant)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("points: queue facts: %w", err)
	}
	return s.Award(ctx, tenant)
}

// AwardArgs asks for every school's waiting facts to be awarded
// (periodic).
type AwardArgs struct{}

// Kind names the job.
func (AwardArgs) Kind() string { return "points.award" }

// AwardWorker works AwardArgs.
type AwardWorker struct {
	river.WorkerDefaults[AwardArgs]
	Points *Service
}

// Work awards.
func (w *AwardWorker) Work(ctx context.Context, _ *river.Job[AwardArgs]) error {
	return w.Points.AwardAll(ctx)
}
