package pgq

import (
	"context"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
)

// NewManager returns queue.NewManager(bus, opts) writing JSON
// (queue.EncodingJSON), what Node.js's postgres adapter sends and reads:
// the other fields of opts are kept (the same ChannelPrefix as the Node.js
// servers' channelPrefix; heartbeats every 5s and a 10s timeout by
// default, as theirs).
func NewManager(bus *Bus, opts queue.Options) core.ClientManager {
	opts.Encoding = queue.EncodingJSON
	return queue.NewManager(bus, opts)
}

// Emitter is a queue.Emitter with its own connection pool: a process that
// is not a server (a worker, a cron job) broadcasts, makes sockets join
// and leave rooms, disconnects them and sends server-side events to the
// servers of a cluster, Go or Node.js, as Node.js's
// @socket.io/postgres-emitter does. It is write-only: it cannot receive
// acknowledgements (an argument that is a function fails with
// queue.ErrEmitterAck) nor fetch sockets.
type Emitter struct {
	*queue.Emitter
	bus *Bus
}

// NewEmitter connects a write-only bus to url (opts.WriteOnly is set) and
// returns an emitter on it writing JSON; eopts.ChannelPrefix must be the
// servers' channel prefix (eopts.Encoding is ignored).
func NewEmitter(ctx context.Context, url string, opts Options, eopts queue.EmitterOptions) (*Emitter, error) {
	opts.WriteOnly = true
	bus, err := New(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	eopts.Encoding = queue.EncodingJSON
	return &Emitter{Emitter: queue.NewEmitter(bus, eopts), bus: bus}, nil
}

// Bus returns the emitter's bus.
func (e *Emitter) Bus() *Bus { return e.bus }

// Close sends what the emitter queued (for a second at most) and closes
// its connections.
func (e *Emitter) Close() error { return e.bus.Close() }
