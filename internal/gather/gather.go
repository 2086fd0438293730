// Package gather writes requests in batches: a request that arrives while
// a batch of its key is being written waits, and the next batch takes all
// that waited, so that one transaction serves many of them. Nothing waits
// to fill a batch: a request arriving when none of its key is being
// written goes at once, alone; the batches grow with the load by
// themselves.
//
// The goroutine of one of the waiting requests writes each batch (the
// lead passes to the first still waiting), so there is no background
// goroutine to start or stop.
package gather

import "sync"

// Queue gathers requests of type R per key K.
type Queue[K comparable, R any] struct {
	max     int
	mu      sync.Mutex
	waiting map[K][]*waiter[R]
	busy    map[K]bool
}

type waiter[R any] struct {
	req R
	// wake is buffered (senders never wait): true, lead the next batch;
	// false, answered.
	wake chan bool
}

// New returns a Queue whose batches hold at most max requests.
func New[K comparable, R any](max int) *Queue[K, R] {
	return &Queue[K, R]{max: max, waiting: map[K][]*waiter[R]{}, busy: map[K]bool{}}
}

// Do queues req under k and returns once a batch holding it was written —
// by this goroutine, when it leads, or by another's. write writes one batch
// (in arrival order), answering each request through what the request
// carries, and returns the positions of those that must go again in the
// next batch, ahead of later arrivals (a second request for something the
// batch already changes, say). write must answer the first request of
// every batch: that is how the queue moves on. If write panics, the batch
// counts as answered (each request keeps whatever write left in it), the
// next batch still goes, and the panic carries on in the leading
// goroutine.
func (q *Queue[K, R]) Do(k K, req R, write func(batch []R) (again []int)) {
	w := &waiter[R]{req: req, wake: make(chan bool, 1)}
	lead := q.join(k, w)
	for {
		if lead {
			q.lead(k, write)
		}
		if !<-w.wake {
			return
		}
		lead = true
	}
}

// Waiting is how many requests of k wait for the batch being written
// (queue depth, for monitoring).
func (q *Queue[K, R]) Waiting(k K) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiting[k])
}

// join queues w and reports whether its goroutine leads (no batch of k is
// being written).
func (q *Queue[K, R]) join(k K, w *waiter[R]) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.waiting[k] = append(q.waiting[k], w)
	if q.busy[k] {
		return false
	}
	q.busy[k] = true
	return true
}

// lead writes the next batch of k, then answers it and passes the lead on.
func (q *Queue[K, R]) lead(k K, write func([]R) []int) {
	batch := q.take(k)
	var again []int
	defer func() { q.finish(k, batch, again) }() // even after a panic
	reqs := make([]R, len(batch))
	for i, w := range batch {
		reqs[i] = w.req
	}
	again = write(reqs)
}

// take removes and returns the next batch of k, in arrival order.
func (q *Queue[K, R]) take(k K) []*waiter[R] {
	q.mu.Lock()
	defer q.mu.Unlock()
	w := q.waiting[k]
	n := min(len(w), q.max)
	batch := w[:n:n]
	if n == len(w) {
		delete(q.waiting, k)
	} else {
		q.waiting[k] = w[n:]
	}
	return batch
}

// finish puts the requests at positions again back at the head of k's
// queue, wakes the rest of batch as answered, and passes the lead to the
// first waiting request, or marks k idle when none waits.
func (q *Queue[K, R]) finish(k K, batch []*waiter[R], again []int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	goesAgain := make(map[int]bool, len(again))
	for _, i := range again {
		goesAgain[i] = i > 0 // the first never goes again
	}
	var back []*waiter[R]
	for i, w := range batch {
		if goesAgain[i] {
			back = append(back, w)
		} else {
			w.wake <- false
		}
	}
	if len(back) > 0 {
		q.waiting[k] = append(back, q.waiting[k]...)
	}
	w := q.waiting[k]
	if len(w) == 0 {
		delete(q.busy, k)
		return
	}
	w[0].wake <- true
}
