package core

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/socketio-go/sio/core/parser"
)

// Namespace is a Socket.IO namespace: its handlers, its sockets and its
// rooms. Register handlers before clients connect.
type Namespace struct {
	name    string
	srv     *Server
	parent  *Namespace // the catch-all namespace, for its children
	adapter Adapter
	ids     atomic.Uint64 // acknowledgement ids, shared by broadcasts and sockets

	hmu             sync.RWMutex // guards the handler fields
	onConnect       *handler
	onDisconnect    func(*Socket, DisconnectReason)
	events          map[string]*handler
	catchAll        *handler
	class           *classNamespace // from RegisterNamespace; the fields above win
	serverEvents    map[string]ServerSideEmitHandler
	middlewares     []func(*Socket) error
	onDisconnecting func(*Socket, DisconnectReason)

	// match accepts child names, for a parent namespace.
	match func(name string, auth Args) bool

	mu       sync.RWMutex // guards sockets and children
	sockets  map[string]*Socket
	children map[*Namespace]struct{} // of a parent namespace
}

func newNamespace(srv *Server, name string, parent *Namespace) *Namespace {
	n := &Namespace{
		name:    name,
		srv:     srv,
		parent:  parent,
		events:  make(map[string]*handler),
		sockets: make(map[string]*Socket),
	}
	n.adapter = srv.opts.ClientManager.NewAdapter(n)
	return n
}

// Name returns the namespace name, such as "/" or "/chat".
func (n *Namespace) Name() string { return n.name }

// Server returns the namespace's server.
func (n *Namespace) Server() *Server { return n.srv }

// Adapter returns the namespace's adapter.
func (n *Namespace) Adapter() Adapter { return n.adapter }

// NextAckID returns a fresh acknowledgement id of the namespace. Adapters
// use it for the broadcasts with acknowledgements they receive from other
// servers, whose ids come from the sender's namespace.
func (n *Namespace) NextAckID() uint64 { return n.ids.Add(1) - 1 }

// OnConnect sets the connect handler, called when a client joins the
// namespace and before it is told it has joined. fn has one of the shapes
//
//	func(s *Socket) error
//	func(s *Socket, auth A) error
//
// optionally with a leading ctx context.Context parameter, or without the
// error result, where auth receives the client's auth payload decoded into
// A (nil or the zero value when the client sent none; json.RawMessage for
// the raw form). A non-nil error refuses the connection: the client
// receives a CONNECT_ERROR with the error's text, or with the message and
// data of a RefuseConnection error. OnConnect panics with ErrBadHandler for
// any other shape.
func (n *Namespace) OnConnect(fn any) {
	h := compileConnectHandler(fn)
	n.hmu.Lock()
	n.onConnect = h
	n.hmu.Unlock()
}

// OnDisconnect sets the function called when a socket leaves the namespace,
// with the reason. It runs after the socket's pending event handlers; the
// socket's session is still readable.
func (n *Namespace) OnDisconnect(fn func(s *Socket, reason DisconnectReason)) {
	n.hmu.Lock()
	n.onDisconnect = fn
	n.hmu.Unlock()
}

// On sets the handler of event. The event "*" is the catch-all handler,
// called for events that have no handler of their own, with the event name
// after the socket. fn has one of the shapes
//
//	func([ctx context.Context,] s *Socket, [event string,] a A, b B, ...) [(R..., [error])]
//	func([ctx context.Context,] s *Socket, [event string,] a A, b B, ..., ack Ack) [error]
//
// Each parameter after the socket (and the event name) receives one event
// argument decoded into its type: JSON into structs, maps, slices and
// scalars; []byte for binary data; any for the generic form. A last
// parameter of type Args (before an Ack) receives the remaining arguments
// undecoded. When the client asks for an acknowledgement, the results are
// sent as its arguments (none: an empty acknowledgement; an Args result is
// sent as the arguments it holds, so a handler can echo what it received);
// a non-nil final error, an argument that does not decode or a panic is
// sent as {"error": text}. A handler with a final Ack parameter
// acknowledges by calling it, now, later or never (see Ack); its error or
// panic is sent as {"error": text} if it has not called it. An event
// without a handler gets no acknowledgement.
//
// The reserved names register the socket's lifecycle handlers, as
// python-socketio's @sio.event does: "connect" is OnConnect,
// "disconnect" is OnDisconnect (fn is func(*Socket, DisconnectReason) or
// func(*Socket)), "disconnecting" is OnDisconnecting. The other reserved
// names (connect_error, newListener, removeListener) can never be
// received. On panics with ErrBadHandler when fn does not have a
// supported shape, or for those names.
func (n *Namespace) On(event string, fn any) {
	switch event {
	case "connect":
		n.OnConnect(fn)
		return
	case "disconnect", "disconnecting":
		var f func(*Socket, DisconnectReason)
		switch fn := fn.(type) {
		case func(*Socket, DisconnectReason):
			f = fn
		case func(*Socket):
			if fn != nil {
				f = func(s *Socket, _ DisconnectReason) { fn(s) }
			}
		}
		if f == nil {
			panic(fmt.Errorf("%w: On(%q): %T is not a non-nil func(*Socket, DisconnectReason) or func(*Socket)", ErrBadHandler, event, fn))
		}
		if event == "disconnect" {
			n.OnDisconnect(f)
		} else {
			n.OnDisconnecting(f)
		}
		return
	}
	n.setHandler(event, compileHandler(fn, event == "*"))
}

