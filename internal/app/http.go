package app

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/realclientip/realclientip-go"

	"zhdj/graph"
	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/i18n"
	"zhdj/internal/metrics"
	"zhdj/internal/postgres"
	"zhdj/internal/reqmeta"
	"zhdj/internal/respcache"
	"zhdj/internal/tracing"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter remembers the status code for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withRequestLog gives every request an id (a sane incoming X-Request-Id is
// kept, so ids follow a request through proxies), returns it in the
// response header, logs one line per request with the GraphQL operation
// name and the duration, and counts it in m.
func withRequestLog(log *slog.Logger, m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			id = newRequestID()
		}
		meta := &reqmeta.Meta{ID: id}
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(reqmeta.With(r.Context(), meta)))
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		took := time.Since(start)
		m.Observe(r.URL.Path, meta, status, took)
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			return // counted, not logged: probes come every few seconds
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{slog.String("request_id", id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("operation", meta.Operation()),
			slog.Int("status", status),
			slog.Int("bytes", sw.bytes),
			slog.Duration("duration", took),
		}
		if trace := tracing.TraceID(r.Context()); trace != "" {
			attrs = append(attrs, slog.String("trace_id", trace))
		}
		log.LogAttrs(r.Context(), level, "http request", attrs...)
	})
}

// withBodyLimit refuses GraphQL request bodies larger than max with 413
// before the GraphQL layer reads them. Bodies of unknown length are read up
// to the limit, so a chunked upload cannot get round it.
func withBodyLimit(max int64, next http.Handler) http.Handler {
	tooLarge := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		_, _ = io.WriteString(w, `{"errors":[{"message":"request body too large","extensions":{"code":"BAD_USER_INPUT"}}]}`)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodOptions || isMultipart(r) {
			// Multipart uploads are bounded by the multipart transport.
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > max {
			tooLarge(w)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			tooLarge(w)
			return
		}
		if err != nil {
			http.Error(w, "could not read request body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// onlyGraphQLMethods answers 405 for anything but GET and POST (OPTIONS
// preflights are answered by the CORS layer before this).
func onlyGraphQLMethods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.Method == http.MethodPost && isMultipart(r) {
			// A browser sends multipart/form-data cross-site without a
			// preflight; a header it would not add on its own proves intent.
			// gqlgen buffers a multipart body of unknown length in memory;
			// browsers always send the length, so require it.
			if r.ContentLength < 0 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusLengthRequired)
				_, _ = io.WriteString(w, `{"errors":[{"message":"multipart requests need a Content-Length","extensions":{"code":"BAD_USER_INPUT"}}]}`)
				return
			}
			if r.Header.Get("Authorization") == "" && r.Header.Get("GraphQL-Preflight") == "" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"errors":[{"message":"multipart requests need an Authorization or GraphQL-Preflight header","extensions":{"code":"BAD_USER_INPUT"}}]}`)
				return
			}
		} else if r.Method == http.MethodPost && !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/json") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnsupportedMediaType)
			_, _ = io.WriteString(w, `{"errors":[{"message":"POST bodies must be application/json (or multipart/form-data for uploads)","extensions":{"code":"BAD_USER_INPUT"}}]}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// withClientIP records the caller's address for audit records and rate
// limits (see clientIP).
func withClientIP(trusted []net.IPNet, next http.Handler) http.Handler {
	fromHeader, err := realclientip.NewRightmostTrustedRangeStrategy("X-Forwarded-For", trusted)
	if err != nil {
		panic(err) // the header name is a constant
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := audit.WithClientIP(r.Context(), clientIP(r, trusted, fromHeader))
		ctx = graph.WithUserAgent(ctx, r.UserAgent())
		ctx = graph.WithOrigin(ctx, r.Header.Get("Origin"))
		// Messages in Chinese unless the client asks for English.
		lang := i18n.Negotiate(r.Header.Get("Accept-Language"))
		ctx = graph.WithLanguage(ctx, lang)
		w.Header().Set("Content-Language", lang.Tag())
		w.Header().Add("Vary", "Accept-Language")
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// clientIP is the connection's peer, unless the peer is a trusted proxy:
// then the rightmost X-Forwarded-For hop that is not a trusted proxy
// (proxies append, so hops left of it are whatever the client wrote).
// A request through trusted proxies only keeps the nearest proxy's address.
func clientIP(r *http.Request, trusted []net.IPNet, fromHeader realclientip.Strategy) string {
	peer := realclientip.RemoteAddrStrategy{}.ClientIP(nil, r.RemoteAddr)
	if peer == "" {
		peer = r.RemoteAddr
	}
	ip := peer
	if p := net.ParseIP(peer); p != nil && inRanges(p, trusted) {
		if h := fromHeader.ClientIP(r.Header, r.RemoteAddr); h != "" {
			ip = h
		}
	}
	if len(ip) > 64 {
		ip = ip[:64]
	}
	return ip
}

func inRanges(ip net.IP, ranges []net.IPNet) bool {
	for _, n := range ranges {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// withReplicas lets the public reads of a request without a viewer (no
// token, no cookie: the response cache's anonymous reader) go to the read
// replicas; a signed-in session reads the primary, its own writes included.
func (a *App) withReplicas(next http.Handler) http.Handler {
	if a.Replicas == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if respcache.Anonymous(r) {
			r = r.WithContext(postgres.WithReplicas(r.Context(), a.Replicas))
		}
		next.ServeHTTP(w, r)
	})
}

// withPrincipal authenticates a Bearer access token. A request without one
// is anonymous; a bad or expired one is remembered, so that anything that
// needs a signed-in caller answers UNAUTHENTICATED with the reason while
// public queries (and login or refresh) still work.
func (a *App) withPrincipal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		token, ok := strings.CutPrefix(h, "Bearer ")
		ctx := r.Context()
		if !ok {
			ctx = auth.WithAuthError(ctx, apperr.Unauthenticatedf("the Authorization header must be 'Bearer <access token>'"))
		} else if p, err := a.Accounts.Authenticate(ctx, strings.TrimSpace(token)); err != nil {
			if apperr.KindOf(err) != apperr.Unauthenticated {
				a.Log.ErrorContext(ctx, "authenticate", "err", err, "request_id", reqmeta.ID(ctx))
				err = apperr.Unauthenticatedf("could not check the access token; try again")
			}
			ctx = auth.WithAuthError(ctx, err)
		} else {
			ctx = auth.WithPrincipal(ctx, p)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func isMultipart(r *http.Request) bool {
	return strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/form-data")
}
