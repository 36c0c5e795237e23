package pymsg

import (
	"context"
	"slices"

	"github.com/socketio-go/sio/queue"
)

// Emitter publishes python-socketio's messages from a process that is
// not a server, as python-socketio's write-only managers do: emits to
// rooms (skipping sockets), and per socket id: joining and leaving rooms,
// disconnecting. It cannot receive acknowledgements and has no
// server-side events. An Emitter is immutable: To, In, Except and Of
// return a new one.
type Emitter struct {
	bus    queue.Bus
	opts   Options
	hostID string
	nsp    string
	rooms  []string
	except []string
}

// NewEmitter returns an emitter publishing on bus to the namespace "/".
func NewEmitter(bus queue.Bus, opts Options) *Emitter {
	return &Emitter{bus: bus, opts: opts.withDefaults(), hostID: newHostID(), nsp: "/"}
}

// Of returns an emitter for the namespace nsp (a missing leading slash is
// added), without the rooms of e.
func (e *Emitter) Of(nsp string) *Emitter {
	if nsp == "" || nsp[0] != '/' {
		nsp = "/" + nsp
	}
	return &Emitter{bus: e.bus, opts: e.opts, hostID: e.hostID, nsp: nsp}
}

// To returns an emitter that also targets rooms (a socket id is a room).
func (e *Emitter) To(rooms ...string) *Emitter {
	c := *e
	c.rooms = append(slices.Clip(e.rooms), rooms...)
	return &c
}

// In is To.
func (e *Emitter) In(rooms ...string) *Emitter { return e.To(rooms...) }

// Except returns an emitter that skips the socket ids (python's
// skip_sid; sio's servers also skip the members of rooms listed here).
func (e *Emitter) Except(sids ...string) *Emitter {
	c := *e
	c.except = append(slices.Clip(e.except), sids...)
	return &c
}

// Emit sends event with args to the targeted sockets of every server.
// []byte arguments are sent as binary (python-socketio ≥ 5.14.2). A
// function argument fails with queue.ErrEmitterAck.
func (e *Emitter) Emit(ctx context.Context, event string, args ...any) error {
	for _, a := range args {
		if isFunc(a) {
			return queue.ErrEmitterAck
		}
	}
	return e.publish(ctx, Message{Method: MethodEmit, Event: event, Args: args, Rooms: e.rooms, Skip: e.except})
}

// SocketsJoin makes the targeted sockets, which must be socket ids, join
// rooms (one enter_room message per socket and room).
func (e *Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.eachTarget(ctx, rooms, MethodEnterRoom)
}

// SocketsLeave makes the targeted sockets leave rooms: In(r).SocketsLeave(r)
// empties the room r (close_room); otherwise the targets must be socket
// ids (one leave_room message per socket and room).
func (e *Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	if len(e.rooms) == 1 && len(rooms) == 1 && e.rooms[0] == rooms[0] {
		return e.publish(ctx, Message{Method: MethodCloseRoom, Room: rooms[0]})
	}
	return e.eachTarget(ctx, rooms, MethodLeaveRoom)
}

// DisconnectSockets disconnects the targeted sockets, which must be
// socket ids, from the namespace (python-socketio's servers do not close
// the whole connection, whatever close says).
func (e *Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	for _, sid := range e.rooms {
		if err := e.publish(ctx, Message{Method: MethodDisconnect, SID: sid}); err != nil {
			return err
		}
	}
	return nil
}

// ServerSideEmit returns ErrUnsupported: python-socketio's format has no
// server-side events.
func (e *Emitter) ServerSideEmit(context.Context, string, ...any) error { return ErrUnsupported }

func (e *Emitter) eachTarget(ctx context.Context, rooms []string, method Method) error {
	for _, sid := range e.rooms {
		for _, r := range rooms {
			if err := e.publish(ctx, Message{Method: method, SID: sid, Room: r}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *Emitter) publish(ctx context.Context, m Message) error {
	m.HostID, m.Namespace = e.hostID, e.nsp
	b, err := Encode(m, EncodeOptions{SingleValue: e.opts.SingleValue})
	if err != nil {
		return err
	}
	return e.bus.Publish(ctx, e.opts.Channel, b)
}
