// Package learning records what members and activists study: a
// micro-lesson watched (the distinct seconds actually seen), an article or
// a comic read (the time spent on it, against its length), and, once an
// item is done, an immutable learning fact — written once per source, in
// the transaction that completed it — from which points and the cockpit
// are computed elsewhere.
//
// Progress comes as heartbeats from the player or the reader every 10–15
// seconds within a session (one viewing). The server trusts its own clock:
// a heartbeat counts the seconds between the last position and this one
// only when the player was playing and no more time passed in the video
// than on the wall; a jump ahead is accepted but not counted, a heartbeat
// from the future is refused, and both are counted on the progress.
package learning

import (
	"encoding/json"
	"math"
	"time"

	"github.com/google/uuid"
)

// Mode is how an item is studied.
type Mode string

const (
	ModeWatch Mode = "watch" // a micro-lesson's video
	ModeRead  Mode = "read"  // an article or a comic
)

// Rules are what a school may tune (tenants.settings → "learning"); these
// are the defaults.
type Rules struct {
	// CompletionShare is the share of a lesson's duration that must be
	// watched for it to count as completed.
	CompletionShare float64 `json:"completionShare"`
	// ReadingCharsPerMinute is the reading speed an item's required
	// reading time is computed from (Chinese text).
	ReadingCharsPerMinute int `json:"readingCharsPerMinute"`
	// ToleranceSeconds is how far a heartbeat may be ahead of the wall
	// clock (network jitter, a player's rounding) and still count.
	ToleranceSeconds int `json:"toleranceSeconds"`
	// MaxBeatGapSeconds caps the reading time one heartbeat adds (a page
	// left open while its reader is away).
	MaxBeatGapSeconds int `json:"maxBeatGapSeconds"`
}

// DefaultRules are the rules of a school that sets none.
var DefaultRules = Rules{CompletionShare: 0.9, ReadingCharsPerMinute: 400, ToleranceSeconds: 5, MaxBeatGapSeconds: 60}

// RulesFrom reads the "learning" section of tenant settings over the
// defaults; a value out of its range keeps the default.
func RulesFrom(settings []byte) Rules {
	r := DefaultRules
	var wrap struct {
		Learning *Rules `json:"learning"`
	}
	if json.Unmarshal(settings, &wrap) != nil || wrap.Learning == nil {
		return r
	}
	v := *wrap.Learning
	if v.CompletionShare > 0 && v.CompletionShare <= 1 {
		r.CompletionShare = v.CompletionShare
	}
	if v.ReadingCharsPerMinute >= 50 && v.ReadingCharsPerMinute <= 5000 {
		r.ReadingCharsPerMinute = v.ReadingCharsPerMinute
	}
	if v.ToleranceSeconds >= 0 && v.ToleranceSeconds <= 60 {
		r.ToleranceSeconds = v.ToleranceSeconds
	}
	if v.MaxBeatGapSeconds >= 10 && v.MaxBeatGapSeconds <= 600 {
		r.MaxBeatGapSeconds = v.MaxBeatGapSeconds
	}
	return r
}

// RequiredSeconds is how long an item must be studied in mode m to be
// completed: the share of a lesson's duration, or the reading time of its
// text (at least a minute).
func (r Rules) RequiredSeconds(m Mode, durationSeconds, textChars int) int {
	if m == ModeWatch {
		return max(1, int(math.Ceil(float64(durationSeconds)*r.CompletionShare)))
	}
	return max(60, int(math.Ceil(float64(textChars)*60/float64(r.ReadingCharsPerMinute))))
}

// Beat is one heartbeat as the client sends it.
type Beat struct {
	// Position is where the video is, in seconds (watching only).
	Position int
	// Playing: the video plays, or the page is in view.
	Playing bool
	// SentAt is the client's clock when it sent the beat (optional).
	SentAt *time.Time
}

// Verdict is what a heartbeat counted for.
type Verdict string

const (
	Counted          Verdict = "counted"           // the time since the last beat counts
	NotPlaying       Verdict = "not_playing"       // paused (or just started): nothing to count
	MovedBack        Verdict = "moved_back"        // a seek back or a replay: nothing new
	SkippedAhead     Verdict = "skipped_ahead"     // more progress than wall-clock time allows: accepted, not counted
	RejectedFuture   Verdict = "rejected_future"   // sent from a later time than the server's
	RejectedPosition Verdict = "rejected_position" // a position outside the video
)

// Rejected reports whether the beat was refused (the session stays where
// the last beat left it).
func (v Verdict) Rejected() bool { return v == RejectedFuture || v == RejectedPosition }

// Viewing is where the last heartbeat of a session left it.
type Viewing struct {
	Position int
	Playing  bool
	At       time.Time
}

// Judged is what a heartbeat counts for: the video's seconds [From, To)
// watched, or Seconds read.
type Judged struct {
	Verdict  Verdict
	From, To int
	Seconds  int
}

// Judge decides what beat b, received at now, counts for after the
// session's last beat prev, for an item of durationSeconds (watching).
func Judge(m Mode, prev Viewing, b Beat, now time.Time, durationSeconds int, r Rules) Judged {
	tolerance := time.Duration(r.ToleranceSeconds) * time.Second
	if b.SentAt != nil && b.SentAt.After(now.Add(tolerance)) {
		return Judged{Verdict: RejectedFuture}
	}
	elapsed := now.Sub(prev.At).Seconds()
	if m == ModeRead {
		if !prev.Playing || !b.Playing || elapsed <= 0 {
			return Judged{Verdict: NotPlaying}
		}
		return Judged{Verdict: Counted, Seconds: int(math.Min(elapsed, float64(r.MaxBeatGapSeconds)))}
	}
	if b.Position < 0 || b.Position > durationSeconds+r.ToleranceSeconds {
		return Judged{Verdict: RejectedPosition}
	}
	to := min(b.Position, durationSeconds)
	switch delta := to - prev.Position; {
	case !prev.Playing:
		return Judged{Verdict: NotPlaying}
	case delta <= 0:
		return Judged{Verdict: MovedBack}
	case float64(delta) > elapsed+float64(r.ToleranceSeconds):
		return Judged{Verdict: SkippedAhead}
	default:
		return Judged{Verdict: Counted, From: prev.Position, To: to}
	}
}

// Progress is a person's progress on one item in one mode.
type Progress struct {
	TenantID        uuid.UUID
	PersonID        uuid.UUID
	ContentID       uuid.UUID
	Mode            Mode
	Seconds         int // distinct seconds watched, or seconds read
	RequiredSeconds int
	SkippedBeats    int
	RejectedBeats   int
	CompletedAt     *time.Time
	StartedAt       time.Time
	UpdatedAt       time.Time
}

// Completed reports whether the item is done.
func (p *Progress) Completed() bool { return p.CompletedAt != nil }

// Session is one viewing or reading of an item.
type Session struct {
	TenantID uuid.UUID
	ID       uuid.UUID
	Progress *Progress
}

// Heartbeat is what a heartbeat did: its verdict and the progress after it.
type Heartbeat struct {
	Verdict  Verdict
	Progress *Progress
	// JustCompleted: this beat completed the item (its fact was written).
	JustCompleted bool
}

// Cursor is a position in a person's list of progress.
type Cursor struct {
	UpdatedAt time.Time
	ContentID uuid.UUID
}

// Page is one page of a person's progress.
type Page struct {
	Items   []*Progress
	HasNext bool
}

// MaxPageSize is the largest page of progress.
const MaxPageSize = 100
