package core

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/core/parser"
)

// What one client may claim at the Socket.IO layer: the bytes and the time
// of a binary packet waiting for its attachments, and the rate of its
// events.

// DefaultAttachmentTimeout is the zero value of Options.AttachmentTimeout.
const DefaultAttachmentTimeout = 20 * time.Second

// partialPacket is the state of a binary packet waiting for its
// attachments. bytes is the reader's alone; the timer's callback reads the
// atomics only.
type partialPacket struct {
	bytes    int64         // held for the packet so far
	gen      atomic.Uint64 // odd while a packet waits
	deadline atomic.Int64  // when it must be complete, in Unix nanoseconds
	timer    *time.Timer   // guarded by client.mu (the close stops it)
}

// waitAttachments accounts for a message of n bytes that leaves a binary
// packet incomplete. It closes the connection with a parse error when the
// packet's bytes exceed MaxHTTPBufferSize, and arms the timeout on the
// packet's first message.
func (c *client) waitAttachments(n int) {
	pp := &c.partial
	first := pp.bytes == 0
	pp.bytes += int64(n)
	if limit := c.srv.eng.Options().MaxHTTPBufferSize; pp.bytes > limit {
		c.invalid(fmt.Errorf("%w: a binary packet and its attachments so far hold %d bytes, over MaxHTTPBufferSize (%d)",
			parser.ErrInvalidPacket, pp.bytes, limit))
		return
	}
	if !first {
		return
	}
	d := c.srv.opts.AttachmentTimeout
	pp.deadline.Store(time.Now().Add(d).UnixNano())
	pp.gen.Add(1)
	c.mu.Lock()
	switch {
	case c.closed:
	case pp.timer == nil:
		pp.timer = time.AfterFunc(d, c.attachmentTimeout)
	default:
		pp.timer.Reset(d)
	}
	c.mu.Unlock()
}

// attachmentsDone ends the wait of a binary packet that completed.
func (c *client) attachmentsDone() {
	pp := &c.partial
	pp.bytes = 0
	pp.gen.Add(1) // a timer that fires now does nothing
}

// attachmentTimeout runs when the attachment timer fires: a packet still
// incomplete past its deadline closes the connection. (A timer that fires
// for a packet completed meanwhile, while the next one waits, finds the
// next one's deadline ahead and does nothing.)
func (c *client) attachmentTimeout() {
	pp := &c.partial
	if pp.gen.Load()%2 == 0 || time.Now().UnixNano() < pp.deadline.Load() {
		return
	}
	c.invalid(fmt.Errorf("%w: a binary packet's attachments did not arrive within %v",
		parser.ErrInvalidPacket, c.srv.opts.AttachmentTimeout))
}

// stopAttachmentTimer releases the timer when the connection closes.
// c.mu must be held.
func (c *client) stopAttachmentTimer() {
	if t := c.partial.timer; t != nil {
		t.Stop()
	}
}

// invalid closes the connection for a packet that cannot be accepted:
// "parse error", with one log line (the connection's close, which names
// the reason and err).
func (c *client) invalid(err error) { c.conn.Abort(engineio.ReasonParseError, err) }

// RateLimitPolicy says what happens to an event over a socket's rate limit
// (EventRateLimit).
type RateLimitPolicy int

const (
	// RateLimitDrop drops the event (it is not handled, nor acknowledged)
	// and logs it: one line at the first drop, then at most one every 10
	// seconds per socket, with the number dropped. This is the default.
	RateLimitDrop RateLimitPolicy = iota
	// RateLimitDisconnect closes the socket's connection, every namespace
	// on it, as Socket.Disconnect(true) does (the client receives a
	// DISCONNECT and does not reconnect by itself; a new connection is
	// subject to the handshake quotas, engineio.QuotaOptions), and logs it
	// with reason "event rate limit exceeded". The disconnect handlers see
	// "server namespace disconnect".
	RateLimitDisconnect
)

// String returns the policy's name.
func (p RateLimitPolicy) String() string {
	switch p {
	case RateLimitDrop:
		return "drop"
	case RateLimitDisconnect:
		return "disconnect"
	}
	return "unknown"
}

// EventRateLimit limits the events one socket may send: a token bucket
// that holds Burst tokens and refills at Rate per second; each event
// takes one. Acknowledgements, CONNECT and DISCONNECT packets are not
// counted.
type EventRateLimit struct {
	// Rate is the sustained number of events per second allowed.
	Rate float64
	// Burst is the number of events allowed at once, after a quiet
	// period. Zero: Rate rounded up (at least 1).
	Burst int
	// Policy applies to an event over the limit. Zero: RateLimitDrop.
	Policy RateLimitPolicy
}

// eventBucket is a socket's token bucket; only the connection's reader
// uses it.
type eventBucket struct {
	rate, burst, tokens float64
	last                time.Time
	dropped             int       // events dropped since the last log line
	logged              time.Time // when the last drop was logged
}

// dropLogEvery spaces the log lines of a socket's dropped events.
const dropLogEvery = 10 * time.Second

func newEventBucket(l *EventRateLimit) *eventBucket {
	burst := float64(l.Burst)
	if burst <= 0 {
		burst = max(1, math.Ceil(l.Rate))
	}
	return &eventBucket{rate: l.Rate, burst: burst, tokens: burst, last: time.Now()}
}

// allow takes a token, reporting whether there was one.
func (b *eventBucket) allow() bool {
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// overLimit applies the rate limit's policy to an event of s that found no
// token.
func (c *client) overLimit(s *Socket, p *parser.Packet) {
	l := c.srv.opts.EventRateLimit
	if l.Policy == RateLimitDisconnect {
		c.srv.log.Info("sio: connection closed", "sid", s.id, "nsp", s.nsp.name, "reason", "event rate limit exceeded",
			"rate", l.Rate, "event", p.Event)
		c.closeAll()
		return
	}
	b := s.events
	b.dropped++
	if b.last.Sub(b.logged) >= dropLogEvery {
		c.srv.log.Info("sio: event rate limit exceeded, dropping events", "sid", s.id, "nsp", s.nsp.name,
			"rate", l.Rate, "dropped", b.dropped, "event", p.Event)
		b.dropped, b.logged = 0, b.last
	}
}
