// Package sso signs people in through their school's campus identity
// system (统一身份认证): OpenID Connect (authorisation code with PKCE,
// state and nonce checked, issuer and audience pinned, by coreos/go-oidc)
// or CAS 3.0 (service tickets validated with /p3/serviceValidate, with
// attribute release). Who a campus identity is in zhdj is the account
// package's rule (account.SignInLinked): this package runs the protocols.
//
// A sign-in starts at /auth/{school}/{provider}/start?return_to=URL,
// which sends the browser to the provider; the provider sends it back to
// /auth/{school}/{provider}/callback, which opens a session and sends the
// browser to return_to (a front end of the school) with the tokens in the
// URL fragment (#access_token=…&refresh_token=…), or with #error=… and a
// message.
package sso

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/account"
	"zhdj/internal/apperr"
	"zhdj/internal/pii"
	"zhdj/internal/postgres"
	"zhdj/internal/sso/ssodb"
)

// Kind is a provider's protocol.
type Kind string

const (
	KindOIDC Kind = "oidc"
	KindCAS  Kind = "cas"
)

// Provider is a school's identity provider.
type Provider struct {
	TenantID       uuid.UUID
	ID             uuid.UUID
	Name           string
	Kind           Kind
	DisplayName    string
	URL            string // OIDC issuer, or the CAS server's base URL
	ClientID       string
	clientSecret   string
	LinkAttribute  string // claim or attribute whose value links an account
	LinkTo         string // username, email or phone
	CreateAccounts bool
}

// loginTTL is how long a started sign-in may take at the provider.
const loginTTL = 10 * time.Minute

// Service runs sign-ins.
type Service struct {
	pool     *pgxpool.Pool
	keyring  *pii.Keyring
	accounts *account.Service
	// publicURL is where browsers reach this server (callback URLs).
	publicURL string
	// returnAllowed says whether a front end may be returned to.
	returnAllowed func(origin string) bool
	now           func() time.Time

	mu        sync.Mutex
	discovery map[string]*oidcProvider // by issuer
}

// NewService returns a Service; returnAllowed decides the origins
// return_to may have (the sites' origins).
func NewService(pool *pgxpool.Pool, keyring *pii.Keyring, accounts *account.Service, publicURL string, returnAllowed func(string) bool) *Service {
	return &Service{pool: pool, keyring: keyring, accounts: accounts, publicURL: strings.TrimRight(publicURL, "/"),
		returnAllowed: returnAllowed, now: time.Now, discovery: map[string]*oidcProvider{}}
}

// AddInput describes a provider to add.
type AddInput struct {
	Name, DisplayName string
	Kind              Kind
	URL               string
	ClientID          string
	ClientSecret      string
	LinkAttribute     string
	LinkTo            string
	CreateAccounts    bool
}

