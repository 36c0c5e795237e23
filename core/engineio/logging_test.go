package engineio

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/socketio-go/sio/internal/logtest"
)

// The Debug lines of a session's life: opened, packets received, messages
// queued, upgraded, closed with its reason.
func TestDebugLines(t *testing.T) {
	logs := logtest.New(slog.LevelDebug)
	srv, rec, p, sock, c, done, _ := upgradeSetup(t, Options{Logger: logs.Logger()})
	sid := sock.ID()
	p.mustPost("4hello")
	rec.msg(t)
	c.sendText("2probe")
	c.recv(t)
	c.sendText("5")
	waitFor(t, "upgrade", func() bool { return sock.Transport() == TransportWebSocket })
	_ = sock.SendText("hi")
	c.recv(t)
	c.sendText("1")
	rec.closed(t)
	waitDone(t, done, "Serve")
	_ = srv

	logs.Wait(t, "engineio: session opened", "sid", sid, "transport", "polling", "remote", "192.0.2.1:1234")
	logs.Wait(t, "engineio: packet received", "sid", sid, "type", "message", "bytes", "5", "binary", "false")
	logs.Wait(t, "engineio: messages queued", "sid", sid, "messages", "1", "bytes", "2")
	logs.Wait(t, "engineio: upgraded to websocket", "sid", sid)
	logs.Wait(t, "engineio: packet received", "sid", sid, "type", "close")
	logs.Wait(t, "engineio: session closed", "sid", sid, "reason", "transport close", "transport", "websocket")
	for _, r := range logs.Records() {
		if r.Level != slog.LevelDebug {
			t.Errorf("a clean session logged %s", r)
		}
	}
}

// With the logger at Info, the Debug lines cost no allocation: receiving a
// packet and queuing a message allocate nothing more than without a logger.
func TestDebugLinesOffAllocateNothing(t *testing.T) {
	for _, tt := range []struct {
		level  slog.Level
		allocs bool // the Debug lines are on, and allocate
	}{
		{slog.LevelInfo, false},
		{slog.LevelDebug, true},
	} {
		t.Run(tt.level.String(), func(t *testing.T) {
			logs := logtest.New(tt.level)
			srv, _ := newTestServer(t, Options{Logger: logs.Logger()})
			rec := newRecorder(srv)
			openPoll(t, srv)
			sock := rec.conn(t)
			sock.OnMessage(func([]byte, bool) {})
			in := packet{typ: packetMessage, data: []byte("hello")}
			out := TextMessage([]byte("hello"))
			allocs := testing.AllocsPerRun(100, func() {
				if err := sock.handlePacket(in); err != nil {
					t.Fatal(err)
				}
				if err := sock.Send(out); err != nil {
					t.Fatal(err)
				}
				sock.mu.Lock()
				sock.queue = sock.queue[:0]
				sock.mu.Unlock()
			})
			if got := allocs > 0; got != tt.allocs {
				t.Errorf("%v allocations per packet in and message out", allocs)
			}
		})
	}
}

// OnConnectionError reports every refused request with its code, the
// message the client receives and the request.
func TestOnConnectionError(t *testing.T) {
	srv, _ := newTestServer(t, Options{
		AllowRequest: func(r *Request) error {
			if r.Header.Get("Authorization") == "" {
				return errors.New("no credentials")
			}
			return nil
		},
		CORS: CORSOptions{AllowedOrigins: []string{"https://app.example"}},
	})
	var got []*ConnectionError
	remove := srv.OnConnectionError(func(e *ConnectionError) { got = append(got, e) })
	auth := http.Header{"Authorization": {"Bearer x"}}
	for _, tt := range []struct {
		method, query string
		header        http.Header
		code          int
		message       string
	}{
		{"GET", "EIO=4&transport=carrier-pigeon", auth, CodeUnknownTransport, "Transport unknown"},
		{"GET", "EIO=4&transport=polling&sid=nope", auth, CodeUnknownSID, "Session ID unknown"},
		{"PUT", "EIO=4&transport=polling", auth, CodeBadHandshakeMethod, "Bad handshake method"},
		{"GET", "EIO=4&transport=websocket", auth, CodeBadRequest, "Bad request"},
		{"GET", "EIO=4&transport=polling", nil, CodeForbidden, "no credentials"},
		{"GET", "EIO=3&transport=polling", auth, CodeUnsupportedVersion, "Unsupported protocol version"},
		{"GET", "EIO=4&transport=polling", http.Header{"Authorization": {"x"}, "Origin": {"https://evil.example"}}, CodeBadRequest, MessageOriginRefused},
	} {
		got = nil
		r := testRequest(tt.method, tt.query, nil)
		for k, v := range tt.header {
			r.Header[k] = v
		}
		resp := srv.ServePoll(context.Background(), r)
		var body struct {
			Code    int
			Message string
		}
		_ = json.Unmarshal(resp.Body, &body)
		if body.Code != tt.code || body.Message != tt.message {
			t.Errorf("%s %s: answer %s", tt.method, tt.query, resp.Body)
		}
		if len(got) != 1 {
			t.Errorf("%s %s: %d connection errors", tt.method, tt.query, len(got))
			continue
		}
		e := got[0]
		if e.Request != r || e.Code != tt.code || e.Message != tt.message || e.Reason == "" {
			t.Errorf("%s %s: %+v", tt.method, tt.query, e)
		}
		if want := "code " + strconv.Itoa(tt.code); !strings.Contains(e.Error(), want) {
			t.Errorf("Error() = %q", e.Error())
		}
	}
	// A websocket refused before its upgrade is reported too.
	got = nil
	ws := testRequest("GET", "EIO=5&transport=websocket", nil)
	ws.Header.Set("Authorization", "x")
	if _, resp := srv.PrepareWebSocket(ws); resp == nil || len(got) != 1 || got[0].Code != CodeUnsupportedVersion {
		t.Errorf("websocket refusal: %v %+v", resp, got)
	}
	remove()
	got = nil
	srv.ServePoll(context.Background(), testRequest("GET", "EIO=4&transport=polling&sid=nope", nil))
	if len(got) != 0 {
		t.Errorf("reported after remove: %+v", got)
	}
}
