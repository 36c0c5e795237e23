package stdsio_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/socketio-go/sio/core/engineio"
)

// TestManySessions opens and closes thousands of sessions on both
// transports, cleanly and abruptly, and checks that every one is closed
// once, with the expected reason, and that nothing is left: no session
// (here) and no goroutine (goleak, in TestMain).
func TestManySessions(t *testing.T) {
	n := 2000 // per transport
	if testing.Short() {
		n = 200
	}
	// Abandoned sessions close after 2s; the others answer no ping, and
	// must be done before then, even on a loaded machine.
	const ping = time.Second
	e := newEnv(t, engineio.Options{PingInterval: ping, PingTimeout: ping}, withEcho())

	var mu sync.Mutex
	var errs []string
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(errs) < 20 {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
	}
	var abandoned []*websocket.Conn // closed at the end

	polling := func(i int) {
		resp, body := e.doNoFail(context.Background(), "GET", "EIO=4&transport=polling", "")
		if resp != 200 {
			fail("handshake %d: %d %s", i, resp, body)
			return
		}
		sid := sidOfNoFail(body)
		q := "EIO=4&transport=polling&sid=" + sid
		switch i % 4 {
		case 0: // a round trip, then a close packet
			if st, b := e.doNoFail(context.Background(), "POST", q, "4hi"); st != 200 {
				fail("POST %d: %d %s", i, st, b)
			}
			if st, b := e.doNoFail(context.Background(), "GET", q, ""); st != 200 || (b != "4hi" && b != "2\x1e4hi" && b != "4hi\x1e2" && b != "2") {
				fail("GET %d: %d %q", i, st, b)
			}
			if st, b := e.doNoFail(context.Background(), "POST", q, "1"); st != 200 {
				fail("close POST %d: %d %s", i, st, b)
			}
		case 1: // a pending poll whose connection is dropped
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				e.doNoFail(ctx, "GET", q, "")
			}()
			deadline := time.Now().Add(wait)
			for s := e.srv.Socket(sid); s != nil && !s.Writable() && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			cancel()
			<-done
		case 2: // abandoned: never polls again
		case 3: // closed by the server
			if s := e.srv.Socket(sid); s != nil {
				s.Close()
			}
			for range 3 { // a ping may come first
				st, b := e.doNoFail(context.Background(), "GET", q, "")
				if st != 200 {
					fail("GET after Close %d: %d %q", i, st, b)
				}
				if b == "1" {
					break
				}
			}
		}
	}
	ws := func(i int) {
		d := websocket.Dialer{HandshakeTimeout: wait}
		c, _, err := d.Dial("ws"+e.base[len("http"):]+"?EIO=4&transport=websocket", nil)
		if err != nil {
			fail("dial %d: %v", i, err)
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(wait))
		if _, _, err := c.ReadMessage(); err != nil {
			fail("read %d: %v", i, err)
		}
		switch i % 4 {
		case 0: // a round trip, then a close packet
			_ = c.WriteMessage(websocket.TextMessage, []byte("4hi"))
			for {
				_, p, err := c.ReadMessage()
				if err != nil {
					fail("echo %d: %v", i, err)
					break
				}
				if string(p) == "4hi" {
					break
				}
			}
			_ = c.WriteMessage(websocket.TextMessage, []byte("1"))
			_ = c.Close()
		case 1: // a close frame
			_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
			_ = c.Close()
		case 2: // the TCP connection dropped
			_ = c.NetConn().Close()
		case 3: // abandoned: never answers a ping
			mu.Lock()
			abandoned = append(abandoned, c)
			mu.Unlock()
		}
	}

	work := make(chan func(), 64)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for f := range work {
				f()
			}
		})
	}
	for i := range n {
		work <- func() { polling(i) }
		work <- func() { ws(i) }
	}
	close(work)
	wg.Wait()
	for _, s := range errs {
		t.Error(s)
	}

	deadline := time.Now().Add(time.Minute)
	for e.srv.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions left", e.srv.Len())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, c := range abandoned {
		_ = c.Close()
	}

	reasons := map[engineio.CloseReason]int{}
	for range 2 * n {
		reasons[e.closed().reason]++
	}
	q := n / 4
	want := map[engineio.CloseReason]int{
		engineio.ReasonTransportClose: q + 3*q, // polling close packets; websocket 0, 1, 2
		engineio.ReasonTransportError: q,       // dropped polls
		engineio.ReasonPingTimeout:    q + q,   // abandoned, both transports
		engineio.ReasonForcedClose:    q,
	}
	for r, c := range want {
		if reasons[r] != c {
			t.Errorf("%d sessions closed with %q, want %d (all: %v)", reasons[r], r, c, reasons)
		}
	}
	select {
	case ev := <-e.closes:
		t.Errorf("extra close: %s", ev.reason)
	default:
	}
}
