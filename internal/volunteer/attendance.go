package volunteer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/checkin"
	"zhdj/internal/learning"
	"zhdj/internal/postgres"
	"zhdj/internal/volunteer/volunteerdb"
)

// CheckInCode returns the current code participants enter (or scan) to
// check in or out; organisers only.
func (s *Service) CheckInCode(ctx context.Context, activityID uuid.UUID, kind string) (*checkin.Code, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if kind != "in" && kind != "out" {
		return nil, apperr.InvalidField("kind", "must be in or out")
	}
	var out checkin.Code
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a, err := s.organised(ctx, tx, p, activityID, false)
		if err != nil {
			return err
		}
		r, err := rules(ctx, tx, p.TenantID)
		if err != nil {
			return err
		}
		out = makeCode(a, kind, s.now(), r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Attend records the caller's check-in or check-out with the code shown by
// the organiser. An expired or forged code is Invalid; check-out before
// check-in is a Conflict.
func (s *Service) Attend(ctx context.Context, activityID uuid.UUID, kind, code string) (*SignUp, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	var out *SignUp
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a, err := loadActivity(ctx, tx, p.TenantID, activityID, false)
		if err != nil {
			return err
		}
		r, err := rules(ctx, tx, p.TenantID)
		if err != nil {
			return err
		}
		now := s.now()
		if !verifyCode(a, kind, code, now, r) {
			return apperr.InvalidField("code", "the code is wrong or has expired; ask the organiser for the current one")
		}
		q := volunteerdb.New(tx)
		id, err := q.ConfirmedSignUpOf(ctx, volunteerdb.ConfirmedSignUpOfParams{TenantID: p.TenantID, ActivityID: a.ID, PersonID: person})
		if err != nil {
			if apperr.Is(postgres.Err(err, "sign-up"), apperr.NotFound) {
				return apperr.Forbiddenf("you do not have a confirmed place at this activity")
			}
			return fmt.Errorf("volunteer: attend: %w", err)
		}
		su, err := loadSignUp(ctx, tx, p.TenantID, id, true)
		if err != nil {
			return err
		}
		switch {
		case kind == "in" && su.CheckedInAt != nil:
			return apperr.Conflictf("you have already checked in")
		case kind == "out" && su.CheckedInAt == nil:
			return apperr.Conflictf("check in before checking out")
		case kind == "out" && su.CheckedOutAt != nil:
			return apperr.Conflictf("you have already checked out")
		}
		if kind == "in" {
			su.CheckedInAt = &now
			err = q.SetCheckedIn(ctx, volunteerdb.SetCheckedInParams{TenantID: p.TenantID, ID: id, At: &now})
		} else {
			su.CheckedOutAt = &now
			h := min(hoursBetween(*su.CheckedInAt, now), a.EndsAt.Sub(a.StartsAt).Hours())
			su.Hours = &h
			err = q.SetCheckedOut(ctx, volunteerdb.SetCheckedOutParams{TenantID: p.TenantID, ID: id, At: &now, Hours: h})
		}
		if err != nil {
			return fmt.Errorf("volunteer: attend: %w", err)
		}
		out = su
		return nil
	})
	return out, err
}

