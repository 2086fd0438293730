package quiz

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/learning"
	"zhdj/internal/postgres"
	"zhdj/internal/quiz/quizdb"
)

// Service is the quiz use cases: the bank, setting quizzes, attempts.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewService returns a Service over pool.
func NewService(pool *pgxpool.Pool) *Service { return &Service{pool: pool, now: time.Now} }

// MaxPageSize is the largest page a list returns.
const MaxPageSize = 100

// Grace is how long after an attempt's deadline its answers are still
// taken (the request on its way).
const Grace = 5 * time.Second

var errNoQuiz = apperr.NotFoundf("quiz not found")

func ints(xs []int32) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x)
	}
	return out
}

func int32s(xs []int) []int32 {
	out := make([]int32, len(xs))
	for i, x := range xs {
		out[i] = int32(x)
	}
	return out
}

func questionFrom(tenant uuid.UUID, r quizdb.QuestionsByIDsRow) *Question {
	return &Question{TenantID: tenant, ID: r.ID, Kind: QuestionKind(r.Kind), Stem: r.Stem, Options: r.Options, Answer: ints(r.Answer),
		Explanation: r.Explanation, Tags: r.Tags, Active: r.Active, CreatedAt: r.CreatedAt}
}

func quizFrom(tenant uuid.UUID, r quizdb.GetQuizRow) *Quiz {
	q := &Quiz{TenantID: tenant, ID: r.ID, Kind: Kind(r.Kind), Title: r.Title, QuestionCount: int(r.QuestionCount), Tags: r.Tags,
		QuestionIDs: r.QuestionIds, PassScore: int(r.PassScore), OpensAt: r.OpensAt, ClosesAt: r.ClosesAt, CreatedAt: r.CreatedAt}
	if r.TimeLimitSeconds != nil {
		t := int(*r.TimeLimitSeconds)
		q.TimeLimitSeconds = &t
	}
	if r.AttemptsAllowed != nil {
		a := int(*r.AttemptsAllowed)
		q.AttemptsAllowed = &a
	}
	return q
}

func insertQuestion(ctx context.Context, q *quizdb.Queries, tenant uuid.UUID, by *uuid.UUID, in *Question) error {
	row, err := q.InsertQuestion(ctx, quizdb.InsertQuestionParams{TenantID: tenant, Kind: string(in.Kind), Stem: in.Stem, Options: in.Options,
		Answer: int32s(in.Answer), Explanation: in.Explanation, Tags: in.Tags, CreatedBy: by})
	if err != nil {
		return fmt.Errorf("quiz: add question: %w", err)
	}
	in.TenantID, in.ID, in.CreatedAt, in.Active = tenant, row.ID, row.CreatedAt, true
	return nil
}

