package queue

import (
	"context"
	"errors"
	"reflect"
	"slices"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
)

// EmitterOptions configures an Emitter. The zero value of every field
// means the documented default.
type EmitterOptions struct {
	// ChannelPrefix starts every channel name: the servers' own
	// Options.ChannelPrefix. Zero: "socket.io".
	ChannelPrefix string
	// Encoding is how the emitter writes its messages (every server reads
	// both). Zero: EncodingMsgpack.
	Encoding Encoding
}

// ErrEmitterAck is returned by Emitter.Emit for an argument that is a
// function: an emitter is not a server and cannot receive
// acknowledgements.
var ErrEmitterAck = errors.New("sio/queue: an emitter cannot receive acknowledgements")

// Emitter publishes cluster messages to the servers of a cluster from a
// process that is not one of them (a worker, a cron job), as Node.js's
// emitters do: broadcasts, SocketsJoin, SocketsLeave, DisconnectSockets
// and server-side events, with the uid "emitter" (the servers do not
// count it in ServerCount). It is write-only: it cannot receive
// acknowledgements nor fetch sockets. An Emitter is immutable: To, In,
// Except, Of, Volatile and Compress return a new one, so one Emitter can
// be shared by goroutines. On a LogBus, broadcasts and room changes go to
// the log, as the servers' own do: they carry offsets and a client that
// recovers its session gets those it missed.
type Emitter struct {
	bus      Bus
	prefix   string
	encoding Encoding
	nsp      string
	opts     core.BroadcastOptions
}

// NewEmitter returns an emitter publishing on bus to the namespace "/".
func NewEmitter(bus Bus, opts EmitterOptions) *Emitter {
	if opts.ChannelPrefix == "" {
		opts.ChannelPrefix = DefaultChannelPrefix
	}
	return &Emitter{bus: bus, prefix: opts.ChannelPrefix, encoding: opts.Encoding, nsp: "/"}
}

func (e *Emitter) clone() *Emitter {
	c := *e
	c.opts.Rooms = slices.Clip(c.opts.Rooms)
	c.opts.Except = slices.Clip(c.opts.Except)
	return &c
}

// Of returns an emitter for the namespace nsp ("/chat"; a missing leading
// slash is added), without the rooms and flags of e.
func (e *Emitter) Of(nsp string) *Emitter {
	if nsp == "" || nsp[0] != '/' {
		nsp = "/" + nsp
	}
	return &Emitter{bus: e.bus, prefix: e.prefix, encoding: e.encoding, nsp: nsp}
}

// To returns an emitter that also targets the sockets in rooms (a socket
// id is a room).
func (e *Emitter) To(rooms ...string) *Emitter {
	c := e.clone()
	c.opts.Rooms = append(c.opts.Rooms, rooms...)
	return c
}

// In is To.
func (e *Emitter) In(rooms ...string) *Emitter { return e.To(rooms...) }

// Except returns an emitter that excludes the sockets in rooms.
func (e *Emitter) Except(rooms ...string) *Emitter {
	c := e.clone()
	c.opts.Except = append(c.opts.Except, rooms...)
	return c
}

// Volatile returns an emitter whose broadcasts are dropped for the
// sockets whose transport is not ready to write.
func (e *Emitter) Volatile() *Emitter {
	c := e.clone()
	c.opts.Volatile = true
	return c
}

// Compress returns an emitter whose broadcasts are sent with websocket
// compression (true, the default) or without.
func (e *Emitter) Compress(compress bool) *Emitter {
	c := e.clone()
	c.opts.Uncompressed = !compress
	return c
}

// Emit broadcasts event with args to the targeted sockets of every
// server. Arguments are encoded as the servers' msgpack parser encodes
// them ([]byte as binary); a function argument fails with ErrEmitterAck.
func (e *Emitter) Emit(ctx context.Context, event string, args ...any) error {
	for _, a := range args {
		if isFunc(a) {
			return ErrEmitterAck
		}
	}
	raw, err := encodePacket(parser.Outgoing{Type: parser.Event, Namespace: e.nsp, Event: event, Args: args})
	if err != nil {
		return err
	}
	return e.publish(ctx, TypeBroadcast, broadcastData{Packet: raw, Opts: toWireOpts(e.opts)})
}

// SocketsJoin makes the targeted sockets join rooms.
func (e *Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.publish(ctx, TypeSocketsJoin, roomsData{Opts: toWireOpts(e.opts), Rooms: rooms})
}

// SocketsLeave makes the targeted sockets leave rooms.
func (e *Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.publish(ctx, TypeSocketsLeave, roomsData{Opts: toWireOpts(e.opts), Rooms: rooms})
}

// DisconnectSockets disconnects the targeted sockets; close also closes
// their underlying connections.
func (e *Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.publish(ctx, TypeDisconnectSockets, disconnectData{Opts: toWireOpts(e.opts), Close: close})
}

// ServerSideEmit sends the server-side event to every server of the
// namespace (their ServerSideEmit handlers); no reply can be awaited.
func (e *Emitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	for _, a := range args {
		if isFunc(a) {
			return ErrEmitterAck
		}
	}
	raw, err := encodeEvent(event, args)
	if err != nil {
		return err
	}
	return e.publish(ctx, TypeServerSideEmit, serverSideEmitData{Packet: raw})
}

func (e *Emitter) publish(ctx context.Context, typ MessageType, data any) error {
	b, err := encodeMessage(outMessage{UID: emitterUID, NSP: e.nsp, Type: typ, Data: data}, e.encoding)
	if err != nil {
		return err
	}
	channel := e.prefix + "#" + e.nsp + "#"
	if lb, ok := e.bus.(LogBus); ok && durable(typ, data) {
		_, err := lb.Append(ctx, channel, b)
		return err
	}
	return e.bus.Publish(ctx, channel, b)
}

// isFunc reports whether v is a function (an acknowledgement callback).
func isFunc(v any) bool { return v != nil && reflect.TypeOf(v).Kind() == reflect.Func }
