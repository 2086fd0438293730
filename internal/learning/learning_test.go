package learning

import (
	"testing"
	"time"
)

// TestJudge has one case per rule of what a heartbeat counts for.
func TestJudge(t *testing.T) {
	t.Parallel()
	r := DefaultRules // tolerance 5 s
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	playingAt := func(pos int) Viewing { return Viewing{Position: pos, Playing: true, At: t0} }
	future := at(60)
	near := at(14)
	for _, c := range []struct {
		name string
		mode Mode
		prev Viewing
		beat Beat
		now  int // seconds after t0
		want Judged
	}{
		{"twelve seconds played in twelve", ModeWatch, playingAt(30), Beat{Position: 42, Playing: true}, 12, Judged{Verdict: Counted, From: 30, To: 42}},
		{"a little ahead of the wall clock (jitter)", ModeWatch, playingAt(30), Beat{Position: 46, Playing: true}, 12, Judged{Verdict: Counted, From: 30, To: 46}},
		{"a jump ahead", ModeWatch, playingAt(30), Beat{Position: 200, Playing: true}, 12, Judged{Verdict: SkippedAhead}},
		{"a seek back (a replay)", ModeWatch, playingAt(300), Beat{Position: 20, Playing: true}, 12, Judged{Verdict: MovedBack}},
		{"paused since the last beat", ModeWatch, Viewing{Position: 30, At: t0}, Beat{Position: 30, Playing: true}, 12, Judged{Verdict: NotPlaying}},
		{"the end of the video is as far as it counts", ModeWatch, playingAt(595), Beat{Position: 603, Playing: true}, 12, Judged{Verdict: Counted, From: 595, To: 600}},
		{"past the end of the video", ModeWatch, playingAt(30), Beat{Position: 700, Playing: true}, 12, Judged{Verdict: RejectedPosition}},
		{"a negative position", ModeWatch, playingAt(30), Beat{Position: -1, Playing: true}, 12, Judged{Verdict: RejectedPosition}},
		{"sent from the future", ModeWatch, playingAt(30), Beat{Position: 42, Playing: true, SentAt: &future}, 12, Judged{Verdict: RejectedFuture}},
		{"sent a moment ahead (clock skew within tolerance)", ModeWatch, playingAt(30), Beat{Position: 42, Playing: true, SentAt: &near}, 12, Judged{Verdict: Counted, From: 30, To: 42}},
		{"reading in view", ModeRead, Viewing{Playing: true, At: t0}, Beat{Playing: true}, 14, Judged{Verdict: Counted, Seconds: 14}},
		{"a page left open counts at most a minute", ModeRead, Viewing{Playing: true, At: t0}, Beat{Playing: true}, 900, Judged{Verdict: Counted, Seconds: 60}},
		{"a page out of view", ModeRead, Viewing{Playing: true, At: t0}, Beat{Playing: false}, 14, Judged{Verdict: NotPlaying}},
		{"reading sent from the future", ModeRead, Viewing{Playing: true, At: t0}, Beat{Playing: true, SentAt: &future}, 14, Judged{Verdict: RejectedFuture}},
	} {
		if got := Judge(c.mode, c.prev, c.beat, at(c.now), 600, r); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestRequiredSeconds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mode           Mode
		duration, text int
		rules          []byte
		want           int
	}{
		{ModeWatch, 600, 0, nil, 540},                                            // 90 % of ten minutes
		{ModeWatch, 600, 0, []byte(`{"learning":{"completionShare":0.5}}`), 300}, // a school's own share
		{ModeWatch, 600, 0, []byte(`{"learning":{"completionShare":3}}`), 540},   // out of range: the default
		{ModeRead, 0, 2000, nil, 300},                                            // 2,000 characters at 400 a minute
		{ModeRead, 0, 2000, []byte(`{"learning":{"readingCharsPerMinute":500}}`), 240},
		{ModeRead, 0, 100, nil, 60}, // a short text still takes a minute
	} {
		if got := RulesFrom(c.rules).RequiredSeconds(c.mode, c.duration, c.text); got != c.want {
			t.Errorf("%s %d s / %d chars with %s: %d, want %d", c.mode, c.duration, c.text, c.rules, got, c.want)
		}
	}
}
