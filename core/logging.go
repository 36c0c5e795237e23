package core

import (
	"context"
	"log/slog"

	"github.com/socketio-go/sio/core/parser"
)

// The Socket.IO layer's Debug lines. Each helper checks the level first:
// the arguments of a Debug call are built (and escape) before the logger
// could drop them, so a logger without Debug costs one Enabled call per
// line and no allocation. Call sites stay one line.

// debug reports whether the server's logger takes Debug lines.
func (s *Server) debug() bool { return s.log.Enabled(context.Background(), slog.LevelDebug) }

// logConnected logs s joining its namespace.
func (s *Socket) logConnected() {
	if s.nsp.srv.debug() {
		s.nsp.srv.log.Debug("sio: socket connected", "sid", s.id, "nsp", s.nsp.name, "conn", s.client.conn.ID(), "recovered", s.recovered)
	}
}

// logDisconnected logs s leaving its namespace for reason, when it had
// joined it (a refused socket has its own line).
func (s *Socket) logDisconnected(reason DisconnectReason, joined bool) {
	if joined && s.nsp.srv.debug() {
		s.nsp.srv.log.Debug("sio: socket disconnected", "sid", s.id, "nsp", s.nsp.name, "reason", string(reason))
	}
}

// logEvent logs an event of s with msg ("received", ...), with its ack id
// when it asks for one.
func (s *Socket) logEvent(msg, event string, id uint64, hasID bool) {
	if !s.nsp.srv.debug() {
		return
	}
	if hasID {
		s.nsp.srv.log.Debug(msg, "sid", s.id, "nsp", s.nsp.name, "event", event, "ack", id)
		return
	}
	s.nsp.srv.log.Debug(msg, "sid", s.id, "nsp", s.nsp.name, "event", event)
}

// logSent logs a packet queued for s alone: an event (one recipient) or an
// acknowledgement.
func (s *Socket) logSent(out *parser.Outgoing) {
	if !s.nsp.srv.debug() {
		return
	}
	switch out.Type {
	case parser.Event:
		if out.HasID {
			s.nsp.srv.log.Debug("sio: event emitted", "nsp", s.nsp.name, "event", out.Event, "recipients", 1, "sid", s.id, "ack", out.ID)
			return
		}
		s.nsp.srv.log.Debug("sio: event emitted", "nsp", s.nsp.name, "event", out.Event, "recipients", 1, "sid", s.id)
	case parser.Ack:
		s.nsp.srv.log.Debug("sio: ack sent", "sid", s.id, "nsp", s.nsp.name, "ack", out.ID)
	}
}

// logAckReceived logs the client's acknowledgement id; waited says
// whether the server was waiting for it (not timed out, nor unknown).
func (s *Socket) logAckReceived(id uint64, waited bool) {
	if s.nsp.srv.debug() {
		s.nsp.srv.log.Debug("sio: ack received", "sid", s.id, "nsp", s.nsp.name, "ack", id, "waited", waited)
	}
}

// logBroadcast logs a broadcast of p queued on recipients local sockets.
func (n *Namespace) logBroadcast(p *Packet, recipients int) {
	if !n.srv.debug() {
		return
	}
	if p.HasID {
		n.srv.log.Debug("sio: event emitted", "nsp", n.name, "event", p.Event, "recipients", recipients, "ack", p.ID)
		return
	}
	n.srv.log.Debug("sio: event emitted", "nsp", n.name, "event", p.Event, "recipients", recipients)
}

// logRoom logs the socket sid joining or leaving room (msg says which).
func (n *Namespace) logRoom(msg, room, sid string) {
	if n.srv.debug() {
		n.srv.log.Debug(msg, "sid", sid, "nsp", n.name, "room", room)
	}
}

// logNotJoined logs an event for namespace nsp, which the client has not
// joined.
func (c *client) logNotJoined(nsp string) {
	if c.srv.debug() {
		c.srv.log.Debug("sio: event for a namespace not joined", "sid", c.conn.ID(), "nsp", nsp)
	}
}

// minLevel passes on to its handler the records at min and above: the
// default Engine.IO logger, Options.Logger without its Debug lines.
type minLevel struct {
	slog.Handler
	min slog.Level
}

// Enabled implements slog.Handler.
func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// WithAttrs implements slog.Handler.
func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.min}
}

// WithGroup implements slog.Handler.
func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}
