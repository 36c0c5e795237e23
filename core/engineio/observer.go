package engineio

import (
	"fmt"
	"runtime/debug"

	"github.com/socketio-go/sio/core/internal/fanout"
)

// Observer receives facts about a Server's sessions, for monitoring
// (metrics, the Socket.IO Admin UI). Every field is optional: a nil field
// costs the server one nil check where the fact happens, and a server
// with no observer installed does no other work (no allocation, no call).
// New fields may be added; set fields by name.
//
// The callbacks run synchronously on the server's goroutines (a session's
// reader or writer, a request's goroutine, a timer), never with one of the
// server's locks held. They must be fast and must not block: count, queue
// packets (Send, Emit), or hand the fact to a goroutine of your own. They
// may call the Socket's methods. A panic in one is recovered and logged. Several observers may be installed (Server.Observe);
// each fact reaches them in the order they were installed.
type Observer struct {
	// SessionOpened: a session was opened (its handshake accepted) on
	// transport "polling" or "websocket". It is called before the
	// server's OnConnection callback.
	SessionOpened func(s *Socket, transport string)
	// SessionClosed: a session closed, for reason; transport is the one
	// it used then. It is called once per opened session.
	SessionClosed func(s *Socket, transport string, reason CloseReason)
	// Upgraded: a session switched from polling to websocket.
	Upgraded func(s *Socket)

	// PacketsIn: the client sent message packets (Engine.IO type 4, text
	// or binary); bytes is the length of their payloads. Control packets
	// (ping, pong, noop, close, upgrade) are not counted.
	PacketsIn func(s *Socket, packets, bytes int)
	// PacketsOut: message packets were queued for the client (Socket.Send,
	// so once per recipient of a broadcast); bytes is the length of their
	// payloads. Control packets are not counted.
	PacketsOut func(s *Socket, packets, bytes int)

	// Refused: a request was refused (a handshake refused, an unknown
	// session id, a bad request): err has its Engine.IO error code (0–5,
	// see the Code constants), the message its client receives and the
	// reason the server logs. Server.OnConnectionError installs only this
	// callback.
	Refused func(err *ConnectionError)
	// QueueFull: a message did not fit in a session's outbound queue
	// (Options.MaxQueuedMessages, Options.MaxQueueBytes) and policy was
	// applied.
	QueueFull func(s *Socket, policy QueueFullPolicy)
}

// Observe installs o (a copy of it: later changes to *o have no effect)
// and returns a function that removes it. It may be called at any time;
// sessions already open report the facts that happen after it.
func (s *Server) Observe(o *Observer) (remove func()) { return s.observers.Add(o, s.mergeObservers) }

// Sessions returns the open sessions, in no particular order.
func (s *Server) Sessions() []*Socket {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Socket, 0, len(s.sessions))
	for _, sock := range s.sessions {
		out = append(out, sock)
	}
	return out
}

// observer returns the merged observer, or nil.
func (s *Server) observer() *Observer { return s.observers.Load() }

// mergeObservers returns the observer that calls every one of list; a
// panic in one is logged.
func (s *Server) mergeObservers(list []*Observer) *Observer {
	p := func(v any) {
		s.log.Error("engineio: panic in observer", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	}
	return &Observer{
		SessionOpened: fanout.Fan2(list, func(o *Observer) func(*Socket, string) { return o.SessionOpened }, p),
		SessionClosed: fanout.Fan3(list, func(o *Observer) func(*Socket, string, CloseReason) { return o.SessionClosed }, p),
		Upgraded:      fanout.Fan1(list, func(o *Observer) func(*Socket) { return o.Upgraded }, p),
		PacketsIn:     fanout.Fan3(list, func(o *Observer) func(*Socket, int, int) { return o.PacketsIn }, p),
		PacketsOut:    fanout.Fan3(list, func(o *Observer) func(*Socket, int, int) { return o.PacketsOut }, p),
		Refused:       fanout.Fan1(list, func(o *Observer) func(*ConnectionError) { return o.Refused }, p),
		QueueFull:     fanout.Fan2(list, func(o *Observer) func(*Socket, QueueFullPolicy) { return o.QueueFull }, p),
	}
}
