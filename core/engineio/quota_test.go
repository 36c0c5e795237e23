package engineio

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// handshakeFrom makes a polling handshake from remote with the given
// headers (name, value pairs).
func handshakeFrom(srv *Server, remote string, header ...string) *Response {
	r := testRequest(http.MethodGet, "EIO=4&transport=polling", nil)
	r.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return srv.ServePoll(context.Background(), r)
}

// refusals records the Refused observer's calls.
type refusals struct {
	mu   sync.Mutex
	list []string
}

func observeRefusals(srv *Server) *refusals {
	rf := &refusals{}
	srv.Observe(&Observer{Refused: func(e *ConnectionError) {
		rf.mu.Lock()
		rf.list = append(rf.list, fmt.Sprintf("%d %s", e.Code, e.Reason))
		rf.mu.Unlock()
	}})
	return rf
}

func (rf *refusals) get() []string {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return append([]string(nil), rf.list...)
}

// The sessions of one address are bounded, on both transports: the
// refusal is 429 with the Engine.IO error body, one log line per address,
// the Refused observer callback; other addresses are not affected, and a
// closed session frees its place.
func TestQuotaSessionsPerAddress(t *testing.T) {
	srv, logs := newTestServer(t, Options{Quota: QuotaOptions{MaxSessionsPerAddress: 3}})
	rec := newRecorder(srv)
	rf := observeRefusals(srv)
	var socks []*Socket
	for range 3 {
		if resp := handshakeFrom(srv, "192.0.2.1:1000"); resp.Status != 200 {
			t.Fatalf("handshake: %d %s", resp.Status, resp.Body)
		}
		socks = append(socks, rec.conn(t))
	}
	for range 50 {
		resp := handshakeFrom(srv, "192.0.2.1:1001")
		if resp.Status != http.StatusTooManyRequests || string(resp.Body) != `{"code":4,"message":"Too many sessions from this address"}` {
			t.Fatalf("fourth handshake: %d %s", resp.Status, resp.Body)
		}
	}
	r := testRequest(http.MethodGet, "EIO=4&transport=websocket", nil)
	r.RemoteAddr = "192.0.2.1:1002"
	if _, resp := srv.PrepareWebSocket(r); resp == nil || resp.Status != http.StatusTooManyRequests {
		t.Errorf("websocket over the quota: %+v", resp)
	}
	if resp := handshakeFrom(srv, "192.0.2.2:1000"); resp.Status != 200 {
		t.Errorf("another address: %d %s", resp.Status, resp.Body)
	}
	rec.conn(t)
	if got := rf.get(); len(got) != 51 || got[0] != "4 quota: Too many sessions from this address (192.0.2.1/32)" {
		t.Errorf("Refused: %d calls, first %q", len(got), got)
	}
	if n := strings.Count(logs.String(), `level=INFO msg="engineio: handshake refused"`); n != 1 {
		t.Errorf("%d log lines for 51 refusals of one address, want 1", n)
	}
	socks[0].Abort(ReasonForcedClose, nil)
	rec.closed(t)
	if resp := handshakeFrom(srv, "192.0.2.1:1003"); resp.Status != 200 {
		t.Errorf("after a close: %d %s", resp.Status, resp.Body)
	}
}

// The handshake rate of one address is a token bucket; the refusal says
// when to retry.
func TestQuotaHandshakeRate(t *testing.T) {
	srv, _ := newTestServer(t, Options{Quota: QuotaOptions{HandshakesPerSecond: 0.5, HandshakeBurst: 2}})
	for i := range 2 {
		if resp := handshakeFrom(srv, "192.0.2.1:1"); resp.Status != 200 {
			t.Fatalf("handshake %d: %d %s", i, resp.Status, resp.Body)
		}
	}
	resp := handshakeFrom(srv, "192.0.2.1:1")
	if resp.Status != http.StatusTooManyRequests || !strings.Contains(string(resp.Body), MessageTooManyHandshakes) {
		t.Fatalf("third handshake: %d %s", resp.Status, resp.Body)
	}
	if ra := resp.Header.Get("Retry-After"); ra != "2" {
		t.Errorf("Retry-After %q, want 2 (one token at 0.5/s)", ra)
	}
	if resp := handshakeFrom(srv, "192.0.2.9:1"); resp.Status != 200 {
		t.Errorf("another address: %d %s", resp.Status, resp.Body)
	}
}

// The address comes from the proxy header only when the peer is a trusted
// proxy; IPv6 addresses count per /64.
func TestQuotaAddress(t *testing.T) {
	q := newQuotas(QuotaOptions{MaxSessionsPerAddress: 1, ProxyHeader: "X-Forwarded-For",
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	tests := []struct {
		remote, xff, want string
	}{
		{"192.0.2.1:1234", "", "192.0.2.1/32"},
		{"192.0.2.1:1234", "203.0.113.7", "192.0.2.1/32"}, // not a proxy: the header is ignored
		{"10.1.2.3:1234", "203.0.113.7", "203.0.113.7/32"},
		{"10.1.2.3:1234", "198.51.100.1, 203.0.113.7, 10.9.9.9", "203.0.113.7/32"}, // rightmost untrusted
		{"10.1.2.3:1234", "10.9.9.9", "10.9.9.9/32"},                               // all trusted: the client is the first
		{"10.1.2.3:1234", "garbage", "10.1.2.3/32"},
		{"[::1]:80", "2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"[2001:db8::1]:1", "", "2001:db8::/64"},
		{"[2001:db8::ffff]:1", "", "2001:db8::/64"},
		{"[::ffff:192.0.2.5]:1", "", "192.0.2.5/32"},
		{"@", "", "invalid Prefix"},
	}
	for _, tt := range tests {
		r := testRequest(http.MethodGet, "", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := q.key(r).String(); got != tt.want {
			t.Errorf("%s with %q: key %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}

// The quotas remember the addresses that hold something: a flood of
// distinct addresses that open nothing does not grow them without bound.
func TestQuotaMemoryBounded(t *testing.T) {
	q := newQuotas(QuotaOptions{HandshakesPerSecond: 1e6, HandshakeBurst: 1})
	now := time.Now()
	for i := range 100_000 {
		key := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)
		now = now.Add(time.Microsecond)
		if msg, _ := q.admit(key, now); msg != "" {
			t.Fatalf("address %d refused: %s", i, msg)
		}
	}
	if n := len(q.addrs); n > 2*minSweep {
		t.Errorf("%d addresses remembered", n)
	}
}
