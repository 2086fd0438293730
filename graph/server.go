package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"zhdj/internal/apperr"
	"zhdj/internal/i18n"
	"zhdj/internal/reqmeta"
)

// Limits bound the work one request may ask for.
type Limits struct {
	MaxTokens     int  // lexer tokens in one document
	MaxDepth      int  // field nesting
	MaxComplexity int  // computed complexity (lists count by their page size)
	MaxAliases    int  // aliased fields in one document
	Introspection bool // allow __schema / __type
	Suggestions   bool // "did you mean" hints in validation errors
	// MaxUploadBytes bounds a multipart request (file uploads).
	MaxUploadBytes int64
	// RateLimiter, when set, limits operations per client address (rule
	// "graphql") and the root fields in limitedFields.
	RateLimiter RateLimiter
	// Live serves subscriptions over WebSocket (when it can authenticate).
	Live LiveTransport
	// Operations keeps persisted documents and decides which operations
	// run (nil: no persisted queries; every operation runs).
	Operations OperationRegistry
}

// NewHandler returns the GraphQL endpoint: queries over GET and POST (JSON),
// mutations over POST only, every limit of l enforced before execution, and
// errors presented by presentError.
func NewHandler(r *Resolver, l Limits, log *slog.Logger) http.Handler {
	schema := NewExecutableSchema(Config{Resolvers: r})
	public := publicFields(schema.Schema())
	srv := handler.New(schema)
	if l.Live.Authenticate != nil {
		srv.AddTransport(websocketTransport(l.Live, log))
	}
	srv.AddTransport(transport.GET{})
	srv.AddTransport(jsonPOST{})
	// Multipart (GraphQL multipart request spec) carries file uploads; the
	// size limit applies while the body is read.
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: l.MaxUploadBytes, MaxMemory: 8 << 20})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(l.MaxTokens)
	srv.SetDisableSuggestion(!l.Suggestions)
	srv.SetValidationRulesFn(func() *rules.Rules {
		rs := rules.NewDefaultRules()
		d, a, x := depthRule(l.MaxDepth), aliasRule(l.MaxAliases), textRule()
		rs.AddRule(d.Name, d.RuleFunc)
		rs.AddRule(a.Name, a.RuleFunc)
		rs.AddRule(x.Name, x.RuleFunc)
		return rs
	})
	if l.Introspection {
		srv.Use(extension.Introspection{})
	}
	if l.Operations != nil {
		// The allow-list first: a refused operation is not even looked up.
		srv.Use(allowList{reg: l.Operations})
		srv.Use(extension.AutomaticPersistedQuery{Cache: l.Operations})
	}
	srv.Use(&complexityLimit{limit: l.MaxComplexity})
	if r.Tracer != nil {
		srv.Use(tracing{t: r.Tracer})
	}
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if m := reqmeta.From(ctx); m != nil && oc != nil {
			name := oc.OperationName // as the request named it, or else as the document does
			if name == "" && oc.Operation != nil {
				name = oc.Operation.Name
			}
			m.SetOperation(name)
			if maxAge, reads, ok := publicMaxAge(oc.Doc, oc.Operation, public); ok {
				m.SetPublic(maxAge, reads)
			}
		}
		if l.RateLimiter != nil {
			school, subject := callerOf(ctx, false)
			if err := l.RateLimiter.Allow(school, "graphql", subject); err != nil {
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{presentError(ctx, log, err)}})
			}
		}
		if oc != nil {
			if name, bad := badTextVariable(oc.Variables); bad {
				err := apperr.InvalidField("$"+name, textProblem)
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{presentError(ctx, log, err)}})
			}
		}
		return next(ctx)
	})
	// Loaders per response, not per operation: a subscription's every
	// event is a response of its own and must not see an earlier one's.
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return next(withLoaders(ctx, r.newLoaders()))
	})
	if l.RateLimiter != nil {
		srv.AroundRootFields(limitRootFields(l.RateLimiter, r))
	}
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		return presentError(ctx, log, err)
	})
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "graphql: panic", "panic", fmt.Sprint(v), "request_id", reqmeta.ID(ctx), "stack", string(debug.Stack()))
		return errors.New("panic in resolver")
	})
	return srv
}

const persistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"

// presentError is the one place where errors become what clients see. Typed
// domain errors keep their message and get their code; gqlgen's own parse,
// validation and limit errors are input errors; anything else is logged
// with the request id and shown only as "internal error".
func presentError(ctx context.Context, log *slog.Logger, err error) *gqlerror.Error {
	out := graphql.DefaultErrorPresenter(ctx, err)
	var ae *apperr.Error
	var ge *gqlerror.Error
	switch {
	case errors.As(err, &ae) && ae.Kind != apperr.Internal:
		lang := LanguageOf(ctx)
		out.Message = i18n.Translate(lang, ae.Msg)
		ext := map[string]any{"code": ae.Kind.Code()}
		if len(ae.Fields) > 0 {
			// The keys are machine paths; only what is wrong is translated.
			fields := make(map[string]string, len(ae.Fields))
			for k, v := range ae.Fields {
				fields[k] = i18n.Translate(lang, v)
			}
			ext["fields"] = fields
		}
		if ae.RetryAfter > 0 {
			ext["retryAfter"] = int(ae.RetryAfter.Round(time.Second) / time.Second)
		}
		out.Extensions = ext
	case errors.As(err, &ge) && ge.Err == nil:
		// gqlgen's own error (parse, validation, complexity, variables): safe to show.
		reason, _ := ge.Extensions["code"].(string)
		out.Message = i18n.Translate(LanguageOf(ctx), out.Message)
		out.Extensions = map[string]any{"code": apperr.Invalid.Code()}
		if reason == persistedQueryNotFound {
			// The persisted-query protocol's own answer, which clients
			// look for to send the document: message and code as it says.
			out.Message, out.Extensions["code"] = "PersistedQueryNotFound", reason
		} else if reason != "" {
			out.Extensions["reason"] = reason
		}
	default:
		id := reqmeta.ID(ctx)
		log.ErrorContext(ctx, "graphql: internal error", "err", err, "path", out.Path.String(), "request_id", id)
		out.Message = i18n.Translate(LanguageOf(ctx), "internal error")
		out.Extensions = map[string]any{"code": apperr.Internal.Code(), "requestId": id}
	}
	if m := reqmeta.From(ctx); m != nil {
		code, _ := out.Extensions["code"].(string)
		m.AddErrorCode(code)
	}
	return out
}
