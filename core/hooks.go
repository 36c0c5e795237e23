package core

import (
	"errors"
	"slices"

	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/core/parser"
)

// Use adds a namespace middleware: it runs for every socket that asks to
// join the namespace, in the order added, before the connect handler. An
// error refuses the connection like a connect handler's (the client
// receives the message and data of a RefuseConnection error).
func (n *Namespace) Use(fn func(s *Socket) error) {
	n.hmu.Lock()
	defer n.hmu.Unlock()
	n.middlewares = append(n.middlewares, fn)
}

// OnDisconnecting sets the function called when a socket is about to leave
// the namespace, while its rooms are still readable.
func (n *Namespace) OnDisconnecting(fn func(s *Socket, reason DisconnectReason)) {
	n.hmu.Lock()
	defer n.hmu.Unlock()
	n.onDisconnecting = fn
}

// runMiddlewares runs the namespace middleware (the catch-all parent's
// first) for s.
func (n *Namespace) runMiddlewares(s *Socket) error {
	var chain []func(*Socket) error
	for ns := n; ns != nil; ns = ns.parent {
		ns.hmu.RLock()
		chain = append(slices.Clone(ns.middlewares), chain...)
		ns.hmu.RUnlock()
	}
	for _, fn := range chain {
		if err := s.run("middleware", func() error { return fn(s) }); err != nil {
			return err
		}
	}
	return nil
}

// disconnectingHandler returns the disconnecting handler of the sockets of
// n, looked up like connectHandler.
func (n *Namespace) disconnectingHandler() func(*Socket, DisconnectReason) {
	var h func(*Socket, DisconnectReason)
	n.eachLevel(func(ns *Namespace, c *classHandlers) bool {
		if h = ns.onDisconnecting; h == nil && c != nil {
			h = c.onDisconnecting
		}
		return h != nil
	})
	return h
}

// Use adds a packet middleware to the socket: it runs for every incoming
// event, in the order added, before the catch-all listeners and the
// handler. An error rejects the event: the handler does not run, and the
// client receives the error as {"error": text} in the acknowledgement it
// asked for, or else as an "error" event carrying {"message": text}.
func (s *Socket) Use(fn func(s *Socket, event string, args Args) error) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.middlewares = append(slices.Clip(s.middlewares), fn)
}

// anyListener wraps a catch-all listener so it can be removed.
type anyListener[F any] struct{ fn F }

// AnyFunc receives every incoming event of a socket.
type AnyFunc func(event string, args Args)

// AnyOutgoingFunc receives every event sent to a socket, broadcasts
// included.
type AnyOutgoingFunc func(event string, args []any)

// OnAny adds a listener called for every incoming event, before its
// handler, and returns a function that removes it.
func (s *Socket) OnAny(fn AnyFunc) (remove func()) { return s.addAny(fn, false) }

// PrependAny is OnAny, with the listener placed first.
func (s *Socket) PrependAny(fn AnyFunc) (remove func()) { return s.addAny(fn, true) }

// OffAny removes every incoming catch-all listener.
func (s *Socket) OffAny() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.anyIn = nil
	s.mu.Unlock()
}

func (s *Socket) addAny(fn AnyFunc, first bool) func() {
	if s == nil {
		return func() {}
	}
	l := &anyListener[AnyFunc]{fn}
	s.mu.Lock()
	s.anyIn = insert(s.anyIn, l, first)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.anyIn = without(s.anyIn, l)
		s.mu.Unlock()
	}
}

// OnAnyOutgoing adds a listener called for every event sent to the socket
// (its own emits and the broadcasts that reach it), before it is sent, and
// returns a function that removes it.
func (s *Socket) OnAnyOutgoing(fn AnyOutgoingFunc) (remove func()) { return s.addAnyOut(fn, false) }

// PrependAnyOutgoing is OnAnyOutgoing, with the listener placed first.
func (s *Socket) PrependAnyOutgoing(fn AnyOutgoingFunc) (remove func()) {
	return s.addAnyOut(fn, true)
}

// OffAnyOutgoing removes every outgoing catch-all listener.
func (s *Socket) OffAnyOutgoing() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.anyOut = nil
	s.hasAnyOut.Store(false)
	s.mu.Unlock()
}

