package graph

import (
	"context"
	"encoding/binary"
	"time"
	"zhdj/internal/i18n"

	"github.com/google/uuid"

	"zhdj/graph/model"
	"zhdj/internal/account"
	"zhdj/internal/audit"
)

type userAgentKey struct{}

type languageKey struct{}

// WithLanguage returns ctx carrying the language the caller's messages are
// given in.
func WithLanguage(ctx context.Context, l i18n.Lang) context.Context {
	return context.WithValue(ctx, languageKey{}, l)
}

// LanguageOf is the language set by WithLanguage (Chinese when none).
func LanguageOf(ctx context.Context) i18n.Lang {
	l, _ := ctx.Value(languageKey{}).(i18n.Lang)
	return l
}

// WithUserAgent returns ctx carrying the caller's User-Agent (recorded with sessions).
func WithUserAgent(ctx context.Context, ua string) context.Context {
	return context.WithValue(ctx, userAgentKey{}, ua)
}

func userAgent(ctx context.Context) string {
	s, _ := ctx.Value(userAgentKey{}).(string)
	return s
}

func (r *Resolver) authPayload(ctx context.Context, s *account.Session) (*model.AuthPayload, error) {
	acc, err := r.Identities.AccountOf(ctx, s.TenantID, s.AccountID)
	if err != nil {
		return nil, err
	}
	return &model.AuthPayload{
		AccessToken: s.AccessToken, AccessTokenExpiresAt: s.AccessExpiresAt,
		RefreshToken: s.RefreshToken, RefreshTokenExpiresAt: s.RefreshExpiresAt,
		Account: acc,
	}, nil
}

func roleTargets(in model.RoleBindingInput) (acc, unit uuid.UUID, err error) {
	a, err := decodeIDOf("input.accountId", in.AccountID, idAccount)
	if err != nil {
		return acc, unit, err
	}
	u, err := decodeIDOf("input.orgUnitId", in.OrgUnitID, idOrgUnit)
	if err != nil {
		return acc, unit, err
	}
	return a.ID, u.ID, nil
}

func encodeAuditCursor(e *audit.Event) string {
	var b [8 + 8]byte
	binary.BigEndian.PutUint64(b[0:], uint64(e.At.UnixMicro()))
	binary.BigEndian.PutUint64(b[8:], uint64(e.ID))
	return sealCursor(b[:])
}

func decodeAuditCursor(field string, s *string) (*audit.Cursor, error) {
	b, err := openCursor(field, s, "list", size(16))
	if b == nil {
		return nil, err
	}
	return &audit.Cursor{
		At: time.UnixMicro(int64(binary.BigEndian.Uint64(b[0:]))).UTC(),
		ID: int64(binary.BigEndian.Uint64(b[8:])),
	}, nil
}
