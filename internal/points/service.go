package points

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/learning"
	"zhdj/internal/points/pointsdb"
	"zhdj/internal/postgres"
)

// Service is the points use cases: rules, awarding the facts, the ledger
// of a person, corrections.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewService returns a Service over pool.
func NewService(pool *pgxpool.Pool) *Service {
	return &Service{pool: pool, now: time.Now}
}

var (
	errNoUnit   = apperr.InvalidField("orgUnit", "no such org unit")
	errNoPerson = apperr.NotFoundf("person not found")
)

// unitPath reads the path of unit (Invalid on field when there is none).
func unitPath(ctx context.Context, q *pointsdb.Queries, tenant, unit uuid.UUID) (string, error) {
	path, err := q.UnitPath(ctx, pointsdb.UnitPathParams{TenantID: tenant, ID: unit})
	if apperr.Is(postgres.Err(err, "org unit"), apperr.NotFound) {
		return "", errNoUnit
	}
	if err != nil {
		return "", fmt.Errorf("points: unit: %w", err)
	}
	return path, nil
}

// RuleInput is a new version of the rule of one kind at an org unit.
type RuleInput struct {
	OrgUnitID                      uuid.UUID
	Kind                           learning.FactKind
	Amount                         int
	FullMarksAmount                *int
	DailyCap, WeeklyCap, YearlyCap *int
	// EffectiveFrom is when it takes effect (nil: now); never before now,
	// so that what was awarded stays as it was.
	EffectiveFrom *time.Time
}

func (in *RuleInput) validate(now time.Time) error {
	var v apperr.Validation
	if _, ok := DefaultRules[in.Kind]; !ok {
		v.Add("kind", "no points are awarded for this kind of fact")
	}
	if in.Amount < -100 || in.Amount > 100 {
		v.Add("amount", "must be between -100 and 100")
	}
	if in.FullMarksAmount != nil && (*in.FullMarksAmount < -100 || *in.FullMarksAmount > 100) {
		v.Add("fullMarksAmount", "must be between -100 and 100")
	}
	if in.FullMarksAmount != nil && in.Kind != learning.FactQuizCompleted {
		v.Add("fullMarksAmount", "only quizzes have full marks")
	}
	for field, c := range map[string]*int{"dailyCap": in.DailyCap, "weeklyCap": in.WeeklyCap, "yearlyCap": in.YearlyCap} {
		if c != nil && (*c < 0 || *c > 100000) {
			v.Add(field, "a cap is 0 or more (at most 100000)")
		}
	}
	if in.EffectiveFrom != nil && in.EffectiveFrom.Before(now.Add(-time.Minute)) {
		v.Add("effectiveFrom", "a rule takes effect from now on: what was awarded stays as it was")
	}
	return v.Err()
}

func int32p(n *int) *int32 {
	if n == nil {
		return nil
	}
	v := int32(*n)
	return &v
}

func intp(n *int32) *int {
	if n == nil {
		return nil
	}
	v := int(*n)
	return &v
}

// SetRule adds a version of the rule of a kind at an org unit
// (points.manage there), for everyone under it without a rule of their
// own, from its date on.
func (s *Service) SetRule(ctx context.Context, in RuleInput) (*Rule, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := in.validate(now); err != nil {
		return nil, err
	}
	from := now
	if in.EffectiveFrom != nil && in.EffectiveFrom.After(now) {
		from = *in.EffectiveFrom
	}
	var out *Rule
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		path, err := unitPath(ctx, q, p.TenantID, in.OrgUnitID)
		if err != nil {
			return err
		}
		if !p.Can(auth.PermPointsManage, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
			return apperr.Forbiddenf("you may not set the points rules of this org unit")
		}
		row, err := q.InsertRule(ctx, pointsdb.InsertRuleParams{TenantID: p.TenantID, OrgUnitID: in.OrgUnitID, FactKind: string(in.Kind),
			Amount: int32(in.Amount), FullMarksAmount: int32p(in.FullMarksAmount), DailyCap: int32p(in.DailyCap), WeeklyCap: int32p(in.WeeklyCap),
			YearlyCap: int32p(in.YearlyCap), EffectiveFrom: from, CreatedBy: p.Actor()})
		if postgres.IsUniqueViolation(err, "") {
			return apperr.Conflictf("a rule of this kind already takes effect at this unit at that time")
		}
		if err != nil {
			return fmt.Errorf("points: set rule: %w", err)
		}
		out = &Rule{TenantID: p.TenantID, ID: row.ID, OrgUnitID: in.OrgUnitID, orgPath: path, Kind: in.Kind, Amount: in.Amount,
			FullMarksAmount: in.FullMarksAmount, DailyCap: in.DailyCap, WeeklyCap: in.WeeklyCap, YearlyCap: in.YearlyCap, EffectiveFrom: from,
			CreatedAt: row.CreatedAt}
		return nil
	})
	return out, err
}

