package sso

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"zhdj/internal/account"
	"zhdj/internal/apperr"
)

// oidcProvider is a discovered OpenID provider (its keys cached by
// go-oidc), rediscovered after a day.
type oidcProvider struct {
	p     *oidc.Provider
	found time.Time
}

// discover returns the provider at issuer; go-oidc refuses a discovery
// document that names another issuer.
func (s *Service) discover(ctx context.Context, issuer string) (*oidc.Provider, error) {
	s.mu.Lock()
	d := s.discovery[issuer]
	s.mu.Unlock()
	if d != nil && s.now().Sub(d.found) < 24*time.Hour {
		return d.p, nil
	}
	p, err := oidc.NewProvider(context.WithoutCancel(ctx), issuer)
	if err != nil {
		return nil, &apperr.Error{Kind: apperr.Unavailable, Msg: "the campus identity system does not answer; try again shortly", Err: err}
	}
	s.mu.Lock()
	s.discovery[issuer] = &oidcProvider{p: p, found: s.now()}
	s.mu.Unlock()
	return p, nil
}

func (s *Service) oauth(p *Provider, op *oidc.Provider, callback string) *oauth2.Config {
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.clientSecret, Endpoint: op.Endpoint(), RedirectURL: callback,
		Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
}

// oidcStart returns the authorisation URL (state, nonce and a PKCE
// challenge in it) and the PKCE verifier to keep.
func (s *Service) oidcStart(ctx context.Context, p *Provider, callback, state, nonce string) (string, string, error) {
	op, err := s.discover(ctx, p.URL)
	if err != nil {
		return "", "", err
	}
	verifier := oauth2.GenerateVerifier()
	to := s.oauth(p, op, callback).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	return to, verifier, nil
}

// oidcFinish exchanges the code (with the PKCE verifier), verifies the ID
// token (signature, issuer, audience = our client id, expiry, nonce) and
// reads the person from its claims.
func (s *Service) oidcFinish(ctx context.Context, p *Provider, callback string, l *login, query url.Values) (account.Identity, error) {
	if e := query.Get("error"); e != "" {
		return account.Identity{}, apperr.Unauthenticatedf("the campus identity system refused the sign-in: %s", e)
	}
	op, err := s.discover(ctx, p.URL)
	if err != nil {
		return account.Identity{}, err
	}
	tok, err := s.oauth(p, op, callback).Exchange(ctx, query.Get("code"), oauth2.VerifierOption(l.verifier))
	if err != nil {
		return account.Identity{}, &apperr.Error{Kind: apperr.Unauthenticated, Msg: "the campus identity system did not accept the sign-in; start again", Err: err}
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return account.Identity{}, apperr.Unauthenticatedf("the campus identity system gave no ID token")
	}
	idt, err := op.Verifier(&oidc.Config{ClientID: p.ClientID}).Verify(ctx, raw)
	if err != nil {
		return account.Identity{}, &apperr.Error{Kind: apperr.Unauthenticated, Msg: "the ID token from the campus identity system is not valid", Err: err}
	}
	if idt.Nonce != l.nonce {
		return account.Identity{}, apperr.Unauthenticatedf("the ID token from the campus identity system is not valid")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return account.Identity{}, fmt.Errorf("sso: claims: %w", err)
	}
	if claimString(claims[p.LinkAttribute]) == "" {
		// Many providers put profile claims only in the userinfo answer.
		info, err := op.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return account.Identity{}, &apperr.Error{Kind: apperr.Unavailable, Msg: "the campus identity system does not answer; try again shortly", Err: err}
		}
		var more map[string]any
		if err := info.Claims(&more); err != nil || info.Subject != idt.Subject {
			return account.Identity{}, apperr.Unauthenticatedf("the ID token from the campus identity system is not valid")
		}
		for k, v := range more {
			if _, ok := claims[k]; !ok {
				claims[k] = v
			}
		}
	}
	return account.Identity{ProviderID: p.ID, ProviderName: p.Name, Subject: idt.Subject, LinkValue: claimString(claims[p.LinkAttribute]),
		LinkTo: p.LinkTo, DisplayName: claimString(claims["name"]), CreateAccounts: p.CreateAccounts}, nil
}

func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprintf("%.0f", x)
	}
	return ""
}
