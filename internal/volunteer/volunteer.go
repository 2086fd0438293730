// Package volunteer runs volunteer service (志愿服务): activities organised
// with government offices, enterprises, communities and volunteer
// organisations, found by area and topic; sign-up with a capacity that
// holds under any concurrency and a waitlist promoted in order; check-in
// and check-out with rotating codes; hours confirmed by the organiser (and
// co-signed by the partner); and each person's volunteer record.
package volunteer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"zhdj/internal/checkin"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
)

// Audience says who may sign up.
type Audience string

const (
	AudienceMembers             Audience = "members"               // probationary and full members
	AudienceMembersAndActivists Audience = "members_and_activists" // and activists and candidates
	AudienceAllStudents         Audience = "all_students"          // every student (and members)
)

// Status is where an activity is.
type Status string

const (
	StatusDraft     Status = "draft"
	StatusOpen      Status = "open"
	StatusClosed    Status = "closed"
	StatusFinished  Status = "finished"
	StatusCancelled Status = "cancelled"
	// StatusFull is shown for an open activity whose places are taken.
	StatusFull Status = "full"
)

// PartnerKind is the kind of a partner organisation.
type PartnerKind string

const (
	PartnerGovernment   PartnerKind = "government"
	PartnerEnterprise   PartnerKind = "enterprise"
	PartnerCommunity    PartnerKind = "community"
	PartnerVolunteerOrg PartnerKind = "volunteer_org"
	PartnerOther        PartnerKind = "other"
)

// Activity is one volunteer activity.
type Activity struct {
	TenantID       uuid.UUID
	ID             uuid.UUID
	Title          string
	Description    string
	CoverID        *uuid.UUID
	AreaID         *uuid.UUID
	TopicIDs       []uuid.UUID
	PartnerIDs     []uuid.UUID
	OrgUnitID      uuid.UUID
	Address        string
	Latitude       *float64
	Longitude      *float64
	StartsAt       time.Time
	EndsAt         time.Time
	SignupOpensAt  time.Time
	SignupClosesAt time.Time
	Capacity       int
	Audience       Audience
	Hours          float64
	Status         Status // stored status; see DisplayStatus
	ConfirmedCount int
	SignupCount    int
	CosignedBy     string
	CosignedAt     *time.Time
	CreatedAt      time.Time
	// View is filled by reads (Browse, Get); nil elsewhere.
	View *View

	orgPath string
	secret  []byte
	// descriptionOmitted: read by a list WithoutDescription.
	descriptionOmitted bool
}

// DescriptionOmitted reports whether a was read by a list
// WithoutDescription: its Description is then empty, not the activity's.
func (a *Activity) DescriptionOmitted() bool { return a.descriptionOmitted }

// DescriptionOption says whether a list reads its activities'
// descriptions: up to 20,000 characters each, which a list rarely shows.
type DescriptionOption bool

const (
	WithoutDescription DescriptionOption = false
	WithDescription    DescriptionOption = true
)

// DisplayStatus is the status readers see: an open activity with no place
// left is full.
func (a *Activity) DisplayStatus() Status {
	if a.Status == StatusOpen && a.ConfirmedCount >= a.Capacity {
		return StatusFull
	}
	return a.Status
}

// PlacesLeft returns how many confirmed places remain.
func (a *Activity) PlacesLeft() int { return max(0, a.Capacity-a.ConfirmedCount) }

// SignUpStatus is the state of one sign-up.
type SignUpStatus string

const (
	SignUpConfirmed  SignUpStatus = "confirmed"
	SignUpWaitlisted SignUpStatus = "waitlisted"
	SignUpCancelled  SignUpStatus = "cancelled"
)

// SignUp is a person's place (or place in line) at an activity.
type SignUp struct {
	TenantID         uuid.UUID
	ID               uuid.UUID
	ActivityID       uuid.UUID
	PersonID         uuid.UUID
	Status           SignUpStatus
	WaitlistPosition *int
	CheckedInAt      *time.Time
	CheckedOutAt     *time.Time
	Hours            *float64
	HoursConfirmed   bool
	HoursReason      string
	ConfirmedBy      *uuid.UUID
	CreatedAt        time.Time
	PersonName       string
	// Activity is filled by reads that have it at hand (roster, record).
	Activity *Activity
}

