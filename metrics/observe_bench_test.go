package metrics

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/stdsio"
)

// BenchmarkFacts: the cost of one fact of each kind on the hot paths (per
// packet, per event, per recipient of a broadcast), called as the server
// calls them, on a real connected socket.
//
//	go test ./metrics -run '^$' -bench Facts -benchmem
func BenchmarkFacts(b *testing.B) {
	srv := core.NewServer(core.Options{})
	ts := httptest.NewServer(stdsio.Handler(srv))
	defer ts.Close()
	defer srv.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := siotest.Dial(ctx, ts.URL, siotest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	s := srv.Of("/").Socket(c.SID)
	sess := srv.Engine().Sessions()[0]
	for _, cfg := range []struct {
		name string
		cfg  Config
	}{{"labels", Config{}}, {"events", Config{EventNames: []string{"news"}}}} {
		m := New(srv, cfg.cfg)
		o := m.observer()
		b.Run(cfg.name+"/PacketsOut", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				o.Engine.PacketsOut(sess, 1, 42)
			}
		})
		b.Run(cfg.name+"/EventSent", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				o.EventSent(s, "news", nil)
			}
		})
		b.Run(cfg.name+"/EventReceived", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				o.EventReceived(s, "chat", core.Args{})
			}
		})
		b.Run(cfg.name+"/Broadcast", func(b *testing.B) {
			b.ReportAllocs()
			nsp := srv.Of("/")
			for range b.N {
				o.Broadcast(nsp, "news", 100)
			}
		})
		m.Close()
	}
}
