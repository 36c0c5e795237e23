// Package controltest runs the Go side of the Node.js interop suites of
// sio's broker packages (compat/<broker>/*.test.mjs): sio servers whose
// clients on "/control" ask them to run a cluster operation, the same
// handlers the suites' Node.js servers have, and the node test runner.
package controltest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
)

// Op is a request of the control namespace.
type Op struct {
	// Op names the operation (emit, emitWithAck, fetch, socketsJoin,
	// emitterEmit, ...).
	Op string `json:"op"`
	// NSP is the namespace it acts on.
	NSP string `json:"nsp"`
	// Rooms are the rooms it targets; none: every socket.
	Rooms []string `json:"rooms"`
	// Except are the rooms it leaves out.
	Except []string `json:"except"`
	// Local limits it to this server.
	Local bool `json:"local"`
	// Vol makes a broadcast volatile.
	Vol bool `json:"volatile"`
	// NoComp sends a broadcast uncompressed.
	NoComp bool `json:"uncompressed"`
	// Event is the event emitted.
	Event string `json:"event"`
	// Args are the event's arguments.
	Args []json.RawMessage `json:"args"`
	// Binary appends the bytes 1, 2, 3 to the arguments.
	Binary bool `json:"binary"`
	// Join are the rooms of socketsJoin and socketsLeave.
	Join []string `json:"join"`
	// Close is the close flag of disconnect and emitterDisconnect.
	Close bool `json:"close"`
	// Timout is the timeout in milliseconds of the operations with
	// acknowledgements.
	Timout int `json:"timeout"`
}

