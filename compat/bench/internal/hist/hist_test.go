package hist

import (
	"testing"
	"time"
)

func TestIndexMonotonicAndLower(t *testing.T) {
	prev := -1
	for v := uint64(0); v < 1<<20; v++ {
		i := index(v)
		if i < prev {
			t.Fatalf("index not monotonic at %d", v)
		}
		lo, w := lower(i)
		if v < lo || v >= lo+w {
			t.Fatalf("v=%d bucket %d covers [%d,%d)", v, i, lo, lo+w)
		}
		prev = i
	}
}

func TestQuantile(t *testing.T) {
	var h Hist
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}} {
		got := h.Quantile(c.q)
		if d := float64(got-c.want) / float64(c.want); d > 0.04 || d < -0.04 {
			t.Errorf("q%.2f = %v, want ~%v", c.q, got, c.want)
		}
	}
	if h.Count() != 1000 || h.Max() != time.Second {
		t.Errorf("count %d max %v", h.Count(), h.Max())
	}
}
