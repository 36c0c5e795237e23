package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// RemoteSocket is a socket as FetchSockets reports it: a snapshot of its
// id, handshake, rooms and data, which may live on another server of the
// cluster. Its methods act on the real socket wherever it is.
type RemoteSocket struct {
	// ID is the socket's id.
	ID string `json:"id"`
	// Handshake is the request that opened the socket's connection.
	Handshake Handshake `json:"handshake"`
	// Rooms are the rooms the socket is in, its own sid room included.
	Rooms []string `json:"rooms"`
	// Data is the socket's application data (Socket.SetData): the value
	// itself for a local socket, its decoded JSON form for a remote one;
	// DataAs decodes it into a type.
	Data any `json:"data"`

	nsp   *Namespace
	local *Socket
}

// NewRemoteSocket returns a RemoteSocket of nsp; adapters use it for the
// sockets other servers report.
func NewRemoteSocket(nsp *Namespace, id string, hs Handshake, rooms []string, data any) *RemoteSocket {
	return &RemoteSocket{ID: id, Handshake: hs, Rooms: rooms, Data: data, nsp: nsp}
}

// Local returns the socket when it lives on this server, else nil.
func (r *RemoteSocket) Local() *Socket { return r.local }

// Emit sends event to the socket.
func (r *RemoteSocket) Emit(event string, args ...any) error {
	return r.nsp.To(r.ID).Emit(event, args...)
}

// Join makes the socket join rooms.
func (r *RemoteSocket) Join(rooms ...string) {
	r.nsp.adapter.AddSockets(BroadcastOptions{Rooms: []string{r.ID}}, rooms)
}

// Leave makes the socket leave rooms.
func (r *RemoteSocket) Leave(rooms ...string) {
	r.nsp.adapter.DelSockets(BroadcastOptions{Rooms: []string{r.ID}}, rooms)
}

// Disconnect disconnects the socket; with close, its whole connection.
func (r *RemoteSocket) Disconnect(close bool) {
	r.nsp.adapter.DisconnectSockets(BroadcastOptions{Rooms: []string{r.ID}}, close)
}

// DataAs returns the application data of r as a T: the value itself when it
// is a T, else its JSON form decoded into a T.
func DataAs[T any](r *RemoteSocket) (T, error) {
	var out T
	if v, ok := r.Data.(T); ok {
		return v, nil
	}
	if r.Data == nil {
		return out, nil
	}
	b, err := json.Marshal(r.Data)
	if err != nil {
		return out, err
	}
	err = json.Unmarshal(b, &out)
	return out, err
}

// snapshot returns s as a RemoteSocket.
func (s *Socket) snapshot() *RemoteSocket {
	return &RemoteSocket{ID: s.id, Handshake: *s.Handshake(), Rooms: s.Rooms(), Data: s.Data(), nsp: s.nsp, local: s}
}

// localSockets returns the local sockets opts selects.
func (a *MemoryAdapter) localSockets(opts BroadcastOptions) []*Socket {
	var out []*Socket
	a.nsp.mu.RLock()
	a.forEach(opts, func(id string) {
		if s := a.nsp.sockets[id]; s != nil {
			out = append(out, s)
		}
	})
	a.nsp.mu.RUnlock()
	return out
}

// FetchSockets implements Adapter for the local sockets.
func (a *MemoryAdapter) FetchSockets(_ context.Context, opts BroadcastOptions) ([]*RemoteSocket, error) {
	local := a.localSockets(opts)
	out := make([]*RemoteSocket, len(local))
	for i, s := range local {
		out[i] = s.snapshot()
	}
	return out, nil
}

// AddSockets implements Adapter for the local sockets.
func (a *MemoryAdapter) AddSockets(opts BroadcastOptions, rooms []string) {
	for _, s := range a.localSockets(opts) {
		s.Join(rooms...)
	}
}

// DelSockets implements Adapter for the local sockets.
func (a *MemoryAdapter) DelSockets(opts BroadcastOptions, rooms []string) {
	for _, s := range a.localSockets(opts) {
		for _, r := range rooms {
			s.Leave(r)
		}
	}
}

// DisconnectSockets implements Adapter for the local sockets.
func (a *MemoryAdapter) DisconnectSockets(opts BroadcastOptions, close bool) {
	for _, s := range a.localSockets(opts) {
		s.Disconnect(close)
	}
}

// ServerSideEmit implements Adapter: a single server has no peer to tell.
func (a *MemoryAdapter) ServerSideEmit(_ string, _ []any, onCount func(int), _ func(Args)) error {
	if onCount != nil {
		onCount(0)
	}
	return nil
}

// ServerCount implements Adapter: one server.
func (a *MemoryAdapter) ServerCount(context.Context) int { return 1 }

// FetchSockets returns the sockets the operator selects, on every server.
func (b BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	if b.nsp == nil {
		return nil, ErrNoSocket
	}
	return b.nsp.adapter.FetchSockets(ctx, b.opts)
}

// SocketsJoin makes the selected sockets join rooms.
func (b BroadcastOperator) SocketsJoin(rooms ...string) {
	if b.nsp != nil {
		b.nsp.adapter.AddSockets(b.opts, rooms)
	}
}

// SocketsLeave makes the selected sockets leave rooms.
func (b BroadcastOperator) SocketsLeave(rooms ...string) {
	if b.nsp != nil {
		b.nsp.adapter.DelSockets(b.opts, rooms)
	}
}

// DisconnectSockets disconnects the selected sockets; with close, their
// whole connections.
func (b BroadcastOperator) DisconnectSockets(close bool) {
	if b.nsp != nil {
		b.nsp.adapter.DisconnectSockets(b.opts, close)
	}
}

