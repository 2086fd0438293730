// Package account manages accounts, sign-in sessions and role bindings:
// login with username, phone or e-mail; short-lived access tokens and
// rotating refresh tokens whose reuse revokes the whole session family;
// brute-force limits; and the principal behind each request.
package account

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/account/accountdb"
	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/gather"
	"zhdj/internal/pii"
	"zhdj/internal/postgres"
)

// Config holds the account rules that operators may tune.
type Config struct {
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	Password   PasswordPolicy
	// Failed logins allowed within FailureWindow, per identifier and per
	// client address, before further attempts are refused.
	MaxFailuresPerAccount int
	MaxFailuresPerIP      int
	FailureWindow         time.Duration
}

// Service is the account use cases.
type Service struct {
	pool    *pgxpool.Pool
	tokens  *Tokens
	hasher  *Hasher
	keyring *pii.Keyring
	cfg     Config
	now     func() time.Time
	// principals gathers a school's look-ups of principals that arrive
	// while the previous ones are being read (see Authenticate).
	principals *gather.Queue[uuid.UUID, *principalRequest]
}

// NewService returns a Service.
func NewService(pool *pgxpool.Pool, tokens *Tokens, hasher *Hasher, keyring *pii.Keyring, cfg Config) *Service {
	return &Service{pool: pool, tokens: tokens, hasher: hasher, keyring: keyring, cfg: cfg, now: time.Now,
		principals: gather.New[uuid.UUID, *principalRequest](maxPrincipalBatch)}
}

// Account is a sign-in identity of a tenant.
type Account struct {
	TenantID    uuid.UUID
	ID          uuid.UUID
	Username    string
	DisplayName string
	PersonID    *uuid.UUID
	Active      bool
	CreatedAt   time.Time

	roles       []BindingInfo // filled by List
	rolesLoaded bool
}

// LoadedRoles returns the account's role bindings when the read that
// returned it loaded them (List does), and false otherwise.
func (a *Account) LoadedRoles() ([]BindingInfo, bool) { return a.roles, a.rolesLoaded }

// Session is what a successful login or refresh returns to the client.
type Session struct {
	TenantID         uuid.UUID
	AccountID        uuid.UUID
	AccessToken      string
	AccessExpiresAt  time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
}

var (
	errLocalPasswordsOff = apperr.Forbiddenf("this school signs in through its campus identity system; passwords are switched off")
	errBadCredentials    = apperr.Unauthenticatedf("wrong username or password")
	errSessionEnded      = apperr.Unauthenticatedf("the session has expired or was signed out; sign in again")
	usernamePattern      = regexp.MustCompile(`^[A-Za-z0-9_.-]{2,64}$`)
	phonePattern         = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	emailPattern         = regexp.MustCompile(`^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$`)
)

// NormalizePhone strips spaces, dashes and a +86 prefix from a mainland
// mobile number and reports whether the result is one.
func NormalizePhone(s string) (string, bool) {
	s = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "+86"), "0086")
	return s, phonePattern.MatchString(s)
}

// identifierKind tells how a login identifier is looked up.
func (s *Service) lookup(ctx context.Context, q *accountdb.Queries, tenant uuid.UUID, ident string) (accountdb.Account, error) {
	if strings.Contains(ident, "@") {
		return q.AccountByEmail(ctx, accountdb.AccountByEmailParams{TenantID: tenant, EmailHmac: s.keyring.Index("account.email", strings.ToLower(ident))})
	}
	if p, ok := NormalizePhone(ident); ok {
		return q.AccountByPhone(ctx, accountdb.AccountByPhoneParams{TenantID: tenant, PhoneHmac: s.keyring.Index("account.phone", p)})
	}
	return q.AccountByUsername(ctx, accountdb.AccountByUsernameParams{TenantID: tenant, Username: ident})
}

