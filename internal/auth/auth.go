// Package auth decides who may do what. It holds the authenticated
// Principal of a request, the roles and what each permits (a pure policy,
// covered by a table test), and the checks every domain service calls before
// it reads or writes anything that is not public.
//
// Roles are bound to an org unit and inherited by its whole subtree: an org
// admin of a general branch may manage every branch below it, never a
// sibling college or the units above.
package auth

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
)

// Role is what an account may do at an org unit and below.
type Role string

const (
	RoleTenantAdmin Role = "tenant_admin" // 党委组织部: the whole school
	RoleOrgAdmin    Role = "org_admin"    // branch secretary / organiser
	RoleEditor      Role = "editor"       // writes content for the unit's sites
	RoleReviewer    Role = "reviewer"     // approves content
	RoleMember      Role = "member"       // a party member using the platform
	RoleResponder   Role = "responder"    // answers the unit's suggestions officially
)

// Roles lists every role.
var Roles = []Role{RoleTenantAdmin, RoleOrgAdmin, RoleEditor, RoleReviewer, RoleMember, RoleResponder}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if k == r {
			return true
		}
	}
	return false
}

// Permission is one kind of action.
type Permission string

const (
	PermOrgManage       Permission = "org.manage"       // create, update and move org units
	PermSiteManage      Permission = "site.manage"      // create and configure sites
	PermMemberRead      Permission = "member.read"      // read member records (masked identifiers)
	PermMemberReadPII   Permission = "member.read_pii"  // read unmasked citizen ID and phone (audited)
	PermMemberWrite     Permission = "member.write"     // create, update, transition, transfer, import
	PermMemberExport    Permission = "member.export"    // export rosters (audited)
	PermRoleManage      Permission = "role.manage"      // grant and revoke roles
	PermAuditRead       Permission = "audit.read"       // read the audit log
	PermContentEdit     Permission = "content.edit"     // write content
	PermContentReview   Permission = "content.review"   // approve or send back content
	PermMediaUpload     Permission = "media.upload"     // upload and manage media files
	PermVolunteer       Permission = "volunteer.manage" // organise volunteer activities, confirm hours
	PermTaskManage      Permission = "task.manage"      // publish tasks, review submissions, follow progress
	PermEventManage     Permission = "event.manage"     // schedule meetings and party lessons, keep attendance and minutes
	PermQuizManage      Permission = "quiz.manage"      // keep the question bank, set quizzes and exams (tenant-wide)
	PermPointsManage    Permission = "points.manage"    // set points rules, correct points entries
	PermWarningManage   Permission = "warning.manage"   // acknowledge and resolve early warnings
	PermSuggestionReply Permission = "suggestion.reply" // answer a unit's suggestions officially, close them
	PermModerate        Permission = "moderate"         // pin and reject suggestions, moderate comments, keep the word list, ban
)

// Permissions lists every permission.
var Permissions = []Permission{
	PermOrgManage, PermSiteManage, PermMemberRead, PermMemberReadPII, PermMemberWrite,
	PermMemberExport, PermRoleManage, PermAuditRead, PermContentEdit, PermContentReview, PermMediaUpload, PermVolunteer,
	PermTaskManage, PermEventManage, PermQuizManage, PermPointsManage, PermWarningManage, PermSuggestionReply, PermModerate,
}

// rolePermissions is the whole policy: what each role permits at its unit
// and every unit below.
var rolePermissions = map[Role][]Permission{
	RoleTenantAdmin: Permissions,
	RoleOrgAdmin: {
		PermOrgManage, PermSiteManage, PermMemberRead, PermMemberReadPII,
		PermMemberWrite, PermMemberExport, PermMediaUpload, PermVolunteer, PermTaskManage, PermEventManage, PermQuizManage,
		PermPointsManage, PermWarningManage, PermSuggestionReply, PermModerate,
	},
	RoleEditor:    {PermContentEdit, PermMediaUpload},
	RoleReviewer:  {PermContentReview},
	RoleMember:    {},
	RoleResponder: {PermSuggestionReply},
}

// Permits reports whether role grants perm.
func (r Role) Permits(perm Permission) bool {
	for _, p := range rolePermissions[r] {
		if p == perm {
			return true
		}
	}
	return false
}

// Binding is a role held at an org unit.
type Binding struct {
	Role        Role
	OrgUnitID   uuid.UUID
	OrgUnitPath string // ltree path of the unit, root first
}

// Principal is who is acting.
type Principal struct {
	TenantID  uuid.UUID
	AccountID uuid.UUID
	SessionID uuid.UUID
	PersonID  *uuid.UUID
	Username  string
	Bindings  []Binding
	// System is set for the platform acting on its own behalf (CLI, seed,
	// workers): it may do everything, but only inside TenantID.
	System bool
	// ExpiresAt is when the access token that signed the caller in stops
	// being accepted (zero when no token did); a live connection ends then.
	ExpiresAt time.Time
}

