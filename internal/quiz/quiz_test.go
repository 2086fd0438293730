package quiz

import (
	"slices"
	"testing"

	"zhdj/internal/apperr"
)

func TestRightAndScore(t *testing.T) {
	single := &Question{Kind: Single, Options: []string{"a", "b", "c"}, Answer: []int{1}}
	multi := &Question{Kind: Multiple, Options: []string{"a", "b", "c", "d"}, Answer: []int{0, 2, 3}}
	tf := &Question{Kind: TrueFalse, Answer: []int{0}}
	for _, c := range []struct {
		name   string
		q      *Question
		chosen []int
		right  bool
	}{
		{"single right", single, []int{1}, true},
		{"single wrong", single, []int{0}, false},
		{"single with an extra", single, []int{1, 2}, false},
		{"nothing chosen", single, nil, false},
		{"multiple in any order", multi, []int{3, 0, 2}, true},
		{"multiple, a repeat is one choice", multi, []int{0, 2, 3, 3}, true},
		{"multiple, one missing: no partial credit", multi, []int{0, 2}, false},
		{"multiple, one too many", multi, []int{0, 1, 2, 3}, false},
		{"false is right", tf, []int{0}, true},
		{"true is wrong", tf, []int{1}, false},
	} {
		if got := c.q.Right(c.chosen); got != c.right {
			t.Errorf("%s: %v, want %v", c.name, got, c.right)
		}
	}
	for _, c := range []struct{ right, total, score int }{{0, 0, 0}, {0, 5, 0}, {5, 5, 100}, {2, 3, 67}, {1, 3, 33}, {1, 8, 13}, {7, 8, 88}} {
		if got := Score(c.right, c.total); got != c.score {
			t.Errorf("Score(%d, %d) = %d, want %d", c.right, c.total, got, c.score)
		}
	}
}

func TestQuestionRules(t *testing.T) {
	for _, c := range []struct {
		name  string
		q     Question
		field string // "" valid
	}{
		{"a single-choice question", Question{Kind: Single, Stem: " 党的根本宗旨是？ ", Options: []string{"全心全意为人民服务", "发展经济"}, Answer: []int{0}}, ""},
		{"true/false", Question{Kind: TrueFalse, Stem: "入党积极分子的培养期一般不少于一年。", Answer: []int{1}}, ""},
		{"no stem", Question{Kind: Single, Stem: " ", Options: []string{"a", "b"}, Answer: []int{0}}, "stem"},
		{"one option", Question{Kind: Single, Stem: "x", Options: []string{"a"}, Answer: []int{0}}, "options"},
		{"an answer with no option", Question{Kind: Single, Stem: "x", Options: []string{"a", "b"}, Answer: []int{2}}, "answer"},
		{"single with two answers", Question{Kind: Single, Stem: "x", Options: []string{"a", "b"}, Answer: []int{0, 1}}, "answer"},
		{"multiple with one answer", Question{Kind: Multiple, Stem: "x", Options: []string{"a", "b", "c"}, Answer: []int{0}}, "answer"},
		{"true/false answered 2", Question{Kind: TrueFalse, Stem: "x", Answer: []int{2}}, "answer"},
		{"an unknown kind", Question{Kind: "essay", Stem: "x", Answer: []int{0}}, "kind"},
	} {
		q := c.q
		err := q.validate()
		fields := map[string]string{}
		if err != nil {
			fields = fieldsOf(err)
		}
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.field != "" && fields[c.field] == "":
			t.Errorf("%s: %v, want a problem with %s", c.name, err, c.field)
		}
	}
}

func TestParseBank(t *testing.T) {
	table := [][]string{
		{"题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "标签"},
		{"单选", "中国共产党的最高理想是？", "实现共产主义", "全面小康", "", "", "A", "党章总纲", "党章、理想信念"},
		{"多选", "三会一课包括？", "支部党员大会", "支部委员会", "党小组会", "党课", "ABCD", "", "组织生活"},
		{"判断", "预备党员的预备期为一年。", "", "", "", "", "对", "", ""},
		{"", "", "", "", "", "", "", "", ""},
		{"问答", "题", "", "", "", "", "A", "", ""},
		{"单选", "题", "a", "b", "", "", "C", "", ""},
		{"判断", "题", "", "", "", "", "也许", "", ""},
		{"多选", "题", "a", "b", "c", "", "A", "", ""},
	}
	qs, problems, err := parseBank(table)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 3 || !slices.Equal(qs[1].Answer, []int{0, 1, 2, 3}) || !slices.Equal(qs[0].Tags, []string{"党章", "理想信念"}) || qs[2].Answer[0] != 1 {
		t.Errorf("questions: %+v", qs)
	}
	rows := []int{}
	for _, p := range problems {
		rows = append(rows, p.Row)
	}
	if !slices.Equal(rows, []int{6, 7, 8, 9}) {
		t.Errorf("problems: %+v", problems)
	}
	if _, _, err := parseBank([][]string{{"题干"}, {"x"}}); err == nil {
		t.Error("a file without the 题型 and 答案 columns was read")
	}
}

func fieldsOf(err error) map[string]string { return apperr.FieldsOf(err) }
