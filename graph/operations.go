package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"zhdj/internal/apperr"
	"zhdj/internal/operation"
)

// OperationRegistry keeps persisted documents (by their SHA-256) and says
// which operations may run (internal/operation).
type OperationRegistry interface {
	Get(ctx context.Context, hash string) (string, bool)
	Add(ctx context.Context, hash, query string)
	Allowed(hash, origin string) bool
}

type originKey struct{}

// WithOrigin returns ctx carrying the request's Origin header.
func WithOrigin(ctx context.Context, origin string) context.Context {
	return context.WithValue(ctx, originKey{}, origin)
}

func originOf(ctx context.Context) string {
	o, _ := ctx.Value(originKey{}).(string)
	return o
}

// allowList refuses, before anything else runs, an operation the registry
// does not allow (an allow-list deployment runs only registered ones).
type allowList struct{ reg OperationRegistry }

var _ interface {
	graphql.OperationParameterMutator
	graphql.HandlerExtension
} = allowList{}

func (allowList) ExtensionName() string                          { return "OperationAllowList" }
func (allowList) Validate(schema graphql.ExecutableSchema) error { return nil }

var errNotRegistered = apperr.Forbiddenf("this operation is not registered for this site: only operations registered ahead of time run here")

func (a allowList) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	hash := ""
	if p.Query != "" {
		hash = operation.Hash(p.Query)
	} else if pq, ok := p.Extensions["persistedQuery"].(map[string]any); ok {
		hash, _ = pq["sha256Hash"].(string)
		hash = strings.ToLower(hash)
	}
	if a.reg.Allowed(hash, originOf(ctx)) {
		return nil
	}
	return &gqlerror.Error{Message: errNotRegistered.Error(), Err: errNotRegistered}
}
