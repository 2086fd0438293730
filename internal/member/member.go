// Package member keeps member records: people on the way into the party
// and in it, their membership stage with a dated history of every step,
// their branch and the transfers of their organisational relationship
// (组织关系转接). Citizen ID numbers and phone numbers are personal data:
// encrypted at rest, masked for viewers without the permission to see them,
// and every unmasked read is audited.
package member

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
)

// Stage is a person's place on the way into the party.
type Stage string

const (
	StageNone         Stage = "none"         // not (yet) an applicant
	StageApplicant    Stage = "applicant"    // 入党申请人
	StageActivist     Stage = "activist"     // 入党积极分子
	StageCandidate    Stage = "candidate"    // 发展对象
	StageProbationary Stage = "probationary" // 预备党员
	StageFull         Stage = "full"         // 正式党员
	StageCancelled    Stage = "cancelled"    // 预备党员资格被取消
)

// Stages lists the stages in order.
var Stages = []Stage{StageNone, StageApplicant, StageActivist, StageCandidate, StageProbationary, StageFull, StageCancelled}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool {
	for _, k := range Stages {
		if k == s {
			return true
		}
	}
	return false
}

// Gender of a person, as recorded on the citizen ID.
type Gender string

const (
	GenderMale   Gender = "male"
	GenderFemale Gender = "female"
)

// Category says whether a person is a student or staff.
type Category string

const (
	CategoryStudent Category = "student"
	CategoryStaff   Category = "staff"
)

// Status says whether the person's organisational relationship is still here.
type Status string

const (
	StatusActive         Status = "active"
	StatusTransferredOut Status = "transferred_out"
)

// Person is a member record.
type Person struct {
	TenantID        uuid.UUID
	ID              uuid.UUID
	Name            string
	Gender          Gender
	BirthDate       *time.Time
	Ethnicity       string
	NativePlace     string
	PhoneMasked     string
	CitizenIDMasked string
	Education       string
	Category        Category
	Department      string
	Major           string
	ClassName       string
	PhotoMediaID    string
	OrgUnitID       uuid.UUID
	Stage           Stage
	StageSince      *time.Time
	PartyPosts      []string
	Status          Status
	Version         int
	CreatedAt       time.Time
	UpdatedAt       time.Time

	orgPath    string
	phoneEnc   []byte
	citizenEnc []byte
}

// Event is one step of a person's membership history.
type Event struct {
	Kind        string // transition, extend_probation, cancel
	From, To    Stage
	EffectiveOn time.Time
	ActorID     *uuid.UUID
	Detail      map[string]any
	CreatedAt   time.Time
}

// Transfer is one move of a person's organisational relationship.
type Transfer struct {
	Direction   string // internal, out, in
	FromUnitID  *uuid.UUID
	ToUnitID    *uuid.UUID
	ExternalOrg string
	LetterNo    string
	Reason      string
	EffectiveOn time.Time
	ActorID     *uuid.UUID
	CreatedAt   time.Time
}

var citizenWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const citizenCheck = "10X98765432"

// ParseCitizenID validates an 18-character citizen ID number per GB 11643
// (digits, a valid birth date in positions 7–14, and the ISO 7064 MOD 11-2
// check character) and returns it upper-cased with its birth date.
func ParseCitizenID(s string) (string, time.Time, error) {
	id := strings.ToUpper(strings.TrimSpace(s))
	if len(id) != 18 {
		return "", time.Time{}, fmt.Errorf("must be 18 characters, not %d", utf8.RuneCountInString(id))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return "", time.Time{}, fmt.Errorf("character %d must be a digit", i+1)
		}
		sum += int(c-'0') * citizenWeights[i]
	}
	if id[17] != citizenCheck[sum%11] {
		return "", time.Time{}, fmt.Errorf("the check character is wrong (should be %c): the number has a typo", citizenCheck[sum%11])
	}
	if id[:2] < "11" || id[:2] > "91" {
		return "", time.Time{}, fmt.Errorf("%s is not a province code", id[:2])
	}
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil || birth.Year() < 1900 || birth.After(time.Now()) {
		return "", time.Time{}, fmt.Errorf("positions 7–14 (%s) are not a valid birth date", id[6:14])
	}
	return id, birth, nil
}

var phonePattern = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// NormalizePhone returns a mainland mobile number without spaces, dashes or
// a +86 prefix, and whether it is one.
func NormalizePhone(s string) (string, bool) {
	s = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "+86"), "0086")
	return s, phonePattern.MatchString(s)
}

