// Package meeting is a branch's organisational life: the meetings and
// party lessons of 三会一课, theme party days, democratic life meetings,
// scheduled by an org unit for its members. Attendance is taken with a
// rotating check-in code on site, or online by watching the event's
// micro-lesson while it runs; absences carry a reason (leave asked for
// before, or marked after); minutes follow within a school-set window and
// are marked late after it, never back-dated. Presence is a learning fact.
package meeting

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
	"zhdj/internal/member"
)

// Kind is what sort of event it is.
type Kind string

const (
	MembersMeeting   Kind = "members_meeting"   // 支部党员大会
	CommitteeMeeting Kind = "committee_meeting" // 支部委员会
	GroupMeeting     Kind = "group_meeting"     // 党小组会
	PartyLesson      Kind = "party_lesson"      // 党课
	ThemeDay         Kind = "theme_day"         // 主题党日
	DemocraticLife   Kind = "democratic_life"   // 组织生活会 / 民主生活会
	Other            Kind = "other"
)

// Label is what people call a kind of event.
func (k Kind) Label() string {
	switch k {
	case MembersMeeting:
		return "支部党员大会"
	case CommitteeMeeting:
		return "支部委员会"
	case GroupMeeting:
		return "党小组会"
	case PartyLesson:
		return "党课"
	case ThemeDay:
		return "主题党日"
	case DemocraticLife:
		return "组织生活会"
	}
	return "其他活动"
}

// Kinds lists every kind.
var Kinds = []Kind{MembersMeeting, CommitteeMeeting, GroupMeeting, PartyLesson, ThemeDay, DemocraticLife, Other}

func (k Kind) valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Status is where an attendee stands.
type Status string

const (
	Expected Status = "expected"
	Present  Status = "present"
	OnLeave  Status = "leave"
	Absent   Status = "absent"
)

// Rules are what a school may tune (tenants.settings → "meetings").
type Rules struct {
	// MinutesWindowDays: minutes recorded later than this after the event
	// are marked late.
	MinutesWindowDays int `json:"minutesWindowDays"`
	// QuorumShare: a members' meeting needs more than this share of its
	// voting members present.
	QuorumShare float64 `json:"quorumShare"`
	// ReminderLeadHours: how long before an event its attendees are reminded.
	ReminderLeadHours int `json:"reminderLeadHours"`
	// CheckInOpensMinutes: how long before the start check-in opens.
	CheckInOpensMinutes int `json:"checkInOpensMinutes"`
	// CodeWindowSeconds: how long a check-in code lasts.
	CodeWindowSeconds int `json:"codeWindowSeconds"`
	// Frequencies: how often a unit is expected to hold each kind (the
	// data for the cockpit's warnings): "month", "quarter" or "year".
	Frequencies map[Kind]string `json:"frequencies"`
}

// DefaultRules are those of a school that sets none (DOMAIN.md: committee
// and group meetings and theme days monthly, members' meetings and party
// lessons quarterly, organisational life meetings yearly).
func DefaultRules() Rules {
	return Rules{MinutesWindowDays: 7, QuorumShare: 0.5, ReminderLeadHours: 24, CheckInOpensMinutes: 30, CodeWindowSeconds: 180,
		Frequencies: map[Kind]string{CommitteeMeeting: "month", GroupMeeting: "month", ThemeDay: "month", MembersMeeting: "quarter",
			PartyLesson: "quarter", DemocraticLife: "year"}}
}

