package org

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/org/orgdb"
	"zhdj/internal/postgres"
)

// MaxPageSize is the largest page a list query returns.
const MaxPageSize = 100

var errForbidden = apperr.Forbiddenf("you may not manage org units here")

// Service is the org tree use cases. Methods take the tenant explicitly;
// callers get it from the authenticated principal or a routed site, never
// from client input.
type Service struct {
	pool *pgxpool.Pool
}

// NewService returns a Service over pool.
func NewService(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }

// CreateUnit adds a unit under in.ParentID (or the root committee when the
// school has no tree yet) in the caller's school. The caller needs
// org.manage at the parent (tenant-wide for the root). A parent of the
// wrong kind is Invalid, a taken code Conflict, a second root Conflict.
func (s *Service) CreateUnit(ctx context.Context, in CreateUnitInput) (*Unit, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	tenantID := p.TenantID
	in.Name, in.Code = strings.TrimSpace(in.Name), strings.TrimSpace(in.Code)
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *Unit
	err = postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		q := orgdb.New(tx)
		if err := q.LockTree(ctx, tenantID); err != nil {
			return fmt.Errorf("org: lock tree: %w", err)
		}
		id := uuid.New()
		path := label(id)
		if in.ParentID != nil {
			parent, err := q.GetUnit(ctx, orgdb.GetUnitParams{TenantID: tenantID, ID: *in.ParentID})
			if errors.Is(err, pgx.ErrNoRows) {
				return apperr.InvalidField("parentId", "no such org unit")
			}
			if err != nil {
				return fmt.Errorf("org: parent: %w", err)
			}
			if !p.Can(auth.PermOrgManage, auth.Scope{TenantID: tenantID, OrgPath: parent.Path}) {
				return errForbidden
			}
			if !CanSitUnder(in.Kind, Kind(parent.Kind)) {
				return apperr.InvalidField("parentId", fmt.Sprintf("a %s cannot sit under a %s", in.Kind, parent.Kind))
			}
			path = parent.Path + "." + path
		} else if !p.Can(auth.PermOrgManage, auth.Scope{TenantID: tenantID}) {
			return errForbidden
		} else if _, err := q.GetRoot(ctx, tenantID); err == nil {
			return &apperr.Error{Kind: apperr.Conflict, Msg: "this school already has a party committee at the root of its tree", Fields: map[string]string{"parentId": "required"}}
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("org: root: %w", err)
		}
		row, err := q.InsertUnit(ctx, orgdb.InsertUnitParams{
			TenantID: tenantID, ID: id, ParentID: in.ParentID, Kind: string(in.Kind),
			Name: in.Name, Code: in.Code, SortOrder: int32(in.SortOrder), Path: path,
		})
		if err != nil {
			return codeErr(err, in.Code)
		}
		out = fromRow(row)
		return nil
	})
	return out, err
}

func codeErr(err error, code string) error {
	if postgres.IsUniqueViolation(err, "org_units_tenant_id_code_key") {
		return &apperr.Error{Kind: apperr.Conflict, Msg: fmt.Sprintf("an org unit with code %q already exists", code), Fields: map[string]string{"code": "already taken"}, Err: err}
	}
	return postgres.Err(err, "org unit")
}

// UpdateUnit changes a unit's name, code, order or active flag. The caller
// needs org.manage at the unit.
func (s *Service) UpdateUnit(ctx context.Context, id uuid.UUID, in UpdateUnitInput) (*Unit, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	tenantID := p.TenantID
	if in.Name != nil {
		*in.Name = strings.TrimSpace(*in.Name)
	}
	if in.Code != nil {
		*in.Code = strings.TrimSpace(*in.Code)
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *Unit
	err = postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		q := orgdb.New(tx)
		cur, err := q.GetUnit(ctx, orgdb.GetUnitParams{TenantID: tenantID, ID: id})
		if err != nil {
			return postgres.Err(err, "org unit")
		}
		if !p.Can(auth.PermOrgManage, auth.Scope{TenantID: tenantID, OrgPath: cur.Path}) {
			return errForbidden
		}
		up := orgdb.UpdateUnitParams{TenantID: tenantID, ID: id, Name: cur.Name, Code: cur.Code, SortOrder: cur.SortOrder, Active: cur.Active}
		if in.Name != nil {
			up.Name = *in.Name
		}
		if in.Code != nil {
			up.Code = *in.Code
		}
		if in.SortOrder != nil {
			up.SortOrder = int32(*in.SortOrder)
		}
		if in.Active != nil {
			if !*in.Active && cur.ParentID == nil {
				return apperr.InvalidField("active", "the party committee at the root cannot be deactivated")
			}
			up.Active = *in.Active
		}
		row, err := q.UpdateUnit(ctx, up)
		if err != nil {
			return codeErr(err, up.Code)
		}
		out = fromRow(row)
		return nil
	})
	return out, err
}