// ConfirmHours confirms a participant's hours (organisers): the hours
// computed from check-in and check-out, or, with a reason, an adjusted
// number no larger than the activity's span. Confirmed hours go on the
// person's record (and to the points ledger).
func (s *Service) ConfirmHours(ctx context.Context, signupID uuid.UUID, hours *float64, reason string) (*SignUp, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var out *SignUp
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		su, err := loadSignUp(ctx, tx, p.TenantID, signupID, true)
		if err != nil {
			return err
		}
		a, err := s.organised(ctx, tx, p, su.ActivityID, false)
		if err != nil {
			return err
		}
		if su.Status != SignUpConfirmed {
			return apperr.Conflictf("only confirmed participants get hours")
		}
		h := 0.0
		switch {
		case hours != nil:
			if reason == "" && (su.Hours == nil || *su.Hours != *hours) {
				return apperr.InvalidField("reason", "say why the hours differ from the attended time")
			}
			h = *hours
		case su.Hours != nil:
			h = *su.Hours
		default:
			return apperr.InvalidField("hours", "the participant has not checked in and out; give the hours and a reason")
		}
		if span := a.EndsAt.Sub(a.StartsAt).Hours(); h < 0 || h > span {
			return apperr.InvalidField("hours", fmt.Sprintf("must be between 0 and the activity's span (%.1f h)", span))
		}
		if err := volunteerdb.New(tx).ConfirmHours(ctx, volunteerdb.ConfirmHoursParams{TenantID: p.TenantID, ID: signupID, Hours: h, Reason: reason, ConfirmedBy: p.Actor()}); err != nil {
			return fmt.Errorf("volunteer: confirm hours: %w", err)
		}
		// The hours confirmed first are the fact (a later correction is the
		// ledger's compensating entry, not a second fact).
		if _, err := learning.RecordFact(ctx, tx, p.TenantID, learning.Fact{PersonID: su.PersonID, Kind: learning.FactVolunteerHours,
			SourceType: "signup", SourceID: su.ID, OccurredAt: s.now(), RecordedBy: p.Actor(),
			Details: map[string]any{"activity": a.ID, "hours": h}}); err != nil {
			return err
		}
		if err := s.points.AwardVolunteerHours(p.TenantID, su.PersonID, a.ID, h); err != nil {
			return err
		}
		su.Hours, su.HoursConfirmed, su.HoursReason, su.ConfirmedBy = &h, true, reason, p.Actor()
		out = su
		return nil
	})
	return out, err
}

// CosignLink returns a signed link token the partner's contact uses to
// confirm the roster without an account (organisers only).
func (s *Service) CosignLink(ctx context.Context, activityID uuid.UUID) (string, time.Time, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	var tok string
	var exp time.Time
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a, err := s.organised(ctx, tx, p, activityID, false)
		if err != nil {
			return err
		}
		if len(a.PartnerIDs) == 0 {
			return apperr.Conflictf("the activity has no partner organisation to co-sign")
		}
		r, err := rules(ctx, tx, p.TenantID)
		if err != nil {
			return err
		}
		exp = s.now().Add(time.Duration(r.CosignDays) * 24 * time.Hour).Truncate(time.Second)
		tok = cosignToken(a, exp)
		return nil
	})
	return tok, exp, err
}

// Cosign records that the partner's contact (name) confirmed the roster,
// through a link token; a forged or expired token is Unauthenticated.
func (s *Service) Cosign(ctx context.Context, token, name string) (*Activity, error) {
	tenant, activity, exp, mac, payload, ok := parseCosignToken(strings.TrimSpace(token))
	if !ok {
		return nil, apperr.Unauthenticatedf("this co-sign link is not valid")
	}
	name = strings.TrimSpace(name)
	if n := len([]rune(name)); n < 1 || n > 50 {
		return nil, apperr.InvalidField("name", "give your name (1–50 characters)")
	}
	var out *Activity
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		a, err := loadActivity(ctx, tx, tenant, activity, true)
		if apperr.Is(err, apperr.NotFound) || (err == nil && !verifyCosign(a, payload, mac)) {
			return apperr.Unauthenticatedf("this co-sign link is not valid")
		}
		if err != nil {
			return err
		}
		if s.now().After(exp) {
			return apperr.Unauthenticatedf("this co-sign link has expired; ask the organiser for a new one")
		}
		if err := volunteerdb.New(tx).SetCosigned(ctx, volunteerdb.SetCosignedParams{TenantID: tenant, ID: activity, CosignedBy: name}); err != nil {
			return fmt.Errorf("volunteer: co-sign: %w", err)
		}
		if err := audit.Record(ctx, tx, tenant, audit.Event{Action: "roster_cosign", Subject: name, TargetType: "activity", TargetID: activity.String()}); err != nil {
			return err
		}
		out, err = loadActivity(ctx, tx, tenant, activity, false)
		return err
	})
	return out, err
}

// Roster lists an activity's sign-ups in sign-up order (organisers).
func (s *Service) Roster(ctx context.Context, activityID uuid.UUID) ([]*SignUp, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out []*SignUp
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a, err := s.organised(ctx, tx, p, activityID, false)
		if err != nil {
			return err
		}
		rows, err := volunteerdb.New(tx).Roster(ctx, volunteerdb.RosterParams{TenantID: p.TenantID, ActivityID: activityID})
		if err != nil {
			return fmt.Errorf("volunteer: roster: %w", err)
		}
		for _, r := range rows {
			su := signUpFrom(r)
			su.Activity = a
			out = append(out, su)
		}
		return nil
	})
	return out, err
}
