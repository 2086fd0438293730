package account_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"

	"zhdj/internal/account"
	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/org"
	"zhdj/internal/pgtest"
	"zhdj/internal/pii"
	"zhdj/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The rules of accounts, sessions and passwords, against the service and a
// real PostgreSQL. What crosses the wire (codes, fields, cookies, limits
// per address) is tested over HTTP in internal/app.

type testBundle struct {
	svc    *account.Service
	tenant uuid.UUID
	unit   uuid.UUID       // the school's party committee
	sys    context.Context // the platform itself, in the school
}

const goodPassword = "红旗飘飘-2026-good"

func setup(t *testing.T) *testBundle {
	t.Helper()
	ctx := context.Background()
	db := pgtest.NewDB(t)
	school, err := tenant.NewService(db.Pool).Create(ctx, tenant.CreateInput{Code: "demo", Name: "示范职业技术学院"})
	if err != nil {
		t.Fatal(err)
	}
	sys := auth.WithPrincipal(ctx, auth.SystemPrincipal(school.ID))
	unit, err := org.NewService(db.Pool).CreateUnit(sys, org.CreateUnitInput{Kind: org.KindCommittee, Name: "党委", Code: "DW"})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := pii.ParseKeys("1:" + pii.RandomKey())
	if err != nil {
		t.Fatal(err)
	}
	keyring, err := pii.NewKeyring(keys, []byte("an index key of at least thirty-two bytes"))
	if err != nil {
		t.Fatal(err)
	}
	signing, active, err := account.ParseSigningKeys(account.RandomSigningKey("test"))
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := account.NewTokens(signing, active, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := account.NewHasher(argon2id.Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	if err != nil {
		t.Fatal(err)
	}
	svc := account.NewService(db.Pool, tokens, hasher, keyring, account.Config{
		AccessTTL: 15 * time.Minute, RefreshTTL: 24 * time.Hour, Password: account.DefaultPasswordPolicy,
		MaxFailuresPerAccount: 100, MaxFailuresPerIP: 100, FailureWindow: time.Minute,
	})
	return &testBundle{svc: svc, tenant: school.ID, unit: unit.ID, sys: sys}
}

// create adds an account with a good password (and phone, if given).
func (b *testBundle) create(t *testing.T, username, phone string) {
	t.Helper()
	if _, err := b.svc.Create(b.sys, account.CreateInput{Username: username, DisplayName: username + " 老师", Phone: phone, Password: goodPassword}); err != nil {
		t.Fatalf("create %s: %v", username, err)
	}
}

// signIn logs in and returns the session with the context of its principal.
func (b *testBundle) signIn(t *testing.T, username, password string) (*account.Session, context.Context) {
	t.Helper()
	s, err := b.svc.Login(context.Background(), b.tenant, username, password, "test")
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return s, b.as(t, s.AccessToken)
}

// as is the context of the principal behind an access token.
func (b *testBundle) as(t *testing.T, access string) context.Context {
	t.Helper()
	p, err := b.svc.Authenticate(context.Background(), access)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	return auth.WithPrincipal(context.Background(), p)
}

// TestPasswordRules: a new password is refused, naming the field, when it
// is short, on the leak lists, or made of what others know of the account
// (its username, the school's code, its phone number).
func TestPasswordRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(t, "editor", "")
	b.create(t, "zhao", "13912345678")
	_, editor := b.signIn(t, "editor", goodPassword)
	_, zhao := b.signIn(t, "zhao", goodPassword)
	for _, c := range []struct {
		name          string
		as            context.Context
		current, next string
		field         string // "" when accepted
	}{
		{"wrong current password", editor, "wrong-current-pw", "a-good-new-password-1", "currentPassword"},
		{"short", editor, goodPassword, "short", "newPassword"},
		{"the username", editor, goodPassword, "editor", "newPassword"},
		{"a keyboard row", editor, goodPassword, "qwertyuiop", "newPassword"},
		{"ten characters on every leak list", editor, goodPassword, "password12", "newPassword"},
		{"the username and a year", editor, goodPassword, "editor2026!", "newPassword"},
		{"the school's code around a common password", editor, goodPassword, "demo-password1", "newPassword"},
		{"the account's phone", zhao, goodPassword, "zz13912345678", "newPassword"},
		{"someone else's number is just digits", zhao, goodPassword, "zz13800000000x", ""},
		{"a good one", editor, goodPassword, "青山绿水-editor-47", ""},
	} {
		err := b.svc.ChangePassword(c.as, c.current, c.next)
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.field != "" && (!apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)[c.field] == ""):
			t.Errorf("%s: %v, want Invalid naming %s", c.name, err, c.field)
		}
	}
	// Nor may an account be created with its phone as its password.
	for _, pw := range []string{"139-1234-5670", "13912345670zx"} {
		_, err := b.svc.Create(b.sys, account.CreateInput{Username: "qian", DisplayName: "钱老师", Phone: "13912345670", Password: pw})
		if !apperr.Is(err, apperr.Invalid) {
			t.Errorf("created with the phone %q as password: %v", pw, err)
		}
	}
}