func (n *Namespace) setHandler(event string, h *handler) {
	if parser.IsReservedEvent(event) {
		panic(fmt.Errorf("%w: %q is a reserved event name, never received", ErrBadHandler, event))
	}
	n.hmu.Lock()
	defer n.hmu.Unlock()
	if event == "*" {
		n.catchAll = h
		return
	}
	n.events[event] = h
}

// handler returns the handler of event for the sockets of n, in
// python-socketio's order: n's own (On, then a class method), n's
// catch-all "*"; the same from its parent namespace (OfFunc, OfRegexp);
// then the handler of event in the catch-all namespace Of("*"), and its
// catch-all. So Of("*") also serves the namespaces created with Of for
// the events they lack.
func (n *Namespace) handler(event string) *handler {
	var h *handler
	n.eachLevel(func(ns *Namespace, c *classHandlers) bool {
		if h = ns.events[event]; h == nil && c != nil {
			h = c.events[event]
		}
		if h == nil {
			h = ns.catchAll
		}
		return h != nil
	})
	return h
}

// eachLevel calls fn with n, its parent namespace, then the catch-all
// namespace, each with its class methods for n (nil without) and its
// handler fields locked for reading, until fn returns true.
func (n *Namespace) eachLevel(fn func(ns *Namespace, class *classHandlers) bool) {
	visit := func(ns *Namespace) bool {
		ns.hmu.RLock()
		defer ns.hmu.RUnlock()
		return fn(ns, ns.class.handlers(n))
	}
	for ns := n; ns != nil; ns = ns.parent {
		if visit(ns) {
			return
		}
	}
	if star := n.srv.catchAll.Load(); star != nil && star != n && n.parent != star {
		visit(star)
	}
}

// connectHandler returns the connect handler of the sockets of n, looked
// up like handler: a function set with OnConnect, then a class method.
func (n *Namespace) connectHandler() *handler {
	var h *handler
	n.eachLevel(func(ns *Namespace, c *classHandlers) bool {
		if h = ns.onConnect; h == nil && c != nil {
			h = c.onConnect
		}
		return h != nil
	})
	return h
}

// disconnectHandler returns the disconnect handler of the sockets of n,
// looked up like connectHandler.
func (n *Namespace) disconnectHandler() func(*Socket, DisconnectReason) {
	var h func(*Socket, DisconnectReason)
	n.eachLevel(func(ns *Namespace, c *classHandlers) bool {
		if h = ns.onDisconnect; h == nil && c != nil {
			h = c.onDisconnect
		}
		return h != nil
	})
	return h
}

// connect runs the connection sequence of s, on its handler queue. What
// the socket is sent before it is accepted (by its middleware, its connect
// handler, or broadcasts) reaches the client after the CONNECT packet.
func (n *Namespace) connect(s *Socket) {
	rec := n.srv.opts.Recovery
	recovered := s.restore()
	if rec != nil && !recovered {
		s.pid = newOffset() + newOffset()
	}
	var err error
	if !recovered || rec.RunMiddlewares {
		err = n.runMiddlewares(s)
	}
	if err != nil {
		n.refuse(s, err, false)
		return
	}
	n.mu.Lock()
	n.sockets[s.id] = s
	n.mu.Unlock()
	n.adapter.AddAll(s.id, append([]string{s.id}, s.restoredRooms...))
	s.restoredRooms = nil
	if s.hasLeft() {
		// The connection closed meanwhile: leave nothing behind.
		n.remove(s)
		return
	}

	always := n.srv.opts.AlwaysConnect
	if always {
		s.accept()
	}
	if h := n.connectHandler(); h != nil {
		err = s.run("connect", func() error {
			auth := s.handshake.Auth
			if auth.Len() == 0 {
				auth = h.noAuth
			}
			_, err := h.call(s.Context(), s, "connect", auth, nil)
			return err
		})
	}
	if err != nil {
		n.refuse(s, err, always)
		return
	}
	if !always {
		s.accept()
	}
}

