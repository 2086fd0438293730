package member

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"zhdj/internal/jobs"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/member/memberdb"
	"zhdj/internal/pii"
	"zhdj/internal/postgres"
)

// Service is the member-record use cases.
type Service struct {
	pool    *pgxpool.Pool
	keyring *pii.Keyring
	jobs    jobs.Inserter
}

// NewService returns a Service; imports are queued through inserter.
func NewService(pool *pgxpool.Pool, keyring *pii.Keyring, inserter jobs.Inserter) *Service {
	return &Service{pool: pool, keyring: keyring, jobs: inserter}
}

const (
	ctxPhone   = "people.phone"
	ctxCitizen = "people.citizen_id"
)

// SealedColumns are the member records' sealed columns (key rotation
// reseals them).
var SealedColumns = []pii.Column{
	{Table: "people", Column: "phone_enc", Context: ctxPhone},
	{Table: "people", Column: "citizen_id_enc", Context: ctxCitizen},
	{Table: "member_imports", Column: "file_sealed", Context: ctxImportFile},
}

// errNotFound hides whether a record exists from those who may not see it.
var errNotFound = apperr.NotFoundf("member not found")

func (s *Service) scope(p *auth.Principal, path string) auth.Scope {
	return auth.Scope{TenantID: p.TenantID, OrgPath: path}
}

// canRead reports whether p may read the record of a person in path:
// member.read over the unit, or the person themself.
func canRead(p *auth.Principal, id uuid.UUID, path string) bool {
	return p.Can(auth.PermMemberRead, auth.Scope{TenantID: p.TenantID, OrgPath: path}) || (p.PersonID != nil && *p.PersonID == id)
}

// CreateInput describes a new member record.
type CreateInput struct {
	Fields
	OrgUnitID  uuid.UUID
	Stage      Stage      // the stage the person is at when recorded
	StageSince *time.Time // when they reached it
	// TransferredFrom, when set, records that the person's relationship was
	// transferred in from an organisation outside the school.
	TransferredFrom *TransferIn
}

// TransferIn describes a transfer into the school.
type TransferIn struct {
	ExternalOrg string
	LetterNo    string
	EffectiveOn time.Time
}

