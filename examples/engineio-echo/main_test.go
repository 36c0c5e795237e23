package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/socketio-go/sio/stdsio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The server sends every message back unchanged: text as text, binary as
// binary.
func TestEcho(t *testing.T) {
	srv := newServer(slog.New(slog.DiscardHandler))
	ts := httptest.NewServer(stdsio.Handler(srv))
	defer ts.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+srv.Path()+"?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, open, err := c.ReadMessage(); err != nil || open[0] != '0' {
		t.Fatalf("open packet %q %v", open, err)
	}
	for _, m := range []struct {
		typ  int
		data []byte
	}{{websocket.TextMessage, []byte("4hello")}, {websocket.BinaryMessage, []byte{0, 1, 0xff}}} {
		if err := c.WriteMessage(m.typ, m.data); err != nil {
			t.Fatal(err)
		}
		typ, got, err := c.ReadMessage()
		if err != nil || typ != m.typ || !bytes.Equal(got, m.data) {
			t.Errorf("echo of %d %q: %d %q %v", m.typ, m.data, typ, got, err)
		}
	}
}