// Values returns the operation's arguments as Go values.
func (o Op) Values() ([]any, error) {
	out := make([]any, 0, len(o.Args)+1)
	for _, raw := range o.Args {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if o.Binary {
		out = append(out, []byte{1, 2, 3})
	}
	return out, nil
}

// EmitterFunc runs an "emitter*" operation (emitterEmit, emitterJoin,
// emitterLeave, emitterDisconnect, emitterServerSideEmit) with an emitter.
type EmitterFunc func(ctx context.Context, op Op, args []any) error

// QueueEmitter runs the emitter operations with a queue.Emitter.
func QueueEmitter(em *queue.Emitter) EmitterFunc { return Emitter(em) }

// emitterOps is what the emitters of sio's broker packages do; each
// selection returns the emitter's own type.
type emitterOps[E any] interface {
	Of(nsp string) E
	To(rooms ...string) E
	Except(rooms ...string) E
	Volatile() E
	Emit(ctx context.Context, event string, args ...any) error
	SocketsJoin(ctx context.Context, rooms ...string) error
	SocketsLeave(ctx context.Context, rooms ...string) error
	DisconnectSockets(ctx context.Context, close bool) error
	ServerSideEmit(ctx context.Context, event string, args ...any) error
}

// Emitter runs the emitter operations with any emitter of that shape
// (queue.Emitter, redisq.Emitter, ...).
func Emitter[E emitterOps[E]](em E) EmitterFunc {
	return func(ctx context.Context, op Op, args []any) error {
		e := em.Of(nsp(op)).To(op.Rooms...).Except(op.Except...)
		if op.Vol {
			e = e.Volatile()
		}
		switch op.Op {
		case "emitterEmit":
			return e.Emit(ctx, op.Event, args...)
		case "emitterJoin":
			return e.SocketsJoin(ctx, op.Join...)
		case "emitterLeave":
			return e.SocketsLeave(ctx, op.Join...)
		case "emitterDisconnect":
			return e.DisconnectSockets(ctx, op.Close)
		default:
			return e.ServerSideEmit(ctx, op.Event, args...)
		}
	}
}

func nsp(op Op) string {
	if op.NSP == "" {
		return "/"
	}
	return op.NSP
}

// Server is a sio server of an interop suite.
type Server struct {
	*siotest.Host
	name    string
	emitter EmitterFunc

	mu     sync.Mutex
	events []any // the server-side events received, [event, ...args] each
}

// Start starts a sio server named name with the control handlers and
// opts (its ClientManager, Recovery...; AckTimeout 10s when zero);
// emitter, when not nil, serves the "emitter*" operations. It is shut
// down when the test ends.
func Start(t *testing.T, name string, opts core.Options, emitter EmitterFunc) *Server {
	t.Helper()
	if opts.AckTimeout == 0 {
		opts.AckTimeout = 10 * time.Second
	}
	srv := core.NewServer(opts)
	cs := &Server{name: name, emitter: emitter}
	root := srv.Of("/")
	root.On("join", func(s *core.Socket, room string) string { s.Join(room); return "ok" })
	root.On("leave", func(s *core.Socket, room string) string { s.Leave(room); return "ok" })
	root.On("setData", func(s *core.Socket, v any) string { s.SetData(v); return "ok" })
	root.On("rooms", func(s *core.Socket) []string { r := s.Rooms(); slices.Sort(r); return r })
	for _, event := range []string{"sse", "sseAck"} {
		root.OnServerSideEmit(event, func(args core.Args) []any {
			vals, _ := args.Values()
			cs.mu.Lock()
			cs.events = append(cs.events, append([]any{event}, vals...))
			cs.mu.Unlock()
			return []any{"reply-from-" + name}
		})
	}
	srv.Of("/control").On("op", func(ctx context.Context, _ *core.Socket, op Op) (any, error) {
		return cs.run(ctx, srv, op)
	})
	cs.Host = siotest.Serve(srv)
	t.Cleanup(func() { cs.Shutdown(t) })
	return cs
}

// run runs a control operation.
func (cs *Server) run(ctx context.Context, srv *core.Server, op Op) (any, error) {
	args, err := op.Values()
	if err != nil {
		return nil, err
	}
	ns := srv.Of(nsp(op))
	b := ns.To(op.Rooms...).Except(op.Except...)
	if op.Local {
		b = b.Local()
	}
	if op.Vol {
		b = b.Volatile()
	}
	if op.NoComp {
		b = b.Compress(false)
	}
	if op.Timout > 0 {
		b = b.Timeout(time.Duration(op.Timout) * time.Millisecond)
	}
	switch op.Op {
	case "emit":
		return "ok", b.Emit(op.Event, args...)
	case "emitWithAck":
		replies, err := b.EmitWithAck(ctx, op.Event, args...)
		return firstValues(replies), err
	case "fetch":
		sockets, err := b.FetchSockets(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]map[string]any, 0, len(sockets))
		for _, rs := range sockets {
			rooms := slices.Clone(rs.Rooms)
			slices.Sort(rooms)
			hs := rs.Handshake
			auth, _ := hs.Auth.Values()
			out = append(out, map[string]any{
				"id": rs.ID, "rooms": rooms, "data": rs.Data,
				"handshake": map[string]any{"auth": firstOr(auth), "query": hs.Query.Get("name"),
					"address": hs.Address, "url": hs.URL, "issued": hs.Time.UnixMilli(), "secure": hs.Secure},
			})
		}
		return out, nil
	case "socketsJoin":
		b.SocketsJoin(op.Join...)
		return "ok", nil
	case "socketsLeave":
		b.SocketsLeave(op.Join...)
		return "ok", nil
	case "disconnect":
		b.DisconnectSockets(op.Close)
		return "ok", nil
	case "serverSideEmit":
		return "ok", ns.ServerSideEmit(op.Event, args...)
	case "serverSideEmitWithAck":
		replies, err := ns.ServerSideEmitWithAck(ctx, op.Event, args...)
		return firstValues(replies), err
	case "serverCount":
		return ns.ServerCount(ctx), nil
	case "serverEvents":
		cs.mu.Lock()
		defer cs.mu.Unlock()
		ev := cs.events
		cs.events = nil
		if ev == nil {
			ev = []any{}
		}
		return ev, nil
	case "emitterEmit", "emitterJoin", "emitterLeave", "emitterDisconnect", "emitterServerSideEmit":
		if cs.emitter == nil {
			return nil, fmt.Errorf("no emitter on %s", cs.name)
		}
		return "ok", cs.emitter(ctx, op, args)
	}
	return nil, fmt.Errorf("unknown operation %q", op.Op)
}

// firstValues returns the first value of each reply, sorted by their JSON
// text.
func firstValues(replies []core.Args) []any {
	out := make([]any, 0, len(replies))
	for _, r := range replies {
		v, err := r.Value(0)
		if err != nil {
			v = nil
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b any) int {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return slices.Compare(x, y)
	})
	return out
}

func firstOr(vals []any) any {
	if len(vals) == 0 {
		return nil
	}
	return vals[0]
}
