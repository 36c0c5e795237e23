package core

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/core/internal/fanout"
)

// Observer receives facts about a Server's sockets, rooms and events, for
// monitoring (metrics, the Socket.IO Admin UI). Every field is optional: a
// nil field costs the server one nil check where the fact happens, and a
// server with no observer installed does no other work (no allocation, no
// call). New fields may be added; set fields by name.
//
// The callbacks run synchronously on the server's goroutines (a
// connection's reader, a socket's handler queue, the caller of an emit),
// never with one of the server's locks held. They must be fast and must
// not block: count, emit (an Emit only queues packets), or hand the fact
// to a goroutine of your own. A panic in one is recovered and logged.
// Several observers may be installed (Server.Observe); each fact reaches
// them in the order they were installed.
//
// Facts of one socket are reported in order: SocketConnected, then its
// events, then SocketDisconnected (both run on the socket's handler queue,
// SocketDisconnected with the OnDisconnect handler). Sockets that joined
// before an observer was installed report their disconnection to it all
// the same.
type Observer struct {
	// Engine, when not nil, observes the Engine.IO layer (sessions,
	// transports, packets and bytes, refused requests); Server.Observe
	// installs it on the server's Engine.
	Engine *engineio.Observer

	// SocketConnected: s joined its namespace (the client was told so).
	SocketConnected func(s *Socket)
	// SocketDisconnected: s, which had joined, left its namespace.
	SocketDisconnected func(s *Socket, reason DisconnectReason)
	// ConnectRefused: a client's request to join namespace nsp was
	// refused: by a middleware or the connect handler (err is theirs), or
	// because the namespace does not exist (ErrUnknownNamespace).
	ConnectRefused func(nsp string, err error)

	// RoomJoined: the socket sid of nsp joined room (its own id room
	// included, when it connects). Reported by MemoryAdapter, which the
	// managers of package queue embed, when membership changes.
	RoomJoined func(nsp *Namespace, room, sid string)
	// RoomLeft: the socket sid of nsp left room (every room, when it
	// disconnects).
	RoomLeft func(nsp *Namespace, room, sid string)

	// EventReceived: s received event, before its middleware and handler
	// run. args is decoded only when read (Args.Decode, Args.Values), so
	// an observer that ignores it costs nothing; it must not be kept
	// after the call.
	EventReceived func(s *Socket, event string, args Args)
	// EventSent: event is being sent to s with args, by s's own emit or
	// by a broadcast (once per local recipient), as OnAnyOutgoing
	// listeners see it. args must not be modified.
	EventSent func(s *Socket, event string, args []any)
	// Broadcast: a broadcast of event on nsp was queued on recipients
	// local sockets (zero included).
	Broadcast func(nsp *Namespace, event string, recipients int)
	// DataChanged: s's application data was replaced (Socket.SetData).
	DataChanged func(s *Socket, data any)

	// AckStarted: the server now waits for an acknowledgement from s (an
	// emit with an ack, to s alone or in a broadcast).
	AckStarted func(s *Socket)
	// AckEnded: a wait AckStarted reported ended, after latency: answered
	// by the client, or not (timed out, abandoned, or s disconnected).
	// Each AckStarted has exactly one AckEnded.
	AckEnded func(s *Socket, latency time.Duration, answered bool)
}

// ErrUnknownNamespace is the error ConnectRefused reports for a client
// asking for a namespace that does not exist.
var ErrUnknownNamespace = errors.New("sio: invalid namespace")

// Observe installs o (a copy of it: later changes to *o have no effect),
// and o.Engine on the server's Engine, and returns a function that removes
// both. It may be called at any time; install observers before serving to
// see every socket from its start.
func (s *Server) Observe(o *Observer) (remove func()) {
	removeCore := s.observers.Add(o, s.mergeObservers)
	if o.Engine == nil {
		return removeCore
	}
	removeEngine := s.eng.Observe(o.Engine)
	return func() { removeCore(); removeEngine() }
}

// Namespaces returns the server's namespaces (those created with Of and the
// children of parent namespaces), sorted by name; the catch-all namespace
// Of("*") is not one of them.
func (s *Server) Namespaces() []*Namespace {
	s.mu.RLock()
	out := make([]*Namespace, 0, len(s.nsps))
	for name, n := range s.nsps {
		if name != "*" {
			out = append(out, n)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Namespace) int { return strings.Compare(a.name, b.name) })
	return out
}

// observer returns the merged observer, or nil.
func (s *Server) observer() *Observer { return s.observers.Load() }

// mergeObservers returns the observer that calls every one of list; a
// panic in one is logged.
func (s *Server) mergeObservers(list []*Observer) *Observer {
	p := func(v any) {
		s.log.Error("sio: panic in observer", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	}
	return &Observer{
		SocketConnected:    fanout.Fan1(list, func(o *Observer) func(*Socket) { return o.SocketConnected }, p),
		SocketDisconnected: fanout.Fan2(list, func(o *Observer) func(*Socket, DisconnectReason) { return o.SocketDisconnected }, p),
		ConnectRefused:     fanout.Fan2(list, func(o *Observer) func(string, error) { return o.ConnectRefused }, p),
		RoomJoined:         fanout.Fan3(list, func(o *Observer) func(*Namespace, string, string) { return o.RoomJoined }, p),
		RoomLeft:           fanout.Fan3(list, func(o *Observer) func(*Namespace, string, string) { return o.RoomLeft }, p),
		EventReceived:      fanout.Fan3(list, func(o *Observer) func(*Socket, string, Args) { return o.EventReceived }, p),
		EventSent:          fanout.Fan3(list, func(o *Observer) func(*Socket, string, []any) { return o.EventSent }, p),
		Broadcast:          fanout.Fan3(list, func(o *Observer) func(*Namespace, string, int) { return o.Broadcast }, p),
		DataChanged:        fanout.Fan2(list, func(o *Observer) func(*Socket, any) { return o.DataChanged }, p),
		AckStarted:         fanout.Fan1(list, func(o *Observer) func(*Socket) { return o.AckStarted }, p),
		AckEnded:           fanout.Fan3(list, func(o *Observer) func(*Socket, time.Duration, bool) { return o.AckEnded }, p),
	}
}

// startAckLocked records when the wait for ack id started. s.mu must be
// held.
func (s *Socket) startAckLocked(id uint64) {
	if s.ackStart == nil {
		s.ackStart = make(map[uint64]time.Time)
	}
	s.ackStart[id] = time.Now()
}

// endAckLocked forgets the start of the wait for ack id and returns it, if
// one was recorded. s.mu must be held.
func (s *Socket) endAckLocked(id uint64) (time.Time, bool) {
	if s.ackStart == nil {
		return time.Time{}, false
	}
	start, ok := s.ackStart[id]
	delete(s.ackStart, id)
	return start, ok
}

// ackEnded reports the end of an ack wait that started at start.
func (s *Socket) ackEnded(start time.Time, answered bool) {
	if o := s.nsp.srv.observer(); o != nil && o.AckEnded != nil {
		o.AckEnded(s, time.Since(start), answered)
	}
}
