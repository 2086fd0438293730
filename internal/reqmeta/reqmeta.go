// Package reqmeta carries what the logs and the error presenter need to know
// about the HTTP request being served: its id and the GraphQL operation.
package reqmeta

import (
	"context"
	"sync"
)

// Meta is the metadata of one request. Its methods are safe for concurrent use.
type Meta struct {
	ID string

	mu        sync.Mutex
	operation string
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
