package core

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketio-go/sio/core/parser"
)

// BroadcastOperator is a broadcast being described: the rooms it reaches,
// the rooms it skips and its flags. Each method returns a new operator, so
// an operator can be kept and reused.
type BroadcastOperator struct {
	nsp     *Namespace
	opts    BroadcastOptions
	timeout time.Duration
}

// To returns the operator restricted to the sockets in any of rooms (added
// to the rooms already named).
func (b BroadcastOperator) To(rooms ...string) BroadcastOperator {
	b.opts.Rooms = append(slices.Clip(b.opts.Rooms), rooms...)
	return b
}

// In is an alias of To.
func (b BroadcastOperator) In(rooms ...string) BroadcastOperator { return b.To(rooms...) }

// Except returns the operator without the sockets in any of rooms (socket
// ids included): python-socketio's skip_sid.
func (b BroadcastOperator) Except(rooms ...string) BroadcastOperator {
	b.opts.Except = append(slices.Clip(b.opts.Except), rooms...)
	return b
}

// Volatile returns the operator that drops the packet for sockets whose
// transport is not ready to write at once.
func (b BroadcastOperator) Volatile() BroadcastOperator {
	b.opts.Volatile = true
	return b
}

// Local returns the operator that reaches the sockets of this server only.
func (b BroadcastOperator) Local() BroadcastOperator {
	b.opts.Local = true
	return b
}

// Compress returns the operator that sends with websocket compression only
// when compress is true.
func (b BroadcastOperator) Compress(compress bool) BroadcastOperator {
	b.opts.Uncompressed = !compress
	return b
}

// Timeout returns the operator whose EmitWithAck waits at most d.
func (b BroadcastOperator) Timeout(d time.Duration) BroadcastOperator {
	b.timeout = d
	return b
}

// Emit sends event with args to the selected sockets. The packet is
// encoded once, whatever the number of recipients. An Args argument is
// sent as the arguments it holds (a relay is one line).
//
// When the last argument is an AckFunc, the operator must select a single
// socket, To(sid) (python-socketio's emit(..., to=sid, callback=cb)): the
// callback receives its acknowledgement, or ErrAckTimeout after Timeout
// (else Options.AckTimeout). A broadcast to several sockets returns
// ErrAckBroadcast (EmitWithAck collects their acknowledgements), an
// unknown sid ErrNoSocket (in a cluster, a sid of another server is
// reached through the adapter).
func (b BroadcastOperator) Emit(event string, args ...any) error {
	if b.nsp == nil {
		return ErrNoSocket // from a nil Socket
	}
	if err := checkEvent(event); err != nil {
		return err
	}
	if cb, rest, ok := ackCallback(args); ok {
		return b.emitAck(event, spread(rest), cb)
	}
	args = spread(args)
	if b.nsp.match != nil {
		// A parent namespace: every child's sockets.
		for _, child := range b.nsp.childList() {
			c := b
			c.nsp = child
			if err := c.Emit(event, args...); err != nil {
				return err
			}
		}
		return nil
	}
	p := NewPacket(parser.Outgoing{Type: parser.Event, Namespace: b.nsp.name, Event: event, Args: args})
	if _, err := p.encoded(b.nsp.srv.codec); err != nil {
		return err
	}
	b.nsp.adapter.Broadcast(p, b.opts)
	return nil
}

// EmitWithAck sends event to the selected sockets and collects one
// acknowledgement from each, until all have answered, ctx is done, or the
// timeout passes (Timeout, else Options.AckTimeout when ctx has no
// deadline). On timeout it returns the replies that came, in arrival order,
// with ErrAckTimeout.
func (b BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	if b.nsp == nil {
		return nil, ErrNoSocket
	}
	if err := checkEvent(event); err != nil {
		return nil, err
	}
	args = spread(args)
	ctx, cancel := b.nsp.ackContext(ctx, b.timeout)
	defer cancel()
	p := NewPacket(parser.Outgoing{Type: parser.Event, Namespace: b.nsp.name, Event: event, Args: args,
		ID: b.nsp.ids.Add(1) - 1, HasID: true})
	if _, err := p.encoded(b.nsp.srv.codec); err != nil {
		return nil, err
	}
	c := newAckCollector()
	opts := b.opts
	if dl, ok := ctx.Deadline(); ok {
		opts.Timeout = time.Until(dl)
	}
	b.nsp.adapter.BroadcastWithAck(p, opts, c.count, c.ack)
	return c.wait(ctx)
}

// emitAck sends event to the single socket the operator selects, cb
// receiving its acknowledgement.
func (b BroadcastOperator) emitAck(event string, args []any, cb AckFunc) error {
	if b.nsp.match != nil || len(b.opts.Rooms) != 1 {
		return ErrAckBroadcast
	}
	if s := b.nsp.Socket(b.opts.Rooms[0]); s != nil {
		if reaches(b.opts, s.id, nil) {
			e := &SocketEmitter{s: s, timeout: b.timeout, volatile: b.opts.Volatile, uncompressed: b.opts.Uncompressed}
			return s.emitAck(parser.Outgoing{Type: parser.Event, Namespace: b.nsp.name, Event: event, Args: args}, cb, e)
		}
		return fmt.Errorf("%w: %q is excluded", ErrNoSocket, s.id)
	}
	switch n := len(b.nsp.adapter.Sockets(b.opts.Rooms)); {
	case n > 1:
		return ErrAckBroadcast
	case n == 0 && (b.opts.Local || b.nsp.adapter.ServerCount(context.Background()) <= 1):
		return fmt.Errorf("%w: %q in %s", ErrNoSocket, b.opts.Rooms[0], b.nsp.name)
	}
	// A room with one local member, or a socket of another server: the
	// first reply is the acknowledgement.
	timeout := b.timeout
	if timeout <= 0 {
		timeout = b.nsp.srv.opts.AckTimeout
	}
	p := NewPacket(parser.Outgoing{Type: parser.Event, Namespace: b.nsp.name, Event: event, Args: args,
		ID: b.nsp.ids.Add(1) - 1, HasID: true})
	if _, err := p.encoded(b.nsp.srv.codec); err != nil {
		return err
	}
	var once sync.Once
	var timer atomic.Pointer[time.Timer]
	done := func(reply Args, err error) {
		once.Do(func() {
			if t := timer.Load(); t != nil {
				t.Stop()
			}
			cb(reply, err)
		})
	}
	timer.Store(time.AfterFunc(timeout, func() { done(Args{}, ErrAckTimeout) }))
	opts := b.opts
	opts.Timeout = timeout
	b.nsp.adapter.BroadcastWithAck(p, opts, func(int) {}, func(reply Args) { done(reply, nil) })
	return nil
}
