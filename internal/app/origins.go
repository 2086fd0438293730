package app

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"zhdj/graph"
	"zhdj/internal/apperr"
	"zhdj/internal/i18n"
	"zhdj/internal/reqmeta"
)

// originSet is the CORS allow-list: every active site's origins (read from
// the database, refreshed on a timer and whenever a site's origins change)
// plus the configured extra origins. Reads are lock-free.
type originSet struct {
	load  func(context.Context) ([]string, error)
	extra []string
	every time.Duration
	log   *slog.Logger
	set   atomic.Pointer[map[string]struct{}]
	kick  chan struct{}
}

func newOriginSet(load func(context.Context) ([]string, error), extra []string, every time.Duration, log *slog.Logger) *originSet {
	o := &originSet{load: load, extra: extra, every: every, log: log, kick: make(chan struct{}, 1)}
	empty := map[string]struct{}{}
	for _, e := range extra {
		empty[e] = struct{}{}
	}
	o.set.Store(&empty)
	return o
}

// Allowed reports whether origin may make credentialed cross-origin requests.
func (o *originSet) Allowed(origin string) bool {
	_, ok := (*o.set.Load())[origin]
	return ok
}

// Refresh re-reads the site origins now. On failure the previous list stays.
func (o *originSet) Refresh(ctx context.Context) error {
	list, err := o.load(ctx)
	if err != nil {
		return err
	}
	m := make(map[string]struct{}, len(list)+len(o.extra))
	for _, s := range list {
		m[s] = struct{}{}
	}
	for _, s := range o.extra {
		m[s] = struct{}{}
	}
	o.set.Store(&m)
	return nil
}

// Changed refreshes at once, so that the process that changed a site's
// origins allows them as soon as the change is committed (the others are
// kicked by the change's announcement, or refresh at their next tick). A
// failure keeps the previous list.
func (o *originSet) Changed() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.Refresh(ctx); err != nil {
		o.log.Warn("cors: refresh site origins after a change failed; the next tick retries", "err", err)
	}
}

// Kick asks Run to refresh soon (a site changed on another process);
// kicks that come while one waits make one refresh.
func (o *originSet) Kick() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// Run refreshes on every tick, and when kicked, until ctx ends.
func (o *originSet) Run(ctx context.Context) {
	t := time.NewTicker(o.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-o.kick:
		}
		if err := o.Refresh(ctx); err != nil && ctx.Err() == nil {
			o.log.WarnContext(ctx, "cors: refresh site origins failed; keeping the previous list", "err", err)
		}
	}
}

// sameSiteUpgrade refuses a WebSocket upgrade from a page on an origin
// that is neither one of the sites' (as CORS allows them) nor this
// server's own (GraphiQL): browsers send any page's cookies and let its
// script open the socket, so the Origin is the only thing that tells.
// Clients that are not browsers send no Origin and sign in with a token.
func (a *App) sameSiteUpgrade(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			next.ServeHTTP(w, r)
			return
		}
		origin := r.Header.Get("Origin")
		if origin != "" && !a.origins.Allowed(origin) && !sameHost(origin, r.Host) {
			a.Log.WarnContext(r.Context(), "live: upgrade from a foreign origin refused", "origin", origin, "request_id", reqmeta.ID(r.Context()))
			msg := i18n.Translate(graph.LanguageOf(r.Context()), "this origin may not open live connections")
			writeJSON(w, http.StatusForbidden, map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": map[string]any{"code": apperr.Forbidden.Code()}}}})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sameHost reports whether origin names host (with its port).
func sameHost(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}