// Fields is what a caller may set on a person.
type Fields struct {
	Name        string
	Gender      Gender
	BirthDate   *time.Time // derived from the citizen ID when empty
	Ethnicity   string
	NativePlace string
	Phone       string // optional
	CitizenID   string // optional
	Education   string
	Category    Category
	Department  string
	Major       string
	ClassName   string
	PartyPosts  []string
}

// normalized is Fields after validation.
type normalized struct {
	Fields
	phone, citizenID string
}

func shortText(v *apperr.Validation, field, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		v.Add(field, fmt.Sprintf("at most %d characters", max))
	}
}

// validate checks every field and reports all problems at once, each under
// its field's name.
func (f Fields) validate() (normalized, error) {
	var v apperr.Validation
	n := normalized{Fields: f}
	n.Name = strings.TrimSpace(f.Name)
	if c := utf8.RuneCountInString(n.Name); c < 1 || c > 50 {
		v.Add("name", "must be 1–50 characters")
	}
	if f.Gender != GenderMale && f.Gender != GenderFemale {
		v.Add("gender", "must be male or female")
	}
	if f.Category != CategoryStudent && f.Category != CategoryStaff {
		v.Add("category", "must be student or staff")
	}
	if strings.TrimSpace(f.Phone) != "" {
		p, ok := NormalizePhone(f.Phone)
		if !ok {
			v.Add("phone", "is not a mainland mobile number (11 digits starting with 1)")
		}
		n.phone = p
	}
	if strings.TrimSpace(f.CitizenID) != "" {
		id, birth, err := ParseCitizenID(f.CitizenID)
		switch {
		case err != nil:
			v.Add("citizenId", err.Error())
		case f.BirthDate != nil && !sameDay(*f.BirthDate, birth):
			v.Add("birthDate", fmt.Sprintf("does not match the birth date in the citizen ID (%s)", birth.Format(time.DateOnly)))
		default:
			n.citizenID = id
			if n.BirthDate == nil {
				n.BirthDate = &birth
			}
		}
	}
	if f.BirthDate != nil && (f.BirthDate.Year() < 1900 || f.BirthDate.After(time.Now())) {
		v.Add("birthDate", "is not a plausible birth date")
	}
	for name, val := range map[string]string{"ethnicity": f.Ethnicity, "nativePlace": f.NativePlace, "education": f.Education,
		"department": f.Department, "major": f.Major, "className": f.ClassName} {
		shortText(&v, name, val, 100)
	}
	if len(f.PartyPosts) > 10 {
		v.Add("partyPosts", "at most 10 posts")
	}
	for i, p := range f.PartyPosts {
		if c := utf8.RuneCountInString(strings.TrimSpace(p)); c < 1 || c > 30 {
			v.Add(fmt.Sprintf("partyPosts[%d]", i), "must be 1–30 characters")
		}
	}
	if n.PartyPosts == nil {
		n.PartyPosts = []string{}
	}
	return n, v.Err()
}

func sameDay(a, b time.Time) bool {
	return a.Year() == b.Year() && a.Month() == b.Month() && a.Day() == b.Day()
}

// Rules are the timing and quorum rules of member development. Every
// number is tenant configuration (tenants.settings → "membership"); these
// defaults follow the party's rules for developing members.
type Rules struct {
	// ContactsRequired is the number of 培养联系人 (full members) an activist gets.
	ContactsRequired int `json:"contactsRequired"`
	// ActivistTrainingDays is the least training of an activist before
	// becoming a development candidate (one year).
	ActivistTrainingDays int `json:"activistTrainingDays"`
	// IntroducersRequired is the number of 入党介绍人 (full members).
	IntroducersRequired int `json:"introducersRequired"`
	// ProbationDays is the probation before conversion to full membership.
	ProbationDays int `json:"probationDays"`
	// MaxExtensionDays is the longest a probation may be extended (once).
	MaxExtensionDays int `json:"maxExtensionDays"`
}

// DefaultRules are the rules of a school that configures none.
var DefaultRules = Rules{ContactsRequired: 2, ActivistTrainingDays: 365, IntroducersRequired: 2, ProbationDays: 365, MaxExtensionDays: 365}

// RulesFrom reads the "membership" section of tenant settings over the
// defaults; unknown or malformed settings fall back to the defaults.
func RulesFrom(settings []byte) Rules {
	r := DefaultRules
	var wrap struct {
		Membership json.RawMessage `json:"membership"`
	}
	if json.Unmarshal(settings, &wrap) == nil && len(wrap.Membership) > 0 {
		over := r
		if json.Unmarshal(wrap.Membership, &over) == nil && over.valid() {
			r = over
		}
	}
	return r
}