// MoveUnit moves a unit, with its whole subtree, under newParentID. Moving
// the root, moving a unit under itself or one of its descendants, or under a
// parent of a kind it cannot sit under is Invalid and leaves the tree as it
// was. The caller needs org.manage at the unit and at the new parent.
func (s *Service) MoveUnit(ctx context.Context, id, newParentID uuid.UUID) (*Unit, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	tenantID := p.TenantID
	var out *Unit
	err = postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		q := orgdb.New(tx)
		if err := q.LockTree(ctx, tenantID); err != nil {
			return fmt.Errorf("org: lock tree: %w", err)
		}
		unit, err := q.GetUnit(ctx, orgdb.GetUnitParams{TenantID: tenantID, ID: id})
		if err != nil {
			return postgres.Err(err, "org unit")
		}
		if !p.Can(auth.PermOrgManage, auth.Scope{TenantID: tenantID, OrgPath: unit.Path}) {
			return errForbidden
		}
		if unit.ParentID == nil {
			return apperr.InvalidField("id", "the party committee at the root cannot be moved")
		}
		parent, err := q.GetUnit(ctx, orgdb.GetUnitParams{TenantID: tenantID, ID: newParentID})
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.InvalidField("parentId", "no such org unit")
		}
		if err != nil {
			return fmt.Errorf("org: new parent: %w", err)
		}
		if !p.Can(auth.PermOrgManage, auth.Scope{TenantID: tenantID, OrgPath: parent.Path}) {
			return errForbidden
		}
		if parent.ID == unit.ID || isWithin(parent.Path, unit.Path) {
			return apperr.InvalidField("parentId", "a unit cannot be moved under itself or one of its descendants")
		}
		if !CanSitUnder(Kind(unit.Kind), Kind(parent.Kind)) {
			return apperr.InvalidField("parentId", fmt.Sprintf("a %s cannot sit under a %s", unit.Kind, parent.Kind))
		}
		if unit.ParentID != nil && *unit.ParentID == parent.ID {
			out = fromRow(unit)
			return nil // already there
		}
		if err := q.MoveSubtree(ctx, orgdb.MoveSubtreeParams{
			TenantID: tenantID, ID: unit.ID, NewParentID: parent.ID,
			NewParentPath: parent.Path, OldPath: unit.Path,
		}); err != nil {
			return fmt.Errorf("org: move subtree: %w", err)
		}
		moved, err := q.GetUnit(ctx, orgdb.GetUnitParams{TenantID: tenantID, ID: id})
		if err != nil {
			return fmt.Errorf("org: reload moved unit: %w", err)
		}
		out = fromRow(moved)
		return nil
	})
	return out, err
}

// isWithin reports whether path lies at or below ancestor.
func isWithin(path, ancestor string) bool {
	return path == ancestor || strings.HasPrefix(path, ancestor+".")
}

// Unit returns one unit, or NotFound.
func (s *Service) Unit(ctx context.Context, tenantID, id uuid.UUID) (*Unit, error) {
	var out *Unit
	err := postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		row, err := orgdb.New(tx).GetUnit(ctx, orgdb.GetUnitParams{TenantID: tenantID, ID: id})
		if err != nil {
			return postgres.Err(err, "org unit")
		}
		out = fromRow(row)
		return nil
	})
	return out, err
}

// UnitByCode returns the unit with code, or NotFound.
func (s *Service) UnitByCode(ctx context.Context, tenantID uuid.UUID, code string) (*Unit, error) {
	var out *Unit
	err := postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		row, err := orgdb.New(tx).GetUnitByCode(ctx, orgdb.GetUnitByCodeParams{TenantID: tenantID, Code: code})
		if err != nil {
			return postgres.Err(err, "org unit")
		}
		out = fromRow(row)
		return nil
	})
	return out, err
}

// Root returns the school's party committee, or NotFound when it has no tree yet.
func (s *Service) Root(ctx context.Context, tenantID uuid.UUID) (*Unit, error) {
	var out *Unit
	err := postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		row, err := orgdb.New(tx).GetRoot(ctx, tenantID)
		if err != nil {
			return postgres.Err(err, "org tree")
		}
		out = fromRow(row)
		return nil
	})
	return out, err
}

