package core

import (
	"io"
	"log/slog"
	"testing"

	"github.com/socketio-go/sio/core/parser"
	"github.com/socketio-go/sio/internal/logtest"
)

// The Debug lines cost no allocation when the logger does not take Debug
// (a production logger at Info), and allocate when it does: each helper
// checks the level before it builds the line.
func TestDebugLinesOffAllocateNothing(t *testing.T) {
	for _, tt := range []struct {
		name   string
		logger *slog.Logger
		allocs bool
	}{
		{"info", slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})), false},
		{"none", nil, false},
		{"debug", logtest.New(slog.LevelDebug).Logger(), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(Options{Logger: tt.logger})
			nsp := srv.Of("/")
			s := &Socket{id: "sid", nsp: nsp}
			ev := parser.Outgoing{Type: parser.Event, Namespace: "/", Event: "chat", ID: 7, HasID: true}
			ack := parser.Outgoing{Type: parser.Ack, Namespace: "/", ID: 7, HasID: true}
			p := &Packet{Outgoing: ev}
			for name, line := range map[string]func(){
				"event received":    func() { s.logEvent("sio: event received", "chat", 7, true) },
				"event emitted":     func() { s.logSent(&ev) },
				"ack sent":          func() { s.logSent(&ack) },
				"ack received":      func() { s.logAckReceived(7, true) },
				"broadcast":         func() { nsp.logBroadcast(p, 1000) },
				"room joined":       func() { nsp.logRoom("sio: room joined", "lobby", "sid") },
				"disconnected":      func() { s.logDisconnected(ReasonTransportClose, true) },
				"debug level check": func() { _ = srv.debug() },
			} {
				n := testing.AllocsPerRun(100, line)
				if name == "debug level check" {
					if n != 0 {
						t.Errorf("%s: %v allocations", name, n)
					}
					continue
				}
				if (n > 0) != tt.allocs {
					t.Errorf("%s: %v allocations per line", name, n)
				}
			}
		})
	}
}
