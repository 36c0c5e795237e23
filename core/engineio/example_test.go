package engineio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/socketio-go/sio/core/engineio"
)

// An echo server behind a minimal polling-only adapter (stdsio is the
// complete net/http adapter), and a client speaking the protocol with
// net/http.
func Example() {
	srv := engineio.New(engineio.Options{})
	srv.OnConnection(func(s *engineio.Socket) {
		// Text stays text, binary stays binary.
		s.OnMessage(func(data []byte, binary bool) { _ = s.SendMessage(data, binary) })
		s.OnClose(func(reason engineio.CloseReason, err error) {
			fmt.Println("closed:", reason)
		})
	})

	adapter := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		max := srv.Options().MaxHTTPBufferSize
		body, _ := io.ReadAll(io.LimitReader(r.Body, max+1))
		resp := srv.ServePoll(r.Context(), &engineio.Request{
			Method:       r.Method,
			Path:         r.URL.Path,
			Query:        r.URL.Query(),
			Header:       r.Header,
			Host:         r.Host,
			RemoteAddr:   r.RemoteAddr,
			Body:         body,
			BodyTooLarge: int64(len(body)) > max,
			Context:      context.WithoutCancel(r.Context()),
		})
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.Status)
		_, _ = w.Write(resp.Body)
	})
	ts := httptest.NewServer(adapter)
	defer ts.Close()
	client := ts.Client()
	url := ts.URL + srv.Path() + "?EIO=4&transport=polling"

	// The handshake: an open packet.
	res, _ := client.Get(url)
	open, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Printf("first packet type: %c\n", open[0])
	var hs struct {
		SID          string
		Upgrades     []string
		PingInterval int
	}
	_ = json.Unmarshal(open[1:], &hs)
	fmt.Println("upgrades:", hs.Upgrades, "pingInterval:", hs.PingInterval)

	// A text and a binary message (base64 on polling), and their echo.
	url += "&sid=" + hs.SID
	res, _ = client.Post(url, "text/plain", strings.NewReader("4hello\x1ebAQID"))
	res.Body.Close()
	res, _ = client.Get(url)
	echo, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Printf("echo: %q\n", echo)

	// The client closes the session.
	res, _ = client.Post(url, "text/plain", strings.NewReader("1"))
	res.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	// Output:
	// first packet type: 0
	// upgrades: [websocket] pingInterval: 25000
	// echo: "4hello\x1ebAQID"
	// closed: transport close
}