// UnitsByID returns the units among ids that exist in the tenant, keyed by id.
func (s *Service) UnitsByID(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Unit, error) {
	out := make(map[uuid.UUID]*Unit, len(ids))
	err := postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := orgdb.New(tx).UnitsByIDs(ctx, orgdb.UnitsByIDsParams{TenantID: tenantID, Ids: ids})
		if err != nil {
			return fmt.Errorf("org: units by id: %w", err)
		}
		for _, r := range rows {
			out[r.ID] = fromRow(r)
		}
		return nil
	})
	return out, err
}

// Children returns the direct children of each parent in sort order, keyed
// by parent id. Inactive units are left out unless includeInactive.
func (s *Service) Children(ctx context.Context, tenantID uuid.UUID, parentIDs []uuid.UUID, includeInactive bool) (map[uuid.UUID][]*Unit, error) {
	out := make(map[uuid.UUID][]*Unit, len(parentIDs))
	err := postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := orgdb.New(tx).ChildrenOf(ctx, orgdb.ChildrenOfParams{TenantID: tenantID, ParentIds: parentIDs, IncludeInactive: includeInactive})
		if err != nil {
			return fmt.Errorf("org: children: %w", err)
		}
		for _, r := range rows {
			out[*r.ParentID] = append(out[*r.ParentID], fromRow(r))
		}
		return nil
	})
	return out, err
}

// Ancestors returns each unit's ancestors, root first, keyed by unit id.
func (s *Service) Ancestors(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID][]*Unit, error) {
	out := make(map[uuid.UUID][]*Unit, len(ids))
	err := postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := orgdb.New(tx).AncestorsOf(ctx, orgdb.AncestorsOfParams{TenantID: tenantID, Ids: ids})
		if err != nil {
			return fmt.Errorf("org: ancestors: %w", err)
		}
		for _, r := range rows {
			out[r.OfID] = append(out[r.OfID], fromRow(r.OrgUnit))
		}
		return nil
	})
	return out, err
}

// Descendants returns one page of the units below id, breadth first. A
// page size outside 1..MaxPageSize is Invalid.
func (s *Service) Descendants(ctx context.Context, tenantID, id uuid.UUID, dq DescendantsQuery) (*Page, error) {
	if err := apperr.PageSize(dq.First, MaxPageSize); err != nil {
		return nil, err
	}
	kinds := make([]string, 0, len(dq.Kinds))
	for _, k := range dq.Kinds {
		if !k.Valid() {
			return nil, apperr.InvalidField("kinds", fmt.Sprintf("unknown kind %q", k))
		}
		kinds = append(kinds, string(k))
	}
	page := &Page{}
	err := postgres.InTenantTx(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		q := orgdb.New(tx)
		top, err := q.GetUnit(ctx, orgdb.GetUnitParams{TenantID: tenantID, ID: id})
		if err != nil {
			return postgres.Err(err, "org unit")
		}
		p := orgdb.DescendantsParams{
			TenantID: tenantID, Path: top.Path, IncludeInactive: dq.IncludeInactive,
			Kinds: kinds, PageSize: int32(dq.First + 1),
		}
		if dq.After != nil {
			p.HasCursor, p.AfterDepth, p.AfterSort, p.AfterID = true, int32(dq.After.Depth), int32(dq.After.SortOrder), dq.After.ID
		}
		rows, err := q.Descendants(ctx, p)
		if err != nil {
			return fmt.Errorf("org: descendants: %w", err)
		}
		if len(rows) > dq.First {
			page.HasNext, rows = true, rows[:dq.First]
		}
		for _, r := range rows {
			page.Units = append(page.Units, fromRow(r))
		}
		n, err := q.CountDescendants(ctx, orgdb.CountDescendantsParams{TenantID: tenantID, Path: top.Path, IncludeInactive: dq.IncludeInactive, Kinds: kinds})
		if err != nil {
			return fmt.Errorf("org: count descendants: %w", err)
		}
		page.TotalCount = int(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

func fromRow(r orgdb.OrgUnit) *Unit {
	return &Unit{
		TenantID: r.TenantID, ID: r.ID, ParentID: r.ParentID, Kind: Kind(r.Kind),
		Name: r.Name, Code: r.Code, SortOrder: int(r.SortOrder), Active: r.Active,
		Path: r.Path, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}
