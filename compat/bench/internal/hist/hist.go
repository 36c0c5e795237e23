// Package hist is a lock-free log-linear latency histogram for the load
// generator: constant memory whatever the sample count, about 3% relative
// error, safe for concurrent Record calls.
package hist

import (
	"math/bits"
	"sync/atomic"
	"time"
)

const (
	subBits  = 5            // 32 sub-buckets per power of two: ~3% error
	subCount = 1 << subBits // sub-buckets per octave
	linear   = 2 * subCount // values below this are exact
	nBuckets = 2048         // covers 2^62 microseconds
)

// Hist counts durations in microsecond buckets. The zero value is ready.
type Hist struct {
	counts [nBuckets]atomic.Uint64
	n      atomic.Uint64
	max    atomic.Uint64
}

func index(v uint64) int {
	if v < linear {
		return int(v)
	}
	k := bits.Len64(v) - 1 // v in [2^k, 2^(k+1))
	shift := k - subBits
	return (shift)*subCount + int(v>>shift)
}

// lower returns the smallest value that maps to bucket i, and the bucket width.
func lower(i int) (uint64, uint64) {
	if i < linear {
		return uint64(i), 1
	}
	shift := i/subCount - 1
	sub := uint64(i%subCount + subCount)
	return sub << shift, 1 << shift
}

// Record adds one duration.
func (h *Hist) Record(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	v := uint64(us)
	i := index(v)
	if i >= nBuckets {
		i = nBuckets - 1
	}
	h.counts[i].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			break
		}
	}
}

// Count is the number of recorded samples.
func (h *Hist) Count() uint64 { return h.n.Load() }

// Max is the largest recorded sample.
func (h *Hist) Max() time.Duration { return time.Duration(h.max.Load()) * time.Microsecond }

// Quantile returns the q-quantile (0 < q <= 1) as the midpoint of its bucket,
// or 0 when the histogram is empty.
func (h *Hist) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			lo, w := lower(i)
			mid := float64(lo) + float64(w-1)/2
			return time.Duration(mid * float64(time.Microsecond))
		}
	}
	return h.Max()
}
