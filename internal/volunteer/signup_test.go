package volunteer

import (
	"testing"

	"github.com/google/uuid"
)

// TestSignUpQueue: the first sign-up for an idle activity leads at once;
// those arriving meanwhile wait and go in the next batch, in arrival order
// and at most maxSignUpBatch at a time; the lead passes to the first one
// still waiting, and the activity is idle again when none is.
func TestSignUpQueue(t *testing.T) {
	q := newSignUpQueue()
	k := activityKey{uuid.New(), uuid.New()}
	other := activityKey{k.tenant, uuid.New()}
	req := func() *signUpRequest { return &signUpRequest{person: uuid.New(), done: make(chan signUpOutcome, 1)} }

	first := req()
	if !q.join(k, first) {
		t.Fatal("the first sign-up for an idle activity does not lead")
	}
	if !q.join(other, req()) {
		t.Fatal("another activity's sign-up waits for this one's batch")
	}
	if batch := q.take(k); len(batch) != 1 || batch[0] != first {
		t.Fatalf("first batch %v, want the leader alone", batch)
	}
	var waiting []*signUpRequest
	for range maxSignUpBatch + 3 {
		r := req()
		if q.join(k, r) {
			t.Fatal("a sign-up arriving while a batch is written leads")
		}
		waiting = append(waiting, r)
	}
	q.handOff(k)
	if o := <-waiting[0].done; !o.lead {
		t.Fatal("the first waiting sign-up was not given the lead")
	}
	batch := q.take(k)
	if len(batch) != maxSignUpBatch {
		t.Fatalf("batch of %d, want at most %d", len(batch), maxSignUpBatch)
	}
	for i, r := range batch {
		if r != waiting[i] {
			t.Fatalf("batch position %d is not the %d-th to arrive", i, i+1)
		}
	}
	q.handOff(k)
	if o := <-waiting[maxSignUpBatch].done; !o.lead {
		t.Fatal("the lead did not pass to the first still waiting")
	}
	if rest := q.take(k); len(rest) != 3 || rest[0] != waiting[maxSignUpBatch] {
		t.Fatalf("rest %d, want the 3 left in order", len(rest))
	}
	q.handOff(k)
	if !q.join(k, req()) {
		t.Fatal("the activity is not idle after its last batch")
	}
}
