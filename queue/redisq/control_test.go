package redisq

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue/internal/livetest"
)

// The interop suites (compat/redis/*.test.mjs) drive every server of a
// mixed cluster the same way: a control client on the namespace
// "/control" asks its server to run a cluster operation ("op"), and the
// clients on "/" report what reached them. compat/redis/peer.mjs gives
// the Node.js servers the same handlers.

// controlOp is a request of the control namespace.
type controlOp struct {
	Op     string            `json:"op"`
	NSP    string            `json:"nsp"`
	Rooms  []string          `json:"rooms"`
	Except []string          `json:"except"`
	Local  bool              `json:"local"`
	Vol    bool              `json:"volatile"`
	NoComp bool              `json:"uncompressed"`
	Event  string            `json:"event"`
	Args   []json.RawMessage `json:"args"`
	Binary bool              `json:"binary"` // append the bytes 1, 2, 3 to the arguments
	Join   []string          `json:"join"`   // the rooms of socketsJoin and socketsLeave
	Close  bool              `json:"close"`
	Timout int               `json:"timeout"` // ms, for the operations with acknowledgements
}

// args returns the operation's arguments as Go values.
func (o controlOp) args() ([]any, error) {
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

// controlServer is a sio server of an interop suite.
type controlServer struct {
	*livetest.Host
	name string

	mu     sync.Mutex
	events []any // the server-side events received, [event, ...args] each
}

// startControlServer starts a sio server with the control handlers on m.
// emitter, when not nil, serves the "emitter" operations.
func startControlServer(t *testing.T, name string, m core.ClientManager, emitter *Emitter) *controlServer {
	t.Helper()
	srv := core.NewServer(core.Options{ClientManager: m, AckTimeout: 10 * time.Second})
	cs := &controlServer{name: name}
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
	srv.Of("/control").On("op", func(ctx context.Context, _ *core.Socket, op controlOp) (any, error) {
		return cs.run(ctx, srv, emitter, op)
	})
	cs.Host = livetest.Serve(srv)
	t.Cleanup(func() { cs.Shutdown(t) })
	return cs
}

// run runs a control operation.
func (cs *controlServer) run(ctx context.Context, srv *core.Server, emitter *Emitter, op controlOp) (any, error) {
	nsp := op.NSP
	if nsp == "" {
		nsp = "/"
	}
	args, err := op.args()
	if err != nil {
		return nil, err
	}
	b := srv.Of(nsp).To(op.Rooms...).Except(op.Except...)
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
		return "ok", srv.Of(nsp).ServerSideEmit(op.Event, args...)
	case "serverSideEmitWithAck":
		replies, err := srv.Of(nsp).ServerSideEmitWithAck(ctx, op.Event, args...)
		return firstValues(replies), err
	case "serverCount":
		return srv.Of(nsp).ServerCount(ctx), nil
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
		if emitter == nil {
			return nil, fmt.Errorf("no emitter on %s", cs.name)
		}
		e := emitter.Of(nsp).To(op.Rooms...).Except(op.Except...)
		if op.Vol {
			e = e.Volatile()
		}
		switch op.Op {
		case "emitterEmit":
			return "ok", e.Emit(ctx, op.Event, args...)
		case "emitterJoin":
			return "ok", e.SocketsJoin(ctx, op.Join...)
		case "emitterLeave":
			return "ok", e.SocketsLeave(ctx, op.Join...)
		case "emitterDisconnect":
			return "ok", e.DisconnectSockets(ctx, op.Close)
		default:
			return "ok", e.ServerSideEmit(ctx, op.Event, args...)
		}
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