// Login checks identifier (username, phone or e-mail) and password in
// tenant and opens a session. A wrong identifier and a wrong password give
// the same Unauthenticated error; too many recent failures for the
// identifier or the client address give RateLimited with a retry time.
func (s *Service) Login(ctx context.Context, tenant uuid.UUID, identifier, password, userAgent string) (*Session, error) {
	ident := strings.TrimSpace(identifier)
	subject := strings.ToLower(ident)
	ip := audit.ClientIP(ctx)
	var out *Session
	var failure error
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		if local, err := accountdb.New(tx).LocalPasswords(ctx, tenant); err != nil {
			return fmt.Errorf("account: school settings: %w", err)
		} else if !local {
			return errLocalPasswordsOff
		}
		since := s.now().Add(-s.cfg.FailureWindow)
		if err := s.checkRate(ctx, tx, tenant, subject, false, s.cfg.MaxFailuresPerAccount, since); err != nil {
			return err
		}
		if ip != "" {
			if err := s.checkRate(ctx, tx, tenant, ip, true, s.cfg.MaxFailuresPerIP, since); err != nil {
				return err
			}
		}
		q := accountdb.New(tx)
		acc, err := s.lookup(ctx, q, tenant, ident)
		hash := ""
		switch {
		case err == nil:
			hash = acc.PasswordHash
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("account: look up: %w", err)
		}
		if !s.hasher.Verify(password, hash) || !acc.Active {
			failure = errBadCredentials
			var actor *uuid.UUID
			if hash != "" {
				actor = &acc.ID
			}
			return audit.Record(ctx, tx, tenant, audit.Event{Action: audit.ActionLoginFailed, ActorID: actor, Subject: subject})
		}
		out, err = s.openSession(ctx, q, tenant, acc.ID, uuid.New(), userAgent)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, audit.Event{Action: audit.ActionLogin, ActorID: &acc.ID, Subject: subject})
	})
	if err != nil {
		return nil, err
	}
	if failure != nil {
		return nil, failure
	}
	return out, nil
}

func (s *Service) checkRate(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, key string, byIP bool, max int, since time.Time) error {
	n, oldest, err := audit.RecentCount(ctx, tx, tenant, audit.ActionLoginFailed, key, byIP, since)
	if err != nil {
		return err
	}
	if n < max {
		return nil
	}
	wait := oldest.Add(s.cfg.FailureWindow).Sub(s.now())
	if wait < time.Second {
		wait = time.Second
	}
	return &apperr.Error{Kind: apperr.RateLimited, Msg: "too many failed sign-in attempts; try again later", RetryAfter: wait}
}

func (s *Service) openSession(ctx context.Context, q *accountdb.Queries, tenant, accountID, family uuid.UUID, userAgent string) (*Session, error) {
	refresh, hash := newRefreshToken(tenant)
	exp := s.now().Add(s.cfg.RefreshTTL)
	if utf8.RuneCountInString(userAgent) > 300 {
		userAgent = string([]rune(userAgent)[:300])
	}
	row, err := q.InsertSession(ctx, accountdb.InsertSessionParams{
		TenantID: tenant, AccountID: accountID, FamilyID: family, RefreshHash: hash,
		ExpiresAt: exp, UserAgent: userAgent, ClientIp: audit.ClientIP(ctx),
	})
	if err != nil {
		return nil, fmt.Errorf("account: open session: %w", err)
	}
	access, accessExp, err := s.tokens.Issue(tenant, accountID, row.ID)
	if err != nil {
		return nil, fmt.Errorf("account: sign token: %w", err)
	}
	return &Session{TenantID: tenant, AccountID: accountID, AccessToken: access, AccessExpiresAt: accessExp, RefreshToken: refresh, RefreshExpiresAt: exp}, nil
}

