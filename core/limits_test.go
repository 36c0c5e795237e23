package core_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/internal/siotest"
)

// limitServer is a server logging at info level into logs, whose "/"
// disconnect reasons arrive on reasons.
func limitServer(t *testing.T, opts core.Options) (*testServer, *logBuf, chan core.DisconnectReason) {
	t.Helper()
	logs := &logBuf{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ts := newServer(t, opts)
	reasons := make(chan core.DisconnectReason, 16)
	ts.OnDisconnect(func(_ *core.Socket, r core.DisconnectReason) { reasons <- r })
	return ts, logs, reasons
}

// binaryEvent is the text of a BINARY_EVENT announcing natt attachments.
func binaryEvent(natt int) string {
	args := []any{"up"}
	for i := range natt {
		args = append(args, siotest.Placeholder(i))
	}
	return siotest.EncodeBinaryPacket('5', "/", -1, args, natt)
}

// The bytes a binary packet holds while it waits for its attachments are
// bounded by MaxHTTPBufferSize: over it, the connection closes with "parse
// error" and one log line.
func TestAttachmentBytesBound(t *testing.T) {
	ts, logs, reasons := limitServer(t, core.Options{Engine: engineio.Options{MaxHTTPBufferSize: 10_000}})
	c := ts.dial(t)
	c.Join(t, "/", nil)
	chunk := bytes.Repeat([]byte{7}, 6_000)
	c.Send(binaryEvent(3), chunk, chunk) // 2 of 3: 12,000 bytes held
	c.WaitClosed(t)
	if r := recv(t, reasons); r != core.ReasonParseError {
		t.Errorf("disconnect reason %q, want parse error", r)
	}
	waitFor(t, "the close's log line", func() bool { return strings.Contains(logs.String(), "session closed") })
	if n := strings.Count(logs.String(), "level=INFO"); n != 1 || !strings.Contains(logs.String(), "over MaxHTTPBufferSize (10000)") ||
		!strings.Contains(logs.String(), `reason="parse error"`) {
		t.Errorf("%d info lines, want one naming the bound: %s", n, logs)
	}
}

// A binary packet whose attachments do not all arrive within
// AttachmentTimeout closes the connection with "parse error"; one that
// completes in time stops the timer.
func TestAttachmentTimeout(t *testing.T) {
	ts, logs, reasons := limitServer(t, core.Options{AttachmentTimeout: 100 * time.Millisecond})
	var got atomic.Int64
	ts.On("up", func(*core.Socket, []byte, []byte) { got.Add(1) })
	ts.On("nothing", func(*core.Socket) {})

	ok := ts.dial(t)
	ok.Join(t, "/", nil)
	ok.Send(binaryEvent(2), []byte{1}, []byte{2})
	waitFor(t, "the complete packet", func() bool { return got.Load() == 1 })

	c := ts.dial(t)
	c.Join(t, "/", nil)
	start := time.Now()
	c.Send(binaryEvent(2), []byte{1}) // the second never comes
	c.WaitClosed(t)
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("closed after %v, before the timeout", d)
	}
	if r := recv(t, reasons); r != core.ReasonParseError {
		t.Errorf("disconnect reason %q, want parse error", r)
	}
	waitFor(t, "the close's log line", func() bool { return strings.Contains(logs.String(), "did not arrive within 100ms") })

	// Long after its packet completed, the first client is still there.
	time.Sleep(300 * time.Millisecond)
	if p := ok.Call(t, "/", "nothing"); p.Type != '3' {
		t.Errorf("the client of the complete packet: %v", p)
	}
	if n := strings.Count(logs.String(), "level=INFO"); n != 1 {
		t.Errorf("%d info lines, want 1: %s", n, logs)
	}
}

// The event rate limit's drop policy: events over the bucket are not
// handled, one log line says so, the socket stays.
func TestEventRateLimitDrop(t *testing.T) {
	ts, logs, _ := limitServer(t, core.Options{EventRateLimit: &core.EventRateLimit{Rate: 1, Burst: 5}})
	var handled atomic.Int64
	ts.On("spam", func(*core.Socket) { handled.Add(1) })
	ts.On("nothing", func(*core.Socket) {})
	c := ts.dial(t)
	c.Join(t, "/", nil)
	start := time.Now()
	for range 200 {
		c.EmitOn("/", "spam")
	}
	// A barrier that is not itself dropped: wait for a token.
	time.Sleep(1100 * time.Millisecond)
	if p := c.Call(t, "/", "nothing"); p.Type != '3' {
		t.Fatalf("call after the burst: %v", p)
	}
	// At most the burst plus one token a second.
	if n, max := handled.Load(), 5+int64(time.Since(start).Seconds())+1; n < 5 || n > max {
		t.Errorf("%d events handled, want 5 to %d", n, max)
	}
	if n := strings.Count(logs.String(), "event rate limit exceeded, dropping events"); n != 1 {
		t.Errorf("%d drop lines, want 1: %s", n, logs)
	}
}

// The disconnect policy: the connection closes, the client gets a
// DISCONNECT, a log line names the reason.
func TestEventRateLimitDisconnect(t *testing.T) {
	ts, logs, reasons := limitServer(t, core.Options{EventRateLimit: &core.EventRateLimit{Rate: 10, Policy: core.RateLimitDisconnect}})
	var handled atomic.Int64
	ts.On("spam", func(*core.Socket) { handled.Add(1) })
	c := ts.dial(t)
	c.Join(t, "/", nil)
	for range 100 {
		c.EmitOn("/", "spam")
	}
	c.Expect(t, "DISCONNECT", func(p siotest.Packet) bool { return p.Type == '1' && p.Nsp == "/" })
	c.WaitClosed(t)
	if r := recv(t, reasons); r != core.ReasonServerNamespaceDisconnect {
		t.Errorf("disconnect reason %q", r)
	}
	if n := handled.Load(); n > 10 {
		t.Errorf("%d events handled with a burst of 10", n)
	}
	if !strings.Contains(logs.String(), `reason="event rate limit exceeded"`) {
		t.Errorf("no log line: %s", logs)
	}
}
