package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"

	"zhdj/internal/account"
	"zhdj/internal/auth"
	"zhdj/internal/sso"
)

// casServer is a CAS 3.0 server written from the protocol specification:
// /login shows a form and, for a right password, redirects to the service
// with a service ticket (ST-…) bound to that service URL; /p3/serviceValidate
// answers authenticationSuccess with the user and released attributes, or
// authenticationFailure with INVALID_REQUEST (a parameter missing),
// INVALID_TICKET (unknown, used or not a service ticket) or INVALID_SERVICE
// (another service; the ticket is used up). Tickets are single use.
type casServer struct {
	*httptest.Server
	mu      sync.Mutex
	users   map[string]casUser // by user name
	tickets map[string]casTicket
}

type casUser struct {
	password   string
	attributes map[string]string
}

type casTicket struct {
	user, service string
}

func newCASServer(t *testing.T, users map[string]casUser) *casServer {
	c := &casServer{users: users, tickets: map[string]casTicket{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cas/login", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<form method="post"><input type="hidden" name="service" value="%s"><input name="username"><input name="password" type="password"></form>`,
			html.EscapeString(r.URL.Query().Get("service")))
	})
	mux.HandleFunc("POST /cas/login", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		u, ok := c.users[r.PostForm.Get("username")]
		service := r.PostForm.Get("service")
		if !ok || u.password != r.PostForm.Get("password") || service == "" {
			http.Error(w, "wrong credentials", http.StatusUnauthorized)
			return
		}
		var b [16]byte
		_, _ = rand.Read(b[:])
		st := "ST-" + hex.EncodeToString(b[:])
		c.mu.Lock()
		c.tickets[st] = casTicket{user: r.PostForm.Get("username"), service: service}
		c.mu.Unlock()
		sep := "?"
		if strings.Contains(service, "?") {
			sep = "&"
		}
		http.Redirect(w, r, service+sep+"ticket="+url.QueryEscape(st), http.StatusFound)
	})
	mux.HandleFunc("GET /cas/p3/serviceValidate", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		fail := func(code, msg string) {
			fmt.Fprintf(w, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="%s">%s</cas:authenticationFailure></cas:serviceResponse>`, code, html.EscapeString(msg))
		}
		service, ticket := r.URL.Query().Get("service"), r.URL.Query().Get("ticket")
		if service == "" || ticket == "" {
			fail("INVALID_REQUEST", "'service' and 'ticket' parameters are both required")
			return
		}
		c.mu.Lock()
		tk, ok := c.tickets[ticket]
		delete(c.tickets, ticket)
		c.mu.Unlock()
		switch {
		case !strings.HasPrefix(ticket, "ST-") || !ok:
			fail("INVALID_TICKET", "Ticket "+ticket+" not recognized")
			return
		case tk.service != service:
			fail("INVALID_SERVICE", "Ticket "+ticket+" does not match supplied service")
			return
		}
		var attrs strings.Builder
		for k, v := range c.users[tk.user].attributes {
			fmt.Fprintf(&attrs, "<cas:%s>%s</cas:%s>", k, html.EscapeString(v), k)
		}
		fmt.Fprintf(w, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>%s</cas:user><cas:attributes>%s</cas:attributes></cas:authenticationSuccess></cas:serviceResponse>`,
			html.EscapeString(tk.user), attrs.String())
	})
	c.Server = httptest.NewServer(mux)
	t.Cleanup(c.Close)
	return c
}

// browser follows redirects with cookies and stops at the front end,
// returning the fragment the sign-in returned to it.
type browser struct {
	t      *testing.T
	client *http.Client
	front  string
}

func newBrowser(t *testing.T, front string) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, front: front}
	b.client = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), front) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// landed returns the fragment values of where res sent the browser (the
// front end).
func (b *browser) landed(res *http.Response) url.Values {
	b.t.Helper()
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, b.front) {
		body, _ := io.ReadAll(res.Body)
		b.t.Fatalf("did not return to the front end: %d %s %s", res.StatusCode, loc, body)
	}
	_, frag, _ := strings.Cut(loc, "#")
	v, _ := url.ParseQuery(frag)
	return v
}

func (b *browser) get(u string) *http.Response {
	b.t.Helper()
	res, err := b.client.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { res.Body.Close() })
	return res
}

func (b *browser) postForm(u string, form url.Values) *http.Response {
	b.t.Helper()
	res, err := b.client.PostForm(u, form)
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { res.Body.Close() })
	return res
}