// SystemPrincipal returns the principal of the platform itself acting in tenant.
func SystemPrincipal(tenant uuid.UUID) *Principal {
	return &Principal{TenantID: tenant, Username: "system", System: true}
}

// Scope is where an action takes effect: a tenant and an org unit path.
// An empty path means tenant-wide (only bindings at the root cover it).
type Scope struct {
	TenantID uuid.UUID
	OrgPath  string
}

// Within reports whether the org path path lies at or below ancestor.
func Within(path, ancestor string) bool {
	return path == ancestor || strings.HasPrefix(path, ancestor+".")
}

// Can reports whether the principal may do perm in scope.
func (p *Principal) Can(perm Permission, s Scope) bool {
	if p == nil || s.TenantID != p.TenantID {
		return false
	}
	if p.System {
		return true
	}
	for _, b := range p.Bindings {
		if !b.Role.Permits(perm) {
			continue
		}
		if s.OrgPath == "" {
			if !strings.Contains(b.OrgUnitPath, ".") { // bound at the root
				return true
			}
			continue
		}
		if Within(s.OrgPath, b.OrgUnitPath) {
			return true
		}
	}
	return false
}

// Has reports whether the principal holds perm anywhere in its tenant.
func (p *Principal) Has(perm Permission) bool {
	if p == nil {
		return false
	}
	if p.System {
		return true
	}
	for _, b := range p.Bindings {
		if b.Role.Permits(perm) {
			return true
		}
	}
	return false
}

// Paths returns the org paths at which the principal holds perm (nil and
// all=true for the system principal), so that list queries can filter to
// the subtrees it may see.
func (p *Principal) Paths(perm Permission) (paths []string, all bool) {
	if p == nil {
		return nil, false
	}
	if p.System {
		return nil, true
	}
	for _, b := range p.Bindings {
		if b.Role.Permits(perm) {
			paths = append(paths, b.OrgUnitPath)
		}
	}
	return paths, false
}

// EffectivePermissions lists the permissions the principal holds somewhere.
func (p *Principal) EffectivePermissions() []Permission {
	var out []Permission
	for _, perm := range Permissions {
		if p.Has(perm) {
			out = append(out, perm)
		}
	}
	return out
}

// Actor returns the account to record as having acted (audit rows,
// created_by columns): nil for the platform itself.
func (p *Principal) Actor() *uuid.UUID {
	if p.System {
		return nil
	}
	return &p.AccountID
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal in ctx, or nil for an anonymous caller.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

type authErrorKey struct{}

// WithAuthError returns ctx remembering why the caller's credentials were
// refused, so that Require can say so.
func WithAuthError(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, authErrorKey{}, err)
}

// Require returns the principal in ctx, or Unauthenticated (with the reason
// the credentials were refused, when they were).
func Require(ctx context.Context) (*Principal, error) {
	p := FromContext(ctx)
	if p == nil {
		if err, ok := ctx.Value(authErrorKey{}).(error); ok {
			return nil, err
		}
		return nil, apperr.Unauthenticatedf("sign in first")
	}
	return p, nil
}

// ErrNoPerson refuses what only a person on record may do to a caller
// whose account is linked to none.
var ErrNoPerson = apperr.Forbiddenf("your account is not linked to a person record")

// RequirePerson returns the signed-in caller and the person record their
// account is linked to: Unauthenticated when signed out, ErrNoPerson when
// the account has none.
func RequirePerson(ctx context.Context) (*Principal, uuid.UUID, error) {
	p, err := Require(ctx)
	if err != nil {
		return nil, uuid.Nil, err
	}
	if p.PersonID == nil {
		return nil, uuid.Nil, ErrNoPerson
	}
	return p, *p.PersonID, nil
}

// Authorize returns nil when the caller may do perm in s; Unauthenticated
// for an anonymous caller and Forbidden otherwise.
func Authorize(ctx context.Context, perm Permission, s Scope) (*Principal, error) {
	p, err := Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(perm, s) {
		return nil, apperr.Forbiddenf("you may not do this here (%s)", perm)
	}
	return p, nil
}

// AuthorizeTenantWide returns the caller if they may do perm across their
// whole tenant (a binding at the root), else Unauthenticated or Forbidden.
func AuthorizeTenantWide(ctx context.Context, perm Permission) (*Principal, error) {
	p, err := Require(ctx)
	if err != nil {
		return nil, err
	}
	return Authorize(ctx, perm, Scope{TenantID: p.TenantID})
}
