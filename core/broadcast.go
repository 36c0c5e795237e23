package core

import (
	"context"
	"slices"
	"sync"
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

// Timeout returns the operator whose EmitWithAck waits at most d.
func (b BroadcastOperator) Timeout(d time.Duration) BroadcastOperator {
	b.timeout = d
	return b
}

// Emit sends event with args to the selected sockets. The packet is
// encoded once, whatever the number of recipients.
func (b BroadcastOperator) Emit(event string, args ...any) error {
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
	if b.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, b.timeout, ErrAckTimeout)
		defer cancel()
	} else if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, b.nsp.srv.opts.AckTimeout, ErrAckTimeout)
		defer cancel()
	}
	p := NewPacket(parser.Outgoing{Type: parser.Event, Namespace: b.nsp.name, Event: event, Args: args,
		ID: b.nsp.ids.Add(1) - 1, HasID: true})
	if _, err := p.encoded(b.nsp.srv.codec); err != nil {
		return nil, err
	}
	c := &ackCollector{changed: make(chan struct{}, 1)}
	b.nsp.adapter.BroadcastWithAck(p, b.opts, c.count, c.ack)
	for {
		c.mu.Lock()
		done := c.counted && len(c.replies) >= c.expected
		replies := slices.Clone(c.replies)
		c.mu.Unlock()
		if done {
			return replies, nil
		}
		select {
		case <-c.changed:
		case <-ctx.Done():
			c.mu.Lock()
			replies = slices.Clone(c.replies)
			c.mu.Unlock()
			return replies, ackCause(ctx)
		}
	}
}

// ackCollector gathers the replies of a broadcast with acknowledgements.
type ackCollector struct {
	changed chan struct{}

	mu       sync.Mutex // guards the fields below
	expected int
	counted  bool
	replies  []Args
}

func (c *ackCollector) count(n int) {
	c.mu.Lock()
	c.expected += n
	c.counted = true
	c.mu.Unlock()
	c.signal()
}

func (c *ackCollector) ack(reply Args) {
	c.mu.Lock()
	c.replies = append(c.replies, reply)
	c.mu.Unlock()
	c.signal()
}

func (c *ackCollector) signal() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}
