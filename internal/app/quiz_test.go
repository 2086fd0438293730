package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"
)

// uploadQuestions sends importQuestions with an .xlsx file.
func (b *testBundle) uploadQuestions(t *testing.T, token string, rows [][]any) *gqlResponse {
	t.Helper()
	wb := excelize.NewFile()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		_ = wb.SetSheetRow("Sheet1", cell, &row)
	}
	var file bytes.Buffer
	_ = wb.Write(&file)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": `mutation($f: Upload!) { importQuestions(file: $f) { imported problems { row column message } } }`,
		"variables": map[string]any{"f": nil}})
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.f"]}`)
	fw, _ := w.CreateFormFile("0", "bank.xlsx")
	_, _ = fw.Write(file.Bytes())
	_ = w.Close()
	return b.raw(t, http.MethodPost, "/graphql", w.FormDataContentType(), body.Bytes(), bearer(token)...)
}

var bankHeader = []any{"题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "标签"}

// TestQuizzesOverHTTP: the organisation department imports a bank (a file
// with a bad row imports nothing and says which), sets an exam; a member
// starts it (no answers sent), submits once (a second time is a
// Conflict), cannot start again past the attempts allowed, and is refused
// after the time limit; daily practice draws random questions; every
// submission is a learning fact.
func TestQuizzesOverHTTP(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	admin, _ := b.login(t, "admin", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	good := [][]any{bankHeader,
		{"单选", "中国共产党的最高理想是？", "实现共产主义", "全面建成小康社会", "", "", "A", "党章总纲", "党章"},
		{"多选", "三会一课包括哪些？", "支部党员大会", "支部委员会", "党小组会", "党课", "ABCD", "", "组织生活"},
		{"判断", "预备党员的预备期为一年。", "", "", "", "", "对", "党章第七条", "党章"},
	}
	bad := append(append([][]any{}, good...), []any{"单选", "没有这个选项", "a", "b", "", "", "D", "", ""})
	type imported struct {
		ImportQuestions struct {
			Imported int
			Problems []struct {
				Row             int
				Column, Message string
			}
		}
	}
	r := decode[imported](t, b.uploadQuestions(t, admin, bad)).ImportQuestions
	if r.Imported != 0 || len(r.Problems) != 1 || r.Problems[0].Row != 5 || r.Problems[0].Column != "答案" || r.Problems[0].Message != "答案 D 没有对应的选项" {
		t.Fatalf("a file with a bad row: %+v", r)
	}
	if res := b.uploadQuestions(t, secretary, good); res.code(0) != "FORBIDDEN" {
		t.Errorf("a branch secretary importing the school's bank: %+v", res.Errors)
	}
	if r = decode[imported](t, b.uploadQuestions(t, admin, good)).ImportQuestions; r.Imported != 3 || len(r.Problems) != 0 {
		t.Fatalf("import: %+v", r)
	}
	bank := decode[struct {
		QuestionBank struct {
			Edges []struct {
				Node struct {
					ID, Kind, Stem string
					Answer         []int
				}
			}
		}
	}](t, b.post(t, `{ questionBank(first: 10) { edges { node { id kind stem answer } } } }`, nil, bearer(admin)...)).QuestionBank.Edges
	if len(bank) != 3 {
		t.Fatalf("bank: %+v", bank)
	}
	if res := b.post(t, `{ questionBank { edges { node { id } } } }`, nil, bearer(member)...); res.code(0) != "FORBIDDEN" {
		t.Errorf("a member reading the bank: %+v", res.Errors)
	}
	answerOf := map[string][]int{}
	paper := []string{}
	for _, e := range bank {
		answerOf[e.Node.ID] = e.Node.Answer
		paper = append(paper, e.Node.ID)
	}

	const setQuiz = `mutation($in: SetQuizInput!) { setQuiz(input: $in) { id kind questionCount attemptsAllowed timeLimitSeconds } }`
	now := time.Now()
	exam := map[string]any{"kind": "EXAM", "title": "党章知识专项考试", "questions": paper, "timeLimitSeconds": 600, "passScore": 60,
		"opensAt": now.Add(-time.Minute).UTC().Format(time.RFC3339), "closesAt": now.Add(time.Hour).UTC().Format(time.RFC3339)}
	if res := b.post(t, setQuiz, map[string]any{"in": map[string]any{"kind": "EXAM", "title": "x", "questions": paper, "opensAt": exam["opensAt"], "closesAt": exam["closesAt"]}}, bearer(admin)...); res.code(0) != "BAD_USER_INPUT" {
		t.Errorf("an exam without a time limit: %+v", res.Errors)
	}
	type quiz struct {
		SetQuiz struct {
			ID              string
			QuestionCount   int
			AttemptsAllowed *int
		}
	}
	q := decode[quiz](t, b.post(t, setQuiz, map[string]any{"in": exam}, bearer(admin)...)).SetQuiz
	if q.QuestionCount != 3 || q.AttemptsAllowed == nil || *q.AttemptsAllowed != 1 {
		t.Fatalf("exam: %+v", q)
	}
	// The questions come without answers: the type has none to ask for.
	const start = `mutation($q: ID!) { startQuizAttempt(quiz: $q) { id deadlineAt questions { id kind stem options } } }`
	if res := b.post(t, `mutation($q: ID!) { startQuizAttempt(quiz: $q) { questions { answer } } }`, map[string]any{"q": q.ID}, bearer(member)...); res.code(0) != "BAD_USER_INPUT" || res.Errors[0].Extensions["reason"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("asking for the answers: %+v", res.Errors)
	}
	type attempt struct {
		StartQuizAttempt struct {
			ID         string
			DeadlineAt *time.Time
			Questions  []struct{ ID, Kind string }
		}
	}
	at := decode[attempt](t, b.post(t, start, map[string]any{"q": q.ID}, bearer(member)...)).StartQuizAttempt
	if len(at.Questions) != 3 || at.DeadlineAt == nil || at.DeadlineAt.Sub(now) < 9*time.Minute {
		t.Fatalf("attempt: %+v", at)
	}
	if res := b.post(t, start, map[string]any{"q": q.ID}, bearer(member)...); res.code(0) != "CONFLICT" {
		t.Errorf("a second attempt of a one-attempt exam: %+v", res.Errors)
	}
	// Two right, the multiple-choice one half right (no partial credit): 67.
	answers := []map[string]any{}
	for _, x := range at.Questions {
		chosen := answerOf[x.ID]
		if x.Kind == "MULTIPLE" {
			chosen = chosen[:2]
		}
		answers = append(answers, map[string]any{"question": x.ID, "chosen": chosen})
	}
	const submit = `mutation($a: ID!, $ans: [AnswerInput!]!) { submitQuizAttempt(input: {attempt: $a, answers: $ans}) {
		right total score passed answers { right chosen question { answer explanation } } } }`
	type result struct {
		SubmitQuizAttempt struct {
			Right, Total, Score int
			Passed              bool
			Answers             []struct {
				Right    bool
				Question struct{ Answer []int }
			}
		}
	}
	res := decode[result](t, b.post(t, submit, map[string]any{"a": at.ID, "ans": answers}, bearer(member)...)).SubmitQuizAttempt
	if res.Right != 2 || res.Total != 3 || res.Score != 67 || !res.Passed || len(res.Answers) != 3 || len(res.Answers[0].Question.Answer) == 0 {
		t.Errorf("result: %+v", res)
	}
	if r := b.post(t, submit, map[string]any{"a": at.ID, "ans": answers}, bearer(member)...); r.code(0) != "CONFLICT" {
		t.Errorf("a second submission: %+v", r.Errors)
	}

	// Daily practice: two random questions a time, as often as you like;
	// an answer after the time limit is refused.
	daily := decode[quiz](t, b.post(t, setQuiz, map[string]any{"in": map[string]any{"kind": "DAILY", "title": "每日一练", "questionCount": 2,
		"timeLimitSeconds": 60, "opensAt": exam["opensAt"]}}, bearer(admin)...)).SetQuiz
	first := decode[attempt](t, b.post(t, start, map[string]any{"q": daily.ID}, bearer(member)...)).StartQuizAttempt
	late := decode[attempt](t, b.post(t, start, map[string]any{"q": daily.ID}, bearer(member)...)).StartQuizAttempt
	if len(first.Questions) != 2 || len(late.Questions) != 2 {
		t.Fatalf("daily: %+v %+v", first, late)
	}
	ownerExec(t, b, `UPDATE quiz_attempts SET deadline_at = now() - interval '1 minute' WHERE id = (SELECT id FROM quiz_attempts ORDER BY started_at DESC LIMIT 1)`)
	if r := b.post(t, submit, map[string]any{"a": late.ID, "ans": []any{}}, bearer(member)...); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("answers after the time limit: %+v", r.Errors)
	}
	if r := b.post(t, submit, map[string]any{"a": first.ID, "ans": []map[string]any{{"question": first.Questions[0].ID, "chosen": []int{0}}}}, bearer(member)...); len(r.Errors) > 0 {
		t.Errorf("daily submit: %+v", r.Errors)
	}
	if r := b.post(t, submit, map[string]any{"a": first.ID, "ans": []any{}}, bearer(admin)...); r.code(0) != "FORBIDDEN" {
		t.Errorf("an account with no person submitting: %+v", r.Errors)
	}
	var facts int
	if err := b.asOwner(t, b.demo.School.ID, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM learning_facts WHERE kind = 'quiz_completed' AND (details->>'score')::int = 67`).Scan(&facts)
	}); err != nil || facts != 1 {
		t.Errorf("quiz_completed facts: %d %v", facts, err)
	}
}
