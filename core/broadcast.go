package core

import (
	"context"
	"slices"
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
// encoded once, whatever the number of recipients.
func (b BroadcastOperator) Emit(event string, args ...any) error {
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