func tenantRules(ctx context.Context, q *pointsdb.Queries, tenant uuid.UUID) ([]*Rule, error) {
	rows, err := q.TenantRules(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("points: rules: %w", err)
	}
	out := make([]*Rule, len(rows))
	for i, r := range rows {
		out[i] = &Rule{TenantID: tenant, ID: r.ID, OrgUnitID: r.OrgUnitID, orgPath: r.OrgPath, Kind: learning.FactKind(r.FactKind),
			Amount: int(r.Amount), FullMarksAmount: intp(r.FullMarksAmount), DailyCap: intp(r.DailyCap), WeeklyCap: intp(r.WeeklyCap),
			YearlyCap: intp(r.YearlyCap), EffectiveFrom: r.EffectiveFrom, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// RulesAt returns the rules in force at an org unit now, one per kind (a
// default where no unit at or above it set one), to anyone of the school:
// the ruler everyone is measured by is public.
func (s *Service) RulesAt(ctx context.Context, unit uuid.UUID) ([]*Rule, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Rule
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		path, err := unitPath(ctx, q, p.TenantID, unit)
		if err != nil {
			return err
		}
		rules, err := tenantRules(ctx, q, p.TenantID)
		if err != nil {
			return err
		}
		out = InForce(rules, path, s.now())
		for _, r := range out {
			r.TenantID = p.TenantID
		}
		return nil
	})
	return out, err
}

// CorrectionInput is a compensating entry.
type CorrectionInput struct {
	PersonID uuid.UUID
	Amount   int
	Reason   string
	// Corrects names the entry it compensates (optional; the person's);
	// the correction counts under that entry's kind.
	Corrects *uuid.UUID
	// Kind is what a correction of no entry counts under in assessment
	// (optional: nil counts in the total only).
	Kind *learning.FactKind
	// IdempotencyKey makes a retried correction the same one (optional).
	IdempotencyKey string
}

// checkAmount checks a correction's amount: ±1–1000.
func checkAmount(v *apperr.Validation, amount int) {
	if amount == 0 || amount < -1000 || amount > 1000 {
		v.Add("amount", "a correction adds or takes away 1–1000 points")
	}
}

// Correct adds a compensating entry to a person's ledger (points.manage at
// their unit), with a reason; the same key twice gives the first entry.
func (s *Service) Correct(ctx context.Context, in CorrectionInput) (*Entry, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	in.Reason, in.IdempotencyKey = strings.TrimSpace(in.Reason), strings.TrimSpace(in.IdempotencyKey)
	var v apperr.Validation
	checkAmount(&v, in.Amount)
	if n := utf8.RuneCountInString(in.Reason); n < 1 || n > 500 {
		v.Add("reason", "give the reason (1–500 characters)")
	}
	if in.Kind != nil && (DefaultRules[*in.Kind].Kind == "" || in.Corrects != nil) {
		v.Add("kind", "a correction of an entry counts under its kind; else name a kind of fact")
	}
	if len(in.IdempotencyKey) > 100 {
		v.Add("idempotencyKey", "at most 100 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	id := uuid.New()
	key := "correction:" + id.String()
	if in.IdempotencyKey != "" {
		key = "correction:" + in.PersonID.String() + ":" + in.IdempotencyKey
	}
	var out *Entry
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		path, err := q.PersonUnitPath(ctx, pointsdb.PersonUnitPathParams{TenantID: p.TenantID, ID: in.PersonID})
		if apperr.Is(postgres.Err(err, "person"), apperr.NotFound) {
			return errNoPerson
		}
		if err != nil {
			return fmt.Errorf("points: person: %w", err)
		}
		if scope := (auth.Scope{TenantID: p.TenantID, OrgPath: path}); !p.Can(auth.PermPointsManage, scope) {
			if p.PersonID != nil && *p.PersonID == in.PersonID || p.Can(auth.PermMemberRead, scope) {
				return apperr.Forbiddenf("you may not correct this person's points")
			}
			return errNoPerson // another unit's people are not found, as member records are not
		}
		out, err = s.writeCorrection(ctx, q, p, in, id, key)
		return err
	})
	return out, err
}

// writeCorrection writes a checked correction (id, under key: the entry
// the key has already when given twice), counted under the kind of the
// entry it corrects or the kind it names.
func (s *Service) writeCorrection(ctx context.Context, q *pointsdb.Queries, p *auth.Principal, in CorrectionInput, id uuid.UUID, key string) (*Entry, error) {
	countsAs := (*string)(in.Kind)
	if in.Corrects != nil {
		e, err := q.EntryOf(ctx, pointsdb.EntryOfParams{TenantID: p.TenantID, ID: *in.Corrects})
		if err != nil || e.PersonID != in.PersonID {
			return nil, apperr.InvalidField("corrects", "no such entry of this person's")
		}
		countsAs = nil
		if e.CountsAs != "" {
			countsAs = &e.CountsAs
		}
	}
	got, err := q.InsertCorrection(ctx, pointsdb.InsertCorrectionParams{TenantID: p.TenantID, ID: id, PersonID: in.PersonID,
		Amount: int32(in.Amount), Corrects: in.Corrects, CountsAs: countsAs, IdempotencyKey: key, Reason: in.Reason, At: s.now(), RecordedBy: p.Actor()})
	if err != nil {
		return nil, fmt.Errorf("points: correct: %w", err)
	}
	rows, err := q.EntriesByIDs(ctx, pointsdb.EntriesByIDsParams{TenantID: p.TenantID, Ids: []uuid.UUID{got}})
	if err != nil || len(rows) != 1 {
		return nil, fmt.Errorf("points: the correction: %w", err)
	}
	out := entryFrom(p.TenantID, pointsdb.HistoryRow(rows[0]))
	return out, withRules(ctx, q, p.TenantID, []*Entry{out})
}

func entryFrom(tenant uuid.UUID, r pointsdb.HistoryRow) *Entry {
	return &Entry{TenantID: tenant, ID: r.ID, PersonID: r.PersonID, Amount: int(r.Amount), Kind: r.Kind, RuleID: r.RuleID, SourceType: r.SourceType,
		SourceID: r.SourceID, Corrects: r.Corrects, CountsAs: r.CountsAs, Capped: r.Capped, Reason: r.Reason, OccurredAt: r.OccurredAt, RecordedAt: r.RecordedAt,
		RecordedBy: r.RecordedBy}
}

// ValidatePeriod checks a custom period: its end after its start, at
// most ten years long.
func ValidatePeriod(p Period) error {
	switch {
	case !p.Until.After(p.From):
		return apperr.InvalidField("period.to", "the end of a period comes after its start")
	case p.Until.Sub(p.From) > 10*366*24*time.Hour:
		return apperr.InvalidField("period.to", "a period is at most ten years")
	}
	return nil
}

// reader resolves whose ledger the caller reads: their own (person nil),
// or a person's under a unit where they may read member records.
func reader(ctx context.Context, q *pointsdb.Queries, p *auth.Principal, person *uuid.UUID) (uuid.UUID, error) {
	if person == nil || p.PersonID != nil && *person == *p.PersonID {
		_, id, err := auth.RequirePerson(ctx)
		return id, err
	}
	path, err := q.PersonUnitPath(ctx, pointsdb.PersonUnitPathParams{TenantID: p.TenantID, ID: *person})
	if err != nil || !p.Can(auth.PermMemberRead, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
		return uuid.Nil, errNoPerson // another unit's people are not found, as member records are not
	}
	return *person, nil
}

// Summary is what a person (nil: the caller) was awarded in a period, in
// all and per kind.
func (s *Service) Summary(ctx context.Context, person *uuid.UUID, period Period) (*Summary, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := ValidatePeriod(period); err != nil {
		return nil, err
	}
	out := &Summary{Period: period, ByKind: []KindTotal{}}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		id, err := reader(ctx, q, p, person)
		if err != nil {
			return err
		}
		rows, err := q.SummaryByKind(ctx, pointsdb.SummaryByKindParams{TenantID: p.TenantID, PersonID: id, FromAt: period.From, UntilAt: period.Until})
		if err != nil {
			return fmt.Errorf("points: summary: %w", err)
		}
		for _, r := range rows {
			out.ByKind = append(out.ByKind, KindTotal{Kind: r.Kind, Points: int(r.Points), Entries: int(r.Entries)})
			out.Total += int(r.Points)
			out.Entries += int(r.Entries)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// History is a page of a person's (nil: the caller's) entries in a
// period, latest first: of kinds (a correction by the kind it counts
// under, or Correction for none), or all.
func (s *Service) History(ctx context.Context, person *uuid.UUID, period Period, kinds []string, first int, after *Cursor) (*Page, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	if err := ValidatePeriod(period); err != nil {
		return nil, err
	}
	page := &Page{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		id, err := reader(ctx, q, p, person)
		if err != nil {
			return err
		}
		arg := pointsdb.HistoryParams{TenantID: p.TenantID, PersonID: id, FromAt: period.From, UntilAt: period.Until, HasCursor: after != nil,
			MaxRows: int32(first + 1), Kinds: kinds}
		if after != nil {
			arg.AfterAt, arg.AfterID = after.OccurredAt, after.ID
		}
		rows, err := q.History(ctx, arg)
		if err != nil {
			return fmt.Errorf("points: history: %w", err)
		}
		for _, r := range rows {
			page.Items = append(page.Items, entryFrom(p.TenantID, r))
		}
		return withRules(ctx, q, p.TenantID, page.Items)
	})
	if err != nil {
		return nil, err
	}
	if len(page.Items) > first {
		page.Items, page.HasNext = page.Items[:first], true
	}
	return page, nil
}

// withRules reads the rule versions of entries (one read of the school's
// rules for a page).
func withRules(ctx context.Context, q *pointsdb.Queries, tenant uuid.UUID, entries []*Entry) error {
	need := false
	for _, e := range entries {
		need = need || e.RuleID != nil
	}
	if !need {
		return nil
	}
	rules, err := tenantRules(ctx, q, tenant)
	if err != nil {
		return err
	}
	byID := make(map[uuid.UUID]*Rule, len(rules))
	for _, r := range rules {
		byID[r.ID] = r
	}
	for _, e := range entries {
		if e.RuleID != nil {
			e.Rule = byID[*e.RuleID]
		}
	}
	return nil
}
