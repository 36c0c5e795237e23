package stdsio_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/socketio-go/sio/core/engineio"
)

// The websocket benchmarks run one session over a real loopback TCP
// connection: the stdsio handler with gorilla/websocket on the server, a
// gorilla/websocket client.

// BenchmarkWebSocketServerToClient: the server sends, the client reads.
func BenchmarkWebSocketServerToClient(b *testing.B) {
	for _, size := range []int{16, 1024} {
		b.Run(fmt.Sprint(size, "B"), func(b *testing.B) {
			e := newEnv(b, engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour, MaxQueuedMessages: 1 << 20})
			c := e.mustDial("EIO=4&transport=websocket")
			readText(b, c)
			sock := e.conn()
			msg := engineio.TextMessage(make([]byte, size))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			done := make(chan error, 1)
			go func() {
				for range b.N {
					if _, _, err := c.ReadMessage(); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			for i := range b.N {
				if err := sock.Send(msg); err != nil {
					b.Fatal(err)
				}
				if i%4096 == 4095 {
					// Stay well below the queue bound without measuring
					// the bound.
					for !sock.Writable() {
						time.Sleep(10 * time.Microsecond)
					}
				}
			}
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkWebSocketClientToServer: the client sends, the server's
// OnMessage receives.
func BenchmarkWebSocketClientToServer(b *testing.B) {
	for _, size := range []int{16, 1024} {
		b.Run(fmt.Sprint(size, "B"), func(b *testing.B) {
			e := newEnv(b, engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour})
			var got atomic.Int64
			all := make(chan struct{})
			e.srv.OnConnection(func(s *engineio.Socket) {
				s.OnMessage(func([]byte, bool) {
					if got.Add(1) == int64(b.N) {
						close(all)
					}
				})
			})
			c := e.mustDial("EIO=4&transport=websocket")
			readText(b, c)
			frame := append([]byte{'4'}, make([]byte, size)...)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := c.WriteMessage(websocket.TextMessage, frame); err != nil {
					b.Fatal(err)
				}
			}
			<-all
		})
	}
}
