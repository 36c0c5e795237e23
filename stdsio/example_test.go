package stdsio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/stdsio"
)

// An Engine.IO echo server mounted in front of an application's own
// handler; a handshake by polling with net/http, then a websocket session.
func ExampleMiddleware() {
	srv := engineio.New(engineio.Options{})
	srv.OnConnection(func(s *engineio.Socket) {
		// Text stays text, binary stays binary.
		s.OnMessage(func(data []byte, binary bool) { _ = s.SendMessage(data, binary) })
	})
	app := http.NewServeMux()
	app.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "the application")
	})
	ts := httptest.NewServer(stdsio.Middleware(srv)(app))
	defer ts.Close()
	client := ts.Client()

	// Other paths reach the application.
	res, _ := client.Get(ts.URL + "/index.html")
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Print(string(page))

	// A polling handshake: the first packet is an open packet.
	res, _ = client.Get(ts.URL + "/engine.io/?EIO=4&transport=polling")
	open, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Printf("polling: first packet type %c\n", open[0])

	// A websocket session.
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/engine.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.Close()
	_, open, _ = ws.ReadMessage()
	fmt.Printf("websocket: first packet type %c\n", open[0])
	_ = ws.WriteMessage(websocket.TextMessage, []byte("4hello"))
	_, echo, _ := ws.ReadMessage()
	fmt.Printf("websocket: echo %s\n", echo)
	_ = ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3})
	typ, echo, _ := ws.ReadMessage()
	fmt.Printf("websocket: echo binary %v, %v\n", typ == websocket.BinaryMessage, echo)

	// Shutdown closes both sessions: the websocket client gets a close
	// packet.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = srv.Shutdown(ctx)
	_, closing, _ := ws.ReadMessage()
	fmt.Printf("websocket: %s\n", closing)
	// Output:
	// the application
	// polling: first packet type 0
	// websocket: first packet type 0
	// websocket: echo 4hello
	// websocket: echo binary true, [1 2 3]
	// websocket: 1
}
