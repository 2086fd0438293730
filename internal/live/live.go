// Package live carries what the database announces on commit to the
// subscriptions of this server process: every process LISTENs on one
// channel, so that a change written through any of them reaches the
// subscribers of all (no infrastructure besides PostgreSQL).
package live

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
)

// Topics of events.
const (
	TopicNotification = "notification" // a notice to Person (ID)
	TopicCockpit      = "cockpit"      // figures under Path changed
	TopicWarning      = "warning"      // a warning (ID) raised or changed under Path
	TopicPublic       = "public"       // something a school's sites may show changed
	// TopicResync is sent to every subscriber after the hub's connection
	// was lost and made again: events may have been missed.
	TopicResync = "resync"
)

// Event is one announcement.
type Event struct {
	Topic  string    `json:"k"`
	Tenant uuid.UUID `json:"t"`
	Person uuid.UUID `json:"p"`
	ID     uuid.UUID `json:"id"`
	// Path is the org unit path under which something changed.
	Path string `json:"u"`
	// Area is what kind of public data changed (TopicPublic).
	Area string `json:"a"`
}

// Hub fans the database's announcements out to this process's
// subscribers and bounds how many connections a person holds open.
type Hub struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	// MaxConnections bounds the live connections of one account in this
	// process.
	maxConnections int

	mu       sync.Mutex
	subs     map[*subscriber]struct{}
	watchers map[string][]func(Event)
	// listening: the hub's connection is up (events are not being missed).
	listening atomic.Bool
	conns     map[uuid.UUID]int
	ready     chan struct{} // closed once listening
	once      sync.Once
}

type subscriber struct {
	tenant uuid.UUID
	topic  string
	ch     chan Event
}

// NewHub returns a hub over pool; Run must be running for events to flow.
func NewHub(pool *pgxpool.Pool, maxConnections int, log *slog.Logger) *Hub {
	return &Hub{pool: pool, log: log, maxConnections: maxConnections, subs: map[*subscriber]struct{}{}, watchers: map[string][]func(Event){},
		conns: map[uuid.UUID]int{}, ready: make(chan struct{})}
}

// Ready is closed once the hub listens.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// errTooMany is the answer to one connection too many.
var errTooMany = &apperr.Error{Kind: apperr.RateLimited, Msg: "too many live connections are open for this account; close one", RetryAfter: time.Minute}

// Admit counts a live connection of account, refusing one above the
// limit; release uncounts it.
func (h *Hub) Admit(account uuid.UUID) (release func(), err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns[account] >= h.maxConnections {
		return nil, errTooMany
	}
	h.conns[account]++
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.conns[account]--; h.conns[account] <= 0 {
				delete(h.conns, account)
			}
		})
	}, nil
}

// Subscribe returns the events of a topic in a tenant (and resyncs) until
// ctx ends. A subscriber that does not keep up loses events, never
// blocks others: its channel holds a few, and a full one gets a resync
// instead.
func (h *Hub) Subscribe(ctx context.Context, tenant uuid.UUID, topic string) <-chan Event {
	s := &subscriber{tenant: tenant, topic: topic, ch: make(chan Event, 16)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	go func() {
		<-ctx.Done()
		h.mu.Lock()
		delete(h.subs, s)
		h.mu.Unlock()
	}()
	return s.ch
}

// Watch calls fn with every event of topic, of every tenant, and with
// every resync, for as long as the hub runs: in the hub's own goroutine,
// so fn must return at once (count, flag, never block).
func (h *Hub) Watch(topic string, fn func(Event)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.watchers[topic] = append(h.watchers[topic], fn)
}

// Listening reports whether the hub's connection is up: while it is
// down, announcements are being missed (a resync follows reconnection).
func (h *Hub) Listening() bool { return h.listening.Load() }

// publish hands e to its subscribers and watchers.
func (h *Hub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.Topic == TopicResync {
		for _, fns := range h.watchers {
			for _, fn := range fns {
				fn(e)
			}
		}
	} else {
		for _, fn := range h.watchers[e.Topic] {
			fn(e)
		}
	}
	for s := range h.subs {
		if e.Topic != TopicResync && (s.tenant != e.Tenant || s.topic != e.Topic) {
			continue
		}
		select {
		case s.ch <- e:
		default:
			// Full: the oldest are there to be read; say something was lost.
			select {
			case <-s.ch:
			default:
			}
			select {
			case s.ch <- Event{Topic: TopicResync, Tenant: s.tenant}:
			default:
			}
		}
	}
}

// Run listens until ctx ends, reconnecting after errors; subscribers get
// a resync after each reconnection.
func (h *Hub) Run(ctx context.Context) {
	first := true
	for ctx.Err() == nil {
		err := h.listen(ctx, first)
		first = false
		if err != nil && ctx.Err() == nil {
			h.log.Warn("live: change notifications interrupted; reconnecting", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (h *Hub) listen(ctx context.Context, first bool) error {
	conn, err := pgx.ConnectConfig(ctx, h.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, listenForChanges); err != nil {
		return err
	}
	h.listening.Store(true)
	defer h.listening.Store(false)
	h.once.Do(func() { close(h.ready) })
	if !first {
		h.publish(Event{Topic: TopicResync})
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		var e Event
		if err := json.Unmarshal([]byte(n.Payload), &e); err != nil || e.Topic == "" {
			h.log.Warn("live: an announcement that is not an event", "payload", n.Payload, "err", err)
			continue
		}
		h.publish(e)
	}
}
