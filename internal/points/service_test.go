package points

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/learning"
	"zhdj/internal/org"
	"zhdj/internal/pgtest"
	"zhdj/internal/postgres"
	"zhdj/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// now is the service's clock in these tests: a Monday morning in Beijing.
var now = time.Date(2026, 12, 7, 9, 0, 0, 0, Beijing)

type bundle struct {
	svc            *Service
	db             *pgtest.DB
	tenant         uuid.UUID
	root, branch   *org.Unit
	other          *org.Unit // a sibling branch
	person, absent uuid.UUID // in branch; absent in other
	admin          context.Context
	secretary      context.Context // org_admin of branch
	member         context.Context // person, signed in
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	school, err := tenant.NewService(db.Pool).Create(ctx, tenant.CreateInput{Code: "school", Name: "示范职业技术学院"})
	if err != nil {
		t.Fatal(err)
	}
	sys := auth.WithPrincipal(ctx, auth.SystemPrincipal(school.ID))
	units := org.NewService(db.Pool)
	b := &bundle{svc: NewService(db.Pool), db: db, tenant: school.ID}
	b.svc.now = func() time.Time { return now }
	if b.root, err = units.CreateUnit(sys, org.CreateUnitInput{Kind: org.KindCommittee, Name: "党委", Code: "DW"}); err != nil {
		t.Fatal(err)
	}
	if b.branch, err = units.CreateUnit(sys, org.CreateUnitInput{ParentID: &b.root.ID, Kind: org.KindBranch, Name: "学生第一支部", Code: "S1"}); err != nil {
		t.Fatal(err)
	}
	if b.other, err = units.CreateUnit(sys, org.CreateUnitInput{ParentID: &b.root.ID, Kind: org.KindBranch, Name: "学生第二支部", Code: "S2"}); err != nil {
		t.Fatal(err)
	}
	b.exec(t, func(tx pgx.Tx) error {
		for _, p := range []struct {
			id   *uuid.UUID
			name string
			unit uuid.UUID
		}{{&b.person, "李明", b.branch.ID}, {&b.absent, "孙丽", b.other.ID}} {
			if err := tx.QueryRow(ctx, `INSERT INTO people (tenant_id, name, gender, category, org_unit_id, stage) VALUES ($1, $2, 'female', 'student', $3, 'full') RETURNING id`,
				school.ID, p.name, p.unit).Scan(p.id); err != nil {
				return err
			}
		}
		return nil
	})
	b.admin = auth.WithPrincipal(ctx, &auth.Principal{TenantID: school.ID, AccountID: uuid.New(),
		Bindings: []auth.Binding{{Role: auth.RoleTenantAdmin, OrgUnitID: b.root.ID, OrgUnitPath: b.root.Path}}})
	b.secretary = auth.WithPrincipal(ctx, &auth.Principal{TenantID: school.ID, AccountID: uuid.New(),
		Bindings: []auth.Binding{{Role: auth.RoleOrgAdmin, OrgUnitID: b.branch.ID, OrgUnitPath: b.branch.Path}}})
	b.member = auth.WithPrincipal(ctx, &auth.Principal{TenantID: school.ID, AccountID: uuid.New(), PersonID: &b.person,
		Bindings: []auth.Binding{{Role: auth.RoleMember, OrgUnitID: b.branch.ID, OrgUnitPath: b.branch.Path}}})
	return b
}

func (b *bundle) exec(t *testing.T, f func(tx pgx.Tx) error) {
	t.Helper()
	if err := postgres.InTenantTx(context.Background(), b.db.Pool, b.tenant, f); err != nil {
		t.Fatal(err)
	}
}

// fact writes a learning fact, as the domain that caused it would.
func (b *bundle) fact(t *testing.T, person uuid.UUID, k learning.FactKind, at time.Time, details string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	b.exec(t, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO learning_facts (tenant_id, person_id, kind, source_type, source_id, occurred_at, details)
			VALUES ($1, $2, $3, 'test', gen_random_uuid(), $4, $5) RETURNING id`, b.tenant, person, k, at, details).Scan(&id)
	})
	return id
}

type ledgerRow struct {
	kind   string
	amount int
	capped bool
	rule   *uuid.UUID
}

// ledger reads a person's entries, as they occurred.
func (b *bundle) ledger(t *testing.T, person uuid.UUID) map[uuid.UUID]ledgerRow {
	t.Helper()
	out := map[uuid.UUID]ledgerRow{}
	b.exec(t, func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT source_id, kind, amount, capped, rule_id FROM points_entries WHERE person_id = $1`, person)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id uuid.UUID
			var r ledgerRow
			if err := rows.Scan(&id, &r.kind, &r.amount, &r.capped, &r.rule); err != nil {
				return err
			}
			out[id] = r
		}
		return rows.Err()
	})
	return out
}