// Create adds a member record to a unit of the caller's school. The caller
// needs member.write at the unit. A citizen ID already on record is a
// Conflict; every other problem is reported at once as Invalid.
func (s *Service) Create(ctx context.Context, in CreateInput) (*Person, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	n, verr := in.Fields.validate()
	var v apperr.Validation
	v.Merge("", verr)
	if !in.Stage.Valid() {
		v.Add("stage", "unknown stage")
	}
	if in.Stage != StageNone && in.StageSince == nil {
		v.Add("stageSince", "is required for a stage other than none")
	}
	if in.TransferredFrom != nil && strings.TrimSpace(in.TransferredFrom.ExternalOrg) == "" {
		v.Add("transferredFrom.externalOrg", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Person
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := memberdb.New(tx)
		path, err := s.writableUnit(ctx, q, p, in.OrgUnitID, "orgUnitId")
		if err != nil {
			return err
		}
		enc, err := s.seal(n)
		if err != nil {
			return err
		}
		row, err := q.InsertPerson(ctx, memberdb.InsertPersonParams{
			TenantID: p.TenantID, Name: n.Name, Gender: string(n.Gender), BirthDate: n.BirthDate,
			Ethnicity: n.Ethnicity, NativePlace: n.NativePlace,
			PhoneEnc: enc.phoneEnc, PhoneMasked: enc.phoneMasked, PhoneHmac: enc.phoneIdx,
			CitizenIDEnc: enc.citizenEnc, CitizenIDMasked: enc.citizenMasked, CitizenIDHmac: enc.citizenIdx,
			Education: n.Education, Category: string(n.Category), Department: n.Department, Major: n.Major,
			ClassName: n.ClassName, OrgUnitID: in.OrgUnitID, Stage: string(in.Stage), StageSince: in.StageSince,
			PartyPosts: n.PartyPosts,
		})
		if postgres.IsUniqueViolation(err, "people_tenant_id_citizen_id_hmac_key") {
			return &apperr.Error{Kind: apperr.Conflict, Msg: "a person with this citizen ID is already on record", Fields: map[string]string{"citizenId": "already on record"}, Err: err}
		}
		if err != nil {
			return postgres.Err(err, "member")
		}
		if in.TransferredFrom != nil {
			t := in.TransferredFrom
			if err := q.InsertTransfer(ctx, memberdb.InsertTransferParams{
				TenantID: p.TenantID, PersonID: row.ID, Direction: "in", ToUnitID: &in.OrgUnitID,
				ExternalOrg: strings.TrimSpace(t.ExternalOrg), LetterNo: strings.TrimSpace(t.LetterNo),
				EffectiveOn: t.EffectiveOn, ActorID: p.Actor(),
			}); err != nil {
				return fmt.Errorf("member: record transfer in: %w", err)
			}
		}
		out = fromRow(memberdb.GetPersonRow{
			TenantID: row.TenantID, ID: row.ID, Name: row.Name, Gender: row.Gender, BirthDate: row.BirthDate,
			Ethnicity: row.Ethnicity, NativePlace: row.NativePlace, PhoneEnc: row.PhoneEnc, PhoneMasked: row.PhoneMasked,
			CitizenIDEnc: row.CitizenIDEnc, CitizenIDMasked: row.CitizenIDMasked, Education: row.Education,
			Category: row.Category, Department: row.Department, Major: row.Major, ClassName: row.ClassName,
			PhotoMediaID: row.PhotoMediaID, OrgUnitID: row.OrgUnitID, Stage: row.Stage, StageSince: row.StageSince,
			PartyPosts: row.PartyPosts, Status: row.Status, Version: row.Version, CreatedAt: row.CreatedAt,
			UpdatedAt: row.UpdatedAt, OrgPath: path,
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// writable locks a record for change by someone with member.write over its
// unit; those who may read it get Forbidden, anyone else NotFound.
func (s *Service) writable(ctx context.Context, q *memberdb.Queries, p *auth.Principal, id uuid.UUID) (memberdb.GetPersonForUpdateRow, error) {
	cur, err := q.GetPersonForUpdate(ctx, memberdb.GetPersonForUpdateParams{TenantID: p.TenantID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return cur, errNotFound
	}
	if err != nil {
		return cur, fmt.Errorf("member: load: %w", err)
	}
	if !p.Can(auth.PermMemberWrite, s.scope(p, cur.OrgPath)) {
		if canRead(p, id, cur.OrgPath) {
			return cur, apperr.Forbiddenf("you may not change this member record")
		}
		return cur, errNotFound
	}
	return cur, nil
}

// writableUnit returns the path of unit after checking the caller may
// write member records there; an unknown unit is Invalid (naming field).
func (s *Service) writableUnit(ctx context.Context, q *memberdb.Queries, p *auth.Principal, unit uuid.UUID, field string) (string, error) {
	u, err := q.UnitPathKind(ctx, memberdb.UnitPathKindParams{TenantID: p.TenantID, ID: unit})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", apperr.InvalidField(field, "no such org unit")
	}
	if err != nil {
		return "", fmt.Errorf("member: unit: %w", err)
	}
	if !p.Can(auth.PermMemberWrite, s.scope(p, u.Path)) {
		return "", apperr.Forbiddenf("you may not manage member records of this org unit")
	}
	return u.Path, nil
}

type sealed struct {
	phoneEnc, phoneIdx     []byte
	phoneMasked            string
	citizenEnc, citizenIdx []byte
	citizenMasked          string
}

func (s *Service) seal(n normalized) (sealed, error) {
	var out sealed
	var err error
	if n.phone != "" {
		if out.phoneEnc, err = s.keyring.Encrypt(n.phone, ctxPhone); err != nil {
			return out, err
		}
		out.phoneIdx, out.phoneMasked = s.keyring.Index("phone", n.phone), pii.MaskPhone(n.phone)
	}
	if n.citizenID != "" {
		if out.citizenEnc, err = s.keyring.Encrypt(n.citizenID, ctxCitizen); err != nil {
			return out, err
		}
		out.citizenIdx, out.citizenMasked = s.keyring.Index("citizen_id", n.citizenID), pii.MaskCitizenID(n.citizenID)
	}
	return out, nil
}

// UpdateInput replaces a person's fields. Version is the version the
// change was based on: if someone changed the record since, the update is
// a Conflict and nothing is overwritten. Phone and CitizenID left empty
// keep the stored values unless Clear… is set.
type UpdateInput struct {
	Fields
	Version        int
	ClearPhone     bool
	ClearCitizenID bool
}

// Update changes a person's personal fields (stage and branch change only
// through Transition and Transfer).
func (s *Service) Update(ctx context.Context, id uuid.UUID, in UpdateInput) (*Person, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	n, err := in.Fields.validate()
	if err != nil {
		return nil, err
	}
	var out *Person
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := memberdb.New(tx)
		cur, err := s.writable(ctx, q, p, id)
		if err != nil {
			return err
		}
		if int(cur.Version) != in.Version {
			return &apperr.Error{Kind: apperr.Conflict, Msg: fmt.Sprintf("the record was changed by someone else (now version %d, yours %d); reload and apply your change again", cur.Version, in.Version),
				Fields: map[string]string{"version": "stale"}}
		}
		enc, err := s.seal(n)
		if err != nil {
			return err
		}
		if n.phone == "" && !in.ClearPhone {
			enc.phoneEnc, enc.phoneIdx, enc.phoneMasked = cur.PhoneEnc, cur.PhoneHmac, cur.PhoneMasked
		}
		if n.citizenID == "" && !in.ClearCitizenID {
			enc.citizenEnc, enc.citizenIdx, enc.citizenMasked = cur.CitizenIDEnc, cur.CitizenIDHmac, cur.CitizenIDMasked
			if n.BirthDate == nil {
				n.BirthDate = cur.BirthDate
			}
		}
		row, err := q.UpdatePerson(ctx, memberdb.UpdatePersonParams{
			TenantID: p.TenantID, ID: id, Version: cur.Version,
			Name: n.Name, Gender: string(n.Gender), BirthDate: n.BirthDate, Ethnicity: n.Ethnicity, NativePlace: n.NativePlace,
			PhoneEnc: enc.phoneEnc, PhoneMasked: enc.phoneMasked, PhoneHmac: enc.phoneIdx,
			CitizenIDEnc: enc.citizenEnc, CitizenIDMasked: enc.citizenMasked, CitizenIDHmac: enc.citizenIdx,
			Education: n.Education, Category: string(n.Category), Department: n.Department, Major: n.Major,
			ClassName: n.ClassName, PartyPosts: n.PartyPosts,
		})
		if postgres.IsUniqueViolation(err, "people_tenant_id_citizen_id_hmac_key") {
			return &apperr.Error{Kind: apperr.Conflict, Msg: "a person with this citizen ID is already on record", Fields: map[string]string{"citizenId": "already on record"}, Err: err}
		}
		if err != nil {
			return postgres.Err(err, "member")
		}
		r := memberdb.GetPersonRow(cur)
		r.Name, r.Gender, r.BirthDate, r.Ethnicity, r.NativePlace = row.Name, row.Gender, row.BirthDate, row.Ethnicity, row.NativePlace
		r.PhoneEnc, r.PhoneMasked, r.CitizenIDEnc, r.CitizenIDMasked = row.PhoneEnc, row.PhoneMasked, row.CitizenIDEnc, row.CitizenIDMasked
		r.Education, r.Category, r.Department, r.Major, r.ClassName = row.Education, row.Category, row.Department, row.Major, row.ClassName
		r.PartyPosts, r.Version, r.UpdatedAt = row.PartyPosts, row.Version, row.UpdatedAt
		out = fromRow(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Get returns a member record of school tenant the caller may read, or
// NotFound (also when it exists but lies outside the caller's school or
// units: no hint is given).
func (s *Service) Get(ctx context.Context, tenant, id uuid.UUID) (*Person, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if p.TenantID != tenant {
		return nil, errNotFound
	}
	m, err := s.ByIDs(ctx, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if p, ok := m[id]; ok {
		return p, nil
	}
	return nil, errNotFound
}

// ByIDs returns the records among ids that the caller may read, keyed by id.
func (s *Service) ByIDs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*Person, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]*Person, len(ids))
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		rows, err := memberdb.New(tx).PeopleByIDs(ctx, memberdb.PeopleByIDsParams{TenantID: p.TenantID, Ids: ids})
		if err != nil {
			return fmt.Errorf("member: by ids: %w", err)
		}
		for _, r := range rows {
			if canRead(p, r.ID, r.OrgPath) {
				out[r.ID] = fromRow(memberdb.GetPersonRow(r))
			}
		}
		return nil
	})
	return out, err
}

// PIIField names a protected identifier.
type PIIField string

const (
	PIIPhone     PIIField = "phone"
	PIICitizenID PIIField = "citizen_id"
)

// Reveal returns the unmasked value of a protected field of a person the
// caller may read. It needs member.read_pii over the person's unit
// (Forbidden otherwise) and records the read in the audit log.
func (s *Service) Reveal(ctx context.Context, person *Person, field PIIField) (string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return "", err
	}
	if !p.Can(auth.PermMemberReadPII, s.scope(p, person.orgPath)) {
		return "", apperr.Forbiddenf("you may see only the masked %s", field)
	}
	sealedValue, c := person.phoneEnc, ctxPhone
	if field == PIICitizenID {
		sealedValue, c = person.citizenEnc, ctxCitizen
	}
	if len(sealedValue) == 0 {
		return "", nil
	}
	plain, err := s.keyring.Decrypt(sealedValue, c)
	if err != nil {
		return "", fmt.Errorf("member %s: %w", person.ID, err)
	}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionPIIRead, ActorID: p.Actor(),
			TargetType: "member", TargetID: person.ID.String(), Detail: map[string]any{"field": field}})
	})
	if err != nil {
		return "", err
	}
	return plain, nil
}

