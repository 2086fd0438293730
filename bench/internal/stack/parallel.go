package stack

import (
	"sync"
	"sync/atomic"
)

// Parallel calls f for 0 … n-1 from workers goroutines and returns the
// first error (every call is made).
func Parallel(n, workers int, f func(int) error) error {
	next := atomic.Int64{}
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
				}
			}
		})
	}
	wg.Wait()
	return first
}
