// Package quiz is answering questions (答题): the school's question bank
// (single choice, multiple choice, true/false, with explanations and topic
// tags, importable from a spreadsheet) and quizzes drawn from it — daily
// practice (random questions each time), weekly quizzes (a fixed set for
// the week) and special exams (a fixed paper, a time limit, a pass mark, a
// number of attempts). The server picks the questions, never sends an
// answer before the attempt is submitted, times attempts by its own clock
// and refuses answers after the limit. A submitted attempt is a learning
// fact with its score.
package quiz

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
)

// QuestionKind is how a question is answered.
type QuestionKind string

const (
	Single    QuestionKind = "single"     // one option is right
	Multiple  QuestionKind = "multiple"   // every right option, and no other
	TrueFalse QuestionKind = "true_false" // answer 1 is true, 0 false
)

// Question is a question of the bank.
type Question struct {
	TenantID    uuid.UUID
	ID          uuid.UUID
	Kind        QuestionKind
	Stem        string
	Options     []string
	Answer      []int // indexes into Options (true/false: 1 true, 0 false)
	Explanation string
	Tags        []string
	Active      bool
	CreatedAt   time.Time
}

func chars(s string) int { return utf8.RuneCountInString(s) }

// validate checks and normalises a question: trimmed text, answers sorted.
func (q *Question) validate() error {
	var v apperr.Validation
	q.Stem, q.Explanation = strings.TrimSpace(q.Stem), strings.TrimSpace(q.Explanation)
	if n := chars(q.Stem); n < 1 || n > 2000 {
		v.Add("stem", "must be 1–2000 characters")
	}
	if chars(q.Explanation) > 2000 {
		v.Add("explanation", "at most 2000 characters")
	}
	for i := range q.Options {
		q.Options[i] = strings.TrimSpace(q.Options[i])
		if n := chars(q.Options[i]); n < 1 || n > 500 {
			v.Add("options", "each option must be 1–500 characters")
			break
		}
	}
	slices.Sort(q.Answer)
	q.Answer = slices.Compact(q.Answer)
	switch q.Kind {
	case Single, Multiple:
		if len(q.Options) < 2 || len(q.Options) > 8 {
			v.Add("options", "a choice question has 2–8 options")
		}
		for _, a := range q.Answer {
			if a < 0 || a >= len(q.Options) {
				v.Add("answer", "an answer must be one of the options")
				break
			}
		}
		if q.Kind == Single && len(q.Answer) != 1 {
			v.Add("answer", "a single-choice question has exactly one answer")
		}
		if q.Kind == Multiple && len(q.Answer) < 2 {
			v.Add("answer", "a multiple-choice question has at least two answers")
		}
	case TrueFalse:
		q.Options = []string{}
		if len(q.Answer) != 1 || q.Answer[0] < 0 || q.Answer[0] > 1 {
			v.Add("answer", "a true/false question is answered true or false")
		}
	default:
		v.Add("kind", "must be single, multiple or true/false")
	}
	clean := q.Tags[:0:0]
	for _, t := range q.Tags {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(clean, t) {
			clean = append(clean, t)
		}
	}
	q.Tags = clean
	if len(q.Tags) > 10 {
		v.Add("tags", "at most 10 tags")
	}
	for _, t := range q.Tags {
		if chars(t) > 30 {
			v.Add("tags", "a tag is at most 30 characters")
			break
		}
	}
	return v.Err()
}

// Right reports whether chosen answers q: exactly its answer (no partial
// credit on a multiple-choice question).
func (q *Question) Right(chosen []int) bool {
	c := slices.Clone(chosen)
	slices.Sort(c)
	return slices.Equal(slices.Compact(c), q.Answer)
}

// Score is the percentage of right answers, rounded to the nearest whole.
func Score(right, total int) int {
	if total == 0 {
		return 0
	}
	return (200*right + total) / (2 * total)
}

// Kind is what sort of quiz it is.
type Kind string

