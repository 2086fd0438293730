package volunteer

import (
	"context"
	"fmt"
	"zhdj/internal/checkin"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/media"
	"zhdj/internal/postgres"
	"zhdj/internal/volunteer/volunteerdb"
)

// CreateActivity adds a draft activity organised by a unit (volunteer.manage there).
func (s *Service) CreateActivity(ctx context.Context, in ActivityInput) (*Activity, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	secret, err := checkin.NewSecret()
	if err != nil {
		return nil, err
	}
	var out *Activity
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := volunteerdb.New(tx)
		unit := uuid.Nil
		if in.OrgUnitID != nil {
			unit = *in.OrgUnitID
		} else {
			for _, b := range p.Bindings {
				if b.Role.Permits(auth.PermVolunteer) {
					unit = b.OrgUnitID
					break
				}
			}
		}
		path, err := q.UnitPath(ctx, volunteerdb.UnitPathParams{TenantID: p.TenantID, ID: unit})
		if err != nil {
			if apperr.Is(postgres.Err(err, "org unit"), apperr.NotFound) {
				return apperr.InvalidField("orgUnit", "no such org unit")
			}
			return fmt.Errorf("volunteer: org unit: %w", err)
		}
		if !p.Can(auth.PermVolunteer, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
			return apperr.Forbiddenf("you may not organise activities for this org unit")
		}
		if err := checkRefs(ctx, tx, p.TenantID, in); err != nil {
			return err
		}
		id, err := q.InsertActivity(ctx, volunteerdb.InsertActivityParams{
			TenantID: p.TenantID, Title: in.Title, Description: in.Description, CoverID: in.CoverID, AreaID: in.AreaID,
			TopicIds: distinct(in.TopicIDs), PartnerIds: distinct(in.PartnerIDs), OrgUnitID: unit, Address: in.Address,
			Latitude: in.Latitude, Longitude: in.Longitude, StartsAt: in.StartsAt, EndsAt: in.EndsAt, SignupOpensAt: in.SignupOpensAt,
			SignupClosesAt: in.SignupClosesAt, Capacity: int32(in.Capacity), Audience: string(in.Audience), Hours: in.Hours,
			CodeSecret: secret, CreatedBy: p.Actor(),
		})
		if err != nil {
			return fmt.Errorf("volunteer: insert activity: %w", err)
		}
		out, err = loadActivity(ctx, tx, p.TenantID, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkRefs checks that the cover, area, topics and partners exist in the
// school (the cover uploaded as one).
func checkRefs(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, in ActivityInput) error {
	var v apperr.Validation
	if in.CoverID != nil {
		refs, err := media.Refs(ctx, tx, tenant, []uuid.UUID{*in.CoverID})
		if err != nil {
			return err
		}
		ref, ok := refs[*in.CoverID]
		if !ok || ref.Purpose != media.PurposeCover || (ref.Status != media.StatusProcessing && ref.Status != media.StatusReady) {
			v.Add("cover", "no such cover image (upload one with purpose COVER)")
		}
	}
	var areas []uuid.UUID
	if in.AreaID != nil {
		areas = []uuid.UUID{*in.AreaID}
	}
	topics, partners := distinct(in.TopicIDs), distinct(in.PartnerIDs)
	if len(areas)+len(topics)+len(partners) > 0 {
		found, err := volunteerdb.New(tx).CountRefs(ctx, volunteerdb.CountRefsParams{TenantID: tenant, AreaIds: areas, TopicIds: topics, PartnerIds: partners})
		if err != nil {
			return fmt.Errorf("volunteer: check references: %w", err)
		}
		if int(found.AreasFound) != len(areas) {
			v.Add("area", "no such area")
		}
		if int(found.TopicsFound) != len(topics) {
			v.Add("topics", "names a topic that does not exist")
		}
		if int(found.PartnersFound) != len(partners) {
			v.Add("partners", "names a partner that does not exist")
		}
	}
	return v.Err()
}

func distinct(ids []uuid.UUID) []uuid.UUID {
	seen := make(map[uuid.UUID]bool, len(ids))
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// UpdateActivity changes an activity (its organisers). Capacity cannot go
// below the places already confirmed (Conflict).
func (s *Service) UpdateActivity(ctx context.Context, id uuid.UUID, in ActivityInput) (*Activity, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out *Activity
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a, err := s.organised(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		if in.Capacity < a.ConfirmedCount {
			return &apperr.Error{Kind: apperr.Conflict, Msg: fmt.Sprintf("%d places are already confirmed; capacity cannot go below that", a.ConfirmedCount),
				Fields: map[string]string{"capacity": "below the confirmed places"}}
		}
		if err := checkRefs(ctx, tx, p.TenantID, in); err != nil {
			return err
		}
		err = volunteerdb.New(tx).UpdateActivity(ctx, volunteerdb.UpdateActivityParams{
			TenantID: p.TenantID, ID: id, Title: in.Title, Description: in.Description, CoverID: in.CoverID, AreaID: in.AreaID,
			TopicIds: distinct(in.TopicIDs), PartnerIds: distinct(in.PartnerIDs), Address: in.Address, Latitude: in.Latitude,
			Longitude: in.Longitude, StartsAt: in.StartsAt, EndsAt: in.EndsAt, SignupOpensAt: in.SignupOpensAt,
			SignupClosesAt: in.SignupClosesAt, Capacity: int32(in.Capacity), Audience: string(in.Audience), Hours: in.Hours,
		})
		if err != nil {
			return fmt.Errorf("volunteer: update: %w", err)
		}
		// A larger capacity admits waitlisted people in order.
		if err := promote(ctx, tx, p.TenantID, id, in.Capacity-a.ConfirmedCount); err != nil {
			return err
		}
		out, err = loadActivity(ctx, tx, p.TenantID, id, false)
		return err
	})
	return out, err
}

// statusChanges are the changes of status an activity may go through.
var statusChanges = map[Status][]Status{
	StatusDraft: {StatusOpen, StatusCancelled}, StatusOpen: {StatusClosed, StatusCancelled},
	StatusClosed: {StatusOpen, StatusFinished, StatusCancelled},
}

// SetStatus opens, closes, finishes or cancels an activity (its organisers).
func (s *Service) SetStatus(ctx context.Context, id uuid.UUID, to Status) (*Activity, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out *Activity
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a, err := s.organised(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		ok := false
		for _, st := range statusChanges[a.Status] {
			ok = ok || st == to
		}
		if !ok {
			return apperr.Conflictf("an activity that is %s cannot become %s", a.Status, to)
		}
		if err := volunteerdb.New(tx).SetActivityStatus(ctx, volunteerdb.SetActivityStatusParams{TenantID: p.TenantID, ID: id, Status: string(to)}); err != nil {
			return fmt.Errorf("volunteer: set status: %w", err)
		}
		out, err = loadActivity(ctx, tx, p.TenantID, id, false)
		return err
	})
	return out, err
}
