package core_test

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/logtest"
	"github.com/socketio-go/sio/internal/siotest"
)

// The Debug lines of the Socket.IO layer: namespace connect and refusal,
// events received and emitted, acks both ways, rooms, disconnection.
func TestDebugLines(t *testing.T) {
	logs := logtest.New(slog.LevelDebug)
	ts := newServer(t, core.Options{Logger: logs.Logger()})
	ts.Of("/private").Use(func(*core.Socket) error { return errors.New("no entry") })
	answered := make(chan error, 1)
	ts.On("chat", func(s *core.Socket, msg string) string {
		s.Join("lobby")
		s.Leave("lobby")
		_ = s.Emit("ask", core.AckFunc(func(_ core.Args, err error) { answered <- err }))
		return "ok"
	})
	a, b := ts.dial(t), ts.dial(t)
	sidA := a.Join(t, "/", nil)
	b.Join(t, "/", nil)
	if p := a.Connect(t, "/private", nil); p.Type != '4' {
		t.Fatalf("connect to /private: %v", p)
	}
	id := a.Request("/", "chat", "hi")
	ask := a.ExpectEvent(t, "/", "ask")
	a.Send(siotest.EncodePacket('3', "/", ask.ID, []any{"yes"}))
	if err := recv(t, answered); err != nil {
		t.Fatal(err)
	}
	a.ExpectAck(t, "/", id)
	if err := ts.Emit("news", 1); err != nil {
		t.Fatal(err)
	}
	a.ExpectEvent(t, "/", "news")
	b.ExpectEvent(t, "/", "news")
	a.Send(siotest.EncodePacket('1', "/", -1, nil))

	sid := []string{"sid", sidA, "nsp", "/"}
	with := func(kv ...string) []string { return append(sid[:len(sid):len(sid)], kv...) }
	logs.Wait(t, "sio: socket connected", with("conn", a.EIO)...)
	logs.Wait(t, "sio: connection refused", "nsp", "/private", "err", "no entry")
	logs.Wait(t, "sio: event received", with("event", "chat", "ack", strconv.Itoa(id))...)
	logs.Wait(t, "sio: room joined", with("room", sidA)...)
	logs.Wait(t, "sio: room joined", with("room", "lobby")...)
	logs.Wait(t, "sio: room left", with("room", "lobby")...)
	logs.Wait(t, "sio: event emitted", with("event", "ask", "recipients", "1", "ack", strconv.Itoa(ask.ID))...)
	logs.Wait(t, "sio: ack received", with("ack", strconv.Itoa(ask.ID), "waited", "true")...)
	logs.Wait(t, "sio: ack sent", with("ack", strconv.Itoa(id))...)
	logs.Wait(t, "sio: event emitted", "nsp", "/", "event", "news", "recipients", "2")
	logs.Wait(t, "sio: socket disconnected", with("reason", "client namespace disconnect")...)
	for _, r := range logs.Records() {
		if strings.HasPrefix(r.Message, "engineio:") && r.Level < slog.LevelInfo {
			t.Errorf("an Engine.IO Debug line reached Logger: %s", r)
		}
	}
}

// Logger and EngineLogger are the two layers' loggers: the Engine.IO
// layer's Debug lines go to EngineLogger only; without it, Logger gets
// the Engine.IO layer's lines from Info up.
func TestLoggerLayers(t *testing.T) {
	t.Run("EngineLogger", func(t *testing.T) {
		sio, eio := logtest.New(slog.LevelDebug), logtest.New(slog.LevelDebug)
		ts := newServer(t, core.Options{Logger: sio.Logger(), EngineLogger: eio.Logger()})
		c := ts.dial(t)
		c.Join(t, "/", nil)
		c.Barrier(t, "/")
		eio.Wait(t, "engineio: session opened", "sid", c.EIO, "transport", "websocket")
		eio.Wait(t, "engineio: packet received", "sid", c.EIO, "type", "message")
		sio.Wait(t, "sio: socket connected", "conn", c.EIO)
		for _, r := range sio.Records() {
			if strings.HasPrefix(r.Message, "engineio:") {
				t.Errorf("Logger got %s", r)
			}
		}
		for _, r := range eio.Records() {
			if strings.HasPrefix(r.Message, "sio:") {
				t.Errorf("EngineLogger got %s", r)
			}
		}
	})
	t.Run("Logger only", func(t *testing.T) {
		sio := logtest.New(slog.LevelDebug)
		ts := newServer(t, core.Options{Logger: sio.Logger()})
		c := ts.dial(t)
		c.Join(t, "/", nil)
		if _, resp := ts.Engine().PrepareWebSocket(ts.request(map[string][]string{"EIO": {"3"}})); resp == nil {
			t.Fatal("EIO=3 accepted")
		}
		sio.Wait(t, "engineio: request refused", "code", "5")
		sio.Wait(t, "sio: socket connected", "conn", c.EIO)
		if n := sio.Count("engineio: session opened"); n != 0 {
			t.Errorf("%d Engine.IO Debug lines in Logger", n)
		}
	})
	t.Run("Engine.Logger", func(t *testing.T) {
		eio := logtest.New(slog.LevelDebug)
		opts := core.Options{}
		opts.Engine.Logger = eio.Logger()
		ts := newServer(t, opts)
		c := ts.dial(t)
		c.Join(t, "/", nil)
		eio.Wait(t, "engineio: session opened", "sid", c.EIO)
		if got := ts.Options().EngineLogger; got != opts.Engine.Logger {
			t.Error("Options().EngineLogger is not Engine.Logger")
		}
	})
}
