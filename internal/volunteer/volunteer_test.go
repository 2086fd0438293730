package volunteer

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
)

func TestRulesFrom(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings string
		want     Rules
	}{
		{"none", `{}`, DefaultRules},
		{"garbage", `not json`, DefaultRules},
		{"override", `{"volunteer": {"maxOverlapping": 2, "codeWindowSeconds": 60, "cosignDays": 7}}`, Rules{MaxOverlapping: 2, CodeWindowSeconds: 60, CosignDays: 7}},
		{"nonsense kept at defaults", `{"volunteer": {"maxOverlapping": -1, "codeWindowSeconds": 5, "cosignDays": 0}}`, DefaultRules},
	} {
		if got := RulesFrom([]byte(tc.settings)); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestCheckSignUp(t *testing.T) {
	const allowed = apperr.Kind(255)
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	open := func(aud Audience) *Activity {
		return &Activity{Status: StatusOpen, Audience: aud, SignupOpensAt: now.Add(-time.Hour), SignupClosesAt: now.Add(time.Hour), Capacity: 10}
	}
	member := Candidate{Stage: "full", Category: "student", Active: true}
	activist := Candidate{Stage: "activist", Category: "student", Active: true}
	student := Candidate{Stage: "none", Category: "student", Active: true}
	staff := Candidate{Stage: "none", Category: "staff", Active: true}
	for _, tc := range []struct {
		name        string
		a           *Activity
		c           Candidate
		at          time.Time
		overlapping int
		want        apperr.Kind
	}{
		{"member to members", open(AudienceMembers), member, now, 0, allowed},
		{"probationary to members", open(AudienceMembers), Candidate{Stage: "probationary", Active: true}, now, 0, allowed},
		{"activist to members", open(AudienceMembers), activist, now, 0, apperr.Forbidden},
		{"activist to members and activists", open(AudienceMembersAndActivists), activist, now, 0, allowed},
		{"candidate to members and activists", open(AudienceMembersAndActivists), Candidate{Stage: "candidate", Active: true}, now, 0, allowed},
		{"student to members and activists", open(AudienceMembersAndActivists), student, now, 0, apperr.Forbidden},
		{"student to all students", open(AudienceAllStudents), student, now, 0, allowed},
		{"staff to all students", open(AudienceAllStudents), staff, now, 0, apperr.Forbidden},
		{"staff member to all students", open(AudienceAllStudents), Candidate{Stage: "full", Category: "staff", Active: true}, now, 0, allowed},
		{"transferred out", open(AudienceAllStudents), Candidate{Stage: "full", Category: "student"}, now, 0, apperr.Forbidden},
		{"before the window", open(AudienceAllStudents), student, now.Add(-2 * time.Hour), 0, apperr.Invalid},
		{"at the close", open(AudienceAllStudents), student, now.Add(time.Hour), 0, apperr.Invalid},
		{"draft", &Activity{Status: StatusDraft, Audience: AudienceAllStudents, SignupOpensAt: now.Add(-time.Hour), SignupClosesAt: now.Add(time.Hour)}, student, now, 0, apperr.Invalid},
		{"overlapping", open(AudienceAllStudents), student, now, 1, apperr.Conflict},
	} {
		err := checkSignUp(tc.a, tc.c, tc.at, tc.overlapping, DefaultRules)
		switch {
		case tc.want == allowed && err != nil:
			t.Errorf("%s: unexpected %v", tc.name, err)
		case tc.want != allowed && !apperr.Is(err, tc.want):
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.want)
		}
	}
	if err := checkSignUp(open(AudienceAllStudents), student, now, 1, Rules{MaxOverlapping: 2}); err != nil {
		t.Errorf("a school allowing two overlapping activities: %v", err)
	}
}

