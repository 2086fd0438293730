package app_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"zhdj/internal/auth"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

var testJWTKey = []byte(strings.Repeat("k", 32))

func identityEnv() map[string]string {
	return map[string]string{"ZHDJ_JWT_KEYS": "t1:" + base64.StdEncoding.EncodeToString(testJWTKey)}
}

type authPayload struct {
	Login, RefreshSession struct {
		AccessToken, RefreshToken string
		Account                   struct{ Username string }
	}
}

const loginMutation = `mutation($id: String!, $pw: String!) {
  login(input: {school: "demo", identifier: $id, password: $pw}) { accessToken refreshToken account { username } }
}`

const refreshMutation = `mutation($t: String!) { refreshSession(input: {refreshToken: $t}) { accessToken refreshToken } }`

func (b *testBundle) login(t *testing.T, user, password string) (access, refresh string) {
	t.Helper()
	d := decode[authPayload](t, b.post(t, loginMutation, map[string]any{"id": user, "pw": password}))
	return d.Login.AccessToken, d.Login.RefreshToken
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func TestLogin(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())

	access, _ := b.login(t, "admin", demoPassword)
	me := decode[struct {
		Me struct {
			Account     struct{ Username string }
			Roles       []struct{ Role string }
			Permissions []string
		}
	}](t, b.post(t, `{ me { account { username } roles { role orgUnit { name } } permissions } }`, nil, bearer(access)...))
	if me.Me.Account.Username != "admin" || len(me.Me.Roles) != 1 || me.Me.Roles[0].Role != "TENANT_ADMIN" || len(me.Me.Permissions) != len(auth.Permissions) {
		t.Fatalf("me: %+v", me.Me)
	}

	wrongPassword := b.post(t, loginMutation, map[string]any{"id": "admin", "pw": "not the password"})
	unknownUser := b.post(t, loginMutation, map[string]any{"id": "nobody-here", "pw": "not the password"})
	if wrongPassword.code(0) != "UNAUTHENTICATED" || unknownUser.code(0) != "UNAUTHENTICATED" ||
		wrongPassword.Errors[0].Message != unknownUser.Errors[0].Message {
		t.Fatalf("wrong password %+v vs unknown user %+v", wrongPassword.Errors, unknownUser.Errors)
	}

	r := b.post(t, `mutation { login(input: {school: "no-such-school", identifier: "admin", password: "x"}) { accessToken } }`, nil)
	if r.code(0) != "BAD_USER_INPUT" {
		t.Fatalf("unknown school: %+v", r.Errors)
	}

	r = b.post(t, `{ me { account { username } } }`, nil)
	if r.code(0) != "UNAUTHENTICATED" {
		t.Fatalf("anonymous me: %+v", r.Errors)
	}
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	for i := 0; i < 5; i++ {
		r := b.post(t, loginMutation, map[string]any{"id": "editor", "pw": "wrong password " + strings.Repeat("x", i)})
		if r.code(0) != "UNAUTHENTICATED" {
			t.Fatalf("attempt %d: %+v", i, r.Errors)
		}
	}
	// Even the right password is refused now, with a retry time.
	r := b.post(t, loginMutation, map[string]any{"id": "editor", "pw": demoPassword})
	if r.code(0) != "RATE_LIMITED" {
		t.Fatalf("after 5 failures: %+v", r.Errors)
	}
	if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra <= 0 || ra > 15*60 {
		t.Fatalf("retryAfter %v", r.Errors[0].Extensions["retryAfter"])
	}
	// Other accounts are not affected by this identifier's failures.
	if a, _ := b.login(t, "reviewer", demoPassword); a == "" {
		t.Fatal("another account was locked out")
	}
}

