package amqpq

import "github.com/socketio-go/sio/queue"

// Emitter is a queue.Emitter with its own write-only connection to the
// broker: it publishes the cluster messages of the servers' managers
// (broadcasts, SocketsJoin/SocketsLeave, DisconnectSockets, server-side
// events) and cannot receive acknowledgements.
type Emitter struct {
	*queue.Emitter
	bus *Bus
}

// NewEmitter connects a write-only bus to url (opts.WriteOnly is set) and
// returns an emitter on it; eopts.ChannelPrefix and eopts.Encoding must
// match the servers' queue.Options.
func NewEmitter(url string, opts Options, eopts queue.EmitterOptions) (*Emitter, error) {
	opts.WriteOnly = true
	bus, err := New(url, opts)
	if err != nil {
		return nil, err
	}
	return &Emitter{Emitter: queue.NewEmitter(bus, eopts), bus: bus}, nil
}

// Bus returns the emitter's bus.
func (e *Emitter) Bus() *Bus { return e.bus }

// Close closes the emitter's connection.
func (e *Emitter) Close() error { return e.bus.Close() }