// ssoSetup is the demo school behind a real HTTP server, whose public URL
// the providers call back to, with a front end at front.
func ssoSetup(t *testing.T, front string) *testBundle {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := identityEnv()
	env["ZHDJ_CORS_ORIGINS"] = front
	env["ZHDJ_PUBLIC_URL"] = "http://" + l.Addr().String()
	b := setup(t, env)
	srv := httptest.NewUnstartedServer(b.app.Handler)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	b.server = srv
	return b
}

const front = "http://front.example.test"

// TestCASSignIn: a CAS 3.0 sign-in links the campus identity to the
// account whose username is its staff number, opens a session that works
// on the API, and returns it to the front end; someone with no account is
// refused (none is created unless the school allows it); a ticket cannot be
// replayed, forged, or used for another service; the school may switch
// local passwords off.
func TestCASSignIn(t *testing.T) {
	t.Parallel()
	cas := newCASServer(t, map[string]casUser{
		"zhang.wei": {"campus-pass", map[string]string{"employeeNumber": "editor", "displayName": "张伟"}},
		"li.na":     {"campus-pass", map[string]string{"employeeNumber": "20269999", "displayName": "李娜"}},
	})
	b := ssoSetup(t, front)
	ctx := auth.WithPrincipal(context.Background(), auth.SystemPrincipal(b.demo.School.ID))
	if _, err := b.app.SSO.Add(ctx, b.demo.School.ID, sso.AddInput{Name: "campus", DisplayName: "统一身份认证", Kind: sso.KindCAS, URL: cas.URL + "/cas",
		LinkAttribute: "employeeNumber", LinkTo: "username"}); err != nil {
		t.Fatal(err)
	}
	start := b.server.URL + "/auth/demo/campus/start?return_to=" + url.QueryEscape(front+"/login")
	signIn := func(br *browser, user string) (url.Values, *http.Response) {
		t.Helper()
		res := br.get(start) // ends at the CAS login form
		if res.StatusCode != 200 || !strings.HasPrefix(res.Request.URL.String(), cas.URL+"/cas/login") {
			t.Fatalf("start: %d at %s", res.StatusCode, res.Request.URL)
		}
		res = br.postForm(res.Request.URL.String(), url.Values{"username": {user}, "password": {"campus-pass"},
			"service": {res.Request.URL.Query().Get("service")}})
		return br.landed(res), res
	}

	got, _ := signIn(newBrowser(t, front), "zhang.wei")
	token := got.Get("access_token")
	if token == "" || got.Get("refresh_token") == "" {
		t.Fatalf("no session: %v", got)
	}
	me := decode[struct {
		Me struct{ Account struct{ Username string } }
	}](t, b.post(t, `{ me { account { username } } }`, nil, bearer(token)...))
	if me.Me.Account.Username != "editor" {
		t.Fatalf("signed in as %+v", me)
	}
	// Linked now: the second sign-in finds the account by the link.
	if again, _ := signIn(newBrowser(t, front), "zhang.wei"); again.Get("access_token") == "" {
		t.Fatalf("second sign-in: %v", again)
	}

	// No account, and the school does not create them.
	refused, _ := signIn(newBrowser(t, front), "li.na")
	if refused.Get("access_token") != "" || !strings.Contains(refused.Get("error"), "组织部门") {
		t.Fatalf("someone without an account: %v", refused)
	}
	var n int
	if err := b.count(t, b.demo.School.ID, `SELECT count(*) FROM accounts WHERE username = '20269999'`, &n); err != nil || n != 0 {
		t.Fatalf("an account was created silently: %d %v", n, err)
	}

	// A ticket is validated once, for its service only, and forged ones fail.
	br := newBrowser(t, front)
	res := br.get(start)
	service := res.Request.URL.Query().Get("service")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login, _ := noRedirect.PostForm(res.Request.URL.String(), url.Values{"username": {"zhang.wei"}, "password": {"campus-pass"}, "service": {service}})
	callback := login.Header.Get("Location")
	login.Body.Close()
	if first := br.landed(br.get(callback)); first.Get("access_token") == "" {
		t.Fatalf("callback: %v", first)
	}
	if replay := br.get(callback); replay.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a replayed callback: %d", replay.StatusCode)
	}
	res = br.get(start)
	service = res.Request.URL.Query().Get("service")
	forged := strings.Replace(service, "?", "?ticket=ST-forged&", 1)
	if f := br.landed(br.get(forged)); f.Get("access_token") != "" || f.Get("error") == "" {
		t.Fatalf("a forged ticket: %v", f)
	}
	// Returning elsewhere than the platform's sites is refused at the start.
	if r := br.get(b.server.URL + "/auth/demo/campus/start?return_to=" + url.QueryEscape("https://evil.example/steal")); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("return_to elsewhere: %d", r.StatusCode)
	}

	// The school creates accounts for campus identities without one.
	ownerExec(t, b, `UPDATE identity_providers SET create_accounts = true`)
	created, _ := signIn(newBrowser(t, front), "li.na")
	if created.Get("access_token") == "" {
		t.Fatalf("with accounts created: %v", created)
	}
	if err := b.count(t, b.demo.School.ID, `SELECT count(*) FROM accounts WHERE username = '20269999' AND display_name = '李娜' AND password_hash = ''`, &n); err != nil || n != 1 {
		t.Fatalf("the created account: %d %v", n, err)
	}

	// Local passwords off: only campus sign-in works.
	ownerExec(t, b, `UPDATE tenants SET settings = settings || '{"auth": {"localPasswords": false}}'`)
	if r := b.post(t, loginMutation, map[string]any{"id": "editor", "pw": demoPassword}); r.code(0) != "FORBIDDEN" {
		t.Fatalf("password sign-in with local passwords off: %+v", r.Errors)
	}
	if again, _ := signIn(newBrowser(t, front), "zhang.wei"); again.Get("access_token") == "" {
		t.Fatalf("campus sign-in with local passwords off: %v", again)
	}
}