// Add records an identity provider of school (operators, through the CLI).
func (s *Service) Add(ctx context.Context, school uuid.UUID, in AddInput) (*Provider, error) {
	var v apperr.Validation
	if in.Kind != KindOIDC && in.Kind != KindCAS {
		v.Add("kind", "must be oidc or cas")
	}
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		v.Add("url", "must be an absolute http(s) URL without credentials")
	}
	if in.Kind == KindOIDC && (in.ClientID == "" || in.ClientSecret == "") {
		v.Add("clientId", "an OpenID Connect provider needs the client id and secret it gave this school")
	}
	if in.LinkTo != "username" && in.LinkTo != "email" && in.LinkTo != "phone" {
		v.Add("linkTo", "must be username, email or phone")
	}
	if strings.TrimSpace(in.LinkAttribute) == "" {
		v.Add("linkAttribute", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var sealed []byte
	if in.ClientSecret != "" {
		var err error
		if sealed, err = s.keyring.Encrypt(in.ClientSecret, ctxSecret); err != nil {
			return nil, fmt.Errorf("sso: seal the client secret: %w", err)
		}
	}
	p := &Provider{TenantID: school, Name: in.Name, Kind: in.Kind, DisplayName: in.DisplayName, URL: in.URL, ClientID: in.ClientID,
		LinkAttribute: in.LinkAttribute, LinkTo: in.LinkTo, CreateAccounts: in.CreateAccounts}
	if in.Kind == KindCAS {
		p.URL = strings.TrimRight(in.URL, "/") // paths are appended; an OIDC issuer stays exactly as its provider names it
	}
	err := postgres.InTenantTx(ctx, s.pool, school, func(tx pgx.Tx) error {
		var err error
		p.ID, err = ssodb.New(tx).InsertProvider(ctx, ssodb.InsertProviderParams{TenantID: school, Name: p.Name, Kind: string(p.Kind),
			DisplayName: p.DisplayName, Url: p.URL, ClientID: p.ClientID, ClientSecretSealed: sealed, LinkAttribute: p.LinkAttribute,
			LinkTo: p.LinkTo, CreateAccounts: p.CreateAccounts})
		return err
	})
	if err != nil {
		return nil, postgres.Err(err, "identity provider")
	}
	return p, nil
}

const ctxSecret = "identity_providers.client_secret"

// SealedColumns are the identity providers' sealed columns (key rotation
// reseals them).
var SealedColumns = []pii.Column{{Table: "identity_providers", Column: "client_secret_sealed", Context: ctxSecret}}

// provider loads school's active provider name.
func (s *Service) provider(ctx context.Context, tx pgx.Tx, school uuid.UUID, name string) (*Provider, error) {
	r, err := ssodb.New(tx).ActiveProvider(ctx, ssodb.ActiveProviderParams{TenantID: school, Name: name})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.NotFoundf("this school has no identity provider %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("sso: provider: %w", err)
	}
	p := &Provider{TenantID: school, ID: r.ID, Name: r.Name, Kind: Kind(r.Kind), DisplayName: r.DisplayName, URL: r.Url, ClientID: r.ClientID,
		LinkAttribute: r.LinkAttribute, LinkTo: r.LinkTo, CreateAccounts: r.CreateAccounts}
	if len(r.ClientSecretSealed) > 0 {
		if p.clientSecret, err = s.keyring.Decrypt(r.ClientSecretSealed, ctxSecret); err != nil {
			return nil, fmt.Errorf("sso: open the client secret: %w", err)
		}
	}
	return p, nil
}

// callbackURL is where the provider sends the browser back.
func (s *Service) callbackURL(schoolCode string, p *Provider) string {
	return fmt.Sprintf("%s/auth/%s/%s/callback", s.publicURL, url.PathEscape(schoolCode), url.PathEscape(p.Name))
}

// Begin starts a sign-in and returns where to send the browser.
func (s *Service) Begin(ctx context.Context, school uuid.UUID, schoolCode, providerName, returnTo string) (string, error) {
	if err := s.checkReturn(returnTo); err != nil {
		return "", err
	}
	var to string
	err := postgres.InTenantTx(ctx, s.pool, school, func(tx pgx.Tx) error {
		p, err := s.provider(ctx, tx, school, providerName)
		if err != nil {
			return err
		}
		state, nonce, verifier := random(), random(), ""
		callback := s.callbackURL(schoolCode, p)
		switch p.Kind {
		case KindOIDC:
			var err error
			if to, verifier, err = s.oidcStart(ctx, p, callback, state, nonce); err != nil {
				return err
			}
		case KindCAS:
			// CAS carries no state: it is in the service URL, which the
			// ticket is bound to.
			to = p.URL + "/login?service=" + url.QueryEscape(casService(callback, state))
		}
		return ssodb.New(tx).InsertLogin(ctx, ssodb.InsertLoginParams{TenantID: school, State: state, ProviderID: p.ID, Nonce: nonce,
			CodeVerifier: verifier, ReturnTo: returnTo, ExpiresAt: s.now().Add(loginTTL)})
	})
	return to, err
}

// login is a started sign-in.
type login struct {
	nonce, verifier, returnTo string
}

// take uses up the sign-in state (once; expired ones are refused).
func (s *Service) take(ctx context.Context, tx pgx.Tx, school uuid.UUID, p *Provider, state string) (*login, error) {
	r, err := ssodb.New(tx).TakeLogin(ctx, ssodb.TakeLoginParams{TenantID: school, State: state, ProviderID: p.ID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.Unauthenticatedf("this sign-in is unknown or was already used; start again")
	}
	if err != nil {
		return nil, fmt.Errorf("sso: sign-in state: %w", err)
	}
	if s.now().After(r.ExpiresAt) {
		return nil, apperr.Unauthenticatedf("this sign-in took too long; start again")
	}
	return &login{nonce: r.Nonce, verifier: r.CodeVerifier, returnTo: r.ReturnTo}, nil
}

// Finish completes a sign-in from the provider's answer (the callback's
// query) and returns the session and the front end to return to.
func (s *Service) Finish(ctx context.Context, school uuid.UUID, schoolCode, providerName string, query url.Values, userAgent string) (*account.Session, string, error) {
	var p *Provider
	var l *login
	// The state is used up first, in a transaction of its own: a failed
	// answer cannot be replayed with it. The provider is asked outside any
	// transaction.
	err := postgres.InTenantTx(ctx, s.pool, school, func(tx pgx.Tx) error {
		var err error
		if p, err = s.provider(ctx, tx, school, providerName); err != nil {
			return err
		}
		l, err = s.take(ctx, tx, school, p, query.Get("state"))
		return err
	})
	if err != nil {
		return nil, "", err
	}
	callback := s.callbackURL(schoolCode, p)
	var id account.Identity
	switch p.Kind {
	case KindOIDC:
		id, err = s.oidcFinish(ctx, p, callback, l, query)
	case KindCAS:
		id, err = s.casFinish(ctx, p, casService(callback, query.Get("state")), query.Get("ticket"))
	}
	if err != nil {
		return nil, l.returnTo, err
	}
	sess, err := s.accounts.SignInLinked(ctx, school, id, userAgent)
	return sess, l.returnTo, err
}

// ReturnURL is where the browser goes after a sign-in: returnTo with the
// session, or the error, in the fragment (never sent to a server).
func ReturnURL(returnTo string, sess *account.Session, failure string) string {
	f := url.Values{}
	if sess != nil {
		f.Set("access_token", sess.AccessToken)
		f.Set("refresh_token", sess.RefreshToken)
		f.Set("expires_at", sess.AccessExpiresAt.UTC().Format(time.RFC3339))
	} else {
		f.Set("error", failure)
	}
	base, _, _ := strings.Cut(returnTo, "#")
	return base + "#" + f.Encode()
}

func (s *Service) checkReturn(returnTo string) error {
	u, err := url.Parse(returnTo)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return apperr.InvalidField("return_to", "must be the absolute URL of one of the school's front ends")
	}
	if !s.returnAllowed(u.Scheme + "://" + u.Host) {
		return apperr.InvalidField("return_to", "is not the address of one of this platform's sites")
	}
	return nil
}

func random() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
