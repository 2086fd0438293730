package main

import (
	"context"
	"log/slog"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"zhdj/internal/app"
	"zhdj/internal/config"
	"zhdj/internal/tracing"
)

// tracer is the process's OpenTelemetry provider, when tracing is on.
type tracer struct {
	provider *sdktrace.TracerProvider // nil: off
	log      *slog.Logger
}

// startTracing starts OpenTelemetry tracing when cfg asks for it.
func startTracing(ctx context.Context, cfg config.Config, log *slog.Logger) (*tracer, error) {
	t := &tracer{log: log}
	if !cfg.Tracing {
		return t, nil
	}
	tp, err := tracing.Start(ctx, buildVersion())
	if err != nil {
		return nil, err
	}
	log.Info("tracing: spans go over OTLP/HTTP (OTEL_EXPORTER_OTLP_*)")
	t.provider = tp
	return t, nil
}

// options are the App's options for it.
func (t *tracer) options() []app.Option {
	if t.provider == nil {
		return nil
	}
	return []app.Option{app.WithTracing(t.provider)}
}

// flush sends the last spans, at exit.
func (t *tracer) flush() {
	if t.provider == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.provider.Shutdown(ctx); err != nil {
		t.log.Warn("tracing: flush the last spans", "err", err)
	}
}
