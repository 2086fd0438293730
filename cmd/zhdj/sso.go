package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"zhdj/internal/sso"
)

func runSSO(ctx context.Context, args []string, stdout io.Writer) error {
	if ok, err := oneAction(args, "sso", "add", "zhdj sso add --school CODE --name NAME --kind oidc|cas --url URL --link-attribute A --link-to username|email|phone [--client-id ID] [--display-name N] [--create-accounts]"); !ok {
		return err
	}
	fs := newFlags("sso add", `Add a campus identity provider (统一身份认证) to a school. People sign in at
  /auth/SCHOOL/NAME/start?return_to=FRONT-END-URL
and the provider must accept the callback
  ZHDJ_PUBLIC_URL/auth/SCHOOL/NAME/callback
An OpenID Connect client secret is read from ZHDJ_SSO_CLIENT_SECRET (or the
file ZHDJ_SSO_CLIENT_SECRET_FILE), never from a flag.`)
	school := fs.String("school", "", "the school's code (required)")
	name := fs.String("name", "", "the provider's name in URLs, e.g. campus (required)")
	kind := fs.String("kind", "", "oidc or cas (required)")
	display := fs.String("display-name", "统一身份认证", "the name front ends show on the sign-in button")
	u := fs.String("url", "", "the OpenID issuer, or the CAS server's base URL, e.g. https://cas.example.edu.cn/cas (required)")
	clientID := fs.String("client-id", "", "the client id the OpenID provider gave (oidc)")
	attr := fs.String("link-attribute", "", "the claim or CAS attribute holding the student/staff number (\"user\": the CAS user name) (required)")
	linkTo := fs.String("link-to", "username", "which account field the attribute matches: username, email or phone")
	create := fs.Bool("create-accounts", false, "create an account for someone who has none (otherwise they are refused)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	secret := os.Getenv("ZHDJ_SSO_CLIENT_SECRET")
	if f := os.Getenv("ZHDJ_SSO_CLIENT_SECRET_FILE"); secret == "" && f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("sso: %w", err)
		}
		secret = string(b)
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	t, err := a.Tenants.ByCode(ctx, *school)
	if err != nil {
		return err
	}
	p, err := a.SSO.Add(ctx, t.ID, sso.AddInput{Name: *name, DisplayName: *display, Kind: sso.Kind(*kind), URL: *u, ClientID: *clientID,
		ClientSecret: secret, LinkAttribute: *attr, LinkTo: *linkTo, CreateAccounts: *create})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "identity provider %s (%s) added to %s; callback: %s/auth/%s/%s/callback\n", p.Name, p.Kind, t.Code, a.Config.PublicURL, t.Code, p.Name)
	return nil
}
