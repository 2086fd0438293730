package account

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/account/accountdb"
	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/postgres"
)

// MaxListPage is the most accounts one page of List holds.
const MaxListPage = 100

// AccountPage is one page of accounts, by username.
type AccountPage struct {
	Items   []*Account
	HasNext bool
}

// List pages through the school's accounts by username, after the
// username after, of those whose username or display name holds query
// (taken literally): for those who manage roles school-wide.
func (s *Service) List(ctx context.Context, query string, first int, after string) (*AccountPage, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermRoleManage)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxListPage); err != nil {
		return nil, err
	}
	var pattern, from *string
	if q := strings.TrimSpace(query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		pattern = &like
	}
	if after != "" {
		from = &after
	}
	page := &AccountPage{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		rows, err := accountdb.New(tx).ListAccounts(ctx, accountdb.ListAccountsParams{TenantID: p.TenantID, Pattern: pattern, After: from, Lim: int32(first + 1)})
		if err != nil {
			return fmt.Errorf("account: list: %w", err)
		}
		if len(rows) > first {
			rows, page.HasNext = rows[:first], true
		}
		ids := make([]uuid.UUID, len(rows))
		for i, r := range rows {
			page.Items = append(page.Items, accountFromRow(r))
			ids[i] = r.ID
		}
		// The page's roles with it, in one more statement: the list's
		// readers may see every account's.
		roles, err := bindingsOf(ctx, tx, p.TenantID, ids)
		if err != nil {
			return err
		}
		for _, a := range page.Items {
			a.roles, a.rolesLoaded = roles[a.ID], true
		}
		return nil
	})
	return page, err
}

func bindingsOf(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID][]BindingInfo, error) {
	out := make(map[uuid.UUID][]BindingInfo, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := accountdb.New(tx).BindingsOfAccounts(ctx, accountdb.BindingsOfAccountsParams{TenantID: tenant, Ids: ids})
	if err != nil {
		return nil, fmt.Errorf("account: roles: %w", err)
	}
	for _, r := range rows {
		out[r.AccountID] = append(out[r.AccountID], BindingInfo{Role: auth.Role(r.Role), OrgUnitID: r.OrgUnitID, OrgUnitName: r.OrgUnitName})
	}
	return out, nil
}

// RolesOf returns the role bindings of the accounts among ids, keyed by
// account, with their units' names: every account's to those who manage
// roles school-wide, else only the caller's own (the others' are empty).
func (s *Service) RolesOf(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]BindingInfo, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(auth.PermRoleManage, auth.Scope{TenantID: p.TenantID}) {
		var own []uuid.UUID
		for _, id := range ids {
			if id == p.AccountID {
				own = append(own, id)
			}
		}
		ids = own
	}
	if len(ids) == 0 {
		return map[uuid.UUID][]BindingInfo{}, nil
	}
	var out map[uuid.UUID][]BindingInfo
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		out, err = bindingsOf(ctx, tx, p.TenantID, ids)
		return err
	})
	return out, err
}
