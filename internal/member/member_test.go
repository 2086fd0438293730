package member

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestParseCitizenID(t *testing.T) {
	t.Parallel()
	valid := CitizenIDWithCheck("11010519491231002")
	if valid != "11010519491231002X" {
		t.Fatalf("check character: %s", valid)
	}
	id, birth, err := ParseCitizenID(" " + strings.ToLower(valid) + " ")
	if err != nil || id != valid || birth.Format(time.DateOnly) != "1949-12-31" {
		t.Fatalf("%q %v %v", id, birth, err)
	}
	bad := map[string]string{
		"too short":        "1101051949123100",
		"letter inside":    "1101051949A231002X",
		"wrong check":      "110105194912310021",
		"impossible date":  CitizenIDWithCheck("11010519491331002"),
		"future birth":     CitizenIDWithCheck("11010521991231002"),
		"no province code": CitizenIDWithCheck("00010519491231002"),
	}
	for name, s := range bad {
		if _, _, err := ParseCitizenID(s); err == nil {
			t.Errorf("%s: %s accepted", name, s)
		}
	}
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

// TestRules is the table of member-development rules.
func TestRules(t *testing.T) {
	t.Parallel()
	full1, full2, notFull, stranger := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	h := func(since string) history {
		return history{stageSince: ptr(date(since)),
			fullMembers:   map[uuid.UUID]bool{full1: true, full2: true, notFull: false},
			unknownPeople: map[uuid.UUID]bool{stranger: true}}
	}
	vote := func(in TransitionInput) TransitionInput {
		in.BranchMeetingOn, in.ApprovedOn = ptr(date("2026-06-01")), ptr(date("2026-06-10"))
		in.VotersEligible, in.VotersPresent, in.VotesFor = 20, 15, 14
		return in
	}
	r := DefaultRules
	cases := []struct {
		name string
		cur  Stage
		in   TransitionInput
		h    history
		rule string // "" means allowed; otherwise a field or rule name the error must mention
	}{
		{"apply", StageNone, TransitionInput{To: StageApplicant, EffectiveOn: date("2026-01-01")}, history{}, ""},
		{"applicant straight to full", StageApplicant, TransitionInput{To: StageFull, EffectiveOn: date("2026-06-01")}, h("2020-01-01"), "stage.sequence"},
		{"none to activist", StageNone, TransitionInput{To: StageActivist, EffectiveOn: date("2026-06-01")}, h("2020-01-01"), "stage.sequence"},
		{"full is final", StageFull, TransitionInput{To: StageProbationary, EffectiveOn: date("2026-06-01")}, h("2020-01-01"), "stage.sequence"},
		{"activist with two contacts", StageApplicant, TransitionInput{To: StageActivist, EffectiveOn: date("2026-06-01"), ContactIDs: []uuid.UUID{full1, full2}}, h("2026-01-01"), ""},
		{"activist with one contact", StageApplicant, TransitionInput{To: StageActivist, EffectiveOn: date("2026-06-01"), ContactIDs: []uuid.UUID{full1}}, h("2026-01-01"), "activist.contacts"},
		{"contact not a full member", StageApplicant, TransitionInput{To: StageActivist, EffectiveOn: date("2026-06-01"), ContactIDs: []uuid.UUID{full1, notFull}}, h("2026-01-01"), "activist.contacts"},
		{"same contact twice", StageApplicant, TransitionInput{To: StageActivist, EffectiveOn: date("2026-06-01"), ContactIDs: []uuid.UUID{full1, full1}}, h("2026-01-01"), "activist.contacts"},
		{"contact unknown", StageApplicant, TransitionInput{To: StageActivist, EffectiveOn: date("2026-06-01"), ContactIDs: []uuid.UUID{full1, stranger}}, h("2026-01-01"), "contactIds"},
		{"step before current stage", StageApplicant, TransitionInput{To: StageActivist, EffectiveOn: date("2025-06-01"), ContactIDs: []uuid.UUID{full1, full2}}, h("2026-01-01"), "stage.order"},
		{"candidate after a year", StageActivist, TransitionInput{To: StageCandidate, EffectiveOn: date("2026-06-01"), IntroducerIDs: []uuid.UUID{full1, full2}, PoliticalReviewOn: ptr(date("2026-05-20"))}, h("2025-05-31"), ""},
		{"candidate too early", StageActivist, TransitionInput{To: StageCandidate, EffectiveOn: date("2026-06-01"), IntroducerIDs: []uuid.UUID{full1, full2}, PoliticalReviewOn: ptr(date("2026-05-20"))}, h("2025-12-01"), "activist.trainingDays"},
		{"candidate without review", StageActivist, TransitionInput{To: StageCandidate, EffectiveOn: date("2026-06-01"), IntroducerIDs: []uuid.UUID{full1, full2}}, h("2025-01-01"), "candidate.politicalReview"},
		{"candidate with one introducer", StageActivist, TransitionInput{To: StageCandidate, EffectiveOn: date("2026-06-01"), IntroducerIDs: []uuid.UUID{full1}, PoliticalReviewOn: ptr(date("2026-05-20"))}, h("2025-01-01"), "candidate.introducers"},
		{"admission with a vote", StageCandidate, vote(TransitionInput{To: StageProbationary, EffectiveOn: date("2026-06-10")}), h("2026-01-01"), ""},
		{"admission without quorum", StageCandidate, func() TransitionInput {
			in := vote(TransitionInput{To: StageProbationary, EffectiveOn: date("2026-06-10")})
			in.VotersPresent, in.VotesFor = 10, 10
			return in
		}(), h("2026-01-01"), "branch.quorum"},
		{"admission without majority", StageCandidate, func() TransitionInput {
			in := vote(TransitionInput{To: StageProbationary, EffectiveOn: date("2026-06-10")})
			in.VotesFor = 10
			return in
		}(), h("2026-01-01"), "branch.majority"},
		{"admission without approval", StageCandidate, func() TransitionInput {
			in := vote(TransitionInput{To: StageProbationary, EffectiveOn: date("2026-06-10")})
			in.ApprovedOn = nil
			return in
		}(), h("2026-01-01"), "committee.approval"},
		{"conversion after a year", StageProbationary, vote(TransitionInput{To: StageFull, EffectiveOn: date("2026-06-10")}), h("2025-06-01"), ""},
		{"conversion too early", StageProbationary, vote(TransitionInput{To: StageFull, EffectiveOn: date("2026-06-10")}), h("2025-12-01"), "probation.days"},
		{"conversion before an extension ends", StageProbationary, vote(TransitionInput{To: StageFull, EffectiveOn: date("2026-06-10")}), func() history {
			x := h("2025-06-01")
			x.extendedDays, x.wasExtended = 180, true
			return x
		}(), "probation.days"},
		{"extend probation", StageProbationary, TransitionInput{To: StageProbationary, EffectiveOn: date("2026-06-01"), ExtendDays: 180}, h("2025-06-01"), ""},
		{"extend too long", StageProbationary, TransitionInput{To: StageProbationary, EffectiveOn: date("2026-06-01"), ExtendDays: 400}, h("2025-06-01"), "probation.maxExtension"},
		{"extend twice", StageProbationary, TransitionInput{To: StageProbationary, EffectiveOn: date("2026-06-01"), ExtendDays: 30}, func() history {
			x := h("2025-06-01")
			x.wasExtended = true
			return x
		}(), "probation.extendOnce"},
		{"cancel with reason", StageProbationary, TransitionInput{To: StageCancelled, EffectiveOn: date("2026-06-01"), Reason: "不履行党员义务"}, h("2025-06-01"), ""},
		{"cancel without reason", StageProbationary, TransitionInput{To: StageCancelled, EffectiveOn: date("2026-06-01")}, h("2025-06-01"), "reason"},
		{"future step", StageNone, TransitionInput{To: StageApplicant, EffectiveOn: time.Now().AddDate(0, 1, 0)}, history{}, "effectiveOn"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := r.check(tc.cur, tc.in, tc.h)
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.rule) {
				t.Fatalf("got %v, want an error naming %q", err, tc.rule)
			}
		})
	}

	// The rules are tenant configuration: a school with a shorter training period.
	short := RulesFrom([]byte(`{"membership":{"activistTrainingDays":180,"contactsRequired":2,"introducersRequired":2,"probationDays":365,"maxExtensionDays":365}}`))
	in := TransitionInput{To: StageCandidate, EffectiveOn: date("2026-06-01"), IntroducerIDs: []uuid.UUID{full1, full2}, PoliticalReviewOn: ptr(date("2026-05-20"))}
	if _, _, err := short.check(StageActivist, in, h("2025-12-01")); err != nil {
		t.Fatalf("configured training period ignored: %v", err)
	}
	if RulesFrom([]byte(`{"membership":{"probationDays":-1}}`)) != DefaultRules || RulesFrom(nil) != DefaultRules {
		t.Fatal("bad or missing settings must fall back to the defaults")
	}
}
