package compat

import (
	"context"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
)

// Benchmarks per adapter over loopback with the siotest client: the
// connection rate (handshake, namespace connect, close) and the echo
// throughput (one event with an acknowledgement). Compare the adapters with
// benchstat or by their ratio to std:
//
//	go test ./compat -run '^$' -bench 'Adapter' -benchtime 2000x
func BenchmarkAdapterConnect(b *testing.B) {
	for _, h := range adapterHosts() {
		for _, polling := range []bool{false, true} {
			name := h.name + "/websocket"
			if polling {
				name = h.name + "/polling"
			}
			b.Run(name, func(b *testing.B) {
				srv := newAdapterServer(core.Options{})
				app := startHost(b, h, []*core.Server{srv}, hostConfig{})
				ctx := context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					c, err := siotest.Dial(ctx, app.URL, siotest.Options{Polling: polling, DropUnread: true})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := c.ReadEvent(ctx); err != nil { // the welcome event
						b.Fatal(err)
					}
					c.Disconnect()
				}
			})
		}
	}
}

func BenchmarkAdapterEcho(b *testing.B) {
	for _, h := range adapterHosts() {
		for _, polling := range []bool{false, true} {
			name := h.name + "/websocket"
			if polling {
				name = h.name + "/polling"
			}
			b.Run(name, func(b *testing.B) {
				srv := newAdapterServer(core.Options{})
				app := startHost(b, h, []*core.Server{srv}, hostConfig{})
				ctx := context.Background()
				c, err := siotest.Dial(ctx, app.URL, siotest.Options{Polling: polling, DropUnread: true})
				if err != nil {
					b.Fatal(err)
				}
				defer c.Disconnect()
				msg := map[string]any{"text": "hello", "n": 42}
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if _, err := c.EmitWithAck(ctx, "echo", msg); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
