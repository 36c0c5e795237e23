package busutil

import (
	"math/rand/v2"
	"time"
)

// Backoff is an exponential reconnection delay with jitter.
type Backoff struct {
	// Min is the first delay; Max bounds every delay.
	Min, Max time.Duration
	n        int
}

// Next returns the next delay: Min, then doubling up to Max, each with up
// to 20% jitter.
func (b *Backoff) Next() time.Duration {
	d := b.Min << min(b.n, 20)
	if d > b.Max || d <= 0 {
		d = b.Max
	}
	b.n++
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// Reset starts again from Min.
func (b *Backoff) Reset() { b.n = 0 }