// RulesFrom reads the "meetings" section of tenant settings over the
// defaults; a value out of range keeps the default.
func RulesFrom(settings []byte) Rules {
	r := DefaultRules()
	var wrap struct {
		Meetings *struct {
			MinutesWindowDays   *int            `json:"minutesWindowDays"`
			QuorumShare         *float64        `json:"quorumShare"`
			ReminderLeadHours   *int            `json:"reminderLeadHours"`
			CheckInOpensMinutes *int            `json:"checkInOpensMinutes"`
			CodeWindowSeconds   *int            `json:"codeWindowSeconds"`
			Frequencies         map[Kind]string `json:"frequencies"`
		} `json:"meetings"`
	}
	if json.Unmarshal(settings, &wrap) != nil || wrap.Meetings == nil {
		return r
	}
	m := wrap.Meetings
	if v := m.MinutesWindowDays; v != nil && *v >= 1 && *v <= 90 {
		r.MinutesWindowDays = *v
	}
	if v := m.QuorumShare; v != nil && *v >= 0.5 && *v < 1 {
		r.QuorumShare = *v
	}
	if v := m.ReminderLeadHours; v != nil && *v >= 1 && *v <= 24*14 {
		r.ReminderLeadHours = *v
	}
	if v := m.CheckInOpensMinutes; v != nil && *v >= 0 && *v <= 240 {
		r.CheckInOpensMinutes = *v
	}
	if v := m.CodeWindowSeconds; v != nil && *v >= 30 && *v <= 3600 {
		r.CodeWindowSeconds = *v
	}
	for k, f := range m.Frequencies {
		if k.valid() && (f == "month" || f == "quarter" || f == "year" || f == "") {
			r.Frequencies[k] = f
		}
	}
	return r
}

// Quorum is how many voting members a members' meeting needs present:
// more than share of those with a vote.
func (r Rules) Quorum(voting int) int {
	return int(float64(voting)*r.QuorumShare) + 1
}

// Event is a scheduled event.
type Event struct {
	TenantID  uuid.UUID
	ID        uuid.UUID
	OrgUnitID uuid.UUID
	orgPath   string
	Kind      Kind
	Title     string
	StartsAt  time.Time
	EndsAt    time.Time
	Place     string
	OnlineURL string
	LessonID  *uuid.UUID
	Agenda    string
	CreatedAt time.Time
	secret    []byte
	// Minutes are shown to the event's managers and its attendees.
	Minutes      *string
	MinutesFiles []uuid.UUID
	MinutesAt    *time.Time
	MinutesLate  bool
	UpdatedAt    time.Time
	// CancelledAt is set when the event was called off, with the reason.
	CancelledAt  *time.Time
	CancelReason string
}

// Cancelled reports whether the event was called off.
func (e *Event) Cancelled() bool { return e.CancelledAt != nil }

// UpdateInput is what changing an event takes: what is given changes.
type UpdateInput struct {
	ID        uuid.UUID
	Title     *string
	StartsAt  *time.Time
	EndsAt    *time.Time
	Place     *string
	OnlineURL *string
	LessonID  *uuid.UUID
	Agenda    *string
}

// apply changes e as in asks and validates the result as scheduling does,
// at now: a change of time keeps the event in the future.
func (in *UpdateInput) apply(e *Event, now time.Time) (retimed bool, err error) {
	next := ScheduleInput{OrgUnitID: e.OrgUnitID, Kind: e.Kind, Title: e.Title, StartsAt: e.StartsAt, EndsAt: e.EndsAt, Place: e.Place,
		OnlineURL: e.OnlineURL, LessonID: e.LessonID, Agenda: e.Agenda}
	if in.Title != nil {
		next.Title = *in.Title
	}
	if in.StartsAt != nil {
		next.StartsAt = *in.StartsAt
	}
	if in.EndsAt != nil {
		next.EndsAt = *in.EndsAt
	}
	if in.Place != nil {
		next.Place = *in.Place
	}
	if in.OnlineURL != nil {
		next.OnlineURL = *in.OnlineURL
	}
	if in.LessonID != nil {
		next.LessonID = in.LessonID
	}
	if in.Agenda != nil {
		next.Agenda = *in.Agenda
	}
	retimed = !next.StartsAt.Equal(e.StartsAt) || !next.EndsAt.Equal(e.EndsAt)
	if err := next.validate(now); err != nil {
		return false, err
	}
	e.Title, e.StartsAt, e.EndsAt, e.Place, e.OnlineURL, e.LessonID, e.Agenda = next.Title, next.StartsAt, next.EndsAt, next.Place,
		next.OnlineURL, next.LessonID, next.Agenda
	return retimed, nil
}