// AddQuestion adds a question to the school's bank (quiz.manage
// school-wide).
func (s *Service) AddQuestion(ctx context.Context, in Question) (*Question, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermQuizManage)
	if err != nil {
		return nil, err
	}
	if in.Options == nil {
		in.Options = []string{}
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		return insertQuestion(ctx, quizdb.New(tx), p.TenantID, p.Actor(), &in)
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// QuestionCursor is a position in the bank.
type QuestionCursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// QuestionPage is a page of the bank.
type QuestionPage struct {
	Items   []*Question
	HasNext bool
}

// Bank returns a page of the school's questions, with their answers
// (quiz.manage), newest first, of a tag when one is given.
func (s *Service) Bank(ctx context.Context, tag string, first int, after *QuestionCursor) (*QuestionPage, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermQuizManage)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	page := &QuestionPage{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		arg := quizdb.QuestionsParams{TenantID: p.TenantID, Tag: tag, HasCursor: after != nil, MaxRows: int32(first + 1)}
		if after != nil {
			arg.AfterAt, arg.AfterID = after.CreatedAt, after.ID
		}
		rows, err := quizdb.New(tx).Questions(ctx, arg)
		if err != nil {
			return fmt.Errorf("quiz: bank: %w", err)
		}
		for _, r := range rows {
			page.Items = append(page.Items, questionFrom(p.TenantID, quizdb.QuestionsByIDsRow(r)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(page.Items) > first {
		page.Items, page.HasNext = page.Items[:first], true
	}
	return page, nil
}

// SetQuiz sets a quiz (quiz.manage school-wide). A paper's questions must
// be in the bank and active.
func (s *Service) SetQuiz(ctx context.Context, in QuizInput) (*Quiz, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermQuizManage)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	pass := 60
	if in.PassScore != nil {
		pass = *in.PassScore
	}
	if in.Kind == Exam && in.AttemptsAllowed == nil {
		one := 1
		in.AttemptsAllowed = &one
	}
	if in.Tags == nil {
		in.Tags = []string{}
	}
	if in.QuestionIDs == nil {
		in.QuestionIDs = []uuid.UUID{}
	}
	var out *Quiz
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := quizdb.New(tx)
		if len(in.QuestionIDs) > 0 {
			n, err := q.ActiveQuestionCount(ctx, quizdb.ActiveQuestionCountParams{TenantID: p.TenantID, Ids: in.QuestionIDs})
			if err != nil {
				return fmt.Errorf("quiz: paper: %w", err)
			}
			if int(n) != len(in.QuestionIDs) {
				return apperr.InvalidField("questions", "a question is not in the bank (or withdrawn)")
			}
		}
		arg := quizdb.InsertQuizParams{TenantID: p.TenantID, Kind: string(in.Kind), Title: in.Title, QuestionCount: int32(in.QuestionCount),
			Tags: in.Tags, QuestionIds: in.QuestionIDs, PassScore: int32(pass), OpensAt: in.OpensAt, ClosesAt: in.ClosesAt, CreatedBy: p.Actor()}
		if in.TimeLimitSeconds != nil {
			t := int32(*in.TimeLimitSeconds)
			arg.TimeLimitSeconds = &t
		}
		if in.AttemptsAllowed != nil {
			a := int32(*in.AttemptsAllowed)
			arg.AttemptsAllowed = &a
		}
		row, err := q.InsertQuiz(ctx, arg)
		if err != nil {
			return fmt.Errorf("quiz: set: %w", err)
		}
		out = &Quiz{TenantID: p.TenantID, ID: row.ID, Kind: in.Kind, Title: in.Title, QuestionCount: in.QuestionCount, Tags: in.Tags,
			QuestionIDs: in.QuestionIDs, TimeLimitSeconds: in.TimeLimitSeconds, PassScore: pass, AttemptsAllowed: in.AttemptsAllowed,
			OpensAt: in.OpensAt, ClosesAt: in.ClosesAt, CreatedAt: row.CreatedAt}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// QuizCursor is a position in the list of open quizzes.
type QuizCursor struct {
	OpensAt time.Time
	ID      uuid.UUID
}

// QuizPage is a page of quizzes.
type QuizPage struct {
	Items   []*Quiz
	HasNext bool
}

// Open returns a page of the quizzes open now, latest first, to anyone
// signed in to the school.
func (s *Service) Open(ctx context.Context, first int, after *QuizCursor) (*QuizPage, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	page := &QuizPage{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		arg := quizdb.OpenQuizzesParams{TenantID: p.TenantID, Now: s.now(), HasCursor: after != nil, MaxRows: int32(first + 1)}
		if after != nil {
			arg.AfterAt, arg.AfterID = after.OpensAt, after.ID
		}
		rows, err := quizdb.New(tx).OpenQuizzes(ctx, arg)
		if err != nil {
			return fmt.Errorf("quiz: open quizzes: %w", err)
		}
		for _, r := range rows {
			page.Items = append(page.Items, quizFrom(p.TenantID, quizdb.GetQuizRow(r)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(page.Items) > first {
		page.Items, page.HasNext = page.Items[:first], true
	}
	return page, nil
}

// Start begins an attempt of the caller at an open quiz: the server picks
// the questions (random for daily practice, the paper otherwise, in a
// shuffled order) and sets the deadline. Past the attempts allowed it is a
// Conflict. The questions come without their answers.
func (s *Service) Start(ctx context.Context, quizID uuid.UUID) (*Attempt, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	var out *Attempt
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := quizdb.New(tx)
		r, err := q.GetQuiz(ctx, quizdb.GetQuizParams{TenantID: p.TenantID, ID: quizID})
		if apperr.Is(postgres.Err(err, "quiz"), apperr.NotFound) {
			return errNoQuiz
		}
		if err != nil {
			return fmt.Errorf("quiz: start: %w", err)
		}
		qz := quizFrom(p.TenantID, r)
		now := s.now()
		if now.Before(qz.OpensAt) || qz.ClosesAt != nil && !now.Before(*qz.ClosesAt) {
			return apperr.InvalidField("quiz", "this quiz is not open now")
		}
		if err := q.LockAttempts(ctx, quizdb.LockAttemptsParams{QuizID: quizID, PersonID: person}); err != nil {
			return fmt.Errorf("quiz: start: %w", err)
		}
		if qz.AttemptsAllowed != nil {
			n, err := q.AttemptsSoFar(ctx, quizdb.AttemptsSoFarParams{TenantID: p.TenantID, QuizID: quizID, PersonID: person})
			if err != nil {
				return fmt.Errorf("quiz: start: %w", err)
			}
			if int(n) >= *qz.AttemptsAllowed {
				return apperr.Conflictf("you have used the %d attempts this quiz allows", *qz.AttemptsAllowed)
			}
		}
		ids := qz.QuestionIDs
		if qz.Kind == Daily {
			if ids, err = q.RandomQuestions(ctx, quizdb.RandomQuestionsParams{TenantID: p.TenantID, Tags: qz.Tags, N: int32(qz.QuestionCount)}); err != nil {
				return fmt.Errorf("quiz: pick: %w", err)
			}
			if len(ids) == 0 {
				return apperr.InvalidField("quiz", "the question bank has no questions for this practice yet")
			}
		} else {
			ids = append([]uuid.UUID(nil), ids...)
			rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		}
		var deadline *time.Time
		if qz.TimeLimitSeconds != nil {
			d := now.Add(time.Duration(*qz.TimeLimitSeconds) * time.Second)
			deadline = &d
		}
		id, err := q.InsertAttempt(ctx, quizdb.InsertAttemptParams{TenantID: p.TenantID, QuizID: quizID, PersonID: person, QuestionIds: ids,
			StartedAt: now, DeadlineAt: deadline})
		if err != nil {
			return fmt.Errorf("quiz: start: %w", err)
		}
		questions, err := s.questions(ctx, q, p.TenantID, ids)
		if err != nil {
			return err
		}
		for _, x := range questions {
			x.Answer, x.Explanation = nil, "" // never before submission
		}
		out = &Attempt{TenantID: p.TenantID, ID: id, QuizID: quizID, StartedAt: now, DeadlineAt: deadline, Questions: questions}
		return nil
	})
	return out, err
}

// questions loads the questions ids, in that order.
func (s *Service) questions(ctx context.Context, q *quizdb.Queries, tenant uuid.UUID, ids []uuid.UUID) ([]*Question, error) {
	rows, err := q.QuestionsByIDs(ctx, quizdb.QuestionsByIDsParams{TenantID: tenant, Ids: ids})
	if err != nil {
		return nil, fmt.Errorf("quiz: questions: %w", err)
	}
	byID := make(map[uuid.UUID]*Question, len(rows))
	for _, r := range rows {
		byID[r.ID] = questionFrom(tenant, r)
	}
	out := make([]*Question, 0, len(ids))
	for _, id := range ids {
		if x := byID[id]; x != nil {
			out = append(out, x)
		}
	}
	return out, nil
}

// Submit marks the caller's attempt: answers maps a question of the
// attempt to the options chosen (a question left out is wrong). After the
// deadline (and a few seconds' grace) the answers are refused; a second
// submission is a Conflict. The score and pass/fail are the
// quiz_completed learning fact of the attempt.
func (s *Service) Submit(ctx context.Context, attemptID uuid.UUID, answers map[uuid.UUID][]int) (*Result, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	var out *Result
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := quizdb.New(tx)
		a, err := q.AttemptForUpdate(ctx, quizdb.AttemptForUpdateParams{TenantID: p.TenantID, ID: attemptID, PersonID: person})
		if apperr.Is(postgres.Err(err, "attempt"), apperr.NotFound) {
			return apperr.InvalidField("attempt", "no such attempt of yours: start the quiz first")
		}
		if err != nil {
			return fmt.Errorf("quiz: submit: %w", err)
		}
		if a.SubmittedAt != nil {
			return apperr.Conflictf("this attempt was already submitted")
		}
		now := s.now()
		if a.DeadlineAt != nil && now.After(a.DeadlineAt.Add(Grace)) {
			return apperr.InvalidField("attempt", "the time limit has passed; the answers were not taken")
		}
		onPaper := make(map[uuid.UUID]bool, len(a.QuestionIds))
		for _, id := range a.QuestionIds {
			onPaper[id] = true
		}
		for id := range answers {
			if !onPaper[id] {
				return apperr.InvalidField("answers", "a question is not part of this attempt")
			}
		}
		questions, err := s.questions(ctx, q, p.TenantID, a.QuestionIds)
		if err != nil {
			return err
		}
		res := &Result{Total: len(questions)}
		stored := map[string][]int{}
		for _, x := range questions {
			chosen := answers[x.ID]
			if chosen == nil {
				chosen = []int{}
			}
			right := x.Right(chosen)
			if right {
				res.Right++
			}
			stored[x.ID.String()] = chosen
			res.Answers = append(res.Answers, Marked{Question: x, Chosen: chosen, Right: right})
		}
		res.Score = Score(res.Right, res.Total)
		res.Passed = res.Score >= int(a.PassScore)
		b, _ := json.Marshal(stored)
		correct, score := int32(res.Right), int32(res.Score)
		if err := q.SubmitAttempt(ctx, quizdb.SubmitAttemptParams{TenantID: p.TenantID, ID: attemptID, SubmittedAt: &now, Answers: b,
			Correct: &correct, Score: &score, Passed: &res.Passed}); err != nil {
			return fmt.Errorf("quiz: submit: %w", err)
		}
		if _, err := learning.RecordFact(ctx, tx, p.TenantID, learning.Fact{PersonID: person, Kind: learning.FactQuizCompleted, SourceType: "quiz_attempt",
			SourceID: attemptID, OccurredAt: now, RecordedBy: p.Actor(),
			Details: map[string]any{"quiz": a.QuizID, "score": res.Score, "passed": res.Passed, "right": res.Right, "total": res.Total}}); err != nil {
			return err
		}
		sc := res.Score
		res.Attempt = &Attempt{TenantID: p.TenantID, ID: attemptID, QuizID: a.QuizID, StartedAt: a.StartedAt, DeadlineAt: a.DeadlineAt,
			Questions: questions, SubmittedAt: &now, Score: &sc, Passed: &res.Passed}
		out = res
		return nil
	})
	return out, err
}
