package app_test

import (
	"context"
	"encoding/base64"
	"maps"
	"testing"
	"time"

	"zhdj/internal/account"
	"zhdj/internal/pii"
	"zhdj/internal/rekey"
	"zhdj/internal/seed"
)

// citizenIDs is every member's unmasked citizen ID, as the secretary sees it.
func (b *testBundle) citizenIDs(t *testing.T) map[string]string {
	t.Helper()
	secretary, _ := b.login(t, "secretary", demoPassword)
	out := map[string]string{}
	for name, id := range b.memberIDs(t, secretary) {
		r := decode[struct{ Member struct{ CitizenID string } }](t, b.post(t, `query($id: ID!) { member(id: $id) { citizenId(unmasked: true) } }`, map[string]any{"id": id}, bearer(secretary)...))
		out[name] = r.Member.CitizenID
	}
	return out
}

func sealedBy(t *testing.T, r *rekey.Service) map[int]int64 {
	t.Helper()
	counts, err := r.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]int64{}
	for _, c := range counts {
		out[c.Version] += c.N
	}
	return out
}

// Key rotation end to end, over three server generations on one database
// (a rolling restart each time):
//
//   - personal data: a second key is added; the new servers reseal what the
//     first key sealed in the background (an old server does not take the
//     job), with the counts by key version as progress; then the first key
//     is removed and every citizen ID still reads the same;
//   - access tokens: a second signing key is added last (it signs); tokens
//     of the first still verify until it is removed, and then are refused,
//     while a session's refresh token goes on working.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k1, k2 := pii.RandomKey(), pii.RandomKey()
	jwt1, jwt2 := account.RandomSigningKey("t1"), account.RandomSigningKey("t2")
	env := map[string]string{"ZHDJ_PII_KEYS": "1:" + k1, "ZHDJ_PII_INDEX_KEY": pii.RandomKey(), "ZHDJ_JWT_KEYS": jwt1}
	first := setup(t, env)
	if _, err := seed.DemoVolunteer(ctx, first.demo.School, first.app.Org, first.app.Volunteer, time.Now()); err != nil {
		t.Fatal(err)
	}
	want := first.citizenIDs(t)
	before := sealedBy(t, first.app.Rekey)
	if len(want) == 0 || len(before) != 1 || before[1] == 0 {
		t.Fatalf("before rotation: %d members, sealed by %v", len(want), before)
	}
	oldAccess, _ := first.login(t, "admin", demoPassword)
	_, refresh := first.login(t, "secretary", demoPassword)

	// Generation two: both keys, the second sealing and signing.
	cfg := first.cfg
	cfg.PIIKeys = "1:" + k1 + ",2:" + k2
	cfg.JWTKeys = jwt1 + "," + jwt2
	second := first.process(t, cfg)
	eventually(t, "the background reseal", func() bool {
		by := sealedBy(t, second.app.Rekey)
		return by[1] == 0 && by[2] == before[1]
	})
	if got := second.citizenIDs(t); !maps.Equal(got, want) {
		t.Fatalf("citizen IDs after the reseal: %v, want %v", got, want)
	}
	if r := second.post(t, `{ me { account { username } } }`, nil, bearer(oldAccess)...); len(r.Errors) > 0 {
		t.Fatalf("a token of the first key, both listed: %+v", r.Errors)
	}
	newAccess, _ := second.login(t, "admin", demoPassword)

	// Generation three: the first keys removed.
	cfg.PIIKeys = "2:" + k2
	cfg.JWTKeys = jwt2
	third := first.process(t, cfg)
	if got := third.citizenIDs(t); !maps.Equal(got, want) {
		t.Fatalf("citizen IDs with only the second key: %v, want %v", got, want)
	}
	if r := third.post(t, `{ me { account { username } } }`, nil, bearer(oldAccess)...); r.code(0) != "UNAUTHENTICATED" {
		t.Fatalf("a token of the removed key: %+v", r.Errors)
	}
	if r := third.post(t, `{ me { account { username } } }`, nil, bearer(newAccess)...); len(r.Errors) > 0 {
		t.Fatalf("a token of the second key: %+v", r.Errors)
	}
	renewed := decode[authPayload](t, third.post(t, refreshMutation, map[string]any{"t": refresh})).RefreshSession
	if r := third.post(t, `{ me { account { username } } }`, nil, bearer(renewed.AccessToken)...); len(r.Errors) > 0 {
		t.Fatalf("an access token from a refresh after rotation: %+v", r.Errors)
	}
	// A value sealed with a key no server lists any more is an error, not a
	// silent loss: removing the key too early shows.
	cfg.PIIKeys = "3:" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	if _, err := first.process(t, cfg).app.Rekey.Reseal(ctx, nil); err == nil {
		t.Fatal("resealing values of a key the server lacks succeeded")
	}
}
