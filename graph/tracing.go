package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// tracing makes a span of each operation (named by its type and name, a
// bounded set; never the document) and of each root field, under the
// request's span. Nested fields are not spans of their own: they cost
// microseconds, and what they wait on (loader batches, statements) is.
type tracing struct{ t trace.Tracer }

var (
	_ graphql.OperationInterceptor = tracing{}
	_ graphql.RootFieldInterceptor = tracing{}
)

func (tracing) ExtensionName() string                   { return "Tracing" }
func (tracing) Validate(graphql.ExecutableSchema) error { return nil }

func (x tracing) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation == ast.Subscription {
		return next(ctx) // a subscription lives as long as its socket
	}
	name := oc.OperationName
	if name == "" {
		name = oc.Operation.Name
	}
	kind := string(oc.Operation.Operation)
	ctx, span := x.t.Start(ctx, "graphql "+kind+" "+name, trace.WithAttributes(
		attribute.String("graphql.operation.type", kind), attribute.String("graphql.operation.name", name)))
	handler := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := handler(ctx)
		if resp != nil && len(resp.Errors) > 0 {
			span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
			span.SetStatus(codes.Error, resp.Errors[0].Message)
		}
		span.End()
		return resp
	}
}

func (x tracing) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	fc := graphql.GetRootFieldContext(ctx)
	if fc == nil {
		return next(ctx)
	}
	root := "Query"
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		root = "Mutation"
	}
	ctx, span := x.t.Start(ctx, root+"."+fc.Field.Name, trace.WithAttributes(attribute.String("graphql.field.alias", fc.Field.Alias)))
	defer span.End()
	return next(ctx)
}

// traced makes a span of each batch a loader fetches, when t is set.
func traced[K comparable, V any](t trace.Tracer, name string, fetch func(context.Context, []K) ([]V, []error)) func(context.Context, []K) ([]V, []error) {
	if t == nil {
		return fetch
	}
	return func(ctx context.Context, keys []K) ([]V, []error) {
		ctx, span := t.Start(ctx, "load "+name, trace.WithAttributes(attribute.Int("loader.keys", len(keys))))
		defer span.End()
		return fetch(ctx, keys)
	}
}
