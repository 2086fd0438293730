// Package tracing starts OpenTelemetry tracing when the standard OTEL_*
// variables ask for it: spans go over OTLP/HTTP to a collector, and the
// W3C trace context is read from requests and written to outgoing calls.
// Off (no provider, no cost on the request path) unless an OTLP endpoint
// is configured.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Propagator reads and writes the W3C trace context and baggage headers.
var Propagator propagation.TextMapPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// Start returns a provider exporting spans over OTLP/HTTP, configured by
// the SDK's own variables (OTEL_EXPORTER_OTLP_ENDPOINT, _HEADERS,
// OTEL_TRACES_SAMPLER, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES …).
// Shutdown flushes what is still buffered.
func Start(ctx context.Context, version string) (*sdktrace.TracerProvider, error) {
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	// The variables come after the defaults, so OTEL_SERVICE_NAME wins.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "zhdj"), attribute.String("service.version", version)),
		resource.WithFromEnv(), resource.WithTelemetrySDK(), resource.WithHost())
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(2*time.Second)), sdktrace.WithResource(res)), nil
}

// Tracer is what the server's own spans (GraphQL operations, root fields,
// loader batches) are made with.
func Tracer(tp trace.TracerProvider) trace.Tracer { return tp.Tracer("zhdj") }

// Handler gives each request a server span, a child of the caller's trace
// when the request carries a traceparent header. Health probes are not
// traced. route names the span (a bounded set, never the raw path).
func Handler(tp trace.TracerProvider, route func(*http.Request) string, next http.Handler) http.Handler {
	return otelhttp.NewHandler(next, "http",
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(Propagator),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + route(r) }),
		otelhttp.WithFilter(func(r *http.Request) bool { return r.URL.Path != "/healthz" && r.URL.Path != "/readyz" }),
	)
}

// Transport traces outgoing HTTP calls (the object store's) and sends the
// trace context with them.
func Transport(tp trace.TracerProvider, base http.RoundTripper) http.RoundTripper {
	return otelhttp.NewTransport(base, otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(Propagator))
}

// QueryTracer makes a span of every statement and batch of a pgx pool.
func QueryTracer(tp trace.TracerProvider) pgx.QueryTracer {
	return otelpgx.NewTracer(otelpgx.WithTracerProvider(tp), otelpgx.WithSpanNameFunc(statementName))
}

// statementName names a statement's span by its sqlc query name ("--
// name: UnitsByID :many" → "UnitsByID"), or else by its first word
// ("SELECT"): bounded, and never a value.
func statementName(sql string) string {
	sql = strings.TrimSpace(sql)
	if rest, ok := strings.CutPrefix(sql, "-- name: "); ok {
		if name, _, ok := strings.Cut(rest, " "); ok {
			return name
		}
	}
	word, _, _ := strings.Cut(sql, " ")
	if len(word) > 32 {
		word = word[:32]
	}
	return strings.ToUpper(word)
}

// TraceID is the request's trace id, or "" when it is not traced.
func TraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return ""
	}
	return sc.TraceID().String()
}
