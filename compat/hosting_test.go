package compat

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
)

// What the adapters put on the wire for the core, checked the same way on
// the four hosts: the application's headers and the session cookie on
// every answer (the websocket 101s included), origin refusals, and a
// session whose websocket writer is blocked.

// The application's headers (engineio.Options.InitialHeaders and Headers)
// and the session cookie reach the client on the polling answers and on
// the 101 of a websocket-only connection and of an upgrade.
func TestHostingHeaders(t *testing.T) {
	forEachHost(t, func(t *testing.T, h adapterHost) {
		w := startWireHost(t, h, core.Options{Engine: engineio.Options{
			Cookie:         &engineio.CookieOptions{Name: "sticky"},
			InitialHeaders: func(h http.Header, r *engineio.Request) { h.Set("X-Initial", r.Query.Get("transport")) },
			Headers:        func(h http.Header, r *engineio.Request) { h.Set("X-Every", r.Method) },
		}})
		status, hdr, body := w.do(http.MethodGet, "EIO=4&transport=polling", "")
		var hs struct{ SID string }
		_ = json.Unmarshal([]byte(strings.TrimPrefix(body, "0")), &hs)
		if status != 200 || hdr.Get("X-Initial") != "polling" || hdr.Get("X-Every") != "GET" || hdr.Get("Set-Cookie") == "" ||
			!strings.HasPrefix(hdr.Get("Set-Cookie"), "sticky="+hs.SID) {
			t.Errorf("polling handshake: %d %v", status, hdr)
		}
		status, hdr, _ = w.do(http.MethodPost, "EIO=4&transport=polling&sid="+hs.SID, "40")
		if status != 200 || hdr.Get("X-Every") != "POST" || hdr.Get("X-Initial") != "" || hdr.Get("Set-Cookie") != "" {
			t.Errorf("POST: %d %v", status, hdr)
		}

		c, resp, err := w.dial("EIO=4&transport=websocket", nil)
		if err != nil {
			t.Fatalf("websocket: %v", err)
		}
		defer c.Close()
		open := read(t, c)
		var wsHS struct{ SID string }
		_ = json.Unmarshal([]byte(open[1:]), &wsHS)
		if resp.Header.Get("X-Initial") != "websocket" || resp.Header.Get("X-Every") != "GET" ||
			!strings.HasPrefix(resp.Header.Get("Set-Cookie"), "sticky="+wsHS.SID) {
			t.Errorf("websocket-only 101: %v", resp.Header)
		}

		up, resp, err := w.dial("EIO=4&transport=websocket&sid="+hs.SID, nil)
		if err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		defer up.Close()
		if resp.Header.Get("X-Every") != "GET" || resp.Header.Get("X-Initial") != "" || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("upgrade 101: %v", resp.Header)
		}
	})
}

// A refused origin is answered 400 "Not an accepted origin." on both
// transports and warned about once.
func TestHostingOriginRefused(t *testing.T) {
	forEachHost(t, func(t *testing.T, h adapterHost) {
		w := startWireHost(t, h, core.Options{CORSAllowedOrigins: []string{"https://app.example"}})
		const want = `{"code":3,"message":"Not an accepted origin."}`
		for range 2 {
			status, _, body := w.do(http.MethodGet, "EIO=4&transport=polling", "", "Origin", "https://evil.example")
			if status != 400 || body != want {
				t.Errorf("polling: %d %s", status, body)
			}
			_, resp, err := w.dial("EIO=4&transport=websocket", http.Header{"Origin": {"https://evil.example"}})
			if err == nil || resp == nil || resp.StatusCode != 400 {
				t.Fatalf("websocket: %v %v", err, resp)
			}
			b := make([]byte, 200)
			n, _ := resp.Body.Read(b)
			if string(b[:n]) != want {
				t.Errorf("websocket: %q", b[:n])
			}
		}
		logs := w.logs.String()
		if n := strings.Count(logs, `level=WARN msg="engineio: origin refused; list it in the allowed origins (CORS.AllowedOrigins) to accept it" origin=https://evil.example`); n != 1 {
			t.Errorf("%d warnings, want 1: %s", n, logs)
		}
	})
}

// A session whose websocket writer is blocked on a client that does not
// read releases its connection and goroutines as soon as it closes, also
// at Shutdown: not when the write deadline (PingInterval+PingTimeout,
// here 45 s) expires.
func TestHostingBlockedWriterReleased(t *testing.T) {
	forEachHost(t, func(t *testing.T, h adapterHost) {
		w := startWireHost(t, h, core.Options{Engine: engineio.Options{PingInterval: 25 * time.Second, PingTimeout: 20 * time.Second}})
		d := websocket.Dialer{
			HandshakeTimeout: 10 * time.Second,
			NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				if tc, ok := c.(*net.TCPConn); ok {
					_ = tc.SetReadBuffer(4096)
				}
				return c, err
			},
		}
		c, _, err := d.Dial("ws"+strings.TrimPrefix(w.base, "http")+"?EIO=4&transport=websocket", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		open := read(t, c)
		var hs struct{ SID string }
		_ = json.Unmarshal([]byte(open[1:]), &hs)
		sock := w.srv.Engine().Socket(hs.SID)
		big := strings.Repeat("x", 64<<10)
		// The client reads nothing more: the writer blocks once the
		// socket buffers are full.
		for i := 0; !writerBlocked() && i < 2000; i++ {
			if err := sock.SendText(big); err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
			if i%50 == 49 {
				time.Sleep(10 * time.Millisecond) // let the writer reach the full buffer
			}
		}
		if !writerBlocked() {
			t.Fatal("the writer never blocked")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := w.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		start := time.Now()
		waitUntil(t, 10*time.Second, "the blocked writer released", func() bool { return !writerBlocked() })
		t.Logf("released %v after Shutdown returned", time.Since(start).Round(time.Millisecond))
	})
}

// writerBlocked reports whether a session's websocket writer is blocked in
// a write to its connection.
func writerBlocked() bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "engineio.(*Socket).writeLoop") && strings.Contains(g, "waitWrite") {
			return true
		}
	}
	return false
}
