package learning

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/org"
	"zhdj/internal/pgtest"
	"zhdj/internal/postgres"
	"zhdj/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type testBundle struct {
	svc     *Service
	db      *pgtest.DB
	tenant  uuid.UUID
	person  uuid.UUID
	ctx     context.Context // the person, signed in
	lesson  uuid.UUID       // a published micro-lesson of ten minutes
	article uuid.UUID       // a published article of 2,000 characters
	draft   uuid.UUID       // an unpublished micro-lesson
	clock   atomic.Int64    // seconds since t0, as the service sees them
}

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	school, err := tenant.NewService(db.Pool).Create(ctx, tenant.CreateInput{Code: "school", Name: "示范职业技术学院"})
	if err != nil {
		t.Fatal(err)
	}
	unit, err := org.NewService(db.Pool).CreateUnit(auth.WithPrincipal(ctx, auth.SystemPrincipal(school.ID)),
		org.CreateUnitInput{Kind: org.KindCommittee, Name: "党委", Code: "DW"})
	if err != nil {
		t.Fatal(err)
	}
	b := &testBundle{svc: NewService(db.Pool), db: db, tenant: school.ID}
	b.svc.now = func() time.Time { return t0.Add(time.Duration(b.clock.Load()) * time.Second) }
	err = postgres.InTenantTx(ctx, db.Pool, school.ID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO people (tenant_id, name, gender, category, org_unit_id, stage) VALUES ($1, '李明', 'male', 'student', $2, 'activist') RETURNING id`,
			school.ID, unit.ID).Scan(&b.person); err != nil {
			return err
		}
		for _, c := range []struct {
			id                      *uuid.UUID
			typ, slug, status, body string
		}{
			{&b.lesson, "micro_lesson", "lesson", "published", `{"durationSeconds": 600}`},
			{&b.article, "article", "article", "published", `{"html": "<p>` + strings.Repeat("学", 2000) + `</p>"}`},
			{&b.draft, "micro_lesson", "draft", "draft", `{"durationSeconds": 600}`},
		} {
			if err := tx.QueryRow(ctx, `INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at, body)
				VALUES ($1, $2, $3, $3, $4, $5, CASE WHEN $5 = 'published' THEN now() END, $6) RETURNING id`,
				school.ID, c.typ, c.slug, unit.ID, c.status, c.body).Scan(c.id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.ctx = auth.WithPrincipal(ctx, &auth.Principal{TenantID: school.ID, AccountID: uuid.New(), PersonID: &b.person})
	return b
}

// tick moves the service's clock on by s seconds.
func (b *testBundle) tick(s int) { b.clock.Add(int64(s)) }

func (b *testBundle) start(t *testing.T, content uuid.UUID, m Mode) *Session {
	t.Helper()
	s, err := b.svc.Start(b.ctx, content, m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (b *testBundle) beat(t *testing.T, session uuid.UUID, position int, playing bool) *Heartbeat {
	t.Helper()
	h, err := b.svc.Record(b.ctx, session, Beat{Position: position, Playing: playing})
	if err != nil {
		t.Fatalf("beat at %d: %v", position, err)
	}
	return h
}

// watch plays from..to in beats of twelve seconds, twelve seconds apart.
func (b *testBundle) watch(t *testing.T, session uuid.UUID, from, to int) *Heartbeat {
	t.Helper()
	h := b.beat(t, session, from, true)
	for pos := from + 12; pos <= to; pos += 12 {
		b.tick(12)
		h = b.beat(t, session, pos, true)
	}
	return h
}

func (b *testBundle) facts(t *testing.T, content uuid.UUID) int {
	t.Helper()
	var n int
	err := postgres.InTenantTx(context.Background(), b.db.Pool, b.tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM learning_facts WHERE person_id = $1 AND source_id = $2`, b.person, content).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWatchingCountsDistinctSecondsOnce: replays do not count twice, a jump
