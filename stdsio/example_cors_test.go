package stdsio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/stdsio"
)

// A page on another origin may connect when the server lists its origin:
// the handshake (and every polling request) is answered with
// Access-Control-Allow-Origin for it, and the websocket handshake is
// checked the same way. Other origins are refused. Without
// CORSAllowedOrigins only the server's own origin is accepted; "*"
// accepts any.
func Example_cors() {
	srv := core.NewServer(core.Options{
		CORSAllowedOrigins: []string{"https://app.example"},
		// The handshakes below never poll again: Shutdown need not
		// wait for them to collect their close packet.
		Engine: engineio.Options{ClosePollWait: -1},
	})
	defer srv.Shutdown(context.Background())
	ts := httptest.NewServer(stdsio.Handler(srv))
	defer ts.Close()

	for _, origin := range []string{"https://app.example", "https://evil.example"} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/socket.io/?EIO=4&transport=polling", nil)
		req.Header.Set("Origin", origin)
		res, err := ts.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		res.Body.Close()
		accepted := res.StatusCode == http.StatusOK
		fmt.Printf("%s: accepted %v, Access-Control-Allow-Origin %q\n", origin, accepted, res.Header.Get("Access-Control-Allow-Origin"))
	}
	// Output:
	// https://app.example: accepted true, Access-Control-Allow-Origin "https://app.example"
	// https://evil.example: accepted false, Access-Control-Allow-Origin ""
}
