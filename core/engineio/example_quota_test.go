package engineio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/socketio-go/sio/core/engineio"
)

// Quotas for a server behind a reverse proxy at 10.0.0.1: two sessions per
// client address, which the proxy names in X-Forwarded-For.
func ExampleQuotaOptions() {
	srv := engineio.New(engineio.Options{Quota: engineio.QuotaOptions{
		MaxSessionsPerAddress: 2,
		HandshakesPerSecond:   5,
		ProxyHeader:           "X-Forwarded-For",
		TrustedProxies:        []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")},
	}})
	defer func() { // the clients never poll: close their sessions at once
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	handshake := func(client string) {
		resp := srv.ServePoll(context.Background(), &engineio.Request{
			Method:     http.MethodGet,
			Path:       srv.Path(),
			Query:      url.Values{"EIO": {"4"}, "transport": {"polling"}},
			Header:     http.Header{"X-Forwarded-For": {client}},
			RemoteAddr: "10.0.0.1:40000",
			Context:    context.Background(),
		})
		if resp.Status != http.StatusOK {
			fmt.Println(client, resp.Status, string(resp.Body))
			return
		}
		fmt.Println(client, resp.Status)
	}
	for range 3 {
		handshake("203.0.113.7")
	}
	handshake("198.51.100.2")
	// Output:
	// 203.0.113.7 200
	// 203.0.113.7 200
	// 203.0.113.7 429 {"code":4,"message":"Too many sessions from this address"}
	// 198.51.100.2 200
}
