package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/metrics"
	"github.com/socketio-go/sio/stdsio"
)

// The metrics of a server, registered in a registry of their own and served
// at /metrics beside Socket.IO.
func Example() {
	srv := core.NewServer(core.Options{})
	defer srv.Shutdown(context.Background())
	m := metrics.New(srv, metrics.Config{EventNames: []string{"chat message"}})
	defer m.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ts := httptest.NewServer(stdsio.Middleware(srv)(mux))
	defer ts.Close()

	// Two requests the server refuses: an unknown session id (code 1).
	for range 2 {
		res, _ := http.Get(ts.URL + "/socket.io/?EIO=4&transport=polling&sid=nope")
		res.Body.Close()
	}
	res, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "sio_engineio_requests_refused_total") {
			fmt.Println(line)
		}
	}
	// Output:
	// sio_engineio_requests_refused_total{code="1"} 2
}