// refuse makes s leave and tells the client: CONNECT_ERROR, or DISCONNECT
// when the client was already told it had joined (AlwaysConnect).
func (n *Namespace) refuse(s *Socket, err error, joined bool) {
	n.srv.log.Info("sio: connection refused", "sid", s.id, "nsp", n.name, "err", err)
	if o := n.srv.observer(); o != nil && o.ConnectRefused != nil {
		o.ConnectRefused(n.name, err)
	}
	// Leave before telling the client, which may try again at once. A
	// refused socket never reaches the disconnect handler, even with
	// AlwaysConnect (as in python-socketio), and the events it sent
	// meanwhile are dropped, as is what it was sent.
	s.dropPending()
	s.dropHeld()
	s.leave(ReasonServerNamespaceDisconnect, false)
	if joined {
		_ = s.client.sendPacket(parser.Outgoing{Type: parser.Disconnect, Namespace: n.name})
		return
	}
	_ = s.client.sendPacket(parser.Outgoing{Type: parser.ConnectError, Namespace: n.name,
		Args: []any{connectErrorPayload(err)}})
}

// remove forgets s once it has left.
func (n *Namespace) remove(s *Socket) {
	n.adapter.DelAll(s.id)
	n.mu.Lock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	n.mu.Unlock()
	n.dropIfEmpty()
}

// Socket returns the local socket with the given id, or nil (whose
// methods are safe to call; see Socket).
func (n *Namespace) Socket(id string) *Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.sockets[id]
}

// Len returns the number of local sockets in the namespace.
func (n *Namespace) Len() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return len(n.sockets)
}

func (n *Namespace) mustSocket(sid string) (*Socket, error) {
	if s := n.Socket(sid); s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("%w: %q in %s", ErrNoSocket, sid, n.name)
}

// Emit sends event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error { return n.op().Emit(event, args...) }

// To returns a broadcast to the sockets in any of rooms.
func (n *Namespace) To(rooms ...string) BroadcastOperator { return n.op().To(rooms...) }

// In is an alias of To.
func (n *Namespace) In(rooms ...string) BroadcastOperator { return n.op().To(rooms...) }

// Except returns a broadcast to every socket but those in rooms.
func (n *Namespace) Except(rooms ...string) BroadcastOperator { return n.op().Except(rooms...) }

func (n *Namespace) op() BroadcastOperator { return BroadcastOperator{nsp: n} }

// Call sends event to the socket sid and waits for its acknowledgement,
// until ctx is done or the ack timeout (Options.AckTimeout when ctx has no
// deadline) passes.
func (n *Namespace) Call(ctx context.Context, sid, event string, args ...any) (Args, error) {
	s, err := n.mustSocket(sid)
	if err != nil {
		return Args{}, err
	}
	return s.EmitWithAck(ctx, event, args...)
}

// EnterRoom adds the local socket sid to room. It returns an error wrapping
// ErrNoSocket when no such socket is connected (or it leaves meanwhile):
// nothing is then recorded. For a socket of any server of a cluster, use
// To(sid).SocketsJoin(room).
func (n *Namespace) EnterRoom(sid, room string) error {
	s, err := n.mustSocket(sid)
	if err != nil {
		return err
	}
	if !s.join([]string{room}) {
		return fmt.Errorf("%w: %q left %s", ErrNoSocket, sid, n.name)
	}
	return nil
}

// LeaveRoom removes the local socket sid from room. It returns an error
// wrapping ErrNoSocket when no such socket is connected.
func (n *Namespace) LeaveRoom(sid, room string) error {
	s, err := n.mustSocket(sid)
	if err != nil {
		return err
	}
	s.Leave(room)
	return nil
}

// CloseRoom removes every socket from room.
func (n *Namespace) CloseRoom(room string) {
	for _, id := range n.adapter.Sockets([]string{room}) {
		n.adapter.Del(id, room)
	}
}

// Rooms returns the rooms of the socket sid, its own id included.
func (n *Namespace) Rooms(sid string) []string { return n.adapter.SocketRooms(sid) }

// Session returns a copy of the session of the socket sid.
func (n *Namespace) Session(sid string) (map[string]any, error) {
	s, err := n.mustSocket(sid)
	if err != nil {
		return nil, err
	}
	return s.Session(), nil
}

// SaveSession replaces the session of the socket sid with a copy of
// session.
func (n *Namespace) SaveSession(sid string, session map[string]any) error {
	s, err := n.mustSocket(sid)
	if err != nil {
		return err
	}
	s.SaveSession(session)
	return nil
}

// UpdateSession runs fn on the session of the socket sid under the
// session's lock; fn may modify the map.
func (n *Namespace) UpdateSession(sid string, fn func(session map[string]any) error) error {
	s, err := n.mustSocket(sid)
	if err != nil {
		return err
	}
	return s.UpdateSession(fn)
}

// Disconnect disconnects the socket sid from the namespace.
func (n *Namespace) Disconnect(sid string) error {
	s, err := n.mustSocket(sid)
	if err != nil {
		return err
	}
	s.Disconnect(false)
	return nil
}