// Refresh exchanges a refresh token for a new access and refresh token.
// Each refresh token works once: presenting one that was already used
// revokes every session of its family (the token was probably stolen) and
// fails with Unauthenticated.
func (s *Service) Refresh(ctx context.Context, refreshToken, userAgent string) (*Session, error) {
	tenant, hash, ok := parseRefreshToken(strings.TrimSpace(refreshToken))
	if !ok {
		return nil, errSessionEnded
	}
	var out *Session
	var failure error
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		sess, err := q.SessionByRefreshHash(ctx, accountdb.SessionByRefreshHashParams{TenantID: tenant, RefreshHash: hash})
		if errors.Is(err, pgx.ErrNoRows) {
			failure = errSessionEnded
			return nil
		}
		if err != nil {
			return fmt.Errorf("account: find session: %w", err)
		}
		switch {
		case sess.RevokedAt != nil:
			failure = errSessionEnded
			return nil
		case sess.RotatedAt != nil:
			failure = apperr.Unauthenticatedf("this refresh token was already used; every session it belongs to has been signed out")
			if err := q.RevokeFamily(ctx, accountdb.RevokeFamilyParams{TenantID: tenant, FamilyID: sess.FamilyID}); err != nil {
				return fmt.Errorf("account: revoke family: %w", err)
			}
			return audit.Record(ctx, tx, tenant, audit.Event{Action: audit.ActionRefreshReuse, ActorID: &sess.AccountID, TargetType: "session_family", TargetID: sess.FamilyID.String()})
		case !sess.ExpiresAt.After(s.now()):
			failure = errSessionEnded
			return nil
		}
		acc, err := q.AccountByID(ctx, accountdb.AccountByIDParams{TenantID: tenant, ID: sess.AccountID})
		if err != nil || !acc.Active {
			failure = errSessionEnded
			return nil
		}
		if err := q.MarkRotated(ctx, accountdb.MarkRotatedParams{TenantID: tenant, ID: sess.ID}); err != nil {
			return fmt.Errorf("account: rotate: %w", err)
		}
		out, err = s.openSession(ctx, q, tenant, sess.AccountID, sess.FamilyID, userAgent)
		return err
	})
	if err != nil {
		return nil, err
	}
	if failure != nil {
		return nil, failure
	}
	return out, nil
}

// Logout ends the caller's session and every rotation of it.
func (s *Service) Logout(ctx context.Context) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	return postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		if err := accountdb.New(tx).RevokeSessionFamily(ctx, accountdb.RevokeSessionFamilyParams{TenantID: p.TenantID, SessionID: p.SessionID}); err != nil {
			return fmt.Errorf("account: logout: %w", err)
		}
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionLogout, ActorID: &p.AccountID})
	})
}

// ChangePassword replaces the caller's password after checking the current
// one, and signs out every other session of the account.
func (s *Service) ChangePassword(ctx context.Context, current, next string) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if p.System {
		return apperr.Forbiddenf("the system principal has no password")
	}
	// The account's own words, for the password check: its username, the
	// school's code, and its phone number (kept only as a blind index, so
	// the numbers written in the password are compared with it).
	personal := []string{p.Username}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		acc, err := q.AccountByID(ctx, accountdb.AccountByIDParams{TenantID: p.TenantID, ID: p.AccountID})
		if err != nil {
			return postgres.Err(err, "account")
		}
		code, err := q.SchoolCode(ctx, p.TenantID)
		if err != nil {
			return fmt.Errorf("account: school code: %w", err)
		}
		personal = append(personal, code, acc.DisplayName)
		for _, ph := range PhonesIn(next) {
			if len(acc.PhoneHmac) > 0 && hmac.Equal(s.keyring.Index("account.phone", ph), acc.PhoneHmac) {
				personal = append(personal, ph)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.cfg.Password.Check("newPassword", next, personal...); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(next)
	if err != nil {
		return fmt.Errorf("account: hash: %w", err)
	}
	var failure error
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		acc, err := q.AccountByID(ctx, accountdb.AccountByIDParams{TenantID: p.TenantID, ID: p.AccountID})
		if err != nil {
			return postgres.Err(err, "account")
		}
		if !s.hasher.Verify(current, acc.PasswordHash) {
			failure = apperr.InvalidField("currentPassword", "is not your current password")
			return nil
		}
		if err := q.SetPassword(ctx, accountdb.SetPasswordParams{TenantID: p.TenantID, ID: p.AccountID, PasswordHash: hash}); err != nil {
			return fmt.Errorf("account: set password: %w", err)
		}
		if err := q.RevokeAccountSessions(ctx, accountdb.RevokeAccountSessionsParams{TenantID: p.TenantID, AccountID: p.AccountID, ExceptID: p.SessionID}); err != nil {
			return fmt.Errorf("account: revoke other sessions: %w", err)
		}
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionPasswordChange, ActorID: &p.AccountID})
	})
	if err != nil {
		return err
	}
	return failure
}

