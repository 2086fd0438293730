package member

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/member/memberdb"
	"zhdj/internal/postgres"
)

// Filter selects member records.
type Filter struct {
	OrgUnitID          *uuid.UUID
	IncludeDescendants bool
	Stages             []Stage
	// Query matches part of a name, or a whole phone or citizen ID number.
	Query string
	// IncludeTransferredOut also lists people whose relationship left the school.
	IncludeTransferredOut bool
}

// Cursor is a position in the (name, id) order of a member list.
type Cursor struct {
	Name string
	ID   uuid.UUID
}

// Page is one page of records.
type Page struct {
	People  []*Person
	HasNext bool
}

// MaxPageSize is the largest page List returns.
const MaxPageSize = 100

// MaxQueryLength bounds the search text.
const MaxQueryLength = 100

// List returns a page of the records the caller may read (member.read over
// their units, keyset-paginated by name). Records outside the caller's
// units never appear, whatever the filter says.
func (s *Service) List(ctx context.Context, f Filter, first int, after *Cursor) (*Page, error) {
	return s.list(ctx, f, first, after, MaxPageSize)
}

// exportPageSize is how many records an export reads at a time.
const exportPageSize = 1000

func (s *Service) list(ctx context.Context, f Filter, first int, after *Cursor, maxPage int) (*Page, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, maxPage); err != nil {
		return nil, err
	}
	f.Query = strings.TrimSpace(f.Query)
	if len([]rune(f.Query)) > MaxQueryLength {
		return nil, apperr.InvalidField("filter.query", fmt.Sprintf("at most %d characters", MaxQueryLength))
	}
	stages := make([]string, 0, len(f.Stages))
	for _, st := range f.Stages {
		if !st.Valid() {
			return nil, apperr.InvalidField("filter.stages", fmt.Sprintf("unknown stage %q", st))
		}
		stages = append(stages, string(st))
	}
	paths, all := p.Paths(auth.PermMemberRead)
	if !all && len(paths) == 0 {
		return nil, apperr.Forbiddenf("you may not list member records")
	}
	if paths == nil {
		paths = []string{}
	}
	page := &Page{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		var unitPath *string
		var unitID uuid.UUID
		if f.OrgUnitID != nil {
			u, err := memberdb.New(tx).UnitPathKind(ctx, memberdb.UnitPathKindParams{TenantID: p.TenantID, ID: *f.OrgUnitID})
			if err != nil {
				return postgres.Err(err, "org unit")
			}
			unitPath, unitID = &u.Path, *f.OrgUnitID
		}
		var phoneIdx, citizenIdx []byte
		if ph, ok := NormalizePhone(f.Query); ok {
			phoneIdx = s.keyring.Index("phone", ph)
		}
		if id, _, err := ParseCitizenID(f.Query); err == nil {
			citizenIdx = s.keyring.Index("citizen_id", id)
		}
		arg := memberdb.ListPeopleParams{
			TenantID: p.TenantID, SeeAll: all, Paths: paths, UnitPath: unitPath, UnitID: unitID, Descendants: f.IncludeDescendants,
			Stages: stages, Query: f.Query, PhoneIdx: phoneIdx, CitizenIdx: citizenIdx, WithOut: f.IncludeTransferredOut,
			HasCursor: after != nil, MaxRows: int32(first + 1),
		}
		if after != nil {
			arg.AfterName, arg.AfterID = after.Name, after.ID
		}
		got, err := memberdb.New(tx).ListPeople(ctx, arg)
		if err != nil {
			return fmt.Errorf("member: list: %w", err)
		}
		if len(got) > first {
			page.HasNext, got = true, got[:first]
		}
		for _, r := range got {
			page.People = append(page.People, fromRow(memberdb.GetPersonRow(r)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}
