package search

import (
	"strings"
	"sync"
	"unicode"

	"github.com/go-ego/gse"
)

// segmenter is gse with its embedded simplified-Chinese dictionary, loaded
// once per process on first use (about two seconds).
var segmenter = sync.OnceValue(func() *gse.Segmenter {
	seg := &gse.Segmenter{}
	if err := seg.LoadDictEmbed("zh_s"); err != nil {
		// The dictionary is compiled into the binary; failing to read it
		// is a broken build, not a runtime condition.
		panic("search: load the embedded gse dictionary: " + err.Error())
	}
	for _, w := range domainWords {
		_ = seg.AddToken(w, 20000, "n")
	}
	return seg
})

// domainWords are party-building terms the general dictionary splits.
var domainWords = []string{"党建", "微党课", "三会一课", "主题党日", "党小组", "党总支", "党支部", "入党积极分子", "发展对象", "预备党员", "志愿服务", "乡村振兴", "主题漫画"}

// Warm loads the segmenter's dictionary now rather than on the first
// request that needs it.
func Warm() { segmenter() }

// IndexTerms returns the words of text for an index: Chinese segmented in
// search mode (a compound also yields the words inside it, so 志愿服务 is
// found by 志愿), Latin words lower-cased, punctuation dropped.
func IndexTerms(text string) []string {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return words(segmenter().CutSearch(text, true))
}

// QueryTerms returns the words of a query, segmented as a reader means
// them; empty when it holds no letters or digits.
func QueryTerms(text string) []string {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return words(segmenter().Cut(text, true))
}

// words keeps the tokens made of letters and digits (lower-cased) and drops
// the rest; a token mixing them with other runes is split at those runes.
func words(tokens []string) []string {
	out := make([]string, 0, len(tokens))
	for _, t := range tokens {
		for _, w := range strings.FieldsFunc(t, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
			out = append(out, strings.ToLower(w))
		}
	}
	return out
}
