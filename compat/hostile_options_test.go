package compat

import (
	"net/netip"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
)

// hostileOptions are the limits the hostile-client suite's server runs
// with, besides the defaults every server has (queue bounds, message size,
// UTF-8, one ping at a time, static folder rules).
func hostileOptions() core.Options {
	return core.Options{
		Engine: engineio.Options{Quota: engineio.QuotaOptions{
			MaxSessionsPerAddress: 20,
			HandshakesPerSecond:   10,
			HandshakeBurst:        20,
			ProxyHeader:           "X-Forwarded-For",
			TrustedProxies:        []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")},
		}},
		AttachmentTimeout: 2 * time.Second,
		EventRateLimit:    &core.EventRateLimit{Rate: 100, Burst: 200, Policy: core.RateLimitDisconnect},
	}
}
