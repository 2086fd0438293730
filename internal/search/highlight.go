package search

import (
	"html"
	"slices"
	"strings"
	"unicode/utf8"
)

// Engines mark matches with these control characters (which never occur in
// stored text); Markup turns them into HTML after escaping the rest.
const (
	MarkStart = "\x02"
	MarkEnd   = "\x03"
)

// Markup escapes marked text for HTML and wraps its marked parts in <mark>.
func Markup(marked string) string {
	if !strings.Contains(marked, MarkStart) {
		return html.EscapeString(strings.ReplaceAll(marked, MarkEnd, ""))
	}
	var b strings.Builder
	for {
		i := strings.Index(marked, MarkStart)
		if i < 0 {
			b.WriteString(html.EscapeString(strings.ReplaceAll(marked, MarkEnd, "")))
			return b.String()
		}
		b.WriteString(html.EscapeString(strings.ReplaceAll(marked[:i], MarkEnd, "")))
		rest := marked[i+len(MarkStart):]
		j := strings.Index(rest, MarkEnd)
		if j < 0 {
			j = len(rest)
		}
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(strings.ReplaceAll(rest[:j], MarkStart, "")))
		b.WriteString("</mark>")
		if j == len(rest) {
			return b.String()
		}
		marked = rest[j+len(MarkEnd):]
	}
}

// Highlight marks every occurrence in text of any of words (ignoring case,
// longest word first where they overlap).
func Highlight(text string, words []string) string {
	ws := make([]string, 0, len(words))
	for _, w := range words {
		if w != "" {
			ws = append(ws, strings.ToLower(w))
		}
	}
	if len(ws) == 0 || text == "" {
		return text
	}
	slices.SortFunc(ws, func(a, b string) int { return len(b) - len(a) })
	lower := strings.ToLower(text)
	if len(lower) != len(text) {
		// Case folding changed byte lengths (rare scripts): match as is.
		lower = text
	}
	var b strings.Builder
	for i := 0; i < len(text); {
		hit := ""
		for _, w := range ws {
			if strings.HasPrefix(lower[i:], w) {
				hit = w
				break
			}
		}
		if hit == "" {
			_, n := utf8.DecodeRuneInString(text[i:])
			b.WriteString(text[i : i+n])
			i += n
			continue
		}
		b.WriteString(MarkStart)
		b.WriteString(text[i : i+len(hit)])
		b.WriteString(MarkEnd)
		i += len(hit)
	}
	return b.String()
}

// Crop returns about n runes of marked text around its first mark (all of
// it when it is short), with an ellipsis where it was cut.
func Crop(marked string, n int) string {
	if utf8.RuneCountInString(marked) <= n {
		return marked
	}
	runes := []rune(marked)
	first := slices.Index(runes, []rune(MarkStart)[0])
	start := 0
	if first > n/3 {
		start = first - n/3
	}
	end := min(start+n, len(runes))
	out := string(runes[start:end])
	// Never cut inside a mark.
	if strings.Count(out, MarkStart) > strings.Count(out, MarkEnd) {
		out += MarkEnd
	}
	if start > 0 {
		out = "…" + out
	}
	if end < len(runes) {
		out += "…"
	}
	return out
}