// ahead counts nothing, and the lesson completes at 90 % watched with one
// learning fact.
func TestWatchingCountsDistinctSecondsOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := b.start(t, b.lesson, ModeWatch)
	if s.Progress.RequiredSeconds != 540 {
		t.Fatalf("a ten-minute lesson requires %d s, want 540", s.Progress.RequiredSeconds)
	}
	if h := b.watch(t, s.ID, 0, 120); h.Progress.Seconds != 120 {
		t.Fatalf("after two minutes: %d s", h.Progress.Seconds)
	}
	b.tick(12)
	if h := b.beat(t, s.ID, 0, true); h.Verdict != MovedBack {
		t.Fatalf("a seek back: %s", h.Verdict)
	}
	if h := b.watch(t, s.ID, 0, 120); h.Progress.Seconds != 120 {
		t.Fatalf("the same two minutes again: %d s, want 120", h.Progress.Seconds)
	}
	b.tick(12)
	if h := b.beat(t, s.ID, 400, true); h.Verdict != SkippedAhead || h.Progress.Seconds != 120 || h.Progress.SkippedBeats != 1 {
		t.Fatalf("a jump ahead: %s, %d s, %d skipped", h.Verdict, h.Progress.Seconds, h.Progress.SkippedBeats)
	}
	b.tick(12)
	if h := b.beat(t, s.ID, 412, true); h.Verdict != Counted || h.Progress.Seconds != 132 {
		t.Fatalf("playing on after the jump: %s, %d s", h.Verdict, h.Progress.Seconds)
	}
	future := t0.Add(24 * time.Hour)
	if h, err := b.svc.Record(b.ctx, s.ID, Beat{Position: 424, Playing: true, SentAt: &future}); err != nil || h.Verdict != RejectedFuture || h.Progress.RejectedBeats != 1 {
		t.Fatalf("a beat from the future: %+v %v", h, err)
	}
	// A second viewing fills in the rest; the lesson completes once.
	s2 := b.start(t, b.lesson, ModeWatch)
	h := b.watch(t, s2.ID, 120, 400) // up to 396: [0, 396) and [400, 412)
	if h.Progress.Seconds != 408 || h.Progress.Completed() {
		t.Fatalf("before 90 %%: %d s, completed %v", h.Progress.Seconds, h.Progress.Completed())
	}
	b.tick(12)
	h = b.watch(t, s2.ID, 412, 552)
	if !h.Progress.Completed() || h.Progress.Seconds < 540 {
		t.Fatalf("at %d s: completed %v", h.Progress.Seconds, h.Progress.Completed())
	}
	b.tick(12)
	if h := b.beat(t, s2.ID, 564, true); h.JustCompleted || !h.Progress.Completed() {
		t.Fatalf("a beat after completion: %+v", h)
	}
	if n := b.facts(t, b.lesson); n != 1 {
		t.Fatalf("%d learning facts for the lesson, want 1", n)
	}
}

// TestReadingCompletesAtReadingTime: an article of 2,000 characters is
// read in five minutes at the default speed; time out of view does not
// count.
func TestReadingCompletesAtReadingTime(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := b.start(t, b.article, ModeRead)
	if s.Progress.RequiredSeconds != 300 {
		t.Fatalf("required %d s, want 300", s.Progress.RequiredSeconds)
	}
	b.beat(t, s.ID, 0, true)
	var h *Heartbeat
	for range 12 {
		b.tick(15)
		h = b.beat(t, s.ID, 0, true)
	}
	b.tick(15)
	b.beat(t, s.ID, 0, false) // out of view
	b.tick(600)
	if h = b.beat(t, s.ID, 0, true); h.Verdict != NotPlaying || h.Progress.Seconds != 180 {
		t.Fatalf("back in view: %s, %d s, want 180", h.Verdict, h.Progress.Seconds)
	}
	for range 8 {
		b.tick(15)
		h = b.beat(t, s.ID, 0, true)
	}
	if !h.Progress.Completed() || !h.JustCompleted || h.Progress.Seconds != 300 {
		t.Fatalf("after five minutes in view: %+v", h.Progress)
	}
	if n := b.facts(t, b.article); n != 1 {
		t.Fatalf("%d facts, want 1", n)
	}
}