// FetchSockets returns every socket of the namespace, on every server.
func (n *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return n.op().FetchSockets(ctx)
}

// SocketsJoin makes every socket of the namespace join rooms.
func (n *Namespace) SocketsJoin(rooms ...string) { n.op().SocketsJoin(rooms...) }

// SocketsLeave makes every socket of the namespace leave rooms.
func (n *Namespace) SocketsLeave(rooms ...string) { n.op().SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of the namespace.
func (n *Namespace) DisconnectSockets(close bool) { n.op().DisconnectSockets(close) }

// ServerCount returns the number of servers in the cluster.
func (n *Namespace) ServerCount(ctx context.Context) int { return n.adapter.ServerCount(ctx) }

// ServerSideEmitHandler handles a server-side event from another server;
// its result, when the sender asked for acknowledgements, is the reply.
type ServerSideEmitHandler func(args Args) []any

// OnServerSideEmit sets the handler of the server-side event sent by the
// other servers of the cluster with ServerSideEmit.
func (n *Namespace) OnServerSideEmit(event string, fn ServerSideEmitHandler) {
	n.hmu.Lock()
	defer n.hmu.Unlock()
	if n.serverEvents == nil {
		n.serverEvents = make(map[string]ServerSideEmitHandler)
	}
	n.serverEvents[event] = fn
}

// HandleServerSideEmit runs the handler of a server-side event received from
// another server; adapters call it. It reports false when the namespace
// has no handler for event.
func (n *Namespace) HandleServerSideEmit(event string, args Args) (reply []any, ok bool) {
	n.hmu.RLock()
	fn := n.serverEvents[event]
	n.hmu.RUnlock()
	if fn == nil {
		return nil, false
	}
	defer func() {
		if v := recover(); v != nil {
			n.srv.log.Error("sio: panic in server-side event handler", "nsp", n.name, "event", event, "panic", fmt.Sprint(v), "stack", panicStack())
			reply, ok = nil, true
		}
	}()
	return fn(args), true
}

// ServerSideEmit sends a server-side event to the namespace on the other
// servers of the cluster.
func (n *Namespace) ServerSideEmit(event string, args ...any) error {
	return n.adapter.ServerSideEmit(event, args, nil, nil)
}

// ServerSideEmitWithAck sends a server-side event to the other servers and
// collects one reply from each, until all have answered or ctx is done (or
// Options.AckTimeout when ctx has no deadline). On timeout it returns the
// replies that came with ErrAckTimeout.
func (n *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	ctx, cancel := n.ackContext(ctx, 0)
	defer cancel()
	c := newAckCollector()
	if err := n.adapter.ServerSideEmit(event, args, c.count, c.ack); err != nil {
		return nil, err
	}
	return c.wait(ctx)
}

// ackContext bounds ctx by timeout, or by Options.AckTimeout when neither
// is set.
func (n *Namespace) ackContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout > 0 {
		return context.WithTimeoutCause(ctx, timeout, ErrAckTimeout)
	}
	if _, ok := ctx.Deadline(); !ok {
		return context.WithTimeoutCause(ctx, n.srv.opts.AckTimeout, ErrAckTimeout)
	}
	return ctx, func() {}
}

// ackCollector gathers the replies of a broadcast or server-side emit with
// acknowledgements.
type ackCollector struct {
	changed chan struct{}

	mu       sync.Mutex // guards the fields below
	expected int
	counted  bool
	replies  []Args
}

func newAckCollector() *ackCollector { return &ackCollector{changed: make(chan struct{}, 1)} }

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

// wait returns the replies once every expected one has come, or those that
// came when ctx ends, with ErrAckTimeout or ctx's error.
func (c *ackCollector) wait(ctx context.Context) ([]Args, error) {
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

// ServerSideEmit sends a server-side event to "/" on the other servers.
func (s *Server) ServerSideEmit(event string, args ...any) error {
	return s.Of("/").ServerSideEmit(event, args...)
}

// ServerSideEmitWithAck is Namespace.ServerSideEmitWithAck on "/".
func (s *Server) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return s.Of("/").ServerSideEmitWithAck(ctx, event, args...)
}

// OnServerSideEmit is Namespace.OnServerSideEmit on "/".
func (s *Server) OnServerSideEmit(event string, fn ServerSideEmitHandler) {
	s.Of("/").OnServerSideEmit(event, fn)
}

// FetchSockets returns every socket of "/", on every server.
func (s *Server) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return s.Of("/").FetchSockets(ctx)
}

// SocketsJoin makes every socket of "/" join rooms.
func (s *Server) SocketsJoin(rooms ...string) { s.Of("/").SocketsJoin(rooms...) }

// SocketsLeave makes every socket of "/" leave rooms.
func (s *Server) SocketsLeave(rooms ...string) { s.Of("/").SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of "/".
func (s *Server) DisconnectSockets(close bool) { s.Of("/").DisconnectSockets(close) }

// ServerCount returns the number of servers in the cluster.
func (s *Server) ServerCount(ctx context.Context) int { return s.Of("/").ServerCount(ctx) }

// CallAs sends event to s, waits for the acknowledgement and decodes its
// first argument into a Resp: the compile-time typed counterpart of
// EmitWithAck.
func CallAs[Resp any](ctx context.Context, s *Socket, event string, args ...any) (Resp, error) {
	var out Resp
	reply, err := s.EmitWithAck(ctx, event, args...)
	if err != nil {
		return out, err
	}
	if reply.Len() == 0 {
		return out, errors.New("sio: empty acknowledgement")
	}
	err = reply.Decode(0, &out)
	return out, err
}
