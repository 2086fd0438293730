package account

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/account/accountdb"
	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/postgres"
)

// Identity is a person as a campus identity provider vouched for them.
type Identity struct {
	ProviderID   uuid.UUID
	ProviderName string
	// Subject is the provider's stable id of the person (OIDC sub, CAS user).
	Subject string
	// LinkValue is the attribute that links them to an account (a student
	// or staff number, an e-mail address, a phone number), LinkTo says
	// which of the account's: "username", "email" or "phone".
	LinkValue, LinkTo string
	// DisplayName, when the provider released one, names a new account.
	DisplayName string
	// CreateAccounts lets a person with no account get one (the school's
	// choice per provider); otherwise they are refused.
	CreateAccounts bool
}

// errNotLinked says there is no account for a campus identity.
var errNotLinked = apperr.Unauthenticatedf("no account of this school belongs to your campus identity; ask your organisation department to create one")

// SignInLinked opens a session for the account a campus identity belongs
// to: the one linked to it before, or the one whose username, e-mail or
// phone is its link value (linked from then on), or, if the provider may
// create accounts, a new one. The sign-in is audited like a password one.
func (s *Service) SignInLinked(ctx context.Context, tenant uuid.UUID, id Identity, userAgent string) (*Session, error) {
	if strings.TrimSpace(id.Subject) == "" {
		return nil, apperr.Unauthenticatedf("the identity provider did not say who you are")
	}
	var out *Session
	var failure error
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		q := accountdb.New(tx)
		accountID, err := q.IdentityAccount(ctx, accountdb.IdentityAccountParams{TenantID: tenant, ProviderID: id.ProviderID, Subject: id.Subject})
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			acc, ok, err := s.matching(ctx, q, tenant, id)
			if err != nil {
				return err
			}
			if !ok {
				if !id.CreateAccounts {
					failure = errNotLinked
					return audit.Record(ctx, tx, tenant, audit.Event{Action: audit.ActionLoginFailed, Subject: "sso:" + id.ProviderName + ":" + id.LinkValue})
				}
				if acc, err = s.createLinked(ctx, tx, q, tenant, id); err != nil {
					return err
				}
			}
			accountID = acc.ID
		case err != nil:
			return fmt.Errorf("account: identity: %w", err)
		}
		acc, err := q.AccountByID(ctx, accountdb.AccountByIDParams{TenantID: tenant, ID: accountID})
		if err != nil {
			return postgres.Err(err, "account")
		}
		if !acc.Active {
			failure = apperr.Unauthenticatedf("your account is switched off; ask your organisation department")
			return nil
		}
		if err := q.LinkIdentity(ctx, accountdb.LinkIdentityParams{TenantID: tenant, ProviderID: id.ProviderID, Subject: id.Subject, AccountID: acc.ID}); err != nil {
			return fmt.Errorf("account: link identity: %w", err)
		}
		out, err = s.openSession(ctx, q, tenant, acc.ID, uuid.New(), userAgent)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, tenant, audit.Event{Action: audit.ActionLogin, ActorID: &acc.ID, Subject: "sso:" + id.ProviderName + ":" + acc.Username})
	})
	if err != nil {
		return nil, err
	}
	if failure != nil {
		return nil, failure
	}
	return out, nil
}

// matching finds the account whose LinkTo field is the identity's value.
func (s *Service) matching(ctx context.Context, q *accountdb.Queries, tenant uuid.UUID, id Identity) (accountdb.Account, bool, error) {
	v := strings.TrimSpace(id.LinkValue)
	if v == "" {
		return accountdb.Account{}, false, nil
	}
	var acc accountdb.Account
	var err error
	switch id.LinkTo {
	case "email":
		acc, err = q.AccountByEmail(ctx, accountdb.AccountByEmailParams{TenantID: tenant, EmailHmac: s.keyring.Index("account.email", strings.ToLower(v))})
	case "phone":
		p, ok := NormalizePhone(v)
		if !ok {
			return acc, false, nil
		}
		acc, err = q.AccountByPhone(ctx, accountdb.AccountByPhoneParams{TenantID: tenant, PhoneHmac: s.keyring.Index("account.phone", p)})
	default:
		acc, err = q.AccountByUsername(ctx, accountdb.AccountByUsernameParams{TenantID: tenant, Username: v})
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return acc, false, nil
	}
	if err != nil {
		return acc, false, fmt.Errorf("account: find the account of an identity: %w", err)
	}
	return acc, true, nil
}

var notUsername = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// createLinked creates the account of a campus identity: its username is
// the link value (a student or staff number) made fit for a username; it
// has no password, so it signs in only through the provider.
func (s *Service) createLinked(ctx context.Context, tx pgx.Tx, q *accountdb.Queries, tenant uuid.UUID, id Identity) (accountdb.Account, error) {
	username := notUsername.ReplaceAllString(strings.SplitN(id.LinkValue, "@", 2)[0], "")
	if id.LinkTo != "username" || len(username) < 2 || len(username) > 64 {
		return accountdb.Account{}, apperr.Unauthenticatedf("your campus identity has no student or staff number this school can make an account of")
	}
	name := strings.TrimSpace(id.DisplayName)
	if name == "" || len([]rune(name)) > 100 {
		name = username
	}
	acc, err := q.InsertAccount(ctx, accountdb.InsertAccountParams{TenantID: tenant, Username: username, DisplayName: name, PasswordHash: ""})
	if postgres.IsUniqueViolation(err, "accounts_tenant_id_username_key") {
		return acc, apperr.Conflictf("an account named %s exists but is not linked to your campus identity; ask your organisation department", username)
	}
	if err != nil {
		return acc, fmt.Errorf("account: create the account of an identity: %w", err)
	}
	return acc, audit.Record(ctx, tx, tenant, audit.Event{Action: audit.ActionAccountCreate, ActorID: &acc.ID, TargetType: "account", TargetID: acc.ID.String(), Subject: username,
		Detail: map[string]any{"provider": id.ProviderName}})
}