func (r Rules) valid() bool {
	return r.ContactsRequired >= 0 && r.ActivistTrainingDays >= 0 && r.IntroducersRequired >= 0 &&
		r.ProbationDays >= 0 && r.MaxExtensionDays >= 0
}

// TransitionInput is one step of member development. Which fields are
// required depends on the target stage.
type TransitionInput struct {
	To          Stage
	EffectiveOn time.Time
	// To applicant: the date of the talk (谈话) the branch held.
	TalkOn *time.Time
	// To activist: the contact persons (full members).
	ContactIDs []uuid.UUID
	// To candidate: the introducers (full members) and the political review.
	IntroducerIDs     []uuid.UUID
	PoliticalReviewOn *time.Time
	// To probationary and to full: the branch general meeting's vote and
	// the higher committee's approval.
	BranchMeetingOn *time.Time
	VotersEligible  int
	VotersPresent   int
	VotesFor        int
	ApprovedOn      *time.Time
	// Extending a probation (To = probationary from probationary).
	ExtendDays int
	// Cancelling a probation (To = cancelled).
	Reason string
}

// ruleError refuses a transition, naming the rule it breaks.
func ruleError(field, rule, msg string) error {
	return &apperr.Error{Kind: apperr.Invalid, Msg: "transition refused: " + msg + " (rule " + rule + ")",
		Fields: map[string]string{field: "rule " + rule + ": " + msg}}
}

// next lists the stages each stage may move to.
var next = map[Stage][]Stage{
	StageNone:         {StageApplicant},
	StageApplicant:    {StageActivist},
	StageActivist:     {StageCandidate},
	StageCandidate:    {StageProbationary},
	StageProbationary: {StageFull, StageProbationary, StageCancelled},
}

func days(from, to time.Time) int { return int(to.Sub(from).Hours() / 24) }

// history facts the rules need about a person.
type history struct {
	stageSince    *time.Time
	extendedDays  int // of the current probation
	wasExtended   bool
	fullMembers   map[uuid.UUID]bool // which of the named contacts/introducers are full members
	unknownPeople map[uuid.UUID]bool
}