// TestRefreshRotationAndReuse: a refresh token works once and rotates; the
// spent one presented again revokes its whole family (the token was
// probably stolen), and no other session of the account.
func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(t, "member", "")
	first, _ := b.signIn(t, "member", goodPassword)
	second, err := b.svc.Refresh(context.Background(), first.RefreshToken, "test")
	if err != nil || second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
		t.Fatalf("refresh did not rotate: %+v %v", second, err)
	}
	for _, tok := range []string{first.AccessToken, second.AccessToken} {
		if _, err := b.svc.Authenticate(context.Background(), tok); err != nil {
			t.Fatalf("access token refused before the reuse: %v", err)
		}
	}
	if _, err := b.svc.Refresh(context.Background(), first.RefreshToken, "test"); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("spent refresh token: %v", err)
	}
	if _, err := b.svc.Refresh(context.Background(), second.RefreshToken, "test"); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("the newest refresh token of a revoked family: %v", err)
	}
	if _, err := b.svc.Authenticate(context.Background(), second.AccessToken); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("an access token of a revoked family: %v", err)
	}
	other, _ := b.signIn(t, "member", goodPassword)
	if _, err := b.svc.Authenticate(context.Background(), other.AccessToken); err != nil {
		t.Fatalf("a fresh session refused: %v", err)
	}
	if _, err := b.svc.Refresh(context.Background(), "zr1.garbage", "test"); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("a garbage refresh token: %v", err)
	}
}

// TestConcurrentRefresh: clients racing with one refresh token get one new
// session at most; the others set off reuse detection.
func TestConcurrentRefresh(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(t, "member", "")
	s, _ := b.signIn(t, "member", goodPassword)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = b.svc.Refresh(context.Background(), s.RefreshToken, "test") })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !apperr.Is(err, apperr.Unauthenticated):
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok > 1 {
		t.Fatalf("%d refreshes succeeded with one token", ok)
	}
}

// TestAuthenticateManyAtOnce: look-ups of many principals at once (read
// in batches) each get their own session's principal with its own roles,
// and a signed-out session is refused among them.
func TestAuthenticateManyAtOnce(t *testing.T) {
	b := setup(t)
	type signedIn struct {
		username, access string
		admin, out       bool
	}
	var people []signedIn
	for i := range 12 {
		name := fmt.Sprintf("teacher%02d", i)
		b.create(t, name, "")
		s, ctx := b.signIn(t, name, goodPassword)
		p := signedIn{username: name, access: s.AccessToken, admin: i%2 == 0, out: i%3 == 0}
		if p.admin {
			id := auth.FromContext(ctx)
			if err := b.svc.GrantRole(b.sys, id.AccountID, auth.RoleOrgAdmin, b.unit); err != nil {
				t.Fatal(err)
			}
		}
		if p.out {
			if err := b.svc.Logout(ctx); err != nil {
				t.Fatal(err)
			}
		}
		people = append(people, p)
	}
	var wg sync.WaitGroup
	for range 10 {
		for _, p := range people {
			wg.Go(func() {
				got, err := b.svc.Authenticate(context.Background(), p.access)
				switch {
				case p.out:
					if !apperr.Is(err, apperr.Unauthenticated) {
						t.Errorf("%s signed out: %v, want UNAUTHENTICATED", p.username, err)
					}
				case err != nil:
					t.Errorf("%s: %v", p.username, err)
				case got.Username != p.username:
					t.Errorf("%s authenticated as %s", p.username, got.Username)
				case p.admin != (len(got.Bindings) == 1 && got.Bindings[0].Role == auth.RoleOrgAdmin):
					t.Errorf("%s (admin %v) has bindings %v", p.username, p.admin, got.Bindings)
				}
			})
		}
	}
	wg.Wait()
}
