package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wsClient is a subscriber run by the graphql-ws npm client (a program
// no one here wrote), through testdata/graphql-ws/subscribe.mjs.
type wsClient struct {
	t      *testing.T
	events chan wsEvent
	stdin  io.WriteCloser
	seen   []wsEvent
}

// wsEvent is one line the client writes.
type wsEvent struct {
	Event  string          `json:"event"`
	Type   string          `json:"type"`
	Status int             `json:"status"`
	Code   int             `json:"code"`
	Reason string          `json:"reason"`
	Data   json.RawMessage `json:"data"`
	Errors json.RawMessage `json:"errors"`
	Error  json.RawMessage `json:"error"`
}

// subscribe starts a client on server b, signed in with token (none when
// empty), its upgrade carrying origin (none when empty).
func (b *testBundle) subscribe(t *testing.T, token, origin, query string, vars map[string]any) *wsClient {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed for the live-updates tests: run `make deps`")
	}
	dir := filepath.Join("testdata", "graphql-ws")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-ws")); err != nil {
		t.Fatalf("the graphql-ws client is not installed: run `make test` (it runs `npm ci` in internal/app/%s)", dir)
	}
	v, _ := json.Marshal(vars)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, "subscribe.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ZHDJ_WS_URL=ws"+strings.TrimPrefix(b.server.URL, "http")+"/graphql",
		"ZHDJ_WS_TOKEN="+token, "ZHDJ_WS_ORIGIN="+origin, "ZHDJ_WS_QUERY="+query, "ZHDJ_WS_VARIABLES="+string(v))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &wsClient{t: t, events: make(chan wsEvent, 64), stdin: stdin}
	go func() {
		defer close(c.events)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var e wsEvent
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("client wrote %q: %v", sc.Text(), err)
				continue
			}
			c.events <- e
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		cancel()
	})
	return c
}

// await returns the first event that matches, failing after a while.
func (c *wsClient) await(what string, match func(wsEvent) bool) wsEvent {
	c.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case e, ok := <-c.events:
			if !ok {
				c.t.Fatalf("%s: the client ended; it saw %+v", what, c.seen)
			}
			c.seen = append(c.seen, e)
			if match(e) {
				return e
			}
		case <-timeout:
			c.t.Fatalf("%s: not within 20 s; the client saw %+v", what, c.seen)
		}
	}
}

// end returns every event until the client ends.
func (c *wsClient) end(what string) []wsEvent {
	c.t.Helper()
	c.await(what, func(e wsEvent) bool {
		return e.Event == "closed" || e.Event == "error" || e.Event == "complete" || e.Event == "refused"
	})
	for e := range c.events {
		c.seen = append(c.seen, e)
	}
	return c.seen
}

// closeOf is the close among events.
func closeOf(events []wsEvent) wsEvent {
	for _, e := range events {
		if e.Event == "closed" {
			return e
		}
	}
	return wsEvent{}
}

func isEvent(name string) func(wsEvent) bool {
	return func(e wsEvent) bool { return e.Event == name }
}

const notificationAddedSubscription = `subscription { notificationAdded { kind title subjectId } }`

const cockpitChangedSubscription = `subscription($u: ID!, $p: PeriodInput) {
	cockpitChanged(orgUnit: $u, period: $p) { orgUnit { code } points { mean } } }`

