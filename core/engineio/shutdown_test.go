package engineio

import (
	"context"
	"testing"
	"time"
)

// A websocket-only Shutdown returns once every client has its close
// packet and close frame: no timer ends it (the bounds are an hour).
func TestShutdownWebSocketPrompt(t *testing.T) {
	srv, _ := newTestServer(t, Options{PingTimeout: time.Hour, ClosePollWait: time.Hour})
	srv.closeGrace = time.Hour
	rec := newRecorder(srv)
	var conns []*fakeConn
	var served []<-chan struct{}
	for range 5 {
		c, done := serveWS(t, srv, "EIO=4&transport=websocket")
		rec.conn(t)
		c.recv(t) // open
		conns, served = append(conns, c), append(served, done)
	}
	result := make(chan error, 1)
	go func() { result <- srv.Shutdown(context.Background()) }()
	for _, c := range conns {
		if f := c.recv(t); f.String() != "1" {
			t.Errorf("frame %v, want the close packet", f)
		}
		if f := c.recv(t); f.closeCode() != closeNormal {
			t.Errorf("frame %v, want a close frame", f)
		}
	}
	select {
	case err := <-result:
		if err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Shutdown still waiting after every client has its close packet")
	}
	for _, done := range served {
		waitDone(t, done, "Serve")
	}
}

// ClosePollWait bounds the wait for a polling client that has no
// long-poll pending; the close ends as soon as it comes for its close
// packet.
func TestShutdownPollWait(t *testing.T) {
	t.Run("negative: no wait", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{PingTimeout: time.Hour, ClosePollWait: -1})
		srv.closeGrace = time.Hour
		rec := newRecorder(srv)
		p, _ := openPoll(t, srv)
		sock := rec.conn(t)
		sock.Close()
		if srv.Socket(p.sid) != nil {
			t.Error("session still open after Close")
		}
		if ev := rec.closed(t); ev.reason != ReasonForcedClose {
			t.Errorf("closed with %s", ev.reason)
		}
		if resp := p.getCtx(context.Background()); resp.Status != 400 {
			t.Errorf("next GET: %d %s", resp.Status, resp.Body)
		}
	})
	t.Run("waits for the client", func(t *testing.T) {
		// PingTimeout would bound the default wait to 10ms.
		srv, _ := newTestServer(t, Options{PingTimeout: 10 * time.Millisecond, PingInterval: time.Hour, ClosePollWait: time.Hour})
		rec := newRecorder(srv)
		openPoll(t, srv)
		rec.conn(t)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if err := srv.Shutdown(ctx); err != context.DeadlineExceeded {
			t.Errorf("Shutdown with a client that never polls: %v", err)
		}
	})
	t.Run("ends when the client polls", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{PingInterval: time.Hour, PingTimeout: time.Hour, ClosePollWait: time.Hour})
		rec := newRecorder(srv)
		p, _ := openPoll(t, srv)
		sock := rec.conn(t)
		result := make(chan error, 1)
		go func() { result <- srv.Shutdown(context.Background()) }()
		waitFor(t, "the session closing", func() bool {
			sock.mu.Lock()
			defer sock.mu.Unlock()
			return sock.state == stateClosing
		})
		if recs := p.get(); !equal(recs, []string{"1"}) {
			t.Errorf("GET %q", recs)
		}
		select {
		case err := <-result:
			if err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		case <-time.After(wait):
			t.Fatal("Shutdown still waiting after the client collected its close packet")
		}
		if ev := rec.closed(t); ev.reason != ReasonServerShutdown {
			t.Errorf("closed with %s", ev.reason)
		}
	})
}

// The default wait is 2s, or PingTimeout when shorter.
func TestClosePollWaitDefault(t *testing.T) {
	for _, tt := range []struct{ ping, set, want time.Duration }{
		{0, 0, DefaultClosePollWait},
		{time.Second, 0, time.Second},
		{0, time.Minute, time.Minute},
		{0, -1, -1},
	} {
		if got := New(Options{PingTimeout: tt.ping, ClosePollWait: tt.set}).Options().ClosePollWait; got != tt.want {
			t.Errorf("PingTimeout %v, ClosePollWait %v: %v, want %v", tt.ping, tt.set, got, tt.want)
		}
	}
}
