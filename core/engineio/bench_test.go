package engineio

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchServer returns a server whose heartbeat stays out of the way.
func benchServer(b *testing.B, opts Options) *Server {
	opts.PingInterval = time.Hour
	opts.PingTimeout = time.Hour
	srv := New(opts)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}

// discardConn is a fakeConn whose writes are counted and dropped.
func discardConn(counter *atomic.Int64) *fakeConn {
	c := newFakeConn(0)
	c.sink = func(frame) { counter.Add(1) }
	return c
}

// openDiscard opens a websocket-only session on a discarding fake conn and
// waits for its open packet to be written.
func openDiscard(b *testing.B, srv *Server, counter *atomic.Int64) *Socket {
	conns := make(chan *Socket, 1)
	srv.OnConnection(func(s *Socket) { conns <- s })
	ticket, resp := srv.PrepareWebSocket(testRequest(http.MethodGet, "EIO=4&transport=websocket", nil))
	if resp != nil {
		b.Fatal(resp.Status)
	}
	before := counter.Load()
	c := discardConn(counter)
	go ticket.Serve(c)
	s := <-conns
	spinUntil(func() bool { return counter.Load() > before })
	return s
}

// spinUntil waits for cond without sleeping (a sleep would dominate the
// measurement); a benchmark bug that makes cond unreachable panics rather
// than hangs.
func spinUntil(cond func() bool) {
	deadline := time.Now().Add(time.Minute)
	for i := 0; !cond(); i++ {
		runtime.Gosched()
		if i%1024 == 0 && time.Now().After(deadline) {
			panic("benchmark: condition not reached in a minute")
		}
	}
}

// BenchmarkWebSocketSend measures server → client throughput of one
// session: Send, the writer's hand-off and the (discarding) write.
func BenchmarkWebSocketSend(b *testing.B) {
	for _, size := range []int{16, 1024} {
		b.Run(fmt.Sprint(size, "B"), func(b *testing.B) {
			var written atomic.Int64
			srv := benchServer(b, Options{})
			sock := openDiscard(b, srv, &written)
			msg := TextMessage(make([]byte, size))
			base := written.Load()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := sock.Send(msg); err != nil {
					b.Fatal(err)
				}
				if i%1024 == 1023 { // keep the queue below its bound
					spinUntil(func() bool { return written.Load()-base >= int64(i-1024) })
				}
			}
			spinUntil(func() bool { return written.Load()-base == int64(b.N) })
		})
	}
}

// BenchmarkWebSocketReceive measures client → server throughput of one
// session: reading a frame, decoding it and calling OnMessage.
func BenchmarkWebSocketReceive(b *testing.B) {
	for _, size := range []int{16, 1024} {
		b.Run(fmt.Sprint(size, "B"), func(b *testing.B) {
			srv := benchServer(b, Options{})
			var got atomic.Int64
			srv.OnConnection(func(s *Socket) {
				s.OnMessage(func([]byte, bool) { got.Add(1) })
			})
			ticket, _ := srv.PrepareWebSocket(testRequest(http.MethodGet, "EIO=4&transport=websocket", nil))
			c := &chanConn{in: make(chan frame, 1024), closed: make(chan struct{})}
			go ticket.Serve(c)
			f := frame{wsText, append([]byte{'4'}, make([]byte, size)...)}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				c.in <- f
			}
			spinUntil(func() bool { return got.Load() == int64(b.N) })
		})
	}
}

// BenchmarkFanOut sends one Message to N websocket sessions (one op), and
// every 64 ops waits until every session has written everything. The
// message is encoded once; the per-session cost is the queue hand-off and
// the writer's wake-up, and allocs/op does not grow with N.
func BenchmarkFanOut(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprint("N=", n), func(b *testing.B) {
			srv := benchServer(b, Options{})
			var written atomic.Int64
			socks := make([]*Socket, n)
			for i := range socks {
				socks[i] = openDiscard(b, srv, &written)
			}
			msg := TextMessage([]byte(`42["news",{"hello":"world"}]`))
			// Warm up: the queues reach their working size.
			want := written.Load() + int64(128*n)
			for range 128 {
				for _, s := range socks {
					_ = s.Send(msg)
				}
			}
			spinUntil(func() bool { return written.Load() == want })
			base := written.Load()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				for _, s := range socks {
					if err := s.Send(msg); err != nil {
						b.Fatal(err)
					}
				}
				if i%64 == 63 || i == b.N-1 {
					want := base + int64((i+1)*n)
					spinUntil(func() bool { return written.Load() == want })
				}
			}
		})
	}
}

// BenchmarkPollingFanOut is BenchmarkFanOut for polling sessions: each op
// queues the message on N sessions and answers one GET on each.
func BenchmarkPollingFanOut(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprint("N=", n), func(b *testing.B) {
			srv := benchServer(b, Options{})
			conns := make(chan *Socket, n)
			srv.OnConnection(func(s *Socket) { conns <- s })
			reqs := make([]*Request, n)
			socks := make([]*Socket, n)
			for i := range socks {
				resp := srv.ServePoll(context.Background(), testRequest(http.MethodGet, "EIO=4&transport=polling", nil))
				socks[i] = <-conns
				reqs[i] = testRequest(http.MethodGet, "EIO=4&transport=polling&sid="+sidOf(b, resp.Body), nil)
			}
			msg := TextMessage([]byte(`42["news",{"hello":"world"}]`))
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for _, s := range socks {
					_ = s.Send(msg)
				}
				for _, r := range reqs {
					if resp := srv.ServePoll(ctx, r); resp.Status != 200 {
						b.Fatal(resp.Status)
					}
				}
			}
		})
	}
}

func BenchmarkDecodePayload(b *testing.B) {
	payload := []byte("4hello\x1e4world\x1ebAQIDBAUGBwg=\x1e42[\"chat\",\"a fairly typical message\"]\x1e3")
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for range b.N {
		_ = decodePayload(payload, func(packet) error { return nil })
	}
}

// chanConn is a minimal Conn for benchmarks: reads come from a channel,
// with no deadline timers; writes are dropped.
type chanConn struct {
	in     chan frame
	closed chan struct{}
	once   sync.Once
}

func (c *chanConn) ReadMessage() (int, []byte, error) {
	select {
	case f := <-c.in:
		return f.typ, f.data, nil
	case <-c.closed:
		return 0, nil, net.ErrClosed
	}
}

func (c *chanConn) WriteMessage(int, []byte) error   { return nil }
func (c *chanConn) SetReadDeadline(time.Time) error  { return nil }
func (c *chanConn) SetWriteDeadline(time.Time) error { return nil }
func (c *chanConn) SetReadLimit(int64)               {}
func (c *chanConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}