const (
	Daily  Kind = "daily"  // practice: random questions each attempt
	Weekly Kind = "weekly" // a fixed set, open for the week
	Exam   Kind = "exam"   // 专项考试: a fixed paper, a time limit, a pass mark, attempts
)

// Quiz is a quiz members take.
type Quiz struct {
	TenantID         uuid.UUID
	ID               uuid.UUID
	Kind             Kind
	Title            string
	QuestionCount    int
	Tags             []string    // daily practice: drawn from these tags
	QuestionIDs      []uuid.UUID // weekly and exam: the paper
	TimeLimitSeconds *int
	PassScore        int
	AttemptsAllowed  *int
	OpensAt          time.Time
	ClosesAt         *time.Time
	CreatedAt        time.Time
}

// QuizInput is what setting a quiz takes.
type QuizInput struct {
	Kind             Kind
	Title            string
	QuestionCount    int         // daily
	Tags             []string    // daily
	QuestionIDs      []uuid.UUID // weekly, exam
	TimeLimitSeconds *int
	PassScore        *int
	AttemptsAllowed  *int
	OpensAt          time.Time
	ClosesAt         *time.Time
}

func (in *QuizInput) validate() error {
	var v apperr.Validation
	in.Title = strings.TrimSpace(in.Title)
	if n := chars(in.Title); n < 1 || n > 200 {
		v.Add("title", "must be 1–200 characters")
	}
	switch in.Kind {
	case Daily:
		if in.QuestionCount < 1 || in.QuestionCount > 200 {
			v.Add("questionCount", "must be 1–200")
		}
		if len(in.QuestionIDs) > 0 {
			v.Add("questions", "daily practice draws its questions; give a count (and tags)")
		}
	case Weekly, Exam:
		if len(in.QuestionIDs) < 1 || len(in.QuestionIDs) > 200 {
			v.Add("questions", "a paper has 1–200 questions")
		}
		seen := make(map[uuid.UUID]bool, len(in.QuestionIDs))
		for _, id := range in.QuestionIDs {
			if seen[id] {
				v.Add("questions", "a question is on the paper twice")
				break
			}
			seen[id] = true
		}
		in.QuestionCount = len(in.QuestionIDs)
		if in.ClosesAt == nil {
			v.Add("closesAt", "a weekly quiz or an exam closes")
		}
	default:
		v.Add("kind", "must be daily, weekly or exam")
	}
	if in.Kind == Exam && in.TimeLimitSeconds == nil {
		v.Add("timeLimitSeconds", "an exam has a time limit")
	}
	if t := in.TimeLimitSeconds; t != nil && (*t < 30 || *t > 14400) {
		v.Add("timeLimitSeconds", "must be 30 s – 4 h")
	}
	if p := in.PassScore; p != nil && (*p < 0 || *p > 100) {
		v.Add("passScore", "must be 0–100")
	}
	if a := in.AttemptsAllowed; a != nil && (*a < 1 || *a > 100) {
		v.Add("attemptsAllowed", "must be 1–100")
	}
	if in.ClosesAt != nil && !in.ClosesAt.After(in.OpensAt) {
		v.Add("closesAt", "must be after it opens")
	}
	return v.Err()
}

// Attempt is one go at a quiz.
type Attempt struct {
	TenantID    uuid.UUID
	ID          uuid.UUID
	QuizID      uuid.UUID
	StartedAt   time.Time
	DeadlineAt  *time.Time
	Questions   []*Question // without their answers until submitted
	SubmittedAt *time.Time
	Score       *int
	Passed      *bool
}

// Result is a submitted attempt, question by question.
type Result struct {
	Attempt *Attempt
	Right   int
	Total   int
	Score   int
	Passed  bool
	Answers []Marked
}

// Marked is one question of a submitted attempt.
type Marked struct {
	Question *Question // with its answer and explanation
	Chosen   []int
	Right    bool
}
