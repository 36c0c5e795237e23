package metrics_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/metrics"
	"github.com/socketio-go/sio/stdsio"
)

// The cost of the metrics: echo and broadcast throughput over real
// loopback websockets, without metrics ("off"), with them ("on"), and with
// event names as labels ("events").
//
//	go test ./metrics -run '^$' -bench . -benchtime 3s -count 5

var benchConfigs = []struct {
	name string
	cfg  *metrics.Config // nil: off
}{
	{"off", nil},
	{"on", &metrics.Config{}},
	{"events", &metrics.Config{EventNames: []string{"echo", "news"}}},
}

// benchServer serves a server with the metrics of cfg (none for nil) and n
// connected clients.
func benchServer(b *testing.B, cfg *metrics.Config, n int) (*core.Server, []*siotest.Client) {
	srv := core.NewServer(core.Options{})
	srv.On("echo", func(s *core.Socket, args core.Args) core.Args { return args })
	if cfg != nil {
		m := metrics.New(srv, *cfg)
		b.Cleanup(m.Close)
	}
	ts := httptest.NewServer(stdsio.Handler(srv))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	clients := make([]*siotest.Client, n)
	for i := range clients {
		c, err := siotest.Dial(ctx, ts.URL, siotest.Options{DropUnread: true})
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	b.Cleanup(func() {
		for _, c := range clients {
			c.Close()
		}
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		ts.Close()
	})
	return srv, clients
}

// BenchmarkEcho: 10 clients send events with acknowledgements, which the
// server echoes; reported as acknowledgements per second.
func BenchmarkEcho(b *testing.B) {
	for _, bc := range benchConfigs {
		b.Run(bc.name, func(b *testing.B) {
			_, clients := benchServer(b, bc.cfg, 10)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for _, c := range clients {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						if _, err := c.EmitWithAck(context.Background(), "echo", "hello", 42); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "acks/s")
		})
	}
}

// BenchmarkBroadcast: one event to 100 clients per operation, 50 in
// flight; reported as deliveries per second.
func BenchmarkBroadcast(b *testing.B) {
	const n, window = 100, 50
	for _, bc := range benchConfigs {
		b.Run(bc.name, func(b *testing.B) {
			srv, clients := benchServer(b, bc.cfg, n)
			var got atomic.Int64
			done := make(chan struct{}, 1)
			var want atomic.Int64
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for _, c := range clients {
				wg.Go(func() {
					for {
						if _, err := c.ReadEvent(ctx); err != nil {
							return
						}
						if got.Add(1) == want.Load() {
							done <- struct{}{}
						}
					}
				})
			}
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				last := (i+1)%window == 0 || i == b.N-1
				if last {
					want.Store(int64(i+1) * n)
				}
				_ = srv.Emit("news", "hello", i)
				if last {
					select {
					case <-done:
					case <-time.After(time.Minute):
						b.Fatalf("%d of %d deliveries", got.Load(), want.Load())
					}
				}
			}
			b.ReportMetric(float64(got.Load())/time.Since(start).Seconds(), "deliveries/s")
			cancel()
			wg.Wait()
		})
	}
}
