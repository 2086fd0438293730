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
		var unitID *uuid.UUID
		if f.OrgUnitID != nil {
			u, err := memberdb.New(tx).UnitPathKind(ctx, memberdb.UnitPathKindParams{TenantID: p.TenantID, ID: *f.OrgUnitID})
			if err != nil {
				return postgres.Err(err, "org unit")
			}
			unitPath, unitID = &u.Path, f.OrgUnitID
		}
		var phoneIdx, citizenIdx []byte
		if ph, ok := NormalizePhone(f.Query); ok {
			phoneIdx = s.keyring.Index("phone", ph)
		}
		if id, _, err := ParseCitizenID(f.Query); err == nil {
			citizenIdx = s.keyring.Index("citizen_id", id)
		}
		args := pgx.NamedArgs{
			"tenant": p.TenantID, "all": all, "paths": paths,
			"unit_path": unitPath, "unit_id": unitID, "descendants": f.IncludeDescendants,
			"stages": stages, "query": f.Query, "phone_idx": phoneIdx, "citizen_idx": citizenIdx,
			"with_out": f.IncludeTransferredOut, "has_cursor": after != nil, "limit": first + 1,
			"after_name": "", "after_id": uuid.Nil,
		}
		if after != nil {
			args["after_name"], args["after_id"] = after.Name, after.ID
		}
		rows, err := tx.Query(ctx, listSQL, args)
		if err != nil {
			return fmt.Errorf("member: list: %w", err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[memberdb.GetPersonRow])
		if err != nil {
			return fmt.Errorf("member: list: %w", err)
		}
		if len(got) > first {
			page.HasNext, got = true, got[:first]
		}
		for _, r := range got {
			page.People = append(page.People, fromRow(r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

const listSQL = `
SELECT p.tenant_id, p.id, p.name, p.gender, p.birth_date, p.ethnicity, p.native_place,
       p.phone_enc, p.phone_masked, p.phone_hmac, p.citizen_id_enc, p.citizen_id_masked, p.citizen_id_hmac,
       p.education, p.category, p.department, p.major, p.class_name, p.photo_media_id, p.org_unit_id,
       p.stage, p.stage_since, p.party_posts, p.status, p.version, p.created_at, p.updated_at, u.path::text
FROM people p
JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant
  AND (@all::boolean OR u.path <@ ANY(@paths::text[]::ltree[]))
  AND (@unit_path::text IS NULL
       OR (@descendants::boolean AND u.path <@ @unit_path::text::ltree)
       OR (NOT @descendants::boolean AND p.org_unit_id = @unit_id::uuid))
  AND (cardinality(@stages::text[]) = 0 OR p.stage = ANY(@stages::text[]))
  AND (@with_out::boolean OR p.status = 'active')
  AND (@query::text = ''
       OR strpos(p.name, @query::text) > 0
       OR p.phone_hmac = @phone_idx::bytea
       OR p.citizen_id_hmac = @citizen_idx::bytea)
  AND (NOT @has_cursor::boolean OR (p.name, p.id) > (@after_name::text, @after_id::uuid))
ORDER BY p.name, p.id
LIMIT @limit`