// Authenticate returns the principal behind an access token: the token must
// verify, and its session and account must still stand. Any failure is
// Unauthenticated.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (*auth.Principal, error) {
	c, err := s.tokens.Verify(accessToken)
	if err != nil {
		return nil, apperr.Unauthenticatedf("the access token is invalid or expired")
	}
	r := &principalRequest{session: c.Session, account: c.Account, err: errPrincipalLost}
	s.principals.Do(c.Tenant, r, func(batch []*principalRequest) []int {
		s.lookUpPrincipals(ctx, c.Tenant, batch)
		return nil
	})
	if r.err != nil {
		return nil, r.err
	}
	p := *r.p
	p.ExpiresAt = c.Expires
	return &p, nil
}

// Every signed-in request passes through Authenticate, so the look-ups of
// a school's principals that arrive while the previous ones are being
// read wait for them and go together (see package gather): one round
// trip reads the sessions and the role bindings of them all.

// maxPrincipalBatch bounds one look-up of principals.
const maxPrincipalBatch = 128

// principalRequest is one look-up in a batch, with its answer once read.
type principalRequest struct {
	session, account uuid.UUID
	p                *auth.Principal
	err              error
}

var errPrincipalLost = errors.New("account: the session's look-up failed")

// lookUpPrincipals reads and answers batch. The look-up outlives the
// leader's request if that one is cancelled: the others wait for it.
func (s *Service) lookUpPrincipals(ctx context.Context, tenant uuid.UUID, batch []*principalRequest) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	sessions, accounts := make([]uuid.UUID, len(batch)), make([]uuid.UUID, len(batch))
	for i, r := range batch {
		sessions[i], accounts[i] = r.session, r.account
	}
	found := make(map[uuid.UUID]*auth.Principal, len(batch))
	bindings := make(map[uuid.UUID][]auth.Binding, len(batch))
	b := &pgx.Batch{}
	queuePrincipals(b, tenant, sessions, accounts, found, bindings)
	if err := postgres.TenantBatchOverArrays(ctx, s.pool, tenant, b); err != nil {
		for _, r := range batch {
			r.err = fmt.Errorf("account: session: %w", err)
		}
		return
	}
	for _, r := range batch {
		p, ok := found[r.session]
		if !ok || p.AccountID != r.account {
			r.err = errSessionEnded
			continue
		}
		// Each request its own principal: a session twice in the batch
		// shares nothing.
		own := *p
		own.Bindings = slices.Clone(bindings[r.account])
		r.p, r.err = &own, nil
	}
}

// CreateInput describes a new account.
type CreateInput struct {
	Username    string
	DisplayName string
	Phone       string // optional; a mainland mobile number
	Email       string // optional
	Password    string
	PersonID    *uuid.UUID
}

