package volunteer

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/member"
	"zhdj/internal/postgres"
	"zhdj/internal/volunteer/volunteerdb"
)

// Record is a person's volunteer record (志愿服务记录): confirmed
// service, total hours, and training, commendations and evaluations.
type Record struct {
	PersonID uuid.UUID
	// The person's details as the record rules ask (identifiers masked).
	Name            string
	Gender          member.Gender
	Category        member.Category
	Department      string
	PhoneMasked     string
	CitizenIDMasked string
	// From and Until bound the service period the hours cover (by activity
	// start; nil: unbounded).
	From, Until *time.Time
	TotalHours  float64
	Service     []*SignUp // each with its Activity
	Entries     []*RecordEntry
}

// RecordEntry is a training, commendation or evaluation on a record.
type RecordEntry struct {
	TenantID uuid.UUID
	ID       uuid.UUID
	Kind     string
	Title    string
	Detail   string
	OnDate   time.Time
}

// RecordOf returns a person's volunteer record (the caller's own when
// person is nil): to the person themself, or a volunteer manager over the
// person's branch. from and until (either may be nil) limit the service
// and total hours to activities starting in [from, until).
func (s *Service) RecordOf(ctx context.Context, person *uuid.UUID, from, until *time.Time) (*Record, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if person == nil && p.PersonID == nil {
		return nil, auth.ErrNoPerson
	}
	personID := *cmp.Or(person, p.PersonID)
	if from != nil && until != nil && !until.After(*from) {
		return nil, apperr.InvalidField("to", "must not be before from")
	}
	rec := &Record{PersonID: personID, From: from, Until: until}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		person, err := s.mayReadPerson(ctx, tx, p, personID)
		if err != nil {
			return err
		}
		rec.Name, rec.Gender, rec.Category = person.Name, member.Gender(person.Gender), member.Category(person.Category)
		rec.Department, rec.PhoneMasked, rec.CitizenIDMasked = person.Department, person.PhoneMasked, person.CitizenIDMasked
		q := volunteerdb.New(tx)
		service, err := q.ConfirmedService(ctx, volunteerdb.ConfirmedServiceParams{TenantID: p.TenantID, PersonID: personID, StartsFrom: from, StartsUntil: until})
		if err != nil {
			return fmt.Errorf("volunteer: record service: %w", err)
		}
		var ids []uuid.UUID
		for _, r := range service {
			su := signUpFrom(r.SignupDetail)
			rec.Service = append(rec.Service, su)
			ids = append(ids, su.ActivityID)
			if su.Hours != nil {
				rec.TotalHours += *su.Hours
			}
		}
		if len(ids) > 0 {
			acts, err := q.ActivitiesByIDs(ctx, volunteerdb.ActivitiesByIDsParams{TenantID: p.TenantID, Ids: ids})
			if err != nil {
				return fmt.Errorf("volunteer: record activities: %w", err)
			}
			byID := make(map[uuid.UUID]*Activity, len(acts))
			for _, r := range acts {
				byID[r.ID] = activityFrom(r)
			}
			for _, h := range rec.Service {
				h.Activity = byID[h.ActivityID]
			}
		}
		entries, err := q.RecordEntries(ctx, volunteerdb.RecordEntriesParams{TenantID: p.TenantID, PersonID: personID})
		if err != nil {
			return fmt.Errorf("volunteer: record entries: %w", err)
		}
		for _, r := range entries {
			rec.Entries = append(rec.Entries, &RecordEntry{TenantID: p.TenantID, ID: r.ID, Kind: r.Kind, Title: r.Title, Detail: r.Detail, OnDate: r.OnDate})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rec.TotalHours = roundTenth(rec.TotalHours)
	return rec, nil
}

func roundTenth(h float64) float64 { return float64(int64(h*10+0.5)) / 10 }

// mayReadPerson returns the person of a record for the person themself or
// a volunteer manager over the person's branch; others get NotFound
// (records are private).
func (s *Service) mayReadPerson(ctx context.Context, tx pgx.Tx, p *auth.Principal, personID uuid.UUID) (volunteerdb.PersonOfRecordRow, error) {
	person, err := volunteerdb.New(tx).PersonOfRecord(ctx, volunteerdb.PersonOfRecordParams{TenantID: p.TenantID, ID: personID})
	notFound := apperr.NotFoundf("person not found")
	switch {
	case apperr.Is(postgres.Err(err, "person"), apperr.NotFound):
		return person, notFound
	case err != nil:
		return person, fmt.Errorf("volunteer: record person: %w", err)
	case p.PersonID != nil && *p.PersonID == personID:
		return person, nil
	case !p.Can(auth.PermVolunteer, auth.Scope{TenantID: p.TenantID, OrgPath: person.OrgPath}):
		return person, notFound
	}
	return person, nil
}

// AddRecordEntry adds a training, commendation or evaluation to a person's
// record (volunteer managers over the person's branch).
func (s *Service) AddRecordEntry(ctx context.Context, personID uuid.UUID, kind, title, detail string, on time.Time) (*RecordEntry, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Validation
	switch kind {
	case "training", "commendation", "evaluation":
	default:
		v.Add("kind", "must be training, commendation or evaluation")
	}
	title = strings.TrimSpace(title)
	if n := len([]rune(title)); n < 1 || n > 200 {
		v.Add("title", "must be 1–200 characters")
	}
	if len([]rune(detail)) > 5000 {
		v.Add("detail", "at most 5000 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	e := &RecordEntry{TenantID: p.TenantID, Kind: kind, Title: title, Detail: detail, OnDate: on}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		if _, err := s.mayReadPerson(ctx, tx, p, personID); err != nil {
			return err
		}
		if p.PersonID != nil && *p.PersonID == personID {
			return apperr.Forbiddenf("you cannot add entries to your own record")
		}
		e.ID, err = volunteerdb.New(tx).InsertRecordEntry(ctx, volunteerdb.InsertRecordEntryParams{TenantID: p.TenantID, PersonID: personID,
			Kind: kind, Title: title, Detail: detail, OnDate: on, RecordedBy: p.Actor()})
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}