// ScheduleInput is what scheduling an event takes.
type ScheduleInput struct {
	OrgUnitID uuid.UUID
	Kind      Kind
	Title     string
	StartsAt  time.Time
	EndsAt    time.Time
	Place     string
	OnlineURL string
	LessonID  *uuid.UUID
	Agenda    string
	// Stages expected (default: probationary and full members).
	Stages []member.Stage
	// Record: it already took place and is recorded afterwards (补录):
	// it starts in the past, and nobody is reminded of it.
	Record bool
}

func chars(s string) int { return utf8.RuneCountInString(s) }

func (in *ScheduleInput) validate(now time.Time) error {
	var v apperr.Validation
	in.Title, in.Place, in.OnlineURL, in.Agenda = strings.TrimSpace(in.Title), strings.TrimSpace(in.Place), strings.TrimSpace(in.OnlineURL), strings.TrimSpace(in.Agenda)
	if !in.Kind.valid() {
		v.Add("kind", "unknown kind of event")
	}
	if n := chars(in.Title); n < 1 || n > 200 {
		v.Add("title", "must be 1–200 characters")
	}
	switch {
	case !in.EndsAt.After(in.StartsAt):
		v.Add("endsAt", "must be after the start")
	case in.EndsAt.Sub(in.StartsAt) > 24*time.Hour:
		v.Add("endsAt", "an event lasts at most a day")
	}
	switch {
	case in.Record && !in.EndsAt.Before(now):
		v.Add("endsAt", "an event recorded afterwards has ended")
	case !in.Record && !in.StartsAt.After(now):
		v.Add("startsAt", "must be in the future (to record an event that took place, say so)")
	}
	if chars(in.Place) > 200 {
		v.Add("place", "at most 200 characters")
	}
	if in.OnlineURL != "" {
		if u, err := url.Parse(in.OnlineURL); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" || len(in.OnlineURL) > 2000 {
			v.Add("onlineUrl", "must be an http(s) address")
		}
	}
	if in.Place == "" && in.OnlineURL == "" && in.LessonID == nil {
		v.Add("place", "say where it is held: a place, an online address or a micro-lesson")
	}
	if chars(in.Agenda) > 5000 {
		v.Add("agenda", "at most 5000 characters")
	}
	for _, s := range in.Stages {
		if !s.Valid() || s == member.StageNone || s == member.StageCancelled {
			v.Add("stages", "applicants, activists, candidates, probationary or full members")
			break
		}
	}
	return v.Err()
}

// Attendance is one expected attendee's record.
type Attendance struct {
	TenantID    uuid.UUID
	EventID     uuid.UUID
	PersonID    uuid.UUID
	PersonName  string // in the attendance list
	Voting      bool
	Status      Status
	CheckedInBy string // "code", "online", "organiser" or ""
	CheckedInAt *time.Time
	Reason      string
	UpdatedAt   time.Time
}

// Counts sum up an event's attendance.
type Counts struct {
	Expected, Present, OnLeave, Absent int
	Voting, VotingPresent              int
	// Quorum is how many voting members a members' meeting needs (0 for
	// other kinds); QuorumMet whether they are present.
	Quorum    int
	QuorumMet bool
}

// Cursor is a position in a list of events (earliest first).
type Cursor struct {
	StartsAt time.Time
	ID       uuid.UUID
}

// Page is a page of events.
type Page struct {
	Items   []*Event
	HasNext bool
}

// MaxPageSize is the largest page a list returns.
const MaxPageSize = 100

// beijing is the time zone reminders speak in.
var beijing = time.FixedZone("UTC+8", 8*3600)