// Rules are the sign-up rules a school may tune (tenants.settings →
// "volunteer"); these are the defaults.
type Rules struct {
	// MaxOverlapping is how many activities whose times overlap one person
	// may be signed up for at once.
	MaxOverlapping int `json:"maxOverlapping"`
	// CodeWindowSeconds is how long a check-in code lasts (the previous
	// window's code is accepted too).
	CodeWindowSeconds int `json:"codeWindowSeconds"`
	// CosignDays is how long a partner's co-sign link works.
	CosignDays int `json:"cosignDays"`
}

// DefaultRules are the rules of a school that sets none.
var DefaultRules = Rules{MaxOverlapping: 1, CodeWindowSeconds: 180, CosignDays: 14}

// RulesFrom reads the "volunteer" section of tenant settings over the defaults.
func RulesFrom(settings []byte) Rules {
	r := DefaultRules
	var wrap struct {
		Volunteer *Rules `json:"volunteer"`
	}
	if json.Unmarshal(settings, &wrap) == nil && wrap.Volunteer != nil {
		v := *wrap.Volunteer
		if v.MaxOverlapping > 0 {
			r.MaxOverlapping = v.MaxOverlapping
		}
		if v.CodeWindowSeconds >= 30 {
			r.CodeWindowSeconds = v.CodeWindowSeconds
		}
		if v.CosignDays > 0 {
			r.CosignDays = v.CosignDays
		}
	}
	return r
}

// Candidate is what the rules need to know of the person signing up.
type Candidate struct {
	Stage    string // member.Stage
	Category string // student or staff
	Active   bool   // the person's relationship is still in the school
}

// eligible reports whether c belongs to audience a.
func eligible(a Audience, c Candidate) bool {
	member := c.Stage == "probationary" || c.Stage == "full"
	switch a {
	case AudienceMembers:
		return member
	case AudienceMembersAndActivists:
		return member || c.Stage == "activist" || c.Stage == "candidate"
	case AudienceAllStudents:
		return member || c.Category == "student"
	}
	return false
}

// checkSignUp applies the sign-up rules; overlapping is how many
// overlapping activities the person is already signed up for.
func checkSignUp(a *Activity, c Candidate, now time.Time, overlapping int, r Rules) error {
	switch {
	case a.Status != StatusOpen:
		return &apperr.Error{Kind: apperr.Invalid, Msg: fmt.Sprintf("the activity is %s, not open for sign-up", a.Status), Fields: map[string]string{"activityId": "not open"}}
	case now.Before(a.SignupOpensAt):
		return &apperr.Error{Kind: apperr.Invalid, Msg: "sign-up opens at " + a.SignupOpensAt.Format(time.RFC3339), Fields: map[string]string{"activityId": "sign-up not open yet"}}
	case !now.Before(a.SignupClosesAt):
		return &apperr.Error{Kind: apperr.Invalid, Msg: "sign-up closed at " + a.SignupClosesAt.Format(time.RFC3339), Fields: map[string]string{"activityId": "sign-up closed"}}
	case !c.Active:
		return apperr.Forbiddenf("your organisational relationship has left the school")
	case !eligible(a.Audience, c):
		return &apperr.Error{Kind: apperr.Forbidden, Msg: fmt.Sprintf("this activity is for %s", audienceText(a.Audience))}
	case overlapping >= r.MaxOverlapping:
		return &apperr.Error{Kind: apperr.Conflict, Msg: fmt.Sprintf("you are already signed up for %d activities at this time (at most %d)", overlapping, r.MaxOverlapping)}
	}
	return nil
}

func audienceText(a Audience) string {
	switch a {
	case AudienceMembers:
		return "party members only"
	case AudienceMembersAndActivists:
		return "party members and activists"
	}
	return "students"
}

// ActivityInput describes an activity.
type ActivityInput struct {
	Title          string
	Description    string
	CoverID        *uuid.UUID
	AreaID         *uuid.UUID
	TopicIDs       []uuid.UUID
	PartnerIDs     []uuid.UUID
	OrgUnitID      *uuid.UUID // the organising unit (create only)
	Address        string
	Latitude       *float64
	Longitude      *float64
	StartsAt       time.Time
	EndsAt         time.Time
	SignupOpensAt  time.Time
	SignupClosesAt time.Time
	Capacity       int
	Audience       Audience
	Hours          float64
}

