package moderation

import (
	"fmt"
	"slices"
	"testing"
)

func TestFilterCatchesDisguisedWords(t *testing.T) {
	f, err := NewFilter([]string{"敏感词", "赌博", "  ", "Casino", "赌博", "發票"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Len() != 4 {
		t.Fatalf("%d words, want 4 (blank and repeated ones dropped)", f.Len())
	}
	for _, c := range []struct {
		name, text string
		want       []string
	}{
		{"plain", "这里有敏感词", []string{"敏感词"}},
		{"split by spaces", "这里有 敏 感 词 呢", []string{"敏感词"}},
		{"split by punctuation", "敏*感*词，敏。感、词", []string{"敏感词"}},
		{"full-width and case", "ＣＡＳＩＮＯ 网站", []string{"Casino"}},
		{"traditional characters", "線上賭博", []string{"赌博"}},
		{"a traditional word listed, simplified text", "代开发票", []string{"發票"}},
		{"zero-width characters", "赌\u200b博", []string{"赌博"}},
		{"several, each once, in order", "赌博和敏感词，又是赌博", []string{"赌博", "敏感词"}},
		{"nothing", "学习二十大精神，争做新时代好青年", nil},
	} {
		if got := f.Match(c.text); !slices.Equal(got, c.want) {
			t.Errorf("%s: %q matched %q, want %q", c.name, c.text, got, c.want)
		}
	}
	empty, _ := NewFilter(nil)
	if got := empty.Match("敏感词"); got != nil {
		t.Errorf("an empty list matched %q", got)
	}
}

// The word list of the benchmark: 20,000 words over one pass.
func BenchmarkFilter(b *testing.B) {
	words := make([]string, 20000)
	for i := range words {
		words[i] = fmt.Sprintf("违禁词%05d", i)
	}
	f, err := NewFilter(words)
	if err != nil {
		b.Fatal(err)
	}
	text := "同学们好，今天的主题党日活动很有意义，我们学习了党史，大家踊跃发言，收获很大。希望以后多组织这样的活动！违禁词01234"
	b.ResetTimer()
	for b.Loop() {
		if len(f.Match(text)) != 1 {
			b.Fatal("no match")
		}
	}
}
