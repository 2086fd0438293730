// Package audit records security-relevant events (logins, failed logins,
// role changes, reads of unmasked personal data, exports, deletions) in the
// append-only audit_log table, and lets tenant admins read them.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/audit/auditdb"
	"zhdj/internal/auth"
	"zhdj/internal/postgres"
	"zhdj/internal/reqmeta"
)

// Actions recorded.
const (
	ActionLogin          = "login"
	ActionLoginFailed    = "login_failed"
	ActionLogout         = "logout"
	ActionRefreshReuse   = "refresh_reuse"
	ActionPasswordChange = "password_change"
	ActionRoleGrant      = "role_grant"
	ActionRoleRevoke     = "role_revoke"
	ActionPIIRead        = "pii_read"
	ActionExport         = "export"
	ActionImport         = "import"
	ActionDelete         = "delete"
	ActionAccountCreate  = "account_create"
	// ActionModerate: a moderator's decision, a ban, the word list;
	// ActionAnonymous: a post made anonymous to its readers (admins see
	// who, and this says that the author chose it).
	ActionModerate  = "moderate"
	ActionAnonymous = "anonymous_post"
)

// Event is one audit record.
type Event struct {
	ID         int64
	At         time.Time
	ActorID    *uuid.UUID
	Action     string
	Subject    string // who or what the event is about (e.g. a login identifier)
	TargetType string
	TargetID   string
	ClientIP   string
	RequestID  string
	Detail     map[string]any
}

// clientIPKey carries the caller's address for audit records.
type clientIPKey struct{}

// WithClientIP returns ctx carrying the caller's network address.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIP returns the caller's address recorded in ctx, or "".
func ClientIP(ctx context.Context) string {
	s, _ := ctx.Value(clientIPKey{}).(string)
	return s
}

// Record writes e in tx (the transaction of the action it records, so that
// both or neither are kept). Request id and client address come from ctx
// when e leaves them empty.
func Record(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, e Event) error {
	if e.RequestID == "" {
		e.RequestID = reqmeta.ID(ctx)
	}
	if e.ClientIP == "" {
		e.ClientIP = ClientIP(ctx)
	}
	detail := []byte("{}")
	if len(e.Detail) > 0 {
		var err error
		if detail, err = json.Marshal(e.Detail); err != nil {
			return fmt.Errorf("audit: detail: %w", err)
		}
	}
	err := auditdb.New(tx).InsertEvent(ctx, auditdb.InsertEventParams{
		TenantID: tenantID, ActorID: e.ActorID, Action: e.Action, Subject: e.Subject,
		TargetType: e.TargetType, TargetID: e.TargetID, ClientIp: e.ClientIP, RequestID: e.RequestID, Detail: detail,
	})
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// RecentCount returns how many e.Action events there were for key (a
// subject, or a client address when byIP) since since, and when the oldest
// of them happened.
func RecentCount(ctx context.Context, tx pgx.Tx, tenantID uuid.UUID, action, key string, byIP bool, since time.Time) (int, time.Time, error) {
	q := auditdb.New(tx)
	p := auditdb.CountSinceParams{TenantID: tenantID, Action: action, Since: since, ByIp: byIP, Key: key}
	n, err := q.CountSince(ctx, p)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("audit: count: %w", err)
	}
	if n == 0 {
		return 0, time.Time{}, nil
	}
	oldest, err := q.OldestSince(ctx, auditdb.OldestSinceParams(p))
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("audit: oldest: %w", err)
	}
	return int(n), oldest, nil
}

// Service reads the audit log.
type Service struct {
	pool *pgxpool.Pool
}

// NewService returns a Service over pool.
func NewService(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }

// Filter selects audit events.
type Filter struct {
	Actions []string
	ActorID *uuid.UUID
	From    *time.Time
	To      *time.Time
}

// Cursor is a position in the newest-first order of the log.
type Cursor struct {
	At time.Time
	ID int64
}

// Page is one page of events, newest first.
type Page struct {
	Events  []*Event
	HasNext bool
}

// MaxPageSize is the largest page List returns.
const MaxPageSize = 100

// List returns a page of the caller's tenant's audit log, newest first.
// Only tenant admins may read it (Forbidden otherwise).
func (s *Service) List(ctx context.Context, f Filter, first int, after *Cursor) (*Page, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermAuditRead)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	page := &Page{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		arg := auditdb.ListEventsParams{
			TenantID: p.TenantID, Actions: f.Actions, Actor: f.ActorID, FromTime: f.From, ToTime: f.To,
			PageSize: int32(first + 1),
		}
		if arg.Actions == nil {
			arg.Actions = []string{}
		}
		if after != nil {
			arg.HasCursor, arg.AfterAt, arg.AfterID = true, after.At, after.ID
		}
		rows, err := auditdb.New(tx).ListEvents(ctx, arg)
		if err != nil {
			return fmt.Errorf("audit: list: %w", err)
		}
		if len(rows) > first {
			page.HasNext, rows = true, rows[:first]
		}
		for _, r := range rows {
			e := &Event{ID: r.ID, At: r.At, ActorID: r.ActorID, Action: r.Action, Subject: r.Subject,
				TargetType: r.TargetType, TargetID: r.TargetID, ClientIP: r.ClientIp, RequestID: r.RequestID}
			if len(r.Detail) > 2 {
				if err := json.Unmarshal(r.Detail, &e.Detail); err != nil {
					return fmt.Errorf("audit: the detail of event %d: %w", r.ID, err)
				}
			}
			page.Events = append(page.Events, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}