func TestCheckInCodes(t *testing.T) {
	a := &Activity{ID: uuid.New(), secret: []byte("0123456789abcdef0123456789abcdef")}
	other := &Activity{ID: uuid.New(), secret: []byte("another secret of thirty-two b..")}
	r := DefaultRules
	now := time.Date(2026, 11, 26, 8, 0, 10, 0, time.UTC)
	c := makeCode(a, "in", now, r)
	if len(c.Code) != 6 || strings.Trim(c.Code, "0123456789") != "" || !c.ExpiresAt.After(now) {
		t.Fatalf("code: %+v", c)
	}
	win := time.Duration(r.CodeWindowSeconds) * time.Second
	for _, tc := range []struct {
		name  string
		a     *Activity
		kind  string
		given string
		at    time.Time
		want  bool
	}{
		{"same window", a, "in", c.Code, now, true},
		{"QR payload", a, "in", c.QR, now, true},
		{"previous window", a, "in", c.Code, now.Add(win), true},
		{"two windows later", a, "in", c.Code, now.Add(2 * win), false},
		{"check-out with the check-in code", a, "out", c.Code, now, false},
		{"another activity", other, "in", c.Code, now, false},
		{"another activity's QR", other, "in", c.QR, now, false},
		{"forged", a, "in", "000000x", now, false},
		{"empty", a, "in", "", now, false},
	} {
		if got := verifyCode(tc.a, tc.kind, tc.given, tc.at, r); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCosignToken(t *testing.T) {
	a := &Activity{TenantID: uuid.New(), ID: uuid.New(), secret: []byte("0123456789abcdef0123456789abcdef")}
	exp := time.Unix(1_800_000_000, 0)
	tok := cosignToken(a, exp)
	tenant, id, gotExp, mac, payload, ok := parseCosignToken(tok)
	if !ok || tenant != a.TenantID || id != a.ID || !gotExp.Equal(exp) || !verifyCosign(a, payload, mac) {
		t.Fatalf("round trip failed")
	}
	// A token whose expiry was pushed out no longer verifies.
	longer := cosignToken(&Activity{TenantID: a.TenantID, ID: a.ID, secret: []byte("attacker's own secret...........")}, exp.Add(365*24*time.Hour))
	_, _, _, mac2, payload2, ok := parseCosignToken(longer)
	if !ok || verifyCosign(a, payload2, mac2) {
		t.Fatal("a token signed with another key verified")
	}
	for _, bad := range []string{"", "x", "a.b", tok + "x.y"} {
		if _, _, _, mac, payload, ok := parseCosignToken(bad); ok && verifyCosign(a, payload, mac) {
			t.Errorf("%q verified", bad)
		}
	}
}

func TestActivityInputValidate(t *testing.T) {
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	good := func() ActivityInput {
		return ActivityInput{Title: "社区清洁", StartsAt: start, EndsAt: start.Add(3 * time.Hour), SignupOpensAt: start.Add(-72 * time.Hour),
			SignupClosesAt: start.Add(-time.Hour), Capacity: 20, Audience: AudienceAllStudents, Hours: 3}
	}
	lat := 30.0
	for _, tc := range []struct {
		name  string
		edit  func(*ActivityInput)
		field string // "" for valid
	}{
		{"valid", func(*ActivityInput) {}, ""},
		{"blank title", func(in *ActivityInput) { in.Title = "  " }, "title"},
		{"ends before it starts", func(in *ActivityInput) { in.EndsAt = in.StartsAt }, "endsAt"},
		{"sign-up closes after the end", func(in *ActivityInput) { in.SignupClosesAt = in.EndsAt.Add(time.Minute) }, "signupClosesAt"},
		{"no places", func(in *ActivityInput) { in.Capacity = 0 }, "capacity"},
		{"unknown audience", func(in *ActivityInput) { in.Audience = "everyone" }, "audience"},
		{"more hours than the span", func(in *ActivityInput) { in.Hours = 3.5 }, "hours"},
		{"latitude without longitude", func(in *ActivityInput) { in.Latitude = &lat }, "latitude"},
	} {
		in := good()
		tc.edit(&in)
		err := in.validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.Invalid || ae.Fields[tc.field] == "" {
			t.Errorf("%s: want %s named, got %v", tc.name, tc.field, err)
		}
	}
}

func TestHoursBetween(t *testing.T) {
	in := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d    time.Duration
		want float64
	}{{0, 0}, {5 * time.Minute, 0}, {6 * time.Minute, 0.1}, {2*time.Hour + 59*time.Minute, 2.9}, {3 * time.Hour, 3}} {
		if got := hoursBetween(in, in.Add(tc.d)); got != tc.want {
			t.Errorf("%v: got %v, want %v", tc.d, got, tc.want)
		}
	}
}

func TestRosterRowDefusesFormulas(t *testing.T) {
	h := 2.5
	su := &SignUp{PersonName: "=HYPERLINK(\"http://x\",\"点我\")", Status: SignUpConfirmed, Hours: &h, HoursConfirmed: true,
		HoursReason: "+1+1", CreatedAt: time.Date(2026, 11, 26, 0, 30, 0, 0, time.UTC)}
	row := rosterRow(su)
	if len(row) != len(RosterHeaders) {
		t.Fatalf("%d cells for %d headers", len(row), len(RosterHeaders))
	}
	if row[0] != "'"+su.PersonName || row[7] != "'+1+1" {
		t.Fatalf("formula-looking cells not defused: %q", row)
	}
	if row[1] != "已确认" || row[5] != "2.5" || row[6] != "是" || row[8] != "2026-11-26 08:30" {
		t.Fatalf("row: %q", row)
	}
}
