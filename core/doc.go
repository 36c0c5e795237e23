// Package core is a Socket.IO v5 server: namespaces, sockets, events,
// acknowledgements, rooms, broadcasts and user sessions, over the Engine.IO
// v4 transport of package engineio. It imports no web framework: mount a
// Server with stdsio (net/http), ginsio, echosio or fibersio.
//
// The API offers both styles of the reference servers: socket objects
// (Node.js: s.Emit, s.Join, s.Broadcast().Emit) and sids
// (python-socketio: srv.EnterRoom(sid, room), srv.Call(ctx, sid, ...),
// srv.Session(sid)).
//
//	srv := core.NewServer(core.Options{})
//	srv.OnConnect(func(s *core.Socket, auth map[string]any) error {
//		if auth["token"] != "secret" {
//			return core.RefuseConnection("authentication failed", map[string]any{"retry": false})
//		}
//		return nil
//	})
//	srv.On("chat", func(s *core.Socket, msg string) string {
//		s.Broadcast().Emit("chat", msg)
//		return "delivered" // the acknowledgement
//	})
//	http.Handle("/socket.io/", stdsio.Handler(srv))
//
// # Handlers
//
// Handlers are plain functions whose parameters receive the event's
// arguments decoded into their types (see Namespace.On) and whose results
// become the acknowledgement; a handler taking an Ack acknowledges when it
// calls it (now, later, or never), and an event without a handler gets no
// acknowledgement, as with the reference servers: the client's ack timeout
// fires. Handle registers a compile-time typed handler; On("connect") and
// On("disconnect") register the lifecycle handlers, python-socketio style.
// The handlers of one socket run one at a time, in arrival order, unless
// Options.ConcurrentHandlers is set. Acknowledgements are resolved on the
// connection's reader, so a handler may wait for its own client's
// acknowledgement (Socket.EmitWithAck) without deadlock. On websocket, a
// socket's handler runs on the connection's reader itself when nothing of
// that socket is queued or running, and its acknowledgement is written
// there too: an event costs no goroutine hand-off. A handler that waits
// (EmitWithAck at once, anything else after 5 ms) releases the reader,
// which goes on reading on another goroutine, so the client's replies,
// pongs and disconnection are still seen; the socket's next handlers wait
// for it as before. A reader keeps the deepest stack its handlers reached
// (goroutine stacks do not shrink while in use): deep handlers on many idle
// connections cost stack memory. A panic in a
// handler is recovered, logged once with its stack, and answered with an
// error acknowledgement. What a socket is sent while its connect handler
// runs reaches the client after the CONNECT packet.
//
// # Namespaces
//
// Server.Of returns a namespace; Of("*") is the catch-all namespace whose
// handlers serve any namespace a client asks for, and the events other
// namespaces have no handler for (python-socketio's lookup order). RegisterNamespace
// registers a struct's On<Event> methods (class-based namespaces).
//
// # Limits
//
// Besides the Engine.IO bounds (see package engineio), a connection is
// bounded by: ConnectTimeout (45 s to join a namespace), Limits (10
// attachments per packet, event names and namespaces of 1024 bytes), the
// bytes a binary packet holds while its attachments arrive
// (Engine.MaxHTTPBufferSize) and the time it may wait for them
// (AttachmentTimeout, 20 s), and MaxPendingEvents (1024 events waiting for
// a busy socket's handler, or with ConcurrentHandlers, which runs each
// event on a goroutine of its own, 1024 of a socket's handlers running at
// once). Over one of them the connection closes, with "parse error" or
// "transport error" and one log line. EventRateLimit, off by default,
// bounds the rate of each socket's events. The wait for an acknowledgement of
// EmitWithAck, Call or a broadcast ends with the emit's Timeout or its
// context's deadline, else after AckTimeout (60 s); a socket's AckFunc
// waits for its Timeout, or without one until the socket disconnects. With
// Recovery, a disconnected socket's state and the broadcasts it missed are
// kept MaxDisconnectionDuration (2 min).
//
// # Broadcasting and scaling out
//
// Broadcasts (Server.To, Namespace.Except, Socket.Broadcast ...) encode
// their packet once and queue the same bytes on every recipient. Room
// membership and delivery go through the namespace's Adapter, made by the
// Options.ClientManager: in memory by default, or over a message broker
// with package queue.
package core
