package graph

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/google/uuid"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/i18n"
	"zhdj/internal/reqmeta"
)

// LiveTransport configures subscriptions over WebSocket; without
// Authenticate none are served.
type LiveTransport struct {
	// Authenticate signs a connection in with the access token of its
	// connection_init.
	Authenticate func(ctx context.Context, accessToken string) (*auth.Principal, error)
	// Admit counts a connection of account against its limit; release
	// uncounts it.
	Admit func(account uuid.UUID) (release func(), err error)
	// Ping is how often a connection is pinged (one that does not answer
	// within twice that is closed); InitTimeout how long it may take to
	// sign in.
	Ping, InitTimeout time.Duration
}

// Close codes of the graphql-transport-ws protocol a refused connection
// gets (the client does not retry them on its own).
const (
	closeUnauthorized = 4401
	closeTooMany      = 4429
	closeInternal     = 4500
)

type liveConnKey struct{}

// liveConn is what a signed-in connection releases when it closes.
type liveConn struct {
	release func()
	cancel  context.CancelFunc
}

// websocketTransport serves graphql-transport-ws (and the older graphql-ws
// subprotocol). The Origin of the upgrade is checked before it reaches
// here, by the server's handler chain; a connection signs in with its
// connection_init payload {"authorization": "Bearer <access token>"} (or
// the upgrade's Authorization header, for clients that can set one) and
// is closed when that token expires, so the client reconnects with a
// fresh one.
func websocketTransport(lt LiveTransport, log *slog.Logger) transport.Websocket {
	refuse := func(ctx context.Context, code int, err error) (context.Context, *transport.InitPayload, error) {
		msg := err.Error()
		var ae *apperr.Error
		if errors.As(err, &ae) {
			msg = i18n.Translate(LanguageOf(ctx), ae.Msg)
		}
		// A close frame's reason holds at most 123 bytes.
		for len(msg) > 123 {
			_, size := utf8.DecodeLastRuneInString(msg)
			msg = msg[:len(msg)-size]
		}
		ctx = transport.WithWebsocketCloseCode(ctx, code)
		return transport.AppendCloseReason(ctx, msg), nil, err
	}
	return transport.Websocket{
		Implementation: transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{
			// The Origin was checked against the sites' origins already.
			InsecureSkipVerify: true,
		}},
		InitTimeout:           lt.InitTimeout,
		PingPongInterval:      lt.Ping,
		KeepAlivePingInterval: lt.Ping, // the older subprotocol's "ka"
		InitFunc: func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			var p *auth.Principal
			if h := payload.Authorization(); h != "" {
				token, ok := strings.CutPrefix(h, "Bearer ")
				if !ok {
					return refuse(ctx, closeUnauthorized, apperr.Unauthenticatedf("authorization must be 'Bearer <access token>'"))
				}
				var err error
				if p, err = lt.Authenticate(ctx, strings.TrimSpace(token)); err != nil {
					if apperr.KindOf(err) != apperr.Unauthenticated {
						log.ErrorContext(ctx, "live: authenticate", "err", err, "request_id", reqmeta.ID(ctx))
						return refuse(ctx, closeInternal, apperr.Unauthenticatedf("could not check the access token; try again"))
					}
					return refuse(ctx, closeUnauthorized, err)
				}
			} else if p = auth.FromContext(ctx); p == nil {
				return refuse(ctx, closeUnauthorized, apperr.Unauthenticatedf("sign in: connection_init needs {\"authorization\": \"Bearer <access token>\"}"))
			}
			release, err := lt.Admit(p.AccountID)
			if err != nil {
				return refuse(ctx, closeTooMany, err)
			}
			ctx = auth.WithPrincipal(ctx, p)
			cancel := context.CancelFunc(func() {})
			if !p.ExpiresAt.IsZero() {
				ctx, cancel = context.WithDeadline(ctx, p.ExpiresAt)
			}
			return context.WithValue(ctx, liveConnKey{}, &liveConn{release: release, cancel: cancel}), nil, nil
		},
		CloseFunc: func(ctx context.Context, _ int) {
			if c, ok := ctx.Value(liveConnKey{}).(*liveConn); ok {
				c.release()
				c.cancel()
			}
		},
	}
}

// liveCaller is the signed-in caller of a subscription, when this server
// serves them.
func (r *Resolver) liveCaller(ctx context.Context) (*auth.Principal, error) {
	if r.Live == nil {
		return nil, &apperr.Error{Kind: apperr.Unavailable, Msg: "this server does not serve subscriptions"}
	}
	return auth.Require(ctx)
}