func TestLogoutAndBadTokens(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	access, refresh := b.login(t, "secretary", demoPassword)
	if r := b.post(t, `mutation { logout { ok } }`, nil, bearer(access)...); len(r.Errors) != 0 {
		t.Fatalf("logout: %+v", r.Errors)
	}
	if r := b.post(t, `{ me { account { username } } }`, nil, bearer(access)...); r.code(0) != "UNAUTHENTICATED" {
		t.Fatalf("access token after logout: %+v", r.Errors)
	}
	if r := b.post(t, refreshMutation, map[string]any{"t": refresh}); r.code(0) != "UNAUTHENTICATED" {
		t.Fatalf("refresh after logout: %+v", r.Errors)
	}

	live, _ := b.login(t, "secretary", demoPassword)
	claims := func(exp time.Time) jwt.MapClaims {
		p, _ := jwt.NewParser().Parse(live, func(*jwt.Token) (any, error) { return testJWTKey, nil })
		c := p.Claims.(jwt.MapClaims)
		c["exp"] = exp.Unix()
		return c
	}
	sign := func(m jwt.SigningMethod, key any, c jwt.MapClaims, kid string) string {
		tok := jwt.NewWithClaims(m, c)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	parts := strings.Split(live, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"`+uuid.NewString()+`"}`)) + "." + parts[2]
	bad := map[string]string{
		"expired":         sign(jwt.SigningMethodHS256, testJWTKey, claims(time.Now().Add(-time.Minute)), "t1"),
		"other key":       sign(jwt.SigningMethodHS256, []byte(strings.Repeat("x", 32)), claims(time.Now().Add(time.Minute)), "t1"),
		"unknown kid":     sign(jwt.SigningMethodHS256, testJWTKey, claims(time.Now().Add(time.Minute)), "t9"),
		"HS512 not HS256": sign(jwt.SigningMethodHS512, testJWTKey, claims(time.Now().Add(time.Minute)), "t1"),
		"alg none":        sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(time.Now().Add(time.Minute)), "t1"),
		"tampered":        tampered,
		"garbage":         "not.a.token",
	}
	for name, tok := range bad {
		r := b.post(t, `{ me { account { username } } }`, nil, bearer(tok)...)
		if r.code(0) != "UNAUTHENTICATED" {
			t.Errorf("%s token: %+v", name, r.Errors)
		}
		// Public queries still answer with a bad token.
		if r := b.post(t, `{ site(slug: "xxgc") { slug } }`, nil, bearer(tok)...); len(r.Errors) != 0 {
			t.Errorf("%s token broke a public query: %+v", name, r.Errors)
		}
	}
	if r := b.post(t, `{ me { account { username } } }`, nil, bearer(live)...); len(r.Errors) != 0 {
		t.Fatalf("the genuine token: %+v", r.Errors)
	}
}

// TestChangePassword: a refusal names its field; a change signs out the
// account's other sessions, not the one that made it.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	access, _ := b.login(t, "editor", demoPassword)
	other, _ := b.login(t, "editor", demoPassword)
	change := `mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) { ok } }`
	// The rules of a good password are tested next to them
	// (internal/account); here, how a refusal reaches the client.
	for _, tc := range []struct{ current, next, field string }{
		{"wrong current pw", "a-good-new-password-1", "currentPassword"},
		{demoPassword, "password12", "newPassword"},
	} {
		r := b.post(t, change, map[string]any{"c": tc.current, "n": tc.next}, bearer(access)...)
		fields, _ := r.Errors[0].Extensions["fields"].(map[string]any)
		if r.code(0) != "BAD_USER_INPUT" || fields[tc.field] == nil {
			t.Fatalf("%q → %q: %+v", tc.current, tc.next, r.Errors)
		}
	}
	if r := b.post(t, change, map[string]any{"c": demoPassword, "n": "红旗飘飘-2026-new"}, bearer(access)...); len(r.Errors) != 0 {
		t.Fatalf("change: %+v", r.Errors)
	}
	if r := b.post(t, loginMutation, map[string]any{"id": "editor", "pw": demoPassword}); r.code(0) != "UNAUTHENTICATED" {
		t.Fatalf("old password still works: %+v", r.Errors)
	}
	if a, _ := b.login(t, "editor", "红旗飘飘-2026-new"); a == "" {
		t.Fatal("new password refused")
	}
	if r := b.post(t, `{ me { account { username } } }`, nil, bearer(other)...); r.code(0) != "UNAUTHENTICATED" {
		t.Fatalf("other session survived a password change: %+v", r.Errors)
	}
	if r := b.post(t, `{ me { account { username } } }`, nil, bearer(access)...); len(r.Errors) != 0 {
		t.Fatalf("the session that changed the password was signed out: %+v", r.Errors)
	}
}

func TestManagementMutations(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword) // org admin of XXGC-XS1
	editor, _ := b.login(t, "editor", demoPassword)

	type unitIDs struct {
		Site struct {
			OrgUnit struct {
				ID       string
				Children []struct{ ID, Code string }
			}
		}
	}
	ids := decode[unitIDs](t, b.post(t, `{ site(slug: "xxgc") { orgUnit { id children { id code } } } }`, nil))
	byCode := map[string]string{}
	for _, c := range ids.Site.OrgUnit.Children {
		byCode[c.Code] = c.ID
	}
	create := `mutation($p: ID!, $code: String!) { createOrgUnit(input: {parentId: $p, kind: GROUP, name: "新党小组", code: $code}) { orgUnit { code parent { code } } } }`

	if r := b.post(t, create, map[string]any{"p": byCode["XXGC-XS1"], "code": "XS1-NEW"}, bearer(secretary)...); len(r.Errors) != 0 {
		t.Fatalf("secretary in own branch: %+v", r.Errors)
	}
	for name, c := range map[string]struct {
		token, parent, code string
	}{
		"secretary in sibling branch": {secretary, byCode["XXGC-XS2"], "XS2-NEW"},
		"editor":                      {editor, byCode["XXGC-XS1"], "XS1-E"},
	} {
		if r := b.post(t, create, map[string]any{"p": c.parent, "code": c.code}, bearer(c.token)...); r.code(0) != "FORBIDDEN" {
			t.Errorf("%s: %+v", name, r.Errors)
		}
	}
	if r := b.post(t, create, map[string]any{"p": byCode["XXGC-XS1"], "code": "ANON"}); r.code(0) != "UNAUTHENTICATED" {
		t.Errorf("anonymous: %+v", r.Errors)
	}

	// Move a branch under the other college: the tree follows.
	move := `mutation($id: ID!, $p: ID!) { moveOrgUnit(input: {id: $id, parentId: $p}) { orgUnit { ancestors { code } } } }`
	znzz := decode[unitIDs](t, b.post(t, `{ site(slug: "znzz") { orgUnit { id children { id code } } } }`, nil)).Site.OrgUnit.ID
	r := b.post(t, move, map[string]any{"id": byCode["XXGC-XS2"], "p": znzz}, bearer(admin)...)
	if len(r.Errors) != 0 || !strings.Contains(string(r.Data), `"ZNZZ"`) {
		t.Fatalf("move: %s %+v", r.Data, r.Errors)
	}
	r = b.post(t, move, map[string]any{"id": ids.Site.OrgUnit.ID, "p": byCode["XXGC-XS1"]}, bearer(admin)...)
	if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); r.code(0) != "BAD_USER_INPUT" || fields["input.parentId"] == nil {
		t.Fatalf("move under own descendant: %+v", r.Errors)
	}

	// Sites: validation names the input field.
	createSite := `mutation($u: ID!, $o: [String!]) { createSite(input: {orgUnitId: $u, slug: "xxgc-h5", name: "信息工程学院 H5", origins: $o, theme: {colors: {primary: "#123456"}}}) { site { slug origins theme { colors { primary } } } } }`
	r = b.post(t, createSite, map[string]any{"u": ids.Site.OrgUnit.ID, "o": []string{"javascript:alert(1)"}}, bearer(admin)...)
	if fields, _ := r.Errors[0].Extensions["fields"].(map[string]any); r.code(0) != "BAD_USER_INPUT" || fields["input.origins[0]"] == nil {
		t.Fatalf("bad origin: %+v", r.Errors)
	}
	r = b.post(t, createSite, map[string]any{"u": ids.Site.OrgUnit.ID, "o": []string{"https://h5.xxgc.example.edu.cn"}}, bearer(secretary)...)
	if r.code(0) != "FORBIDDEN" {
		t.Fatalf("secretary creating a college site: %+v", r.Errors)
	}
	r = b.post(t, createSite, map[string]any{"u": ids.Site.OrgUnit.ID, "o": []string{"https://h5.xxgc.example.edu.cn"}}, bearer(admin)...)
	if len(r.Errors) != 0 || !strings.Contains(string(r.Data), "#123456") {
		t.Fatalf("create site: %s %+v", r.Data, r.Errors)
	}
	// The new origin is allowed at once.
	res := b.post(t, `{ __typename }`, nil, "Origin", "https://h5.xxgc.example.edu.cn")
	if res.header.Get("Access-Control-Allow-Origin") != "https://h5.xxgc.example.edu.cn" {
		t.Fatalf("new site origin not allowed: %v", res.header)
	}
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	b.post(t, loginMutation, map[string]any{"id": "admin", "pw": "wrong-password-1"})
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)

	q := `query($a: [String!]) { auditLog(filter: {actions: $a}, first: 50) { edges { node { action subject clientIp actor { username } } } } }`
	d := decode[struct {
		AuditLog struct {
			Edges []struct {
				Node struct {
					Action, Subject, ClientIP string
					Actor                     *struct{ Username string }
				}
			}
		}
	}](t, b.post(t, q, map[string]any{"a": []string{"login", "login_failed"}}, bearer(admin)...))
	var actions []string
	for _, e := range d.AuditLog.Edges {
		actions = append(actions, e.Node.Action+":"+e.Node.Subject)
		if e.Node.ClientIP == "" {
			t.Errorf("event without client address: %+v", e.Node)
		}
	}
	got := strings.Join(actions, " ")
	if got != "login:secretary login:admin login_failed:admin" {
		t.Fatalf("audit log (newest first): %s", got)
	}
	if r := b.post(t, q, nil, bearer(secretary)...); r.code(0) != "FORBIDDEN" {
		t.Fatalf("secretary reading the audit log: %+v", r.Errors)
	}
}

// TestClientAddressBehindProxies: behind a trusted proxy the client is the
// rightmost X-Forwarded-For hop the proxy appended, whatever the client
// wrote to the left of it, for the per-address login limit and the audit
// log alike; without trusted proxies, and from a peer that is not one,
// the header is ignored.
func TestClientAddressBehindProxies(t *testing.T) {
	t.Parallel()
	loginFrom := func(b *testBundle, user, xff string) *gqlResponse {
		return b.post(t, loginMutation, map[string]any{"id": user, "pw": "wrong password"}, "X-Forwarded-For", xff)
	}
	failedFrom := func(b *testBundle) []string {
		admin, _ := b.login(t, "admin", demoPassword)
		d := decode[struct {
			AuditLog struct {
				Edges []struct{ Node struct{ ClientIP string } }
			}
		}](t, b.post(t, `{ auditLog(filter: {actions: ["login_failed"]}, first: 50) { edges { node { clientIp } } } }`, nil, bearer(admin)...))
		var ips []string
		for _, e := range d.AuditLog.Edges {
			ips = append(ips, e.Node.ClientIP)
		}
		return ips
	}

	env := identityEnv()
	env["ZHDJ_TRUSTED_PROXIES"] = "10.0.0.0/8, 127.0.0.1"
	env["ZHDJ_LOGIN_FAILURES_PER_IP"] = "3"
	env["ZHDJ_LOGIN_FAILURES_PER_IDENTIFIER"] = "100"
	b := setup(t, env)
	// The client forges a new leftmost hop each time; the proxy (the test's
	// loopback peer, trusted) appended the real address, behind another
	// trusted proxy.
	for i, user := range []string{"editor", "reviewer", "secretary"} {
		if r := loginFrom(b, user, fmt.Sprintf("192.0.2.%d, 203.0.113.7, 10.1.2.3", i+1)); r.code(0) != "UNAUTHENTICATED" {
			t.Fatalf("failure %d: %+v", i, r.Errors)
		}
	}
	if r := loginFrom(b, "admin", "192.0.2.99, 203.0.113.7, 10.1.2.3"); r.code(0) != "RATE_LIMITED" {
		t.Fatalf("the fourth failure from one real address with a new forged one: %+v", r.Errors)
	}
	if r := loginFrom(b, "admin", "203.0.113.8"); r.code(0) != "UNAUTHENTICATED" {
		t.Fatalf("another real address: %+v", r.Errors)
	}
	for _, ip := range failedFrom(b) {
		if ip != "203.0.113.7" && ip != "203.0.113.8" {
			t.Fatalf("audited client address %q, want the one the proxy appended", ip)
		}
	}

	// Not behind a trusted proxy: the header is the client's own word.
	for _, proxies := range []string{"", "10.0.0.0/8"} {
		env := identityEnv()
		env["ZHDJ_TRUSTED_PROXIES"] = proxies
		b := setup(t, env)
		loginFrom(b, "editor", "203.0.113.7")
		if ips := failedFrom(b); len(ips) != 1 || ips[0] != "127.0.0.1" {
			t.Fatalf("trusted %q: audited %q, want the peer 127.0.0.1", proxies, ips)
		}
	}
}

// TestErrorsInTheCallersLanguage: messages are Chinese unless the client
// asks for English; codes and the fields' machine paths are the same in
// both.
func TestErrorsInTheCallersLanguage(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	admin, _ := b.login(t, "admin", demoPassword)
	create := `mutation { createAccount(input: {username: "x", displayName: "", password: "short"}) { account { id } } }`
	zh := b.post(t, create, nil, bearer(admin)...)
	en := b.post(t, create, nil, append(bearer(admin), "Accept-Language", "en-US,en;q=0.9")...)
	if zh.code(0) != "BAD_USER_INPUT" || en.code(0) != "BAD_USER_INPUT" {
		t.Fatalf("codes: %+v / %+v", zh.Errors, en.Errors)
	}
	zf, _ := zh.Errors[0].Extensions["fields"].(map[string]any)
	ef, _ := en.Errors[0].Extensions["fields"].(map[string]any)
	if len(zf) == 0 || len(zf) != len(ef) {
		t.Fatalf("fields: %v / %v", zf, ef)
	}
	for k, v := range ef {
		if zf[k] == nil || zf[k] == v {
			t.Errorf("field %s: Chinese %v, English %v", k, zf[k], v)
		}
	}
	if zh.Errors[0].Message != "输入有误" || en.Errors[0].Message != "invalid input" {
		t.Fatalf("messages: %q / %q", zh.Errors[0].Message, en.Errors[0].Message)
	}
	if zf["password"] != "至少 10 个字符" || ef["password"] != "must be at least 10 characters" {
		t.Fatalf("password: %v / %v", zf["password"], ef["password"])
	}
	if zh.header.Get("Content-Language") != "zh-CN" || en.header.Get("Content-Language") != "en" {
		t.Fatalf("Content-Language: %q / %q", zh.header.Get("Content-Language"), en.header.Get("Content-Language"))
	}
	// Sign-in failures, and the server's own limits, too.
	if r := b.post(t, loginMutation, map[string]any{"id": "admin", "pw": "wrong password 1"}); r.Errors[0].Message != "用户名或密码错误" {
		t.Fatalf("login: %+v", r.Errors)
	}
	if r := b.post(t, `{ members(first: 100) { edges { node { history { actor { username } } transfers { fromUnit { children { children { name } } } } } } } }`, nil); !strings.HasPrefix(r.Errors[0].Message, "请求的复杂度为") {
		t.Fatalf("complexity: %+v", r.Errors)
	}
}

// TestAccountsList: the organisation department lists the school's
// accounts by username with their roles, pages them, finds them by a part
// of a name (taken literally); a branch secretary may not, and sees only
// their own roles on an account; the list costs the same round trips for
// any page size.
func TestAccountsList(t *testing.T) {
	t.Parallel()
	tracer := &countingTracer{}
	b := setupWith(t, identityEnv(), tracer)
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	ownerExec(t, b, `INSERT INTO accounts (tenant_id, username, display_name, password_hash)
		SELECT id, 'bulk' || lpad(g::text, 3, '0'), '批量账号 ' || g, 'x' FROM tenant_profiles, generate_series(1, 60) g`,
		`INSERT INTO role_bindings (tenant_id, account_id, role, org_unit_id)
		SELECT a.tenant_id, a.id, 'editor', u.id FROM accounts a JOIN org_units u ON u.tenant_id = a.tenant_id AND u.code = 'XXGC' WHERE a.username LIKE 'bulk%'`)
	type page struct {
		Accounts struct {
			Edges []struct {
				Cursor string
				Node   struct {
					Username, DisplayName string
					Roles                 []struct {
						Role    string
						OrgUnit struct{ Code string }
					}
				}
			}
			PageInfo struct{ HasNextPage bool }
		}
	}
	const doc = `query($q: String, $n: Int, $after: String) { accounts(query: $q, first: $n, after: $after) {
		edges { cursor node { username displayName roles { role orgUnit { code } } } } pageInfo { hasNextPage } } }`
	names := func(p page) []string {
		var out []string
		for _, e := range p.Accounts.Edges {
			out = append(out, e.Node.Username)
		}
		return out
	}
	first := decode[page](t, b.post(t, doc, map[string]any{"n": 3}, bearer(admin)...))
	if got := names(first); !slices.Equal(got, []string{"admin", "bulk001", "bulk002"}) || !first.Accounts.PageInfo.HasNextPage {
		t.Fatalf("the first page: %v", got)
	}
	if r := first.Accounts.Edges[0].Node.Roles; len(r) != 1 || r[0].Role != "TENANT_ADMIN" || r[0].OrgUnit.Code != "DW" {
		t.Errorf("the admin's roles: %+v", r)
	}
	next := decode[page](t, b.post(t, doc, map[string]any{"n": 2, "after": first.Accounts.Edges[2].Cursor}, bearer(admin)...))
	if got := names(next); !slices.Equal(got, []string{"bulk003", "bulk004"}) {
		t.Errorf("the next page: %v", got)
	}
	if got := names(decode[page](t, b.post(t, doc, map[string]any{"q": "书记"}, bearer(admin)...))); !slices.Equal(got, []string{"secretary"}) {
		t.Errorf("by display name: %v", got)
	}
	if got := names(decode[page](t, b.post(t, doc, map[string]any{"q": "%"}, bearer(admin)...))); len(got) != 0 {
		t.Errorf("a %% is a character, not a wildcard: %v", got)
	}
	b.wantCode(t, "FORBIDDEN", secretary, doc, nil)
	b.wantCode(t, "UNAUTHENTICATED", "", doc, nil)
	b.wantCode(t, "BAD_USER_INPUT", admin, doc, map[string]any{"after": "not-a-cursor"})
	b.wantCode(t, "BAD_USER_INPUT", admin, doc, map[string]any{"n": 500})
	// One's own roles, not another's.
	own := decode[struct {
		Me struct {
			Account struct{ Roles []struct{ Role string } }
		}
	}](t, b.post(t, `{ me { account { roles { role } } } }`, nil, bearer(secretary)...))
	if len(own.Me.Account.Roles) != 1 || own.Me.Account.Roles[0].Role != "ORG_ADMIN" {
		t.Errorf("the secretary's own roles: %+v", own)
	}
	count := func(n int) int64 {
		before := tracer.n.Load()
		if d := decode[page](t, b.post(t, doc, map[string]any{"n": n}, bearer(admin)...)); len(d.Accounts.Edges) != n || len(d.Accounts.Edges[n-1].Node.Roles) != 1 {
			t.Fatalf("a page of %d: %+v", n, d)
		}
		return tracer.n.Load() - before
	}
	count(5)
	if ten, sixty := count(10), count(60); ten != sixty {
		t.Errorf("accounts with roles: %d round trips for 10, %d for 60", ten, sixty)
	}
}
