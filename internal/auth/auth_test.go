package auth

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
)

// TestPolicy is the authorisation table: every role, bound at a branch,
// against every action at every position relative to that branch.
func TestPolicy(t *testing.T) {
	t.Parallel()
	tenant, other := uuid.New(), uuid.New()
	// root ── college ─┬─ branch (the binding) ── group
	//                  └─ sibling branch
	const (
		root    = "r"
		college = "r.c"
		branch  = "r.c.b"
		group   = "r.c.b.g"
		sibling = "r.c.s"
	)
	positions := []struct {
		name  string
		scope Scope
	}{
		{"own unit", Scope{tenant, branch}},
		{"descendant", Scope{tenant, group}},
		{"sibling", Scope{tenant, sibling}},
		{"ancestor", Scope{tenant, college}},
		{"other tenant", Scope{other, branch}},
	}
	inside := map[string]bool{"own unit": true, "descendant": true}

	for _, role := range Roles {
		if role == RoleTenantAdmin {
			continue // bound at the root; tested below
		}
		p := &Principal{TenantID: tenant, Bindings: []Binding{{Role: role, OrgUnitPath: branch}}}
		for _, perm := range Permissions {
			for _, pos := range positions {
				want := inside[pos.name] && role.Permits(perm)
				if got := p.Can(perm, pos.scope); got != want {
					t.Errorf("%s at branch, %s on %s: got %v want %v", role, perm, pos.name, got, want)
				}
			}
			// Tenant-wide actions need a binding at the root.
			if p.Can(perm, Scope{TenantID: tenant}) {
				t.Errorf("%s at a branch may %s tenant-wide", role, perm)
			}
		}
	}

	admin := &Principal{TenantID: tenant, Bindings: []Binding{{Role: RoleTenantAdmin, OrgUnitPath: root}}}
	for _, perm := range Permissions {
		for _, pos := range positions {
			want := pos.name != "other tenant"
			if got := admin.Can(perm, pos.scope); got != want {
				t.Errorf("tenant admin, %s on %s: got %v want %v", perm, pos.name, got, want)
			}
		}
		if !admin.Can(perm, Scope{TenantID: tenant}) || admin.Can(perm, Scope{TenantID: other}) {
			t.Errorf("tenant admin tenant-wide %s wrong", perm)
		}
	}

	// The concrete expectations people rely on, spelled out.
	secretary := &Principal{TenantID: tenant, Bindings: []Binding{{Role: RoleOrgAdmin, OrgUnitPath: branch}}}
	spelled := []struct {
		p     *Principal
		perm  Permission
		scope Scope
		want  bool
	}{
		{secretary, PermMemberRead, Scope{tenant, group}, true},
		{secretary, PermMemberRead, Scope{tenant, sibling}, false},
		{secretary, PermMemberReadPII, Scope{tenant, branch}, true},
		{secretary, PermAuditRead, Scope{TenantID: tenant}, false},
		{secretary, PermRoleManage, Scope{tenant, branch}, false},
		{&Principal{TenantID: tenant, Bindings: []Binding{{Role: RoleEditor, OrgUnitPath: branch}}}, PermMemberRead, Scope{tenant, branch}, false},
		{&Principal{TenantID: tenant, Bindings: []Binding{{Role: RoleMember, OrgUnitPath: branch}}}, PermMemberRead, Scope{tenant, branch}, false},
		{nil, PermMemberRead, Scope{tenant, branch}, false},
		{SystemPrincipal(tenant), PermAuditRead, Scope{TenantID: tenant}, true},
		{SystemPrincipal(tenant), PermAuditRead, Scope{TenantID: other}, false},
		// a path that merely starts with the same characters is not below
		{secretary, PermMemberRead, Scope{tenant, branch + "x"}, false},
	}
	for i, c := range spelled {
		if got := c.p.Can(c.perm, c.scope); got != c.want {
			t.Errorf("case %d (%s %s): got %v want %v", i, fmt.Sprint(c.p != nil), c.perm, got, c.want)
		}
	}
}
