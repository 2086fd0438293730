package quiz

// Importing a question bank from a spreadsheet (docs/question-import.md).

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/postgres"
	"zhdj/internal/quiz/quizdb"
	"zhdj/internal/sheet"
)

// Limits of an import file.
const (
	MaxImportRows  = 5000
	MaxImportBytes = 5 << 20
)

// Columns of an import file, by header.
const (
	colKind        = "题型"
	colStem        = "题干"
	colAnswer      = "答案"
	colExplanation = "解析"
	colTags        = "标签"
)

var optionColumns = []string{"选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "选项G", "选项H"}

var kindNames = map[string]QuestionKind{
	"单选": Single, "单选题": Single, "single": Single,
	"多选": Multiple, "多选题": Multiple, "multiple": Multiple,
	"判断": TrueFalse, "判断题": TrueFalse, "true_false": TrueFalse, "truefalse": TrueFalse,
}

var truthNames = map[string]int{"对": 1, "正确": 1, "是": 1, "√": 1, "t": 1, "true": 1, "错": 0, "错误": 0, "否": 0, "×": 0, "f": 0, "false": 0}

// ImportResult is what an import did: every row imported, or, when any
// row has a problem, none and the problems.
type ImportResult struct {
	Imported int
	Problems []sheet.Problem
}

// Import adds the questions of an .xlsx or .csv file to the bank
// (quiz.manage school-wide), all or none: a file with any problem imports
// nothing and says, row by row, what to fix.
func (s *Service) Import(ctx context.Context, filename string, data []byte) (*ImportResult, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermQuizManage)
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImportBytes {
		return nil, apperr.InvalidField("file", fmt.Sprintf("is larger than %d MiB", MaxImportBytes>>20))
	}
	table, err := sheet.ReadTable(filename, data)
	if err != nil {
		return nil, apperr.InvalidField("file", err.Error())
	}
	questions, problems, err := parseBank(table)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return &ImportResult{Problems: problems}, nil
	}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := quizdb.New(tx)
		for _, x := range questions {
			if err := insertQuestion(ctx, q, p.TenantID, p.Actor(), x); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ImportResult{Imported: len(questions), Problems: []sheet.Problem{}}, nil
}

// parseBank reads the questions of a table whose first row names the
// columns; what is wrong is reported per row and column.
func parseBank(table [][]string) ([]*Question, []sheet.Problem, error) {
	if len(table) < 2 {
		return nil, nil, apperr.InvalidField("file", "the file has no questions under its header row")
	}
	if len(table)-1 > MaxImportRows {
		return nil, nil, apperr.InvalidField("file", fmt.Sprintf("at most %d questions per file", MaxImportRows))
	}
	col := map[string]int{}
	for i, h := range table[0] {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{colKind, colStem, colAnswer} {
		if _, ok := col[need]; !ok {
			return nil, nil, apperr.InvalidField("file", fmt.Sprintf("the header row has no %q column", need))
		}
	}
	cell := func(row []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	var out []*Question
	var problems []sheet.Problem
	for n, row := range table[1:] {
		line := n + 2
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		q := &Question{Options: []string{}, Tags: []string{}}
		kind, ok := kindNames[strings.ToLower(cell(row, colKind))]
		if !ok {
			problems = append(problems, sheet.Problem{Row: line, Column: colKind, Message: "the type must be 单选, 多选 or 判断"})
			continue
		}
		q.Kind, q.Stem, q.Explanation = kind, cell(row, colStem), cell(row, colExplanation)
		for _, c := range optionColumns {
			if v := cell(row, c); v != "" {
				q.Options = append(q.Options, v)
			}
		}
		answer, err := parseAnswer(kind, cell(row, colAnswer), len(q.Options))
		if err != nil {
			problems = append(problems, sheet.Problem{Row: line, Column: colAnswer, Message: err.Error()})
			continue
		}
		q.Answer = answer
		for _, t := range strings.FieldsFunc(cell(row, colTags), func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' }) {
			q.Tags = append(q.Tags, t)
		}
		if err := q.validate(); err != nil {
			for field, msg := range apperr.FieldsOf(err) {
				problems = append(problems, sheet.Problem{Row: line, Column: columnOf(field), Message: msg})
			}
			continue
		}
		out = append(out, q)
	}
	if len(out) == 0 && len(problems) == 0 {
		return nil, nil, apperr.InvalidField("file", "the file has no questions under its header row")
	}
	return out, problems, nil
}

func columnOf(field string) string {
	switch field {
	case "stem":
		return colStem
	case "explanation":
		return colExplanation
	case "tags":
		return colTags
	case "answer":
		return colAnswer
	case "options":
		return "选项"
	}
	return colKind
}

// parseAnswer reads an answer cell: letters for a choice question ("A",
// "ACD", "A,C"), 对/错 (or true/false) for a true/false one.
func parseAnswer(kind QuestionKind, s string, options int) ([]int, error) {
	if s == "" {
		return nil, errors.New("give the answer")
	}
	if kind == TrueFalse {
		v, ok := truthNames[strings.ToLower(s)]
		if !ok {
			return nil, errors.New("a true/false answer is 对 or 错")
		}
		return []int{v}, nil
	}
	var out []int
	for _, r := range strings.ToUpper(s) {
		switch {
		case r >= 'A' && r <= 'H':
			i := int(r - 'A')
			if i >= options {
				return nil, fmt.Errorf("answer %c has no option", r)
			}
			out = append(out, i)
		case r == ',' || r == '，' || r == '、' || r == ' ':
		default:
			return nil, errors.New("an answer is option letters, such as A or ACD")
		}
	}
	return out, nil
}
