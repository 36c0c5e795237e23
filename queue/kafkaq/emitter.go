package kafkaq

import (
	"context"

	"github.com/socketio-go/sio/queue"
)

// Emitter is a queue.Emitter with its own write-only Kafka client: it
// publishes the cluster messages of the servers' managers (broadcasts,
// SocketsJoin/SocketsLeave, DisconnectSockets, server-side events) and
// cannot receive acknowledgements.
type Emitter struct {
	*queue.Emitter
	bus *Bus
}

// NewEmitter returns an emitter on a write-only bus to url (opts.WriteOnly
// is set); eopts.ChannelPrefix and eopts.Encoding must match the servers'
// queue.Options.
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

// Close delivers the buffered records (up to Options.DeliveryTimeout) and
// closes the emitter's client.
func (e *Emitter) Close() error { return e.bus.Close() }

// NewLogEmitter is NewEmitter for a cluster of LogBus servers: its
// broadcasts and room changes are appended to the channel's log, with
// offsets, so the clients that missed them recover them.
func NewLogEmitter(url string, opts Options, eopts queue.EmitterOptions) (*Emitter, error) {
	opts.WriteOnly = true
	bus, err := New(url, opts)
	if err != nil {
		return nil, err
	}
	return &Emitter{Emitter: queue.NewEmitter(logAppender{bus}, eopts), bus: bus}, nil
}

// logAppender is a write-only Bus that appends to the logs.
type logAppender struct{ *Bus }

// Append implements queue.LogBus.
func (b logAppender) Append(ctx context.Context, channel string, msg []byte) (string, error) {
	return b.appendLog(ctx, channel, msg)
}

// SubscribeLog implements queue.LogBus: ErrWriteOnly.
func (logAppender) SubscribeLog(context.Context, string, func(string, []byte)) (func(), error) {
	return nil, ErrWriteOnly
}

// ReadLog implements queue.LogBus: ErrWriteOnly.
func (logAppender) ReadLog(context.Context, string, string, func(string, []byte) bool) error {
	return ErrWriteOnly
}

var _ queue.LogBus = logAppender{}