// Transition records one step of a person's development, checked against
// the school's rules; a step that breaks one is Invalid and names the rule.
func (s *Service) Transition(ctx context.Context, id uuid.UUID, in TransitionInput) (*Person, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out *Person
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := memberdb.New(tx)
		cur, err := s.writable(ctx, q, p, id)
		if err != nil {
			return err
		}
		if cur.Status != string(StatusActive) {
			return apperr.InvalidField("to", "the person's relationship was transferred out; the receiving organisation records further steps")
		}
		settings, err := q.TenantSettings(ctx, p.TenantID)
		if err != nil {
			return fmt.Errorf("member: settings: %w", err)
		}
		rules := RulesFrom(settings)
		h, err := s.history(ctx, q, p.TenantID, cur, append(append([]uuid.UUID{}, in.ContactIDs...), in.IntroducerIDs...))
		if err != nil {
			return err
		}
		kind, detail, err := rules.check(Stage(cur.Stage), in, h)
		if err != nil {
			return err
		}
		detailJSON, _ := json.Marshal(detail)
		if err := q.InsertEvent(ctx, memberdb.InsertEventParams{
			TenantID: p.TenantID, PersonID: id, Kind: kind, FromStage: cur.Stage, ToStage: string(in.To),
			EffectiveOn: in.EffectiveOn, ActorID: p.Actor(), Detail: detailJSON,
		}); err != nil {
			return fmt.Errorf("member: record event: %w", err)
		}
		since := &in.EffectiveOn
		if kind == "extend_probation" {
			since = cur.StageSince // the probation started when it started
		}
		version, err := q.SetStage(ctx, memberdb.SetStageParams{TenantID: p.TenantID, ID: id, Stage: string(in.To), StageSince: since})
		if err != nil {
			return fmt.Errorf("member: set stage: %w", err)
		}
		r := memberdb.GetPersonRow(cur)
		r.Stage, r.StageSince, r.Version = string(in.To), since, version
		out = fromRow(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// history gathers what the rules need: the current probation's extensions
// and which of the named people are full members.
func (s *Service) history(ctx context.Context, q *memberdb.Queries, tenant uuid.UUID, cur memberdb.GetPersonForUpdateRow, named []uuid.UUID) (history, error) {
	h := history{stageSince: cur.StageSince, fullMembers: map[uuid.UUID]bool{}, unknownPeople: map[uuid.UUID]bool{}}
	events, err := q.EventsOf(ctx, memberdb.EventsOfParams{TenantID: tenant, PersonIds: []uuid.UUID{cur.ID}})
	if err != nil {
		return h, fmt.Errorf("member: history: %w", err)
	}
	for _, e := range events {
		if e.Kind == "extend_probation" && (cur.StageSince == nil || !e.EffectiveOn.Before(*cur.StageSince)) {
			var d struct {
				ExtendDays int `json:"extendDays"`
			}
			if err := json.Unmarshal(e.Detail, &d); err != nil {
				return h, fmt.Errorf("member: history: the detail of event %s: %w", e.ID, err)
			}
			h.extendedDays += d.ExtendDays
			h.wasExtended = true
		}
	}
	if len(named) > 0 {
		rows, err := q.StagesOf(ctx, memberdb.StagesOfParams{TenantID: tenant, Ids: named})
		if err != nil {
			return h, fmt.Errorf("member: stages: %w", err)
		}
		for _, id := range named {
			h.unknownPeople[id] = true
		}
		for _, r := range rows {
			delete(h.unknownPeople, r.ID)
			h.fullMembers[r.ID] = r.Stage == string(StageFull)
		}
	}
	return h, nil
}

// TransferInput moves a person's organisational relationship.
type TransferInput struct {
	// ToUnitID is the receiving branch inside the school; nil transfers the
	// person out of the school to ExternalOrg.
	ToUnitID    *uuid.UUID
	ExternalOrg string
	LetterNo    string // 介绍信 number
	Reason      string
	EffectiveOn time.Time
}

// Transfer moves a person to another branch of the school (the caller needs
// member.write at both ends) or out of the school (the record stays, marked
// transferred out, readable as history).
func (s *Service) Transfer(ctx context.Context, id uuid.UUID, in TransferInput) (*Person, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if in.EffectiveOn.IsZero() {
		return nil, apperr.InvalidField("effectiveOn", "is required")
	}
	if in.ToUnitID == nil && strings.TrimSpace(in.ExternalOrg) == "" {
		return nil, apperr.InvalidField("externalOrg", "name the receiving organisation, or give toUnitId for a transfer inside the school")
	}
	var out *Person
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := memberdb.New(tx)
		cur, err := s.writable(ctx, q, p, id)
		if err != nil {
			return err
		}
		if cur.Status != string(StatusActive) {
			return apperr.Conflictf("the person was already transferred out")
		}
		r := memberdb.GetPersonRow(cur)
		direction, status, unit := "out", StatusTransferredOut, cur.OrgUnitID
		if in.ToUnitID != nil {
			if *in.ToUnitID == cur.OrgUnitID {
				return apperr.InvalidField("toUnitId", "is the person's current unit")
			}
			path, err := s.writableUnit(ctx, q, p, *in.ToUnitID, "toUnitId")
			if err != nil {
				return err
			}
			direction, status, unit, r.OrgPath = "internal", StatusActive, *in.ToUnitID, path
		}
		if err := q.InsertTransfer(ctx, memberdb.InsertTransferParams{
			TenantID: p.TenantID, PersonID: id, Direction: direction, FromUnitID: &cur.OrgUnitID, ToUnitID: in.ToUnitID,
			ExternalOrg: strings.TrimSpace(in.ExternalOrg), LetterNo: strings.TrimSpace(in.LetterNo), Reason: strings.TrimSpace(in.Reason),
			EffectiveOn: in.EffectiveOn, ActorID: p.Actor(),
		}); err != nil {
			return fmt.Errorf("member: record transfer: %w", err)
		}
		version, err := q.SetUnitAndStatus(ctx, memberdb.SetUnitAndStatusParams{TenantID: p.TenantID, ID: id, OrgUnitID: unit, Status: string(status)})
		if err != nil {
			return fmt.Errorf("member: move: %w", err)
		}
		r.OrgUnitID, r.Status, r.Version = unit, string(status), version
		out = fromRow(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Events returns the membership history of each person the caller may read.
func (s *Service) Events(ctx context.Context, people []uuid.UUID) (map[uuid.UUID][]*Event, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	out := map[uuid.UUID][]*Event{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		rows, err := memberdb.New(tx).EventsOf(ctx, memberdb.EventsOfParams{TenantID: p.TenantID, PersonIds: people})
		if err != nil {
			return fmt.Errorf("member: events: %w", err)
		}
		for _, r := range rows {
			e := &Event{Kind: r.Kind, From: Stage(r.FromStage), To: Stage(r.ToStage), EffectiveOn: r.EffectiveOn, ActorID: r.ActorID, CreatedAt: r.CreatedAt}
			if err := json.Unmarshal(r.Detail, &e.Detail); err != nil {
				return fmt.Errorf("member: the detail of event %s: %w", r.ID, err)
			}
			out[r.PersonID] = append(out[r.PersonID], e)
		}
		return nil
	})
	return out, err
}

// Transfers returns the transfer history of each person.
func (s *Service) Transfers(ctx context.Context, people []uuid.UUID) (map[uuid.UUID][]*Transfer, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	out := map[uuid.UUID][]*Transfer{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		rows, err := memberdb.New(tx).TransfersOf(ctx, memberdb.TransfersOfParams{TenantID: p.TenantID, PersonIds: people})
		if err != nil {
			return fmt.Errorf("member: transfers: %w", err)
		}
		for _, r := range rows {
			out[r.PersonID] = append(out[r.PersonID], &Transfer{Direction: r.Direction, FromUnitID: r.FromUnitID, ToUnitID: r.ToUnitID,
				ExternalOrg: r.ExternalOrg, LetterNo: r.LetterNo, Reason: r.Reason, EffectiveOn: r.EffectiveOn, ActorID: r.ActorID, CreatedAt: r.CreatedAt})
		}
		return nil
	})
	return out, err
}

func fromRow(r memberdb.GetPersonRow) *Person {
	return &Person{
		TenantID: r.TenantID, ID: r.ID, Name: r.Name, Gender: Gender(r.Gender), BirthDate: r.BirthDate,
		Ethnicity: r.Ethnicity, NativePlace: r.NativePlace, PhoneMasked: r.PhoneMasked, CitizenIDMasked: r.CitizenIDMasked,
		Education: r.Education, Category: Category(r.Category), Department: r.Department, Major: r.Major,
		ClassName: r.ClassName, PhotoMediaID: r.PhotoMediaID, OrgUnitID: r.OrgUnitID, Stage: Stage(r.Stage),
		StageSince: r.StageSince, PartyPosts: r.PartyPosts, Status: Status(r.Status), Version: int(r.Version),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		orgPath: r.OrgPath, phoneEnc: r.PhoneEnc, citizenEnc: r.CitizenIDEnc,
	}
}
