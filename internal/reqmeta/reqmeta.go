// Package reqmeta carries what the logs, the error presenter and the
// response cache need to know about the HTTP request being served: its id,
// the GraphQL operation, whether its answer is public, and the schools
// whose data it read.
package reqmeta

import (
	"context"
	"sync"

	"github.com/google/uuid"
)

// Meta is the metadata of one request. Its methods are safe for concurrent use.
type Meta struct {
	ID string

	mu        sync.Mutex
	operation string
	onTenant  func(uuid.UUID)
	public    bool
	maxAge    int
	reads     []string
	siteAge   int // the smallest max-age of the sites read that set one
	errCodes  []string
}

// AddErrorCode records the code of an error the request answered with.
func (m *Meta) AddErrorCode(code string) {
	m.mu.Lock()
	m.errCodes = append(m.errCodes, code)
	m.mu.Unlock()
}

// ErrorCodes are the codes of the errors the request answered with.
func (m *Meta) ErrorCodes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.errCodes
}

// SetPublic records that the operation answers every anonymous reader
// alike, may be kept for maxAge seconds, and shows the areas of public
// data reads (besides its school and site).
func (m *Meta) SetPublic(maxAge int, reads []string) {
	m.mu.Lock()
	m.public, m.maxAge, m.reads = true, maxAge, reads
	m.mu.Unlock()
}

// Public reports whether SetPublic was called, with its max-age and areas.
func (m *Meta) Public() (bool, int, []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.public, m.maxAge, m.reads
}

// ReadsSite tells the request in ctx (if any) that it reads a site whose
// public answers may be kept maxAge seconds (0: the schema's say).
func ReadsSite(ctx context.Context, maxAge int) {
	m := From(ctx)
	if m == nil || maxAge <= 0 {
		return
	}
	m.mu.Lock()
	if m.siteAge == 0 || maxAge < m.siteAge {
		m.siteAge = maxAge
	}
	m.mu.Unlock()
}

// SiteMaxAge is the smallest max-age of the sites read that set one, or 0.
func (m *Meta) SiteMaxAge() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.siteAge
}

// SetOnTenant has fn told of each school whose data the request reads, as
// it begins to read it (nil: no one is told).
func (m *Meta) SetOnTenant(fn func(uuid.UUID)) {
	m.mu.Lock()
	m.onTenant = fn
	m.mu.Unlock()
}

// ReadsTenant tells the request in ctx (if any) that it reads tenant's data.
func ReadsTenant(ctx context.Context, tenant uuid.UUID) {
	m := From(ctx)
	if m == nil {
		return
	}
	m.mu.Lock()
	fn := m.onTenant
	m.mu.Unlock()
	if fn != nil {
		fn(tenant)
	}
}

// SetOperation records the GraphQL operation name.
func (m *Meta) SetOperation(name string) {
	m.mu.Lock()
	m.operation = name
	m.mu.Unlock()
}

// Operation returns the recorded GraphQL operation name, or "".
func (m *Meta) Operation() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.operation
}

type key struct{}

// With returns ctx carrying m.
func With(ctx context.Context, m *Meta) context.Context { return context.WithValue(ctx, key{}, m) }

// From returns the request's Meta, or nil outside a request.
func From(ctx context.Context) *Meta {
	m, _ := ctx.Value(key{}).(*Meta)
	return m
}

// ID returns the request id in ctx, or "".
func ID(ctx context.Context) string {
	if m := From(ctx); m != nil {
		return m.ID
	}
	return ""
}
