package account

import (
	"reflect"
	"testing"
)

func TestPasswordRules(t *testing.T) {
	pp := PasswordPolicy{MinLength: 10, MaxLength: 128}
	personal := []string{"zhangsan", "hzvtc", "张三", "13812345678"}
	for _, tc := range []struct {
		password string
		ok       bool
	}{
		{"short", false},
		{"password12", false},      // ten characters, on the leak lists
		{"PASSWORD12", false},      // case does not help
		{"1qaz2wsx3edc", false},    // a keyboard walk
		{"woaini1314", false},      // a love number
		{"qwertyuiop", false},      // a keyboard row
		{"zhangsan2024", false},    // the username and a year
		{"zhangsan", false},        // too short anyway
		{"ZhangSan-2026!", false},  // still the username and a year
		{"hzvtcpassword1", false},  // the school code around a common password
		{"13812345678ab", false},   // the phone and two letters
		{"张三张三张三张三张三", false},      // the name, repeated
		{"zhangsan-红旗飘飘-47", true}, // the username inside a real passphrase
		{"组织部-strong-pass-1", true},
		{"correct horse battery", true},
		{"13912345678ab", true}, // someone else's number
	} {
		err := pp.Check("password", tc.password, personal...)
		if (err == nil) != tc.ok {
			t.Errorf("%q: %v, want ok=%v", tc.password, err, tc.ok)
		}
	}
}

func TestCommonPasswordList(t *testing.T) {
	if n := len(commonStartAfterLoad()); n < 100_000 {
		t.Fatalf("the list has %d passwords", n)
	}
	for _, p := range []string{"123456", "password", "iloveyou", "dangjian2026", "zzzzzzzz"} {
		if !isCommonPassword(p) {
			t.Errorf("%q is not on the list", p)
		}
	}
	for _, p := range []string{"组织部-strong-pass-1", "", "zzzzzzzzzzzzzzzzzzzzzzzzzzz1"} {
		if isCommonPassword(p) {
			t.Errorf("%q is on the list", p)
		}
	}
}

func commonStartAfterLoad() []uint32 {
	commonOnce.Do(loadCommonPasswords)
	return commonStart
}

func TestPhonesIn(t *testing.T) {
	for in, want := range map[string][]string{
		"a13812345678b":   {"13812345678"},
		"x213812345678":   {"13812345678"}, // inside a longer run
		"1381234567":      nil,
		"138-1234-5678":   {"13812345678"}, // separators do not hide it
		"1381234567813x":  {"13812345678"}, // the other windows do not start with 1
		"x13813800138000": {"13813800138", "13800138000"},
	} {
		got := PhonesIn(in)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