// TestLearningRefusals: what is refused, and how.
func TestLearningRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, c := range []struct {
		name    string
		content uuid.UUID
		mode    Mode
		kind    apperr.Kind
	}{
		{"an unpublished lesson", b.draft, ModeWatch, apperr.NotFound},
		{"no such item", uuid.New(), ModeWatch, apperr.NotFound},
		{"watching an article", b.article, ModeWatch, apperr.Invalid},
		{"reading a lesson", b.lesson, ModeRead, apperr.Invalid},
		{"an unknown mode", b.lesson, "listen", apperr.Invalid},
	} {
		if _, err := b.svc.Start(b.ctx, c.content, c.mode); !apperr.Is(err, c.kind) {
			t.Errorf("%s: %v, want %s", c.name, err, c.kind)
		}
	}
	if _, err := b.svc.Record(b.ctx, uuid.New(), Beat{Position: 10, Playing: true}); apperr.FieldsOf(err)["session"] == "" {
		t.Errorf("a beat of a session never started: %v", err)
	}
	// Someone else's session is no session of yours.
	s := b.start(t, b.lesson, ModeWatch)
	other := uuid.New()
	someoneElse := auth.WithPrincipal(context.Background(), &auth.Principal{TenantID: b.tenant, AccountID: uuid.New(), PersonID: &other})
	if _, err := b.svc.Record(someoneElse, s.ID, Beat{Position: 10, Playing: true}); apperr.FieldsOf(err)["session"] == "" {
		t.Errorf("a beat of someone else's session: %v", err)
	}
	noPerson := auth.WithPrincipal(context.Background(), &auth.Principal{TenantID: b.tenant, AccountID: uuid.New()})
	if _, err := b.svc.Start(noPerson, b.lesson, ModeWatch); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("an account with no person record: %v", err)
	}
}

// TestConcurrentViewingsCompleteOnce: two viewings of one lesson racing to
// the end write one learning fact.
func TestConcurrentViewingsCompleteOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var sessions [4]*Session
	for i := range sessions {
		sessions[i] = b.start(t, b.lesson, ModeWatch)
		b.beat(t, sessions[i].ID, 0, true)
	}
	var wg sync.WaitGroup
	completions := atomic.Int64{}
	for _, s := range sessions {
		wg.Go(func() {
			for pos := 12; pos <= 600; pos += 12 {
				b.tick(12)
				h, err := b.svc.Record(b.ctx, s.ID, Beat{Position: pos, Playing: true})
				if err != nil {
					t.Error(err)
					return
				}
				if h.JustCompleted {
					completions.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := completions.Load(); n != 1 {
		t.Fatalf("%d beats completed the lesson, want 1", n)
	}
	if n := b.facts(t, b.lesson); n != 1 {
		t.Fatalf("%d facts, want 1", n)
	}
}

// TestBeatsOfManyAtOnce: heartbeats of many people at once (written in
// batches) each count exactly once, and a beat sent twice at once is
// judged after the first (the second counts nothing).
func TestBeatsOfManyAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const people, beats = 40, 10
	ctxs := make([]context.Context, people)
	err := postgres.InTenantTx(context.Background(), b.db.Pool, b.tenant, func(tx pgx.Tx) error {
		for i := range ctxs {
			var id uuid.UUID
			if err := tx.QueryRow(context.Background(), `INSERT INTO people (tenant_id, name, gender, category, org_unit_id, stage)
				SELECT tenant_id, '观众' || $2::text, 'female', 'student', org_unit_id, 'activist' FROM people WHERE id = $1 RETURNING id`,
				b.person, strconv.Itoa(i)).Scan(&id); err != nil {
				return err
			}
			ctxs[i] = auth.WithPrincipal(context.Background(), &auth.Principal{TenantID: b.tenant, AccountID: uuid.New(), PersonID: &id})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.clock.Store(1_000_000) // every beat is at least 12 s after the one before: the clock only moves on
	var wg sync.WaitGroup
	var counted, notCounted atomic.Int64
	for _, ctx := range ctxs {
		s, err := b.svc.Start(ctx, b.lesson, ModeWatch)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for i := range beats + 1 {
				b.tick(12)
				var twice sync.WaitGroup
				for range 2 { // the same beat, twice at once
					twice.Go(func() {
						h, err := b.svc.Record(ctx, s.ID, Beat{Position: i * 12, Playing: true})
						switch {
						case err != nil:
							t.Error(err)
						case h.Verdict == Counted:
							counted.Add(1)
						default:
							notCounted.Add(1)
						}
					})
				}
				twice.Wait()
			}
		})
	}
	wg.Wait()
	if c, n := counted.Load(), notCounted.Load(); c != people*beats || n != people*(beats+2) {
		t.Fatalf("%d beats counted and %d not, want %d and %d", c, n, people*beats, people*(beats+2))
	}
	var wrong int
	err = postgres.InTenantTx(context.Background(), b.db.Pool, b.tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE seconds <> $2 OR skipped_beats <> 0 OR rejected_beats <> 0)
			FROM learning_progress WHERE content_id = $1 AND person_id <> $3`, b.lesson, beats*12, b.person).Scan(&wrong)
	})
	if err != nil {
		t.Fatal(err)
	}
	if wrong != 0 {
		t.Fatalf("%d people's progress is not %d seconds watched", wrong, beats*12)
	}
}
