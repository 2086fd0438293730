package live_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/live"
	"zhdj/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func startHub(t *testing.T, maxConnections int) (*live.Hub, *pgtest.DB) {
	t.Helper()
	db := pgtest.NewDB(t)
	h := live.NewHub(db.Pool, maxConnections, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-h.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("the hub did not start listening")
	}
	return h, db
}

func announce(t *testing.T, db *pgtest.DB, payload any) {
	t.Helper()
	b, ok := payload.(string)
	if !ok {
		j, _ := json.Marshal(payload)
		b = string(j)
	}
	if _, err := db.Pool.Exec(context.Background(), `SELECT pg_notify('zhdj_live', $1)`, b); err != nil {
		t.Fatal(err)
	}
}

func receive(t *testing.T, ch <-chan live.Event) live.Event {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
		return live.Event{}
	}
}

func quiet(t *testing.T, ch <-chan live.Event, what string) {
	t.Helper()
	select {
	case e := <-ch:
		t.Errorf("%s got %+v", what, e)
	case <-time.After(200 * time.Millisecond):
	}
}

// An announcement reaches the subscribers of its school and topic only;
// one that is not an event is dropped.
func TestHubFansOutBySchoolAndTopic(t *testing.T) {
	t.Parallel()
	h, db := startHub(t, 5)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := uuid.New(), uuid.New()
	cockpitA := h.Subscribe(ctx, a, live.TopicCockpit)
	cockpitB := h.Subscribe(ctx, b, live.TopicCockpit)
	noticesA := h.Subscribe(ctx, a, live.TopicNotification)

	announce(t, db, "not json")
	announce(t, db, map[string]any{"t": a})
	announce(t, db, map[string]any{"k": "cockpit", "t": a, "u": "dw.xxgc"})
	if e := receive(t, cockpitA); e.Topic != live.TopicCockpit || e.Tenant != a || e.Path != "dw.xxgc" {
		t.Errorf("cockpit of a: %+v", e)
	}
	quiet(t, cockpitB, "another school's subscriber")
	quiet(t, noticesA, "another topic's subscriber")

	person, id := uuid.New(), uuid.New()
	announce(t, db, map[string]any{"k": "notification", "t": a, "p": person, "id": id})
	if e := receive(t, noticesA); e.Person != person || e.ID != id {
		t.Errorf("notice: %+v", e)
	}
	quiet(t, cockpitA, "the cockpit subscriber")

	// A subscription that ends gets nothing more (and is forgotten).
	cancel()
	time.Sleep(50 * time.Millisecond)
	announce(t, db, map[string]any{"k": "cockpit", "t": a, "u": "dw"})
	quiet(t, cockpitA, "an ended subscription")
}

// A subscriber that does not read never holds the others up: it loses
// events and is told so with a resync.
func TestHubSlowSubscriberGetsResync(t *testing.T) {
	t.Parallel()
	h, db := startHub(t, 5)
	ctx := t.Context()
	school := uuid.New()
	slow := h.Subscribe(ctx, school, live.TopicCockpit)
	fast := h.Subscribe(ctx, school, live.TopicCockpit)
	const n = 40
	for i := range n {
		announce(t, db, map[string]any{"k": "cockpit", "t": school, "u": "dw.u" + string(rune('a'+i%26))})
		receive(t, fast)
	}
	var got []live.Event
	for len(slow) > 0 {
		got = append(got, <-slow)
	}
	if len(got) == 0 || len(got) >= n || got[len(got)-1].Topic != live.TopicResync {
		t.Errorf("the slow subscriber holds %+v; want fewer than %d events and a resync last", got, n)
	}
}

// After the hub's connection is lost it listens again, and its
// subscribers are told that events may have been missed.
func TestHubReconnectsAndResyncs(t *testing.T) {
	t.Parallel()
	h, db := startHub(t, 5)
	school := uuid.New()
	ch := h.Subscribe(t.Context(), school, live.TopicCockpit)
	admin, err := pgx.Connect(context.Background(), pgtest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	var killed int
	if err := admin.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = $1 AND query = 'LISTEN zhdj_live'`, db.Name).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminating the hub's connection: %d (%v)", killed, err)
	}
	if e := receive(t, ch); e.Topic != live.TopicResync {
		t.Fatalf("after reconnecting: %+v, want a resync", e)
	}
	announce(t, db, map[string]any{"k": "cockpit", "t": school, "u": "dw"})
	if e := receive(t, ch); e.Topic != live.TopicCockpit {
		t.Errorf("after reconnecting: %+v", e)
	}
}

// An account holds at most the limit of connections; releasing one
// (twice is once) makes room.
func TestAdmitBoundsConnectionsPerAccount(t *testing.T) {
	t.Parallel()
	h := live.NewHub(nil, 2, slog.New(slog.NewTextHandler(io.Discard, nil)))
	me, other := uuid.New(), uuid.New()
	r1, err1 := h.Admit(me)
	_, err2 := h.Admit(me)
	_, err3 := h.Admit(me)
	if err1 != nil || err2 != nil || !apperr.Is(err3, apperr.RateLimited) {
		t.Fatalf("admit: %v %v %v; want the third refused", err1, err2, err3)
	}
	if _, err := h.Admit(other); err != nil {
		t.Errorf("another account: %v", err)
	}
	r1()
	r1()
	if _, err := h.Admit(me); err != nil {
		t.Errorf("after a release: %v", err)
	}
	if _, err := h.Admit(me); !apperr.Is(err, apperr.RateLimited) {
		t.Errorf("a double release counted twice: %v", err)
	}
}
