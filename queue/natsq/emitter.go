package natsq

import (
	"io"

	"github.com/socketio-go/sio/queue"
)

// Emitter is a queue.Emitter with its own connection to NATS: a process
// that is not a server (a worker, a cron job) broadcasts, makes sockets
// join and leave rooms, disconnects them and sends server-side events to
// the servers of a cluster. It is write-only: it cannot receive
// acknowledgements (an argument that is a function fails with
// queue.ErrEmitterAck) nor fetch sockets.
type Emitter struct {
	*queue.Emitter
	bus io.Closer
}

// NewEmitter connects to url as New does and returns an emitter for
// servers on Buses; eopts.ChannelPrefix and eopts.Encoding must match the
// servers' queue.Options.
func NewEmitter(url string, opts Options, eopts queue.EmitterOptions) (*Emitter, error) {
	b, err := New(url, opts)
	if err != nil {
		return nil, err
	}
	return &Emitter{Emitter: queue.NewEmitter(b, eopts), bus: b}, nil
}

// NewJetStreamEmitter connects to url as NewJetStream does and returns an
// emitter for servers on JetStreamBuses with the same jopts: its
// broadcasts and room changes go to the log, so a client that recovers
// its session gets those it missed.
func NewJetStreamEmitter(url string, opts Options, jopts JetStreamOptions, eopts queue.EmitterOptions) (*Emitter, error) {
	b, err := NewJetStream(url, opts, jopts)
	if err != nil {
		return nil, err
	}
	return &Emitter{Emitter: queue.NewEmitter(b, eopts), bus: b}, nil
}

// Close closes the emitter's connection.
func (e *Emitter) Close() error { return e.bus.Close() }