// A change made through one server process reaches subscribers on
// another: a task's notice to its assignee, and the cockpit after a points
// correction; the server pings its connections.
func TestLiveAcrossServers(t *testing.T) {
	t.Parallel()
	// Cached cockpits last an hour: a subscription must not be sent those.
	b := setup(t, map[string]string{"ZHDJ_LIVE_PING": "200ms", "ZHDJ_LIVE_EVERY": "100ms", "ZHDJ_COCKPIT_MAX_AGE": "1h"})
	other := b.replica(t)
	school := b.demo.School.ID
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword) // 李明
	unit := func(code string) string { return testGlobalID(2, school, b.rowID(t, "org_units", "code", code)) }
	person := func(name string) string { return testGlobalID(5, school, b.rowID(t, "people", "name", name)) }
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339Nano) }

	// The replica has the cockpit cached from before the change.
	cockpitPeriod := map[string]any{"kind": "CUSTOM", "from": at(-time.Hour), "to": at(time.Hour)}
	const meanQuery = `query($u: ID!, $p: PeriodInput) { cockpit(orgUnit: $u, period: $p) { points { mean } } }`
	before := other.post(t, meanQuery, map[string]any{"u": unit("XXGC"), "p": cockpitPeriod}, bearer(admin)...)
	inbox := other.subscribe(t, member, "", notificationAddedSubscription, nil)
	inbox.await("the inbox connects", isEvent("connected"))
	figures := other.subscribe(t, admin, "http://localhost:3001", cockpitChangedSubscription,
		map[string]any{"u": unit("XXGC"), "p": cockpitPeriod})
	figures.await("the cockpit connects (from a site's origin)", isEvent("connected"))
	figures.await("a ping", isEvent("ping"))

	// Subscriptions start once connected; give the server a moment to
	// run the resolvers before the changes are made.
	time.Sleep(300 * time.Millisecond)
	tk := decode[struct {
		PublishTask struct{ Task struct{ ID string } }
	}](t, b.post(t, publishTaskMutation, map[string]any{"in": map[string]any{"orgUnit": unit("XXGC-XS1"), "title": "学习十二月党课",
		"deadline": at(48 * time.Hour), "assignees": map[string]any{"people": []string{person("李明")}}}}, bearer(secretary)...)).PublishTask.Task
	n := inbox.await("the task's notice", isEvent("next"))
	var notice struct {
		NotificationAdded struct{ Kind, Title, SubjectID string }
	}
	if err := json.Unmarshal(n.Data, &notice); err != nil || notice.NotificationAdded.Kind != "TASK_ASSIGNED" ||
		notice.NotificationAdded.Title != "学习十二月党课" || notice.NotificationAdded.SubjectID != tk.ID {
		t.Errorf("notice: %s %s (%v)", n.Data, n.Errors, err)
	}

	decode[map[string]any](t, b.post(t, `mutation($in: CorrectPointsInput!) { correctPoints(input: $in) { entry { id } } }`, map[string]any{"in": map[string]any{
		"person": person("刘强"), "amount": 40, "reason": "补记任务", "kind": "TASK_APPROVED"}}, bearer(secretary)...))
	var c struct {
		CockpitChanged struct {
			OrgUnit struct{ Code string }
			Points  struct{ Mean float64 }
		}
	}
	f := figures.await("the cockpit after the correction", func(e wsEvent) bool {
		if e.Event != "next" {
			return false
		}
		_ = json.Unmarshal(e.Data, &c)
		return c.CockpitChanged.Points.Mean > 0
	})
	if c.CockpitChanged.OrgUnit.Code != "XXGC" || len(f.Errors) > 0 && string(f.Errors) != "null" {
		t.Errorf("cockpit: %s %s", f.Data, f.Errors)
	}
	// The query is still the cached one (an hour's worth here).
	if r := other.post(t, meanQuery, map[string]any{"u": unit("XXGC"), "p": cockpitPeriod}, bearer(admin)...); string(r.Data) != string(before.Data) {
		t.Errorf("the cached query: %s, before %s", r.Data, before.Data)
	}
}

// A connection that is not to be served is refused before any data: from
// a foreign origin (before the upgrade), without a valid token, over the
// limit of connections per account, and for a unit outside the caller's
// subtree; one whose token expires is closed then.
func TestLiveRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t, map[string]string{"ZHDJ_LIVE_MAX_CONNECTIONS": "1", "ZHDJ_ACCESS_TTL": "10s"})
	school := b.demo.School.ID
	unit := func(code string) string { return testGlobalID(2, school, b.rowID(t, "org_units", "code", code)) }
	member, _ := b.login(t, "member", demoPassword)
	noData := func(what string, events []wsEvent) {
		t.Helper()
		for _, e := range events {
			if e.Event == "connected" || e.Event == "next" || e.Type == "connection_ack" || e.Type == "next" {
				t.Errorf("%s: data reached the client: %+v", what, events)
			}
		}
	}

	foreign := b.subscribe(t, member, "https://evil.example.com", notificationAddedSubscription, nil)
	events := foreign.end("a foreign origin")
	if events[0].Event != "refused" || events[0].Status != 403 {
		t.Errorf("a foreign origin: %+v, want the upgrade refused (403)", events)
	}
	noData("a foreign origin", events)

	for _, c := range []struct{ name, token string }{{"no token", ""}, {"a forged token", "eyJhbGciOiJIUzI1NiJ9.e30.x"}} {
		events := b.subscribe(t, c.token, "", notificationAddedSubscription, nil).end(c.name)
		if closed := closeOf(events); closed.Code != 4401 {
			t.Errorf("%s: %+v, want closed with 4401", c.name, events)
		}
		noData(c.name, events)
	}

	// The member's one connection is served (GraphiQL's origin is the
	// server's own); a second is refused; another subtree's cockpit is
	// NOT_FOUND.
	member, _ = b.login(t, "member", demoPassword) // a fresh token, expiring in 10 s
	first := b.subscribe(t, member, b.server.URL, notificationAddedSubscription, nil)
	first.await("the first connection", isEvent("connected"))
	second := b.subscribe(t, member, "", notificationAddedSubscription, nil).end("a second connection")
	if c := closeOf(second); c.Code != 4429 || !strings.Contains(c.Reason, "实时连接") {
		t.Errorf("a second connection: %+v, want closed with 4429", second)
	}
	noData("a second connection", second)

	// The token expires: the connection is closed (and its count released).
	closed := first.await("the token's expiry", isEvent("closed"))
	if closed.Code != 1000 {
		t.Errorf("at expiry: %+v, want a normal close", closed)
	}

	ownerExec(t, b, `UPDATE accounts SET person_id = (SELECT id FROM people WHERE name = '陈红梅') WHERE username = 'secretary'`)
	secretary, _ := b.login(t, "secretary", demoPassword)
	outside := b.subscribe(t, secretary, "", cockpitChangedSubscription, map[string]any{"u": unit("XXGC-XS2")})
	e := outside.await("another branch's cockpit", func(e wsEvent) bool { return e.Event == "error" || e.Event == "next" })
	if !strings.Contains(string(e.Error)+string(e.Errors), "NOT_FOUND") || len(e.Data) > 0 && string(e.Data) != "null" {
		t.Errorf("another branch's cockpit: %+v, want NOT_FOUND", e)
	}
}