// check applies the rules to a transition from stage cur. It returns the
// event kind and the detail to record.
func (r Rules) check(cur Stage, in TransitionInput, h history) (string, map[string]any, error) {
	if !in.To.Valid() {
		return "", nil, apperr.InvalidField("to", "unknown stage")
	}
	if in.EffectiveOn.IsZero() {
		return "", nil, apperr.InvalidField("effectiveOn", "is required")
	}
	if in.EffectiveOn.After(time.Now().Add(24 * time.Hour)) {
		return "", nil, apperr.InvalidField("effectiveOn", "is in the future; record a step when it has happened")
	}
	allowed := false
	for _, s := range next[cur] {
		if s == in.To {
			allowed = true
		}
	}
	if !allowed {
		want := "none (this is a final stage)"
		if n := next[cur]; len(n) > 0 {
			want = string(n[0])
		}
		return "", nil, ruleError("to", "stage.sequence", fmt.Sprintf("a person at stage %s cannot become %s; the next stage is %s", cur, in.To, want))
	}
	if h.stageSince != nil && in.EffectiveOn.Before(*h.stageSince) {
		return "", nil, ruleError("effectiveOn", "stage.order", fmt.Sprintf("the step cannot predate entering the current stage (%s)", h.stageSince.Format(time.DateOnly)))
	}
	detail := map[string]any{}
	members := func(field, rule string, ids []uuid.UUID, want int, what string) error {
		seen := map[uuid.UUID]bool{}
		for _, id := range ids {
			if seen[id] {
				return ruleError(field, rule, what+" must be different people")
			}
			seen[id] = true
			if h.unknownPeople[id] {
				return apperr.InvalidField(field, "names someone who is not on record in this school")
			}
			if !h.fullMembers[id] {
				return ruleError(field, rule, what+" must be full party members")
			}
		}
		if len(ids) != want {
			return ruleError(field, rule, fmt.Sprintf("%d %s are required, %d given", want, what, len(ids)))
		}
		strs := make([]string, len(ids))
		for i, id := range ids {
			strs[i] = id.String()
		}
		detail[field] = strs
		return nil
	}
	vote := func() error {
		if in.BranchMeetingOn == nil {
			return ruleError("branchMeetingOn", "branch.vote", "the branch general meeting's date is required")
		}
		if in.VotersEligible <= 0 || in.VotersPresent > in.VotersEligible || in.VotesFor > in.VotersPresent || in.VotesFor < 0 {
			return apperr.InvalidField("votersEligible", "eligible ≥ present ≥ votes for ≥ 0, and eligible > 0")
		}
		if in.VotersPresent*2 <= in.VotersEligible {
			return ruleError("votersPresent", "branch.quorum", "more than half of the members with a vote must be present")
		}
		if in.VotesFor*2 <= in.VotersEligible {
			return ruleError("votesFor", "branch.majority", "more than half of the members with a vote must vote for")
		}
		if in.ApprovedOn == nil {
			return ruleError("approvedOn", "committee.approval", "the higher committee's approval date is required")
		}
		if in.ApprovedOn.Before(*in.BranchMeetingOn) || in.EffectiveOn.Before(*in.BranchMeetingOn) {
			return ruleError("approvedOn", "committee.approval", "approval and effect cannot precede the branch meeting")
		}
		detail["branchMeetingOn"] = in.BranchMeetingOn.Format(time.DateOnly)
		detail["approvedOn"] = in.ApprovedOn.Format(time.DateOnly)
		detail["votersEligible"], detail["votersPresent"], detail["votesFor"] = in.VotersEligible, in.VotersPresent, in.VotesFor
		return nil
	}

	switch {
	case in.To == StageApplicant:
		if in.TalkOn != nil {
			if in.TalkOn.Before(in.EffectiveOn) {
				return "", nil, apperr.InvalidField("talkOn", "the talk follows the application")
			}
			detail["talkOn"] = in.TalkOn.Format(time.DateOnly)
		}
		return "transition", detail, nil
	case in.To == StageActivist:
		return "transition", detail, members("contactIds", "activist.contacts", in.ContactIDs, r.ContactsRequired, "contact persons")
	case in.To == StageCandidate:
		if h.stageSince != nil {
			if d := days(*h.stageSince, in.EffectiveOn); d < r.ActivistTrainingDays {
				return "", nil, ruleError("effectiveOn", "activist.trainingDays", fmt.Sprintf(
					"an activist needs at least %d days of training before becoming a development candidate; %d days since %s",
					r.ActivistTrainingDays, d, h.stageSince.Format(time.DateOnly)))
			}
		}
		if in.PoliticalReviewOn == nil {
			return "", nil, ruleError("politicalReviewOn", "candidate.politicalReview", "the political review's date is required")
		}
		if in.PoliticalReviewOn.After(in.EffectiveOn) {
			return "", nil, ruleError("politicalReviewOn", "candidate.politicalReview", "the political review must be done before the step")
		}
		detail["politicalReviewOn"] = in.PoliticalReviewOn.Format(time.DateOnly)
		return "transition", detail, members("introducerIds", "candidate.introducers", in.IntroducerIDs, r.IntroducersRequired, "introducers")
	case in.To == StageProbationary && cur == StageCandidate:
		return "transition", detail, vote()
	case in.To == StageProbationary && cur == StageProbationary:
		if h.wasExtended {
			return "", nil, ruleError("extendDays", "probation.extendOnce", "a probation may be extended only once")
		}
		if in.ExtendDays < 1 || in.ExtendDays > r.MaxExtensionDays {
			return "", nil, ruleError("extendDays", "probation.maxExtension", fmt.Sprintf("an extension is 1–%d days", r.MaxExtensionDays))
		}
		detail["extendDays"] = in.ExtendDays
		return "extend_probation", detail, nil
	case in.To == StageFull:
		if h.stageSince != nil {
			need := r.ProbationDays + h.extendedDays
			if d := days(*h.stageSince, in.EffectiveOn); d < need {
				return "", nil, ruleError("effectiveOn", "probation.days", fmt.Sprintf(
					"a probationary member converts after %d days of probation; %d days since %s", need, d, h.stageSince.Format(time.DateOnly)))
			}
		}
		return "transition", detail, vote()
	case in.To == StageCancelled:
		if c := utf8.RuneCountInString(strings.TrimSpace(in.Reason)); c < 2 || c > 500 {
			return "", nil, apperr.InvalidField("reason", "give the reason (2–500 characters)")
		}
		detail["reason"] = strings.TrimSpace(in.Reason)
		return "cancel", detail, nil
	}
	return "", nil, ruleError("to", "stage.sequence", "not a step of member development")
}

// CitizenIDWithCheck appends the GB 11643 check character to the first 17
// digits of a citizen ID number (for generating test and demo data).
func CitizenIDWithCheck(first17 string) string {
	sum := 0
	for i := 0; i < 17 && i < len(first17); i++ {
		sum += int(first17[i]-'0') * citizenWeights[i]
	}
	return first17 + string(citizenCheck[sum%11])
}
