// Package tenant manages schools: the tenants of a zhdj deployment. Every
// other domain's rows belong to exactly one tenant.
package tenant

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/postgres"
	"zhdj/internal/tenant/tenantdb"
)

// Tenant is one school.
type Tenant struct {
	ID        uuid.UUID
	Code      string // short, URL-safe, unique (e.g. "hzvtc")
	Name      string // e.g. 杭州职业技术学院
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CreateInput describes a new school.
type CreateInput struct {
	Code string
	Name string
}

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// Validate reports every problem with the input as an Invalid error.
func (in CreateInput) Validate() error {
	var v apperr.Validation
	if !codePattern.MatchString(in.Code) {
		v.Add("code", "must be 2–40 characters: lower-case letters, digits and '-', starting with a letter")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Name)); n < 1 || n > 200 {
		v.Add("name", "must be 1–200 characters")
	}
	return v.Err()
}

// Service is the tenant use cases.
type Service struct {
	pool *pgxpool.Pool
}

// NewService returns a Service over pool.
func NewService(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }

// Create adds a school. A taken code is a Conflict.
func (s *Service) Create(ctx context.Context, in CreateInput) (*Tenant, error) {
	in.Name = strings.TrimSpace(in.Name)
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *Tenant
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		row, err := tenantdb.New(tx).InsertTenant(ctx, tenantdb.InsertTenantParams{Code: in.Code, Name: in.Name})
		if postgres.IsUniqueViolation(err, "") {
			return &apperr.Error{Kind: apperr.Conflict, Msg: fmt.Sprintf("a school with code %q already exists", in.Code), Fields: map[string]string{"code": "already taken"}, Err: err}
		}
		if err != nil {
			return fmt.Errorf("tenant: insert: %w", err)
		}
		out = fromRow(row)
		return nil
	})
	return out, err
}

// ByID returns the school with id, or NotFound.
func (s *Service) ByID(ctx context.Context, id uuid.UUID) (*Tenant, error) {
	row, err := tenantdb.New(s.pool).GetTenant(ctx, id)
	if err != nil {
		return nil, postgres.Err(err, "school")
	}
	return fromRow(row), nil
}

// ByCode returns the school with code, or NotFound.
func (s *Service) ByCode(ctx context.Context, code string) (*Tenant, error) {
	row, err := tenantdb.New(s.pool).GetTenantByCode(ctx, code)
	if err != nil {
		return nil, postgres.Err(err, "school")
	}
	return fromRow(row), nil
}

// ByIDs returns the schools among ids that exist, keyed by id.
func (s *Service) ByIDs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*Tenant, error) {
	rows, err := tenantdb.New(s.pool).TenantsByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("tenant: by ids: %w", err)
	}
	out := make(map[uuid.UUID]*Tenant, len(rows))
	for _, r := range rows {
		out[r.ID] = fromRow(r)
	}
	return out, nil
}

func fromRow(r tenantdb.Tenant) *Tenant {
	return &Tenant{ID: r.ID, Code: r.Code, Name: r.Name, Active: r.Active, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}