func (s *Socket) addAnyOut(fn AnyOutgoingFunc, first bool) func() {
	if s == nil {
		return func() {}
	}
	l := &anyListener[AnyOutgoingFunc]{fn}
	s.mu.Lock()
	s.anyOut = insert(s.anyOut, l, first)
	s.hasAnyOut.Store(true)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.anyOut = without(s.anyOut, l)
		s.hasAnyOut.Store(len(s.anyOut) > 0)
		s.mu.Unlock()
	}
}

// insert returns a new list with l added (copy on write: readers keep
// iterating the old one).
func insert[T any](list []*T, l *T, first bool) []*T {
	if first {
		return append([]*T{l}, list...)
	}
	return append(slices.Clip(list), l)
}

func without[T any](list []*T, l *T) []*T {
	return slices.DeleteFunc(slices.Clone(list), func(x *T) bool { return x == l })
}

// notifyOutgoing calls the outgoing listeners for a packet sent to s.
func (s *Socket) notifyOutgoing(out *parser.Outgoing) {
	if o := s.nsp.srv.observer(); o != nil && o.EventSent != nil && out.Type == parser.Event {
		o.EventSent(s, out.Event, out.Args)
	}
	if !s.hasAnyOut.Load() || out.Type != parser.Event {
		return
	}
	s.mu.Lock()
	list := s.anyOut
	s.mu.Unlock()
	for _, l := range list {
		s.safely("outgoing listener", func() { l.fn(out.Event, out.Args) })
	}
}

// dispatch runs an incoming event through the socket's middleware, the
// catch-all listeners and its handler, and sends the acknowledgement.
func (s *Socket) dispatch(p *parser.Packet) {
	if o := s.nsp.srv.observer(); o != nil && o.EventReceived != nil {
		o.EventReceived(s, p.Event, p.Args)
	}
	s.mu.Lock()
	mws, anyIn := s.middlewares, s.anyIn
	s.mu.Unlock()
	for _, mw := range mws {
		if err := s.run(p.Event, func() error { return mw(s, p.Event, p.Args) }); err != nil {
			s.nsp.srv.log.Info("sio: event rejected by middleware", "sid", s.id, "nsp", s.nsp.name, "event", p.Event, "err", err)
			if p.HasID {
				s.ack(p, ackError(err))
			} else {
				_ = s.send(parser.Outgoing{Type: parser.Event, Namespace: s.nsp.name, Event: "error",
					Args: []any{map[string]string{"message": err.Error()}}})
			}
			return
		}
	}
	for _, l := range anyIn {
		s.safely("any listener", func() { l.fn(p.Event, p.Args) })
	}
	h := s.nsp.handler(p.Event)
	if h == nil {
		// No acknowledgement either, as in Node.js and python-socketio:
		// the client's ack timeout tells it nobody handled the event.
		s.logEvent("sio: event without handler", p.Event, p.ID, p.HasID)
		return
	}
	s.handle(h, p)
}

// ack sends the acknowledgement of packet p. A socket or connection that
// closed meanwhile is no error worth more than a debug line.
func (s *Socket) ack(p *parser.Packet, res []any) error {
	err := s.reply(parser.Outgoing{Type: parser.Ack, Namespace: s.nsp.name, ID: p.ID, HasID: true, Args: res})
	switch {
	case err == nil:
	case errors.Is(err, ErrNotConnected) || errors.Is(err, engineio.ErrClosed):
		if s.nsp.srv.debug() {
			s.nsp.srv.log.Debug("sio: acknowledgement not sent, the socket has left", "sid", s.id, "event", p.Event, "err", err)
		}
	default:
		s.nsp.srv.log.Error("sio: cannot send acknowledgement", "sid", s.id, "event", p.Event, "err", err)
	}
	return err
}

// SetData sets the socket's application data, which FetchSockets reports
// (Node's socket.data). It should encode to JSON for a cluster.
func (s *Socket) SetData(v any) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
	if o := s.nsp.srv.observer(); o != nil && o.DataChanged != nil {
		o.DataChanged(s, v)
	}
}

// Data returns the socket's application data.
func (s *Socket) Data() any {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}