func total(l map[uuid.UUID]ledgerRow) int {
	n := 0
	for _, r := range l {
		n += r.amount
	}
	return n
}

// TestAwardingTwiceAtOnceGivesEachFactOneEntry: awards run at the same
// time, and again over every fact, and the ledger holds one entry per
// fact with the day's cap applied once.
func TestAwardingTwiceAtOnceGivesEachFactOneEntry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var facts []uuid.UUID
	for i := range 8 {
		facts = append(facts, b.fact(t, b.person, learning.FactReadingCompleted, now.Add(time.Duration(i)*time.Minute), `{}`))
	}
	lesson := b.fact(t, b.person, learning.FactLessonCompleted, now, `{}`)
	quiz := b.fact(t, b.person, learning.FactQuizCompleted, now, `{"passed": true, "right": 10, "total": 10}`)
	hours := b.fact(t, b.person, learning.FactVolunteerHours, now, `{"hours": 2.5}`)
	var wg sync.WaitGroup
	written := make([]int, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				written[i], errs[i] = b.svc.Award(context.Background(), b.tenant)
			} else {
				written[i], errs[i] = b.svc.Reaward(context.Background(), b.tenant)
			}
		}()
	}
	wg.Wait()
	sum := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("award %d: %v", i, err)
		}
		sum += written[i]
	}
	if sum != 11 {
		t.Fatalf("four awards at once wrote %d entries in all, want 11 (one per fact)", sum)
	}
	l := b.ledger(t, b.person)
	if len(l) != 11 {
		t.Fatalf("%d entries, want 11", len(l))
	}
	read := 0
	for i, f := range facts {
		r := l[f]
		read += r.amount
		if want := i >= 6; r.capped != want {
			t.Errorf("article %d: capped %v, want %v", i+1, r.capped, want)
		}
	}
	if read != 6 {
		t.Errorf("eight articles in a day gave %d, want 6 (the daily cap)", read)
	}
	for id, want := range map[uuid.UUID]int{lesson: 2, quiz: 2, hours: 5} {
		if got := l[id].amount; got != want {
			t.Errorf("%s: %d points, want %d", l[id].kind, got, want)
		}
	}
	if n, err := b.svc.Reaward(context.Background(), b.tenant); err != nil || n != 0 {
		t.Fatalf("awarding every fact again wrote %d (%v), want 0", n, err)
	}
	if got := total(b.ledger(t, b.person)); got != 15 {
		t.Fatalf("after awarding again the total is %d, want 15", got)
	}
}

