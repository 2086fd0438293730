package gather

import (
	"sync"
	"testing"
	"time"
)

// TestQueue: the first request of an idle key leads at once; those arriving
// meanwhile wait and go in the next batch, in arrival order and at most max
// at a time; the lead passes to the first one still waiting, and the key is
// idle again when none is.
func TestQueue(t *testing.T) {
	q := New[string, int](4)
	w := func(n int) *waiter[int] { return &waiter[int]{req: n, wake: make(chan bool, 1)} }

	first := w(0)
	if !q.join("a", first) {
		t.Fatal("the first request of an idle key does not lead")
	}
	if !q.join("b", w(0)) {
		t.Fatal("another key's request waits for this one's batch")
	}
	if batch := q.take("a"); len(batch) != 1 || batch[0] != first {
		t.Fatalf("first batch %v, want the leader alone", batch)
	}
	var waiting []*waiter[int]
	for i := range 4 + 3 {
		r := w(i + 1)
		if q.join("a", r) {
			t.Fatal("a request arriving while a batch is written leads")
		}
		waiting = append(waiting, r)
	}
	q.finish("a", []*waiter[int]{first}, nil)
	if <-first.wake {
		t.Fatal("the written request was not answered")
	}
	if lead := <-waiting[0].wake; !lead {
		t.Fatal("the first waiting request was not given the lead")
	}
	batch := q.take("a")
	if len(batch) != 4 {
		t.Fatalf("batch of %d, want at most 4", len(batch))
	}
	for i, r := range batch {
		if r != waiting[i] {
			t.Fatalf("batch position %d is not the %d-th to arrive", i, i+1)
		}
	}
	// The third goes again, ahead of the three still waiting.
	q.finish("a", batch, []int{2})
	if lead := <-waiting[2].wake; !lead {
		t.Fatal("the request to go again was not put first")
	}
	for _, i := range []int{0, 1, 3} {
		if <-waiting[i].wake {
			t.Fatalf("request %d was not answered", i)
		}
	}
	rest := q.take("a")
	if len(rest) != 4 || rest[0] != waiting[2] || rest[1] != waiting[4] {
		t.Fatalf("next batch %v, want the one going again, then the rest in order", rest)
	}
	q.finish("a", rest, []int{0}) // the first never goes again
	if q.Waiting("a") != 0 {
		t.Fatalf("%d still waiting", q.Waiting("a"))
	}
	if !q.join("a", w(9)) {
		t.Fatal("the key is not idle after its last batch")
	}
}

// TestDoConcurrent: with many requests at once, each is written exactly
// once, batches stay within the bound, a request sent back goes in a later
// batch, and a panicking batch still lets the others through.
func TestDoConcurrent(t *testing.T) {
	type req struct {
		n       int
		again   bool // send back once
		written int
	}
	q := New[int, *req](8)
	var mu sync.Mutex
	batches, panicked := 0, false
	firstOf := map[int]bool{}
	write := func(batch []*req) (again []int) {
		k := batch[0].n % 3
		mu.Lock()
		first := !firstOf[k]
		firstOf[k] = true
		mu.Unlock()
		if first { // let the others of the key pile up behind the first batch
			for deadline := time.Now().Add(5 * time.Second); q.Waiting(k) < 9 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		batches++
		if len(batch) > 8 {
			t.Errorf("batch of %d", len(batch))
		}
		if !panicked && len(batch) > 1 {
			panicked = true
			for _, r := range batch {
				r.written = -1000 // answered by the panic: not written
			}
			panic("batch failed")
		}
		for i, r := range batch {
			if r.again && i > 0 {
				r.again = false
				again = append(again, i)
				continue
			}
			r.written++
		}
		return again
	}
	reqs := make([]*req, 500)
	var wg sync.WaitGroup
	for i := range reqs {
		reqs[i] = &req{n: i, again: i%7 == 0}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { _ = recover() }()
			q.Do(reqs[i].n%3, reqs[i], write)
		}()
	}
	wg.Wait()
	failed := 0
	for _, r := range reqs {
		switch r.written {
		case 1:
		case -1000:
			failed++
		default:
			t.Errorf("request %d written %d times", r.n, r.written)
		}
	}
	if failed == 0 || failed > 8 {
		t.Errorf("%d requests in the panicking batch, want 2–8", failed)
	}
	for k := range 3 {
		if q.Waiting(k) != 0 || q.busy[k] {
			t.Errorf("key %d not idle at the end", k)
		}
	}
}