// Create adds an account to the caller's tenant. Only those who may manage
// roles tenant-wide (tenant admins, the system) may create accounts.
func (s *Service) Create(ctx context.Context, in CreateInput) (*Account, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermRoleManage)
	if err != nil {
		return nil, err
	}
	in.Username, in.DisplayName = strings.TrimSpace(in.Username), strings.TrimSpace(in.DisplayName)
	var v apperr.Validation
	if !usernamePattern.MatchString(in.Username) {
		v.Add("username", "must be 2–64 letters, digits, '_', '.' or '-'")
	}
	if n := utf8.RuneCountInString(in.DisplayName); n < 1 || n > 100 {
		v.Add("displayName", "must be 1–100 characters")
	}
	var phoneIdx, emailIdx []byte
	if in.Phone != "" {
		ph, ok := NormalizePhone(in.Phone)
		if !ok {
			v.Add("phone", "is not a mainland mobile number (11 digits starting with 1)")
		}
		phoneIdx = s.keyring.Index("account.phone", ph)
	}
	if in.Email != "" {
		e := strings.ToLower(strings.TrimSpace(in.Email))
		if !emailPattern.MatchString(e) {
			v.Add("email", "is not an e-mail address")
		}
		emailIdx = s.keyring.Index("account.email", e)
	}
	personal := []string{in.Username, in.DisplayName, in.Phone, strings.SplitN(in.Email, "@", 2)[0]}
	if err := postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		code, err := accountdb.New(tx).SchoolCode(ctx, p.TenantID)
		personal = append(personal, code)
		return err
	}); err != nil {
		return nil, fmt.Errorf("account: school code: %w", err)
	}
	if ph, ok := NormalizePhone(in.Phone); ok {
		personal = append(personal, ph)
	}
	v.Merge("", s.cfg.Password.Check("password", in.Password, personal...))
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(in.Password)
	if err != nil {
		return nil, fmt.Errorf("account: hash: %w", err)
	}
	var out *Account
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		row, err := accountdb.New(tx).InsertAccount(ctx, accountdb.InsertAccountParams{
			TenantID: p.TenantID, Username: in.Username, PhoneHmac: phoneIdx, EmailHmac: emailIdx,
			DisplayName: in.DisplayName, PasswordHash: hash, PersonID: in.PersonID,
		})
		if err != nil {
			var pe *apperr.Error
			switch {
			case postgres.IsUniqueViolation(err, "accounts_tenant_id_username_key"):
				pe = &apperr.Error{Kind: apperr.Conflict, Msg: "that username is taken", Fields: map[string]string{"username": "already taken"}, Err: err}
			case postgres.IsUniqueViolation(err, "accounts_tenant_id_phone_hmac_key"):
				pe = &apperr.Error{Kind: apperr.Conflict, Msg: "another account has that phone number", Fields: map[string]string{"phone": "already used"}, Err: err}
			case postgres.IsUniqueViolation(err, "accounts_tenant_id_email_hmac_key"):
				pe = &apperr.Error{Kind: apperr.Conflict, Msg: "another account has that e-mail address", Fields: map[string]string{"email": "already used"}, Err: err}
			}
			if pe != nil {
				return pe
			}
			return postgres.Err(err, "account")
		}
		out = accountFromRow(row)
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionAccountCreate, ActorID: p.Actor(), TargetType: "account", TargetID: row.ID.String(), Subject: in.Username})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func accountFromRow(r accountdb.Account) *Account {
	return &Account{TenantID: r.TenantID, ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, PersonID: r.PersonID, Active: r.Active, CreatedAt: r.CreatedAt}
}

// ByUsername returns an account of the caller's tenant (system or role
// managers only), or NotFound.
func (s *Service) ByUsername(ctx context.Context, username string) (*Account, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermRoleManage)
	if err != nil {
		return nil, err
	}
	var out *Account
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		row, err := accountdb.New(tx).AccountByUsername(ctx, accountdb.AccountByUsernameParams{TenantID: p.TenantID, Username: username})
		if err != nil {
			return postgres.Err(err, "account")
		}
		out = accountFromRow(row)
		return nil
	})
	return out, err
}

// GrantRole binds role at unit to an account. Only role managers in scope
// may grant; the tenant-admin role may only be held at the root unit.
func (s *Service) GrantRole(ctx context.Context, accountID uuid.UUID, role auth.Role, unitID uuid.UUID) error {
	return s.changeRole(ctx, accountID, role, unitID, true)
}

// RevokeRole removes a role binding; NotFound when there is none.
func (s *Service) RevokeRole(ctx context.Context, accountID uuid.UUID, role auth.Role, unitID uuid.UUID) error {
	return s.changeRole(ctx, accountID, role, unitID, false)
}

