// Package interaction is the two-way contact between a school's party
// organisations and its members and students: suggestions and questions
// to an org unit with official replies, votes and pins (意见建议 / 留言),
// and comments on content under each site's moderation. Every post passes
// the school's word list (package moderation): a match sends it to the
// moderation queue and tells the author so, never drops it. Text is plain
// text, stored and returned as written (front ends escape it).
package interaction

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
)

// Status is where a suggestion stands.
type Status string

const (
	Open     Status = "open"
	Answered Status = "answered"
	Closed   Status = "closed"
	Rejected Status = "rejected"
)

// Moderation is whether a post shows.
type Moderation string

const (
	Visible Moderation = "visible"
	Pending Moderation = "pending" // waits for a moderator
	Refused Moderation = "rejected"
	Removed Moderation = "removed" // a comment taken down after it showed
)

// Order is how a list of suggestions is ordered.
type Order string

const (
	Newest     Order = "newest"
	Hot        Order = "hot"
	MostVoted  Order = "most_voted"
	PinnedOnly Order = "pinned"
)

// Suggestion is a suggestion or question to an org unit.
type Suggestion struct {
	TenantID     uuid.UUID
	ID           uuid.UUID
	OrgUnitID    uuid.UUID
	Category     string
	Title, Body  string
	AuthorID     uuid.UUID
	AuthorName   string
	Anonymous    bool
	Public       bool
	Status       Status
	RejectReason string
	Moderation   Moderation
	MatchedWords []string
	DueAt        time.Time
	Votes        int
	Pinned       *int
	CreatedAt    time.Time
	AnsweredAt   *time.Time
	// Who reads it: VotedByMe, and whether the author is shown.
	VotedByMe  bool
	ShowAuthor bool
	path       string
}

// ShownAuthorName is the author's name as the reader sees it (nil: an
// anonymous author hidden from them).
func (s *Suggestion) ShownAuthorName() *string {
	if !s.ShowAuthor {
		return nil
	}
	return &s.AuthorName
}

// ShownRejectReason is why it was rejected, or nil.
func (s *Suggestion) ShownRejectReason() *string {
	if s.RejectReason == "" {
		return nil
	}
	return &s.RejectReason
}

// ShownMatchedWords are the listed words it matched (none to all but its
// moderators: present cleared them).
func (s *Suggestion) ShownMatchedWords() []string {
	if s.MatchedWords == nil {
		return []string{}
	}
	return s.MatchedWords
}

// Reply is an official reply or the asker's follow-up.
type Reply struct {
	TenantID     uuid.UUID
	ID           uuid.UUID
	SuggestionID uuid.UUID
	AuthorName   string
	Official     bool
	Body         string
	Moderation   Moderation
	CreatedAt    time.Time
}

// Comment is a reader's comment on a content item on a site.
type Comment struct {
	TenantID     uuid.UUID
	ID           uuid.UUID
	ContentID    uuid.UUID
	SiteID       uuid.UUID
	AuthorID     uuid.UUID
	AuthorName   string
	Body         string
	Status       Moderation
	MatchedWords []string
	Reason       string
	CreatedAt    time.Time
}

// Category is a kind of suggestion a school takes, and how many working
// days its answer may take.
type Category struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	ResponseDays int    `json:"responseDays"`
}

// Rules are what a school tunes (tenants.settings → "interaction").
type Rules struct {
	Categories []Category `json:"categories"`
	// ReportsToReview: a visible comment reported by this many readers
	// goes back to the moderation queue.
	ReportsToReview int `json:"reportsToReview"`
}

// DefaultRules are those of a school that sets none: four categories, an
// answer within 5 working days.
func DefaultRules() Rules {
	return Rules{Categories: []Category{{"study", "学习教育", 5}, {"work", "组织工作", 5}, {"life", "学习生活", 5}, {"other", "其他", 5}},
		ReportsToReview: 3}
}

// RulesFrom reads the "interaction" section of tenant settings over the
// defaults; malformed or out-of-range values keep the defaults.
func RulesFrom(settings []byte) Rules {
	r := DefaultRules()
	var wrap struct {
		Interaction *struct {
			Categories      []Category `json:"categories"`
			ReportsToReview *int       `json:"reportsToReview"`
		} `json:"interaction"`
	}
	if json.Unmarshal(settings, &wrap) != nil || wrap.Interaction == nil {
		return r
	}
	if cs := wrap.Interaction.Categories; len(cs) > 0 {
		ok := true
		for _, c := range cs {
			ok = ok && validCode(c.Code) && c.Name != "" && c.ResponseDays >= 1 && c.ResponseDays <= 60
		}
		if ok {
			r.Categories = cs
		}
	}
	if n := wrap.Interaction.ReportsToReview; n != nil && *n >= 1 && *n <= 100 {
		r.ReportsToReview = *n
	}
	return r
}

func validCode(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// category is the school's category of code.
func (r Rules) category(code string) (Category, bool) {
	for _, c := range r.Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// addWorkingDays is the moment n working days (Monday to Friday, in
// Beijing) after t.
func addWorkingDays(t time.Time, n int) time.Time {
	d := t.In(beijing)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d
}

var beijing = time.FixedZone("UTC+8", 8*3600)

// text checks a post's text: trimmed, 1–max characters, no NUL.
func text(v *apperr.Validation, field, s string, max int) string {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		v.Add(field, "write something")
	case n > max:
		v.Add(field, maxMessage(max))
	}
	return s
}

func maxMessage(max int) string {
	switch max {
	case 100:
		return "at most 100 characters"
	case 2000:
		return "at most 2000 characters"
	}
	return "at most 5000 characters"
}

// Limits of posts.
const (
	MaxTitle   = 100
	MaxBody    = 5000
	MaxComment = 2000
)
