package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Tokens issues and verifies short-lived access tokens: JWTs signed with
// HMAC-SHA-256, the key id in the header so keys can rotate. Verification
// accepts only HS256 and only known key ids.
type Tokens struct {
	keys      map[string][]byte
	activeKID string
	ttl       time.Duration
	now       func() time.Time
}

// ParseSigningKeys parses "KID:BASE64KEY,…" (keys of at least 32 bytes).
// The last key listed signs new tokens; all of them verify.
func ParseSigningKeys(spec string) (keys map[string][]byte, active string, err error) {
	keys = map[string][]byte{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		kid, b64, ok := strings.Cut(part, ":")
		if !ok || kid == "" || len(kid) > 32 {
			return nil, "", errors.New("want KID:BASE64KEY entries separated by commas")
		}
		k, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(k) < 32 {
			return nil, "", fmt.Errorf("key %q: want at least 32 bytes in base64", kid)
		}
		keys[kid] = k
		active = kid
	}
	if len(keys) == 0 {
		return nil, "", errors.New("no keys given")
	}
	return keys, active, nil
}

// NewTokens returns a Tokens that signs with keys[activeKID].
func NewTokens(keys map[string][]byte, activeKID string, ttl time.Duration) (*Tokens, error) {
	if _, ok := keys[activeKID]; !ok {
		ids := make([]string, 0, len(keys))
		for k := range keys {
			ids = append(ids, k)
		}
		sort.Strings(ids)
		return nil, fmt.Errorf("account: signing key %q is not among %v", activeKID, ids)
	}
	return &Tokens{keys: keys, activeKID: activeKID, ttl: ttl, now: time.Now}, nil
}

type accessClaims struct {
	jwt.RegisteredClaims
	Tenant  string `json:"tid"`
	Session string `json:"sid"`
}

const issuer = "zhdj"

// Issue returns a signed access token for account in tenant and session.
func (t *Tokens) Issue(tenant, account, session uuid.UUID) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(t.ttl)
	c := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: account.String(),
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
		Tenant: tenant.String(), Session: session.String(),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["kid"] = t.activeKID
	s, err := tok.SignedString(t.keys[t.activeKID])
	return s, exp, err
}

// AccessClaims are the verified contents of an access token.
type AccessClaims struct {
	Tenant, Account, Session uuid.UUID
	// Expires is when the token stops being accepted.
	Expires time.Time
}

// Verify checks signature (HS256 only, known kid), issuer and expiry.
func (t *Tokens) Verify(s string) (AccessClaims, error) {
	var c accessClaims
	_, err := jwt.ParseWithClaims(s, &c, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		k, ok := t.keys[kid]
		if !ok {
			return nil, errors.New("unknown key id")
		}
		return k, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return AccessClaims{}, err
	}
	var out AccessClaims
	var e1, e2, e3 error
	out.Tenant, e1 = uuid.Parse(c.Tenant)
	out.Account, e2 = uuid.Parse(c.Subject)
	out.Session, e3 = uuid.Parse(c.Session)
	if err := errors.Join(e1, e2, e3); err != nil {
		return AccessClaims{}, fmt.Errorf("malformed claims: %w", err)
	}
	out.Expires = c.ExpiresAt.Time
	return out, nil
}

// Refresh tokens are "zr1.<tenant>.<secret>" (base64url). Only the SHA-256
// of the secret is stored.
const refreshPrefix = "zr1."

func newRefreshToken(tenant uuid.UUID) (token string, hash []byte) {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	h := sha256.Sum256(secret)
	return refreshPrefix + base64.RawURLEncoding.EncodeToString(tenant[:]) + "." + base64.RawURLEncoding.EncodeToString(secret), h[:]
}

func parseRefreshToken(s string) (tenant uuid.UUID, hash []byte, ok bool) {
	rest, found := strings.CutPrefix(s, refreshPrefix)
	if !found {
		return uuid.Nil, nil, false
	}
	t64, s64, found := strings.Cut(rest, ".")
	if !found {
		return uuid.Nil, nil, false
	}
	tb, err1 := base64.RawURLEncoding.DecodeString(t64)
	secret, err2 := base64.RawURLEncoding.DecodeString(s64)
	if err1 != nil || err2 != nil || len(tb) != 16 || len(secret) != 32 {
		return uuid.Nil, nil, false
	}
	copy(tenant[:], tb)
	h := sha256.Sum256(secret)
	return tenant, h[:], true
}

// RandomSigningKey returns "kid:base64" with a fresh 32-byte key, for local setups.
func RandomSigningKey(kid string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return kid + ":" + base64.StdEncoding.EncodeToString(b)
}
