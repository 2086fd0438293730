package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"zhdj/internal/config"
)

// With an OTLP endpoint set, spans reach the collector over OTLP/HTTP
// (flushed at exit); without one, tracing stays off.
func TestStartTracingExportsToTheCollector(t *testing.T) {
	var posts atomic.Int32
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" && len(body) > 0 {
			posts.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	off, err := startTracing(context.Background(), config.Config{}, log)
	if err != nil || len(off.options()) != 0 {
		t.Fatalf("tracing off: %v", err)
	}
	off.flush()

	on, err := startTracing(context.Background(), config.Config{Tracing: true}, log)
	if err != nil || len(on.options()) != 1 {
		t.Fatalf("tracing on: %v", err)
	}
	_, span := on.provider.Tracer("test").Start(context.Background(), "a span")
	span.End()
	on.flush()
	if posts.Load() == 0 {
		t.Fatal("the collector received no spans")
	}
}