func (in *ActivityInput) validate() error {
	var v apperr.Validation
	in.Title = strings.TrimSpace(in.Title)
	if n := len([]rune(in.Title)); n < 1 || n > 200 {
		v.Add("title", "must be 1–200 characters")
	}
	if len([]rune(in.Description)) > 20000 {
		v.Add("description", "at most 20000 characters")
	}
	if !in.EndsAt.After(in.StartsAt) {
		v.Add("endsAt", "must be after startsAt")
	}
	if !in.SignupClosesAt.After(in.SignupOpensAt) {
		v.Add("signupClosesAt", "must be after signupOpensAt")
	}
	if in.SignupClosesAt.After(in.EndsAt) {
		v.Add("signupClosesAt", "sign-up must close before the activity ends")
	}
	if in.Capacity < 1 || in.Capacity > 100000 {
		v.Add("capacity", "must be 1–100000")
	}
	switch in.Audience {
	case AudienceMembers, AudienceMembersAndActivists, AudienceAllStudents:
	default:
		v.Add("audience", "unknown audience")
	}
	span := in.EndsAt.Sub(in.StartsAt).Hours()
	if in.Hours < 0 || (span > 0 && in.Hours > span) {
		v.Add("hours", fmt.Sprintf("must be between 0 and the activity's span (%.1f h)", span))
	}
	if (in.Latitude == nil) != (in.Longitude == nil) ||
		(in.Latitude != nil && (math.Abs(*in.Latitude) > 90 || math.Abs(*in.Longitude) > 180)) {
		v.Add("latitude", "give both latitude (±90) and longitude (±180), or neither")
	}
	if len(in.TopicIDs) > 10 || len(in.PartnerIDs) > 10 {
		v.Add("topics", "at most 10 topics and 10 partners")
	}
	return v.Err()
}

// Check-in codes are the rotating codes of package checkin, from the
// activity's secret.

func makeCode(a *Activity, kind string, now time.Time, r Rules) checkin.Code {
	return checkin.Make(a.secret, a.ID, kind, now, r.CodeWindowSeconds)
}

func verifyCode(a *Activity, kind, given string, now time.Time, r Rules) bool {
	return checkin.Verify(a.secret, a.ID, kind, given, now, r.CodeWindowSeconds)
}

// Co-sign links let a partner's contact confirm the roster without an
// account: the token names the activity and an expiry, signed with the
// activity's secret.
func cosignToken(a *Activity, exp time.Time) string {
	payload := fmt.Sprintf("%s.%s.%d", a.TenantID, a.ID, exp.Unix())
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// parseCosignToken returns the tenant and activity a token names (to be
// verified against the activity's secret with verifyCosign).
func parseCosignToken(tok string) (tenant, activity uuid.UUID, exp time.Time, mac []byte, payload string, ok bool) {
	p64, s64, found := strings.Cut(tok, ".")
	if !found {
		return
	}
	pb, err1 := base64.RawURLEncoding.DecodeString(p64)
	sig, err2 := base64.RawURLEncoding.DecodeString(s64)
	if err1 != nil || err2 != nil {
		return
	}
	parts := strings.Split(string(pb), ".")
	if len(parts) != 3 {
		return
	}
	var err error
	if tenant, err = uuid.Parse(parts[0]); err != nil {
		return
	}
	if activity, err = uuid.Parse(parts[1]); err != nil {
		return
	}
	var unix int64
	if _, err := fmt.Sscan(parts[2], &unix); err != nil {
		return
	}
	return tenant, activity, time.Unix(unix, 0), sig, string(pb), true
}

func verifyCosign(a *Activity, payload string, mac []byte) bool {
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte(payload))
	return hmac.Equal(m.Sum(nil), mac)
}

// hoursBetween is the attended time in hours, rounded down to a tenth.
func hoursBetween(in, out time.Time) float64 {
	return math.Floor(out.Sub(in).Hours()*10) / 10
}

// PointsAwarder receives confirmed volunteer hours. The points ledger (the
// assessment issue) plugs in here; until then nothing is awarded.
type PointsAwarder interface {
	AwardVolunteerHours(tenant, person, activity uuid.UUID, hours float64) error
}

type noPoints struct{}

func (noPoints) AwardVolunteerHours(uuid.UUID, uuid.UUID, uuid.UUID, float64) error { return nil }
