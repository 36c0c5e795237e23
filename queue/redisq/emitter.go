package redisq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
	"github.com/socketio-go/sio/queue/internal/wire"
)

// EmitterOptions configures an Emitter (the names of
// @socket.io/redis-emitter's options). The zero value of every field
// means the documented default.
type EmitterOptions struct {
	// Key starts every channel name; the servers' Options.Key. Zero:
	// "socket.io".
	Key string
	// PublishTimeout bounds each PUBLISH. Zero: DefaultPublishTimeout.
	PublishTimeout time.Duration
	// OnPublishError, when set, is called with the error of each PUBLISH
	// that did not send its message, on the publishing goroutine:
	// metrics.BrokerHooks gives one.
	OnPublishError func(error)
	// Logger receives a line for failed publishes (at most one per 5s
	// while they keep failing). Nil: slog.Default().
	Logger *slog.Logger
}

// ErrReservedEvent is returned by Emitter.Emit for the event names
// Socket.IO reserves (connect, connect_error, disconnect, disconnecting,
// newListener, removeListener).
var ErrReservedEvent = errors.New("sio/redisq: reserved event name")

// reservedEvents are the names @socket.io/redis-emitter refuses.
var reservedEvents = []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// emitterUID is the uid of write-only publishers.
const emitterUID = "emitter"

// Emitter publishes to a cluster of servers in the classic format
// (NewManager, Node.js's @socket.io/redis-adapter) from a process that is
// not a Socket.IO server, as @socket.io/redis-emitter does: broadcasts to
// the sockets of a namespace, its rooms or all but some rooms, with the
// volatile and compress flags; SocketsJoin, SocketsLeave and
// DisconnectSockets on the sockets it selects; server-side events to
// every server.
//
// An Emitter cannot receive acknowledgements: it is not a server, no
// client or server answers it. Emitting with an acknowledgement, fetching
// sockets and counting servers need a server of the cluster.
//
// An Emitter is a value: To, In, Except, Of, Volatile and Compress return
// a new Emitter with the selection or flag added, so one Emitter can be
// shared and refined by concurrent goroutines.
type Emitter struct {
	pub    *publisher
	key    string
	nsp    string
	rooms  []string
	except []string
	flags  wire.Flags
}

// NewEmitter returns an Emitter for the namespace "/" of the servers
// using client with the same Key. It does not close client.
func NewEmitter(client redis.UniversalClient, opts EmitterOptions) *Emitter {
	if opts.Key == "" {
		opts.Key = DefaultKey
	}
	if opts.PublishTimeout <= 0 {
		opts.PublishTimeout = DefaultPublishTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Emitter{pub: newPublisher(client, log, opts.PublishTimeout, opts.OnPublishError), key: opts.Key, nsp: "/"}
}

// Of returns an Emitter for the namespace nsp (a leading slash is added
// when missing), with no rooms or flags.
func (e *Emitter) Of(nsp string) *Emitter {
	if len(nsp) == 0 || nsp[0] != '/' {
		nsp = "/" + nsp
	}
	return &Emitter{pub: e.pub, key: e.key, nsp: nsp}
}

// To returns an Emitter that also targets the sockets in rooms.
func (e *Emitter) To(rooms ...string) *Emitter {
	c := *e
	c.rooms = appendNew(slices.Clip(e.rooms), rooms)
	return &c
}

// In is To.
func (e *Emitter) In(rooms ...string) *Emitter { return e.To(rooms...) }

// Except returns an Emitter that excludes the sockets in rooms.
func (e *Emitter) Except(rooms ...string) *Emitter {
	c := *e
	c.except = appendNew(slices.Clip(e.except), rooms)
	return &c
}

// Volatile returns an Emitter whose broadcasts are dropped for the
// sockets not ready to receive them.
func (e *Emitter) Volatile() *Emitter {
	c := *e
	c.flags.Volatile = true
	return &c
}

// Compress returns an Emitter whose broadcasts are compressed or not
// (websocket permessage-deflate, when the connection has it).
func (e *Emitter) Compress(compress bool) *Emitter {
	c := *e
	c.flags.Compress = &compress
	return &c
}

// appendNew appends the rooms of add not in list yet.
func appendNew(list, add []string) []string {
	for _, r := range add {
		if !slices.Contains(list, r) {
			list = append(list, r)
		}
	}
	return list
}

// opts returns the selection and flags in their wire form.
func (e *Emitter) opts() wire.Opts {
	o := wire.Opts{Rooms: wire.RoomList(e.rooms), Except: wire.RoomList(e.except)}
	if o.Rooms == nil {
		o.Rooms = wire.RoomList{}
	}
	if o.Except == nil {
		o.Except = wire.RoomList{}
	}
	flags := e.flags
	o.Flags = &flags // {} when none, as the Node.js emitter writes it
	return o
}

// Emit broadcasts event with args to the selected sockets of every
// server. Arguments are encoded as the msgpack parser encodes them
// ([]byte as binary).
func (e *Emitter) Emit(ctx context.Context, event string, args ...any) error {
	if slices.Contains(reservedEvents, event) {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	packet, err := wire.EncodePacket(parser.Outgoing{Type: parser.Event, Namespace: e.nsp, Event: event, Args: args})
	if err != nil {
		return err
	}
	msg, err := wire.Marshal(classicBroadcast{UID: emitterUID, Packet: packet, Opts: e.opts()})
	if err != nil {
		return err
	}
	channel := e.key + "#" + e.nsp + "#"
	if len(e.rooms) == 1 {
		channel += e.rooms[0] + "#"
	}
	return e.pub.publish(ctx, channel, msg)
}

// request publishes req on the namespace's request channel.
func (e *Emitter) request(ctx context.Context, req classicRequest) error {
	b, err := encodeJSON(req)
	if err != nil {
		return err
	}
	return e.pub.publish(ctx, e.key+"-request#"+e.nsp+"#", b)
}

// selection returns the selected sockets in their wire form.
func (e *Emitter) selection() *wire.Opts {
	return selection(core.BroadcastOptions{Rooms: e.rooms, Except: e.except})
}

// SocketsJoin makes the selected sockets of every server join rooms.
func (e *Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.request(ctx, classicRequest{Type: reqRemoteJoin, Opts: e.selection(), Rooms: rooms})
}

// SocketsLeave makes the selected sockets of every server leave rooms.
func (e *Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.request(ctx, classicRequest{Type: reqRemoteLeave, Opts: e.selection(), Rooms: rooms})
}

// DisconnectSockets disconnects the selected sockets of every server;
// with close, their whole connections.
func (e *Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.request(ctx, classicRequest{Type: reqRemoteDisconnect, Opts: e.selection(), Close: close})
}

// ServerSideEmit sends a server-side event to the namespace on every
// server (see core.Namespace.OnServerSideEmit). There is no version with
// acknowledgements: an emitter cannot receive them.
func (e *Emitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	data, err := wire.EncodeEvent(event, args)
	if err != nil {
		return err
	}
	return e.request(ctx, classicRequest{UID: emitterUID, Type: reqServerSideEmit, Data: data})
}
