// Package moderation keeps what people post fit for a campus site: a
// school's sensitive-word list, matched in one pass over a comment or a
// suggestion however the words are disguised, sends a post to review
// (never drops it silently).
package moderation

import (
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/coregx/ahocorasick"
	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/width"
)

// Filter finds a word list's words in text. It is immutable: share it.
type Filter struct {
	automaton *ahocorasick.Automaton
	words     []string // as listed, by pattern id
}

// NewFilter builds the filter of words (each normalised as texts are;
// empty ones are skipped).
func NewFilter(words []string) (*Filter, error) {
	f := &Filter{}
	var patterns []string
	seen := map[string]bool{}
	for _, w := range words {
		n := Normalize(w)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		patterns = append(patterns, n)
		f.words = append(f.words, strings.TrimSpace(w))
	}
	if len(patterns) == 0 {
		return f, nil
	}
	a, err := ahocorasick.NewBuilder().AddStrings(patterns).Build()
	if err != nil {
		return nil, fmt.Errorf("moderation: word list: %w", err)
	}
	f.automaton = a
	return f, nil
}

// Len is how many distinct words the filter has.
func (f *Filter) Len() int { return len(f.words) }

// Match returns the listed words found in text, each once, in the order
// they first appear.
func (f *Filter) Match(text string) []string {
	if f.automaton == nil {
		return nil
	}
	var out []string
	seen := map[int]bool{}
	for _, m := range f.automaton.FindAllOverlapping([]byte(Normalize(text))) {
		if !seen[m.PatternID] {
			seen[m.PatternID] = true
			out = append(out, f.words[m.PatternID])
		}
	}
	return out
}

// t2s converts traditional characters and phrases to simplified (OpenCC's
// dictionaries, loaded once).
var t2s = sync.OnceValues(func() (*opencc.OpenCC, error) { return opencc.New("t2s") })

// Normalize is text as the filter compares it: full-width forms folded to
// their ordinary ones, lower case, traditional Chinese as simplified, and
// without the spaces, punctuation and symbols people pad words with
// (敏 感 词, 敏*感*词, ｓｅｎｓｉｔｉｖｅ).
func Normalize(text string) string {
	s := strings.ToLower(width.Fold.String(text))
	if cc, err := t2s(); err == nil {
		if c, err := cc.Convert(s); err == nil {
			s = c
		}
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
}
