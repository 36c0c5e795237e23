package core_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/internal/siotest"
)

// benchSink counts the frames written to a set of benchConns and signals
// when the count reaches a target.
type benchSink struct {
	n      atomic.Int64
	target atomic.Int64
	done   chan struct{}
}

func newBenchSink() *benchSink {
	s := &benchSink{done: make(chan struct{}, 1)}
	s.target.Store(-1)
	return s
}

// expect arms the sink for n more frames; wait then blocks until they have
// been written.
func (s *benchSink) expect(n int) { s.target.Store(s.n.Load() + int64(n)) }

func (s *benchSink) wait(b testing.TB) {
	select {
	case <-s.done:
	case <-time.After(wait):
		b.Fatalf("timed out: %d frames written, want %d", s.n.Load(), s.target.Load())
	}
}

// benchConn is the server end of a connection that discards what it is
// sent: it costs nothing per frame, so the benchmarks measure the server.
type benchConn struct {
	sink   *benchSink
	in     chan []byte
	closed chan struct{}
	once   sync.Once
}

func (c *benchConn) ReadMessage() (int, []byte, error) {
	select {
	case m := <-c.in:
		return wsText, bytes.Clone(m), nil // a transport reads into fresh memory
	case <-c.closed:
		return 0, nil, net.ErrClosed
	}
}

func (c *benchConn) WriteMessage(int, []byte) error {
	if c.sink.n.Add(1) == c.sink.target.Load() {
		c.sink.done <- struct{}{}
	}
	return nil
}

func (*benchConn) SetReadDeadline(time.Time) error  { return nil }
func (*benchConn) SetWriteDeadline(time.Time) error { return nil }
func (*benchConn) SetReadLimit(int64)               {}
func (c *benchConn) Close() error                   { c.once.Do(func() { close(c.closed) }); return nil }

var _ engineio.Conn = (*benchConn)(nil)

// benchServer runs n connections, each joined to "/", over benchConns.
type benchServer struct {
	*core.Server
	sink  *benchSink
	conns []*benchConn
	wg    sync.WaitGroup
}

func newBenchServer(b testing.TB, opts core.Options, n int) *benchServer {
	opts.Engine.PingInterval = time.Hour // no heartbeat frames
	bs := &benchServer{Server: core.NewServer(opts), sink: newBenchSink()}
	for range n {
		c := &benchConn{sink: bs.sink, in: make(chan []byte, 16), closed: make(chan struct{})}
		ticket, resp := bs.Engine().PrepareWebSocket(siotest.WebSocketRequest(bs.Options().Path, nil))
		if resp != nil {
			b.Fatalf("PrepareWebSocket: %d %s", resp.Status, resp.Body)
		}
		bs.conns = append(bs.conns, c)
		bs.wg.Add(1)
		go func() {
			defer bs.wg.Done()
			ticket.Serve(c)
		}()
		c.in <- []byte("40")
	}
	// Each connection is sent its open packet and its CONNECT.
	deadline := time.Now().Add(wait)
	for bs.sink.n.Load() < int64(2*n) || bs.Of("/").Len() < n {
		if time.Now().After(deadline) {
			b.Fatalf("%d frames, %d sockets", bs.sink.n.Load(), bs.Of("/").Len())
		}
		time.Sleep(time.Millisecond)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = bs.Shutdown(ctx)
		for _, c := range bs.conns {
			c.Close()
		}
		bs.wg.Wait()
	})
	return bs
}

// benchLoggers are the loggers the benchmarks run with: none, and a
// production logger (JSON at Info, so Debug lines are off), which must cost
// no allocation.
var benchLoggers = []struct {
	name   string
	logger *slog.Logger
}{
	{"log=none", nil},
	{"log=info", slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))},
}

// forEachLogger runs bench once per benchLoggers entry, with its logger
// for both layers.
func forEachLogger(b *testing.B, bench func(b *testing.B, opts core.Options)) {
	for _, l := range benchLoggers {
		b.Run(l.name, func(b *testing.B) {
			opts := core.Options{Logger: l.logger}
			opts.Engine.Logger = l.logger
			bench(b, opts)
		})
	}
}

type benchMessage struct {
	User string   `json:"user"`
	Text string   `json:"text"`
	Tags []string `json:"tags"`
}

var benchPayload = benchMessage{User: "ann", Text: "hello, world", Tags: []string{"a", "b"}}

// BenchmarkBroadcast measures the fan-out of one event to N sockets. The
// packet is encoded once per operation: allocs/op do not grow with N.
func BenchmarkBroadcast(b *testing.B) {
	forEachLogger(b, benchmarkBroadcast)
}

func benchmarkBroadcast(b *testing.B, opts core.Options) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprint("N=", n), func(b *testing.B) {
			bs := newBenchServer(b, opts, n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				bs.sink.expect(n)
				if err := bs.Emit("chat", benchPayload); err != nil {
					b.Fatal(err)
				}
				bs.sink.wait(b)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/recipient")
		})
	}
}

// BenchmarkBroadcastRoom measures a broadcast to a room holding a tenth of
// N sockets, with one socket excepted.
func BenchmarkBroadcastRoom(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint("N=", n), func(b *testing.B) {
			bs := newBenchServer(b, core.Options{}, n)
			ids := bs.Of("/").Adapter().Sockets(nil)
			for i, id := range ids {
				if i%10 == 0 {
					bs.EnterRoom(id, "room")
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				bs.sink.expect(n/10 - 1)
				if err := bs.To("room").Except(ids[0]).Emit("chat", benchPayload); err != nil {
					b.Fatal(err)
				}
				bs.sink.wait(b)
			}
		})
	}
}

// BenchmarkSocketEmit measures an emit to one socket: encode and queue.
func BenchmarkSocketEmit(b *testing.B) {
	bs := newBenchServer(b, core.Options{}, 1)
	s := bs.Of("/").Socket(bs.Of("/").Adapter().Sockets(nil)[0])
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bs.sink.expect(1)
		if err := s.Emit("chat", benchPayload); err != nil {
			b.Fatal(err)
		}
		bs.sink.wait(b)
	}
}

// BenchmarkDispatch measures an event from a client: decode, run the
// handler on the socket's queue, encode and send its acknowledgement.
func BenchmarkDispatch(b *testing.B) {
	forEachLogger(b, benchmarkDispatch)
}

func benchmarkDispatch(b *testing.B, opts core.Options) {
	for _, tt := range []struct {
		name string
		fn   any
	}{
		{"reflect", func(_ *core.Socket, m benchMessage) (string, int) { return m.User, len(m.Tags) }},
		{"args", func(_ *core.Socket, a core.Args) int { return a.Len() }},
	} {
		b.Run(tt.name, func(b *testing.B) {
			bs := newBenchServer(b, opts, 1)
			bs.On("chat", tt.fn)
			frame := []byte(`42` + `7["chat",{"user":"ann","text":"hello, world","tags":["a","b"]}]`)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				bs.sink.expect(1)
				bs.conns[0].in <- frame
				bs.sink.wait(b)
			}
		})
	}
	b.Run("typed", func(b *testing.B) {
		bs := newBenchServer(b, opts, 1)
		core.Handle(bs.Of("/"), "chat", func(_ context.Context, _ *core.Socket, m benchMessage) (int, error) {
			return len(m.Tags), nil
		})
		frame := []byte(`42` + `7["chat",{"user":"ann","text":"hello, world","tags":["a","b"]}]`)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			bs.sink.expect(1)
			bs.conns[0].in <- frame
			bs.sink.wait(b)
		}
	})
}