// TestRuleVersionsNeverRewriteHistory: a rule set at the committee applies
// from its date on, a branch's own rule overrides it below, and what was
// awarded before stays as it was.
func TestRuleVersionsNeverRewriteHistory(t *testing.T) {
	t.Parallel()
	b := setup(t)
	before := b.fact(t, b.person, learning.FactLessonCompleted, now.Add(-time.Hour), `{}`)
	if _, err := b.svc.Award(context.Background(), b.tenant); err != nil {
		t.Fatal(err)
	}
	from := now.Add(time.Hour)
	committee, err := b.svc.SetRule(b.admin, RuleInput{OrgUnitID: b.root.ID, Kind: learning.FactLessonCompleted, Amount: 5, EffectiveFrom: &from})
	if err != nil {
		t.Fatal(err)
	}
	inForce, err := b.svc.RulesAt(b.member, b.branch.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range inForce {
		if r.Kind == learning.FactLessonCompleted && (!r.Default() || r.Amount != 2) {
			t.Fatalf("before its date the committee's rule is in force: %+v", r)
		}
	}
	// A fact written late, but occurring before the rule's date, is
	// awarded by the rule of then.
	late := b.fact(t, b.person, learning.FactLessonCompleted, now.Add(30*time.Minute), `{}`)
	after := b.fact(t, b.person, learning.FactLessonCompleted, now.Add(2*time.Hour), `{}`)
	elsewhere := b.fact(t, b.absent, learning.FactLessonCompleted, now.Add(2*time.Hour), `{}`)
	if _, err := b.svc.Award(context.Background(), b.tenant); err != nil {
		t.Fatal(err)
	}
	// The branch's own rule, from later on, for its people only; its cap
	// counts what the day gave already (2 + 2 + 5).
	b.svc.now = func() time.Time { return now.Add(3 * time.Hour) }
	branch, err := b.svc.SetRule(b.secretary, RuleInput{OrgUnitID: b.branch.ID, Kind: learning.FactLessonCompleted, Amount: 1, DailyCap: ptr(10)})
	if err != nil {
		t.Fatal(err)
	}
	own := b.fact(t, b.person, learning.FactLessonCompleted, now.Add(4*time.Hour), `{}`)
	ownCapped := b.fact(t, b.person, learning.FactLessonCompleted, now.Add(5*time.Hour), `{}`)
	sibling := b.fact(t, b.absent, learning.FactLessonCompleted, now.Add(4*time.Hour), `{}`)
	if _, err := b.svc.Reaward(context.Background(), b.tenant); err != nil {
		t.Fatal(err)
	}
	l := b.ledger(t, b.person)
	for id, c := range map[uuid.UUID]struct {
		amount int
		rule   *Rule
	}{before: {2, nil}, late: {2, nil}, after: {5, committee}, own: {1, branch}, ownCapped: {0, branch}} {
		r := l[id]
		if r.amount != c.amount || (c.rule == nil) != (r.rule == nil) || c.rule != nil && *r.rule != c.rule.ID {
			t.Errorf("entry %+v, want %d by %v", r, c.amount, c.rule)
		}
	}
	o := b.ledger(t, b.absent)
	if o[elsewhere].amount != 5 || o[sibling].amount != 5 {
		t.Errorf("the sibling branch is awarded by the committee's rule: %+v %+v", o[elsewhere], o[sibling])
	}
}

func TestSetRuleRefusesBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	past := now.Add(-24 * time.Hour)
	for _, c := range []struct {
		name  string
		ctx   context.Context
		in    RuleInput
		code  apperr.Kind
		field string
	}{
		{"an unknown kind", b.admin, RuleInput{OrgUnitID: b.root.ID, Kind: "sleeping", Amount: 1}, apperr.Invalid, "kind"},
		{"too many points", b.admin, RuleInput{OrgUnitID: b.root.ID, Kind: learning.FactLessonCompleted, Amount: 1000}, apperr.Invalid, "amount"},
		{"a negative cap", b.admin, RuleInput{OrgUnitID: b.root.ID, Kind: learning.FactLessonCompleted, Amount: 1, DailyCap: ptr(-1)}, apperr.Invalid, "dailyCap"},
		{"full marks on a lesson", b.admin, RuleInput{OrgUnitID: b.root.ID, Kind: learning.FactLessonCompleted, Amount: 1, FullMarksAmount: ptr(3)}, apperr.Invalid, "fullMarksAmount"},
		{"in the past", b.admin, RuleInput{OrgUnitID: b.root.ID, Kind: learning.FactLessonCompleted, Amount: 1, EffectiveFrom: &past}, apperr.Invalid, "effectiveFrom"},
		{"no such unit", b.admin, RuleInput{OrgUnitID: uuid.New(), Kind: learning.FactLessonCompleted, Amount: 1}, apperr.Invalid, "orgUnit"},
		{"a member", b.member, RuleInput{OrgUnitID: b.branch.ID, Kind: learning.FactLessonCompleted, Amount: 9}, apperr.Forbidden, ""},
		{"a secretary above their branch", b.secretary, RuleInput{OrgUnitID: b.root.ID, Kind: learning.FactLessonCompleted, Amount: 9}, apperr.Forbidden, ""},
	} {
		_, err := b.svc.SetRule(c.ctx, c.in)
		if !apperr.Is(err, c.code) {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
			continue
		}
		if c.field != "" && !hasField(err, c.field) {
			t.Errorf("%s: %v does not name %s", c.name, err, c.field)
		}
	}
	var n int
	b.exec(t, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM points_rules`).Scan(&n)
	})
	if n != 0 {
		t.Fatalf("refused rules were written: %d", n)
	}
	if _, err := b.svc.SetRule(b.admin, RuleInput{OrgUnitID: b.root.ID, Kind: learning.FactEventAttended, Amount: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.SetRule(b.admin, RuleInput{OrgUnitID: b.root.ID, Kind: learning.FactEventAttended, Amount: 5}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("a second version at the same moment: %v, want CONFLICT", err)
	}
}

func hasField(err error, field string) bool {
	_, ok := apperr.FieldsOf(err)[field]
	return ok
}

// TestCorrections: a compensating entry with a reason, once per key, by
// those who manage the person's unit; the ledger refuses changes.
func TestCorrections(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fact := b.fact(t, b.person, learning.FactEventAttended, now.Add(-time.Hour), `{}`)
	if _, err := b.svc.Award(context.Background(), b.tenant); err != nil {
		t.Fatal(err)
	}
	var entry uuid.UUID
	b.exec(t, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id FROM points_entries WHERE source_id = $1`, fact).Scan(&entry)
	})
	var othersEntry uuid.UUID
	b.fact(t, b.absent, learning.FactEventAttended, now.Add(-time.Hour), `{}`)
	if _, err := b.svc.Award(context.Background(), b.tenant); err != nil {
		t.Fatal(err)
	}
	b.exec(t, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id FROM points_entries WHERE person_id = $1`, b.absent).Scan(&othersEntry)
	})
	for _, c := range []struct {
		name  string
		ctx   context.Context
		in    CorrectionInput
		code  apperr.Kind
		field string
	}{
		{"no reason", b.secretary, CorrectionInput{PersonID: b.person, Amount: -3, Reason: "  "}, apperr.Invalid, "reason"},
		{"nothing", b.secretary, CorrectionInput{PersonID: b.person, Amount: 0, Reason: "误记"}, apperr.Invalid, "amount"},
		{"someone else's entry", b.secretary, CorrectionInput{PersonID: b.person, Amount: -3, Reason: "误记", Corrects: &othersEntry}, apperr.Invalid, "corrects"},
		{"no such person", b.admin, CorrectionInput{PersonID: uuid.New(), Amount: -3, Reason: "误记"}, apperr.NotFound, ""},
		{"another branch's person", b.secretary, CorrectionInput{PersonID: b.absent, Amount: -3, Reason: "误记"}, apperr.NotFound, ""},
		{"the member themself", b.member, CorrectionInput{PersonID: b.person, Amount: 30, Reason: "我很努力"}, apperr.Forbidden, ""},
	} {
		_, err := b.svc.Correct(c.ctx, c.in)
		if !apperr.Is(err, c.code) || c.field != "" && !hasField(err, c.field) {
			t.Errorf("%s: %v, want %s on %q", c.name, err, c.code, c.field)
		}
	}
	in := CorrectionInput{PersonID: b.person, Amount: -3, Reason: "签到有误：当天请假", Corrects: &entry, IdempotencyKey: "k1"}
	first, err := b.svc.Correct(b.secretary, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.svc.Correct(b.secretary, in)
	if err != nil || again.ID != first.ID {
		t.Fatalf("the same key again: %v %v, want the first correction", again, err)
	}
	if first.Kind != Correction || first.Amount != -3 || first.Reason != in.Reason || *first.Corrects != entry {
		t.Fatalf("correction %+v", first)
	}
	sum, err := b.svc.Summary(b.member, nil, Period{From: now.Add(-24 * time.Hour), Until: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Total != 0 || sum.Entries != 2 {
		t.Fatalf("after the correction: %+v, want 0 in 2 entries", sum)
	}
	// Neither the database's owner of the rows nor anyone else changes
	// the ledger.
	for _, stmt := range []string{`UPDATE points_entries SET amount = 100`, `DELETE FROM points_entries`} {
		err := postgres.InTenantTx(context.Background(), b.db.Pool, b.tenant, func(tx pgx.Tx) error {
			_, err := tx.Exec(context.Background(), stmt)
			return err
		})
		if err == nil {
			t.Errorf("%s succeeded on the append-only ledger", stmt)
		}
	}
}

// TestReadingTheLedger: your own, a member's under your unit, nobody
// else's (not found, as member records are not); periods are checked.
func TestReadingTheLedger(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := range 3 {
		b.fact(t, b.person, learning.FactEventAttended, now.Add(-time.Duration(i)*24*time.Hour), `{}`)
	}
	b.fact(t, b.absent, learning.FactEventAttended, now, `{}`)
	if _, err := b.svc.Award(context.Background(), b.tenant); err != nil {
		t.Fatal(err)
	}
	month := PeriodOf(learning.Monthly, now)
	mine, err := b.svc.Summary(b.member, nil, month)
	if err != nil || mine.Total != 9 || len(mine.ByKind) != 1 || mine.ByKind[0].Entries != 3 {
		t.Fatalf("my month: %+v %v", mine, err)
	}
	theirs, err := b.svc.Summary(b.secretary, &b.person, month)
	if err != nil || theirs.Total != 9 {
		t.Fatalf("the secretary reads their member: %+v %v", theirs, err)
	}
	if _, err := b.svc.Summary(b.secretary, &b.absent, month); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another branch's member: %v, want NOT_FOUND", err)
	}
	if _, err := b.svc.Summary(b.member, &b.absent, month); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a member reading another's: %v, want NOT_FOUND", err)
	}
	if _, err := b.svc.Summary(b.member, nil, Period{From: now, Until: now.Add(-time.Hour)}); !hasField(err, "period.to") {
		t.Fatalf("a period ending before it starts: %v", err)
	}
	// Pages, latest first, each entry once.
	seen := map[uuid.UUID]bool{}
	var after *Cursor
	var last time.Time
	for {
		page, err := b.svc.History(b.member, nil, month, nil, 2, after)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			if seen[e.ID] || !last.IsZero() && e.OccurredAt.After(last) {
				t.Fatalf("entry %v out of order or twice", e.ID)
			}
			seen[e.ID], last = true, e.OccurredAt
		}
		if !page.HasNext {
			break
		}
		tail := page.Items[len(page.Items)-1]
		after = &Cursor{OccurredAt: tail.OccurredAt, ID: tail.ID}
	}
	if len(seen) != 3 {
		t.Fatalf("pages held %d entries, want 3", len(seen))
	}
}

// TestRankings: people ranked under a unit and units under a parent by
// their people's mean, read by those who manage them; members see their
// unit's ranking only where the school shows it; another unit is not
// found; a scheme's weights add up to 100.
func TestRankings(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var third uuid.UUID
	b.exec(t, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO people (tenant_id, name, gender, category, org_unit_id, stage) VALUES ($1, '王强', 'male', 'student', $2, 'activist') RETURNING id`,
			b.tenant, b.branch.ID).Scan(&third)
	})
	b.fact(t, b.person, learning.FactLessonCompleted, now.Add(-time.Hour), `{}`)
	b.fact(t, b.person, learning.FactLessonCompleted, now.Add(-2*time.Hour), `{}`)
	b.fact(t, b.person, learning.FactTaskApproved, now.Add(-time.Hour), `{"pointsHint": 5}`)
	b.fact(t, b.absent, learning.FactEventAttended, now.Add(-time.Hour), `{}`)
	if _, err := b.svc.Award(context.Background(), b.tenant); err != nil {
		t.Fatal(err)
	}
	month := PeriodOf(learning.Monthly, now)
	page, err := b.svc.RankPeople(b.admin, b.root.ID, month, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 李明: learning 4/20 → 20 × 40 % = 8, tasks 5/5 → 30; 孙丽: meetings 3/6 → 5; 王强: 0.
	var got []string
	for _, r := range page.Items {
		got = append(got, r.Name+":"+strconv.FormatFloat(r.Score.Score, 'f', 1, 64)+"#"+strconv.Itoa(r.Rank))
	}
	if want := []string{"李明:38.0#1", "孙丽:5.0#2", "王强:0.0#3"}; !slices.Equal(got, want) || page.Total != 3 {
		t.Fatalf("ranking %v, want %v", got, want)
	}
	// Pages follow on from the cursor.
	first, err := b.svc.RankPeople(b.admin, b.root.ID, month, 2, nil)
	if err != nil || !first.HasNext || len(first.Items) != 2 {
		t.Fatalf("first page: %+v %v", first, err)
	}
	last := first.Items[1]
	rest, err := b.svc.RankPeople(b.admin, b.root.ID, month, 2, &RankCursor{Score: last.Score.Score, Name: last.Name, ID: last.PersonID})
	if err != nil || rest.HasNext || len(rest.Items) != 1 || rest.Items[0].Name != "王强" {
		t.Fatalf("second page: %+v %v", rest, err)
	}

	units, err := b.svc.RankUnits(b.admin, b.root.ID, month)
	if err != nil {
		t.Fatal(err)
	}
	// A rate per member: 学生第一支部 (38 + 0) / 2 = 19, 学生第二支部 5.
	if len(units) != 2 || units[0].OrgUnitID != b.branch.ID || units[0].Score.Score != 19 || units[0].People != 2 || units[1].Rank != 2 {
		t.Fatalf("units: %+v %+v", units[0], units[1])
	}

	for _, c := range []struct {
		name string
		err  error
		want apperr.Kind
	}{
		{"a secretary, another branch's people", second(b.svc.RankPeople(b.secretary, b.other.ID, month, 10, nil)), apperr.NotFound},
		{"a secretary, the units above", second(b.svc.RankUnits(b.secretary, b.root.ID, month)), apperr.NotFound},
		{"a member, their branch, not shown", second(b.svc.RankPeople(b.member, b.branch.ID, month, 10, nil)), apperr.Forbidden},
		{"a member, another branch", second(b.svc.RankPeople(b.member, b.other.ID, month, 10, nil)), apperr.NotFound},
		{"a member, the units", second(b.svc.RankUnits(b.member, b.root.ID, month)), apperr.NotFound},
		{"a member, the export", second(b.svc.ExportRanking(b.member, b.branch.ID, month)), apperr.NotFound},
		{"a member sets the scheme", second(b.svc.SetScheme(b.member, SchemeInput{Indicators: DefaultScheme.Indicators})), apperr.Forbidden},
		{"a secretary sets the scheme", second(b.svc.SetScheme(b.secretary, SchemeInput{Indicators: DefaultScheme.Indicators})), apperr.Forbidden},
		{"weights adding up to 90", second(b.svc.SetScheme(b.admin, SchemeInput{Indicators: []IndicatorSetting{{IndicatorLearning, 90, 10}}})), apperr.Invalid},
		{"a period ending before it starts", second(b.svc.RankPeople(b.admin, b.root.ID, Period{From: now, Until: now.Add(-time.Hour)}, 10, nil)), apperr.Invalid},
	} {
		if !apperr.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}

	// The school shows personal rankings from now on: the member sees
	// their branch's.
	if _, err := b.svc.SetScheme(b.admin, SchemeInput{Indicators: []IndicatorSetting{{IndicatorLearning, 50, 10}, {IndicatorMeetings, 50, 3}},
		ShowPersonalRankings: true}); err != nil {
		t.Fatal(err)
	}
	mine, err := b.svc.RankPeople(b.member, b.branch.ID, month, 10, nil)
	if err != nil || len(mine.Items) != 2 || mine.Items[0].PersonID != b.person {
		t.Fatalf("the member's branch: %+v %v", mine, err)
	}
	// Under the new scheme: learning 4/10 → 40 × 50 % = 20; a correction
	// counted under meetings adds 3/3 → 100 × 50 % = 50.
	if _, err := b.svc.Correct(b.secretary, CorrectionInput{PersonID: b.person, Amount: 3, Reason: "补记党课签到", Kind: ptrKind(learning.FactEventAttended)}); err != nil {
		t.Fatal(err)
	}
	score, err := b.svc.ScoreOf(b.member, nil, month)
	if err != nil {
		t.Fatal(err)
	}
	if score.Score != 70 || score.Points != 12 || score.OtherPoints != 5 || score.Indicators[1].Points != 3 {
		t.Fatalf("my score %+v (%+v)", score, score.Indicators)
	}
	x, err := b.svc.ExportRanking(b.secretary, b.branch.ID, month)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if x.Rows != 2 {
		t.Fatalf("exported %d rows, want 2", x.Rows)
	}
}

func second[T any](_ T, err error) error { return err }

func ptrKind(k learning.FactKind) *learning.FactKind { return &k }
