package adminui_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketio-go/sio/adminui"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/stdsio"
)

// The cost of the instrumentation: broadcast and echo throughput over real
// loopback websockets, without instrumentation ("off"), in Production mode
// and in Development mode, with an admin client connected and reading
// everything it is sent (in Development mode that is a report per event
// sent and received).
//
//	go test ./adminui -run '^$' -bench . -benchtime 3s

var benchModes = []struct {
	name string
	mode adminui.Mode // "" for off
}{{"off", ""}, {"production", adminui.Production}, {"development", adminui.Development}}

// benchSetup serves an instrumented (or not) server with n clients on "/".
func benchSetup(b *testing.B, mode adminui.Mode, n int) (*core.Server, []*siotest.Client) {
	srv := core.NewServer(core.Options{})
	srv.On("echo", func(s *core.Socket, args core.Args) core.Args { return args })
	ts := httptest.NewServer(stdsio.Handler(srv))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var admin *adminui.Admin
	if mode != "" {
		var err error
		admin, err = adminui.Instrument(srv, adminui.Config{Auth: adminui.NoAuth(), Mode: mode, Logger: nil})
		if err != nil {
			b.Fatal(err)
		}
		rawAdmin(b, ts.URL)
	}
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
		if admin != nil {
			admin.Close()
		}
		ts.Close()
	})
	return srv, clients
}

// rawAdmin connects an admin client that reads and discards everything.
func rawAdmin(b *testing.B, base string) {
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := conn.WriteMessage(websocket.TextMessage, []byte("40/admin,")); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var frames int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			frames++
			if string(msg) == "2" {
				_ = conn.WriteMessage(websocket.TextMessage, []byte("3"))
			}
		}
	}()
	b.Cleanup(func() {
		conn.Close()
		wg.Wait()
		b.ReportMetric(float64(frames)/float64(b.N), "admin-frames/op")
	})
}

// BenchmarkBroadcast: one event to 100 clients per operation; the metric
// is deliveries per second.
func BenchmarkBroadcast(b *testing.B) {
	const clients, window = 100, 50
	for _, m := range benchModes {
		b.Run(m.name, func(b *testing.B) {
			srv, cs := benchSetup(b, m.mode, clients)
			// The readers count the deliveries and signal when the count
			// reaches target.
			var got, target atomic.Int64
			reached := make(chan struct{}, 1)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for _, c := range cs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						if _, err := c.ReadEvent(ctx); err != nil {
							return
						}
						if got.Add(1) == target.Load() {
							reached <- struct{}{}
						}
					}
				}()
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if (i+1)%window == 0 || i == b.N-1 {
					target.Store(int64(i+1) * clients)
				}
				_ = srv.Emit("news", "hello, world", i)
				if (i+1)%window == 0 || i == b.N-1 {
					select {
					case <-reached:
					case <-time.After(time.Minute):
						b.Fatalf("%d deliveries of %d", got.Load(), target.Load())
					}
				}
			}
			b.ReportMetric(float64(got.Load())/time.Since(start).Seconds(), "deliveries/s")
			cancel()
			wg.Wait()
		})
	}
}

// BenchmarkEcho: 10 clients each send events with acknowledgements, which
// the server echoes; the metric is acknowledgements per second.
func BenchmarkEcho(b *testing.B) {
	const clients = 10
	for _, m := range benchModes {
		b.Run(m.name, func(b *testing.B) {
			_, cs := benchSetup(b, m.mode, clients)
			ctx := context.Background()
			var next atomic.Int64
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for _, c := range cs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						if _, err := c.EmitWithAck(ctx, "echo", "hello, world", 42); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "acks/s")
		})
	}
}