// TestOIDCSignIn signs in through a real OpenID provider started by the
// test (zitadel/oidc's certified OP library with its example storage):
// authorisation code with PKCE, state and nonce, the ID token verified for
// the pinned issuer and our client id, the person linked by e-mail.
func TestOIDCSignIn(t *testing.T) {
	t.Parallel()
	b := ssoSetup(t, front)
	opListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + opListener.Addr().String() + "/"
	callback := b.server.URL + "/auth/demo/campus/callback"
	storage.RegisterClients(storage.WebClient("zhdj-"+b.demo.School.ID.String(), "client-secret", callback))
	op := httptest.NewUnstartedServer(exampleop.SetupServer(issuer, storage.NewStorage(storage.NewUserStore(issuer)), slog.New(slog.NewTextHandler(io.Discard, nil)), false))
	op.Listener.Close()
	op.Listener = opListener
	op.Start()
	t.Cleanup(op.Close)

	sys := auth.WithPrincipal(context.Background(), auth.SystemPrincipal(b.demo.School.ID))
	if _, err := b.app.Accounts.Create(sys, account.CreateInput{Username: "testuser", DisplayName: "测试用户", Email: "test-user@zitadel.ch", Password: "青山绿水-campus-47"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.app.SSO.Add(sys, b.demo.School.ID, sso.AddInput{Name: "campus", DisplayName: "统一身份认证", Kind: sso.KindOIDC, URL: issuer,
		ClientID: "zhdj-" + b.demo.School.ID.String(), ClientSecret: "client-secret", LinkAttribute: "email", LinkTo: "email"}); err != nil {
		t.Fatal(err)
	}
	br := newBrowser(t, front)
	res := br.get(b.server.URL + "/auth/demo/campus/start?return_to=" + url.QueryEscape(front+"/"))
	page, _ := io.ReadAll(res.Body)
	authorize := res.Request.URL
	if res.StatusCode != 200 || !strings.HasPrefix(authorize.String(), issuer+"login/username") {
		t.Fatalf("start: %d at %s", res.StatusCode, authorize)
	}
	m := regexp.MustCompile(`name="id" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no login form: %s", page)
	}
	got := br.landed(br.postForm(issuer+"login/username", url.Values{"id": {string(m[1])}, "username": {"test-user@127.0.0.1"}, "password": {"verysecure"}}))
	token := got.Get("access_token")
	if token == "" {
		t.Fatalf("no session: %v", got)
	}
	me := decode[struct {
		Me struct{ Account struct{ Username string } }
	}](t, b.post(t, `{ me { account { username } } }`, nil, bearer(token)...))
	if me.Me.Account.Username != "testuser" {
		t.Fatalf("signed in as %+v", me)
	}
	// The PKCE challenge went to the provider.
	var logins int
	if err := b.count(t, b.demo.School.ID, `SELECT count(*) FROM sso_logins`, &logins); err != nil || logins != 0 {
		t.Fatalf("sign-in states left: %d %v", logins, err)
	}
}
