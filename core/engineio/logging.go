package engineio

import (
	"context"
	"log/slog"
)

// debug reports whether the server's logger takes Debug lines. Every
// Debug line is behind it, so a logger without Debug costs one call and no
// allocation per line (the arguments of a Debug call are built before the
// logger could drop them).
func (s *Server) debug() bool { return s.log.Enabled(context.Background(), slog.LevelDebug) }

// debug reports whether the session's logger takes Debug lines.
func (s *Socket) debug() bool { return s.srv.debug() }

// packetNames are the packet types' names in log lines.
var packetNames = [...]string{
	packetOpen - packetOpen:    "open",
	packetClose - packetOpen:   "close",
	packetPing - packetOpen:    "ping",
	packetPong - packetOpen:    "pong",
	packetMessage - packetOpen: "message",
	packetUpgrade - packetOpen: "upgrade",
	packetNoop - packetOpen:    "noop",
}

// String returns the packet type's name.
func (t packetType) String() string {
	if t >= packetOpen && t <= packetNoop {
		return packetNames[t-packetOpen]
	}
	return "unknown"
}

// debugQueued logs the messages Send queued.
func (s *Socket) debugQueued(msgs []*Message) {
	n := 0
	for _, m := range msgs {
		n += len(m.data)
	}
	s.log().Debug("engineio: messages queued", "messages", len(msgs), "bytes", n)
}

// debugClosed logs a session closed for a reason that is not a failure.
func (s *Socket) debugClosed(reason CloseReason, err error, transport string) {
	if err == nil {
		s.log().Debug("engineio: session closed", "reason", string(reason), "transport", transport)
		return
	}
	s.log().Debug("engineio: session closed", "reason", string(reason), "transport", transport, "err", err)
}