func (s *Service) changeRole(ctx context.Context, accountID uuid.UUID, role auth.Role, unitID uuid.UUID, grant bool) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if !role.Valid() {
		return apperr.InvalidField("role", "unknown role")
	}
	return postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		unit, err := q.UnitPath(ctx, accountdb.UnitPathParams{TenantID: p.TenantID, ID: unitID})
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.InvalidField("orgUnitId", "no such org unit")
		}
		if err != nil {
			return fmt.Errorf("account: unit: %w", err)
		}
		if !p.Can(auth.PermRoleManage, auth.Scope{TenantID: p.TenantID, OrgPath: unit.Path}) {
			return apperr.Forbiddenf("you may not manage roles here")
		}
		if grant && role == auth.RoleTenantAdmin && unit.ParentID != nil {
			return apperr.InvalidField("orgUnitId", "the tenant-admin role is held at the party committee (the root unit)")
		}
		if _, err := q.AccountByID(ctx, accountdb.AccountByIDParams{TenantID: p.TenantID, ID: accountID}); err != nil {
			return postgres.Err(err, "account")
		}
		action := audit.ActionRoleGrant
		if grant {
			if _, err := q.InsertBinding(ctx, accountdb.InsertBindingParams{TenantID: p.TenantID, AccountID: accountID, Role: string(role), OrgUnitID: unitID, CreatedBy: p.Actor()}); err != nil {
				return fmt.Errorf("account: grant: %w", err)
			}
		} else {
			action = audit.ActionRoleRevoke
			n, err := q.DeleteBinding(ctx, accountdb.DeleteBindingParams{TenantID: p.TenantID, AccountID: accountID, Role: string(role), OrgUnitID: unitID})
			if err != nil {
				return fmt.Errorf("account: revoke: %w", err)
			}
			if n == 0 {
				return apperr.NotFoundf("the account does not hold that role there")
			}
		}
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: action, ActorID: p.Actor(), TargetType: "account", TargetID: accountID.String(),
			Detail: map[string]any{"role": role, "orgUnitId": unitID.String()}})
	})
}

// Me describes the caller: the account, its role bindings with unit names,
// and its effective permissions.
type Me struct {
	Account     *Account
	Bindings    []BindingInfo
	Permissions []auth.Permission
}

// BindingInfo is a role binding with the unit's name.
type BindingInfo struct {
	Role        auth.Role
	OrgUnitID   uuid.UUID
	OrgUnitName string
}

// Me returns the caller's account, roles and permissions.
func (s *Service) Me(ctx context.Context) (*Me, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if p.System {
		return nil, apperr.Forbiddenf("the system principal has no account")
	}
	out := &Me{Permissions: p.EffectivePermissions()}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		acc, err := q.AccountByID(ctx, accountdb.AccountByIDParams{TenantID: p.TenantID, ID: p.AccountID})
		if err != nil {
			return postgres.Err(err, "account")
		}
		out.Account = accountFromRow(acc)
		rows, err := q.BindingsOf(ctx, accountdb.BindingsOfParams{TenantID: p.TenantID, AccountID: p.AccountID})
		if err != nil {
			return fmt.Errorf("account: bindings: %w", err)
		}
		for _, r := range rows {
			out.Bindings = append(out.Bindings, BindingInfo{Role: auth.Role(r.Role), OrgUnitID: r.OrgUnitID, OrgUnitName: r.OrgUnitName})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ByIDs returns the accounts of the caller's tenant among ids, keyed by id.
// Anonymous callers get Unauthenticated.
func (s *Service) ByIDs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*Account, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]*Account, len(ids))
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		rows, err := accountdb.New(tx).AccountsByIDs(ctx, accountdb.AccountsByIDsParams{TenantID: p.TenantID, Ids: ids})
		if err != nil {
			return fmt.Errorf("account: by ids: %w", err)
		}
		for _, r := range rows {
			out[r.ID] = accountFromRow(r)
		}
		return nil
	})
	return out, err
}

// Get returns an account of school tenant to a signed-in caller of the
// same school; others get NotFound.
func (s *Service) Get(ctx context.Context, tenant, id uuid.UUID) (*Account, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if p.TenantID != tenant {
		return nil, apperr.NotFoundf("account not found")
	}
	found, err := s.ByIDs(ctx, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	if a, ok := found[id]; ok {
		return a, nil
	}
	return nil, apperr.NotFoundf("account not found")
}

// AccountOf returns an account by id in tenant, for the caller that has
// just authenticated it (login, refresh).
func (s *Service) AccountOf(ctx context.Context, tenant, id uuid.UUID) (*Account, error) {
	var out *Account
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		row, err := accountdb.New(tx).AccountByID(ctx, accountdb.AccountByIDParams{TenantID: tenant, ID: id})
		if err != nil {
			return postgres.Err(err, "account")
		}
		out = accountFromRow(row)
		return nil
	})
	return out, err
}
