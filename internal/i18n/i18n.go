// Package i18n gives clients error messages in their language: Chinese
// (zh-CN) unless they ask for English with Accept-Language.
//
// The code writes its messages in English, which is therefore the English
// catalogue; zh-CN.json maps each of them, as its format (with %d, %s, %q
// verbs), to Chinese, and the words that fill some of them ("site", "draft")
// to theirs. A message is translated whole: its format is found by the
// text between the verbs, and the values it carries are put into the
// Chinese format. A message with no translation is shown in English; the
// package's test fails for any message in the code that has none.
package i18n

import (
	_ "embed"
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

// Lang is a language messages are given in.
type Lang uint8

const (
	Chinese Lang = iota // zh-CN, the default
	English
)

// Tag is the language's BCP 47 tag (for Content-Language).
func (l Lang) Tag() string {
	if l == English {
		return "en"
	}
	return "zh-CN"
}

var matcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// Negotiate picks the language for an Accept-Language header: Chinese
// when it is empty, names neither, or prefers Chinese.
func Negotiate(acceptLanguage string) Lang {
	if strings.TrimSpace(acceptLanguage) == "" {
		return Chinese
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Chinese
	}
	_, i, conf := matcher.Match(tags...)
	if i == 1 && conf != language.No {
		return English
	}
	return Chinese
}

//go:embed zh-CN.json
var zhJSON []byte

type catalogue struct {
	Messages map[string]string `json:"messages"`
	Words    map[string]string `json:"words"`
}

// pattern is a format with verbs, matched against finished messages.
type pattern struct {
	format  string
	re      *regexp.Regexp
	literal int // characters outside the verbs: longer wins
}

var (
	loadOnce sync.Once
	zh       catalogue
	patterns []pattern
)

func load() {
	if err := json.Unmarshal(zhJSON, &zh); err != nil {
		panic("i18n: zh-CN.json: " + err.Error())
	}
	for f := range zh.Messages {
		if !strings.Contains(f, "%") {
			continue
		}
		re, literal := compile(f)
		patterns = append(patterns, pattern{format: f, re: re, literal: literal})
	}
	sort.Slice(patterns, func(i, j int) bool {
		if patterns[i].literal != patterns[j].literal {
			return patterns[i].literal > patterns[j].literal
		}
		return patterns[i].format < patterns[j].format
	})
}

// verb matches one fmt verb: %%, or % with an optional [n] index, flags,
// width and precision, then the letter.
var verb = regexp.MustCompile(`%(?:%|(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z]))`)

// compile turns an English format into an anchored expression capturing
// each verb's text.
func compile(format string) (*regexp.Regexp, int) {
	var b strings.Builder
	b.WriteString("^")
	literal, last := 0, 0
	for _, m := range verb.FindAllStringSubmatchIndex(format, -1) {
		lit := format[last:m[0]]
		b.WriteString(regexp.QuoteMeta(lit))
		literal += len(lit)
		last = m[1]
		if format[m[0]:m[1]] == "%%" {
			b.WriteString("%")
			literal++
			continue
		}
		switch format[m[4]:m[5]] {
		case "d":
			b.WriteString(`(-?\d+)`)
		case "f", "g":
			b.WriteString(`(-?[\d.]+)`)
		case "q":
			b.WriteString(`("(?:[^"\\]|\\.)*")`)
		default:
			b.WriteString(`(.+?)`)
		}
	}
	lit := format[last:]
	b.WriteString(regexp.QuoteMeta(lit))
	b.WriteString("$")
	return regexp.MustCompile(b.String()), literal + len(lit)
}

// fill puts args (the English message's values, in its order) into a
// Chinese format, by position or by explicit [n] index.
func fill(format string, args []string) string {
	var b strings.Builder
	last, next := 0, 0
	for _, m := range verb.FindAllStringSubmatchIndex(format, -1) {
		b.WriteString(format[last:m[0]])
		last = m[1]
		if format[m[0]:m[1]] == "%%" {
			b.WriteString("%")
			continue
		}
		i := next
		if m[2] >= 0 {
			n, _ := strconv.Atoi(format[m[2]:m[3]])
			i = n - 1
		}
		next = i + 1
		if i >= 0 && i < len(args) {
			b.WriteString(word(args[i]))
		}
	}
	b.WriteString(format[last:])
	return b.String()
}

// word translates a value that is one of the catalogue's words or
// messages (a rule's reason inside "transition refused: …").
func word(s string) string {
	if w, ok := zh.Words[s]; ok {
		return w
	}
	if m, ok := zh.Messages[s]; ok {
		return m
	}
	// A formatted message inside another (each value is shorter than the
	// message it is in, so this ends).
	for _, p := range patterns {
		if m := p.re.FindStringSubmatch(s); m != nil {
			return fill(zh.Messages[p.format], m[1:])
		}
	}
	return s
}

// Translate returns msg in lang.
func Translate(lang Lang, msg string) string {
	if lang == English || msg == "" {
		return msg
	}
	loadOnce.Do(load)
	if t, ok := zh.Messages[msg]; ok {
		return t
	}
	for _, p := range patterns {
		if m := p.re.FindStringSubmatch(msg); m != nil {
			return fill(zh.Messages[p.format], m[1:])
		}
	}
	return msg
}

// Formats returns every English format the catalogue translates (for
// tests).
func Formats() map[string]string {
	loadOnce.Do(load)
	return zh.Messages
}
