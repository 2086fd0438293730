package volunteer

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/pii"
	"zhdj/internal/postgres"
	"zhdj/internal/volunteer/volunteerdb"
)

// Area is a place activities happen in (a campus, a district, a community).
type Area struct {
	TenantID uuid.UUID
	ID       uuid.UUID
	ParentID *uuid.UUID
	Code     string
	Name     string
}

// Topic is what activities are about.
type Topic struct {
	TenantID uuid.UUID
	ID       uuid.UUID
	Code     string
	Name     string
}

// CreateArea adds an area (tenant-wide volunteer managers).
func (s *Service) CreateArea(ctx context.Context, code, name string, parent *uuid.UUID) (*Area, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermVolunteer)
	if err != nil {
		return nil, err
	}
	a := &Area{TenantID: p.TenantID, Code: strings.TrimSpace(code), Name: strings.TrimSpace(name), ParentID: parent}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		a.ID, err = volunteerdb.New(tx).InsertArea(ctx, volunteerdb.InsertAreaParams{TenantID: p.TenantID, ParentID: parent, Code: a.Code, Name: a.Name})
		return err
	})
	if err != nil {
		return nil, taxonomyErr(err, "area")
	}
	return a, nil
}

// CreateTopic adds a topic (tenant-wide volunteer managers).
func (s *Service) CreateTopic(ctx context.Context, code, name string) (*Topic, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermVolunteer)
	if err != nil {
		return nil, err
	}
	t := &Topic{TenantID: p.TenantID, Code: strings.TrimSpace(code), Name: strings.TrimSpace(name)}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		t.ID, err = volunteerdb.New(tx).InsertTopic(ctx, volunteerdb.InsertTopicParams{TenantID: p.TenantID, Code: t.Code, Name: t.Name})
		return err
	})
	if err != nil {
		return nil, taxonomyErr(err, "topic")
	}
	return t, nil
}

// taxonomyErr names the field a refused area or topic is refused for.
func taxonomyErr(err error, what string) error {
	switch {
	case postgres.IsUniqueViolation(err, ""):
		return &apperr.Error{Kind: apperr.Conflict, Msg: what + " code already used", Fields: map[string]string{"code": "already used"}, Err: err}
	case apperr.Is(postgres.Err(err, what), apperr.Invalid):
		return &apperr.Error{Kind: apperr.Invalid, Msg: "invalid " + what, Fields: map[string]string{"code": "code: letters, digits, '_' or '-'; name: 1–100 characters; parent must exist"}, Err: err}
	}
	return err
}

// Taxonomy returns the school's areas and topics.
func (s *Service) Taxonomy(ctx context.Context, tenant uuid.UUID) ([]*Area, []*Topic, error) {
	var areas []*Area
	var topics []*Topic
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		q := volunteerdb.New(tx)
		ar, err := q.Areas(ctx, tenant)
		if err != nil {
			return err
		}
		for _, r := range ar {
			areas = append(areas, &Area{TenantID: tenant, ID: r.ID, ParentID: r.ParentID, Code: r.Code, Name: r.Name})
		}
		tr, err := q.Topics(ctx, tenant)
		if err != nil {
			return err
		}
		for _, r := range tr {
			topics = append(topics, &Topic{TenantID: tenant, ID: r.ID, Code: r.Code, Name: r.Name})
		}
		return nil
	})
	return areas, topics, err
}

// Partner is an organisation activities are run with.
type Partner struct {
	TenantID           uuid.UUID
	ID                 uuid.UUID
	Name               string
	Kind               PartnerKind
	ContactName        string
	ContactPhoneMasked string
}

// CreatePartner records a partner organisation; its contact's phone is
// personal data (encrypted, masked).
func (s *Service) CreatePartner(ctx context.Context, name string, kind PartnerKind, contact, phone string) (*Partner, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermVolunteer)
	if err != nil {
		return nil, err
	}
	switch kind {
	case PartnerGovernment, PartnerEnterprise, PartnerCommunity, PartnerVolunteerOrg, PartnerOther:
	default:
		return nil, apperr.InvalidField("kind", "unknown kind")
	}
	out := &Partner{TenantID: p.TenantID, Name: strings.TrimSpace(name), Kind: kind, ContactName: strings.TrimSpace(contact)}
	var enc []byte
	if phone = strings.TrimSpace(phone); phone != "" {
		if enc, err = s.keyring.Encrypt(phone, ctxPartnerPhone); err != nil {
			return nil, err
		}
		out.ContactPhoneMasked = pii.MaskPhone(phone)
	}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		out.ID, err = volunteerdb.New(tx).InsertPartner(ctx, volunteerdb.InsertPartnerParams{TenantID: p.TenantID, Name: out.Name, Kind: string(kind),
			ContactName: out.ContactName, ContactPhoneEnc: enc, ContactPhoneMasked: out.ContactPhoneMasked})
		return err
	})
	if err != nil {
		if e := postgres.Err(err, "partner"); apperr.Is(e, apperr.Invalid) {
			return nil, &apperr.Error{Kind: apperr.Invalid, Msg: "invalid input", Fields: map[string]string{"name": "must be 1–200 characters"}, Err: err}
		}
		return nil, err
	}
	return out, nil
}

// seesContacts reports whether the caller manages volunteer work in
// tenant: only they see a partner's contact person and phone.
func seesContacts(ctx context.Context, tenant uuid.UUID) bool {
	p := auth.FromContext(ctx)
	return p != nil && p.TenantID == tenant && p.Has(auth.PermVolunteer)
}

// withoutContacts clears the contacts of partners.
func withoutContacts(partners map[uuid.UUID]*Partner) {
	for _, pt := range partners {
		pt.ContactName, pt.ContactPhoneMasked = "", ""
	}
}

// Partners lists a school's partner organisations by name (their contacts
// to volunteer managers only).
func (s *Service) Partners(ctx context.Context, tenant uuid.UUID) ([]*Partner, error) {
	var out []*Partner
	contacts := seesContacts(ctx, tenant)
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		rows, err := volunteerdb.New(tx).Partners(ctx, tenant)
		for _, r := range rows {
			pt := &Partner{TenantID: tenant, ID: r.ID, Name: r.Name, Kind: PartnerKind(r.Kind)}
			if contacts {
				pt.ContactName, pt.ContactPhoneMasked = r.ContactName, r.ContactPhoneMasked
			}
			out = append(out, pt)
		}
		return err
	})
	return out, err
}

const ctxPartnerPhone = "partners.contact_phone"

// SealedColumns are the volunteer service's sealed columns (key rotation
// reseals them).
var SealedColumns = []pii.Column{{Table: "partners", Column: "contact_phone_enc", Context: ctxPartnerPhone}}
