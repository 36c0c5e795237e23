package engineio

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// QuotaOptions bounds what one remote address may claim: its open sessions
// and the rate of its handshakes. Every field is off at zero, as in the
// reference server, which has no such quota.
//
// Turn them on for a server that faces the internet: without them, one
// address may open sessions until memory runs out (each holds a few KiB,
// plus its queue), and a handshake flood costs an id, a session and an
// OnConnection callback each. Behind a reverse proxy every client shares
// the proxy's address: name the header it sets (ProxyHeader) and the
// proxy's addresses (TrustedProxies), or the quotas apply to the proxy as a
// whole.
//
// A refused handshake is answered 429 Too Many Requests with the Engine.IO
// error body {"code":4,"message":"..."} (code 4 is the protocol's code for
// a policy refusal, Forbidden; 429 tells clients, proxies and monitoring
// that the refusal is temporary, and clients retry with their reconnection
// backoff), a Retry-After header for the handshake rate, one log line per
// address per minute, and the Refused observer callback.
type QuotaOptions struct {
	// MaxSessionsPerAddress bounds the open sessions of one address
	// (polling and websocket alike). Zero: no limit.
	MaxSessionsPerAddress int
	// HandshakesPerSecond bounds the rate of new sessions from one
	// address: a token bucket holding HandshakeBurst handshakes that
	// refills at this rate. Zero: no limit.
	HandshakesPerSecond float64
	// HandshakeBurst is the number of handshakes allowed at once. Zero:
	// HandshakesPerSecond rounded up (at least 1).
	HandshakeBurst int

	// ProxyHeader names the request header that carries the client's
	// address, as a reverse proxy sets it ("X-Forwarded-For",
	// "X-Real-IP"). It is honoured only for requests whose peer is in
	// TrustedProxies: the address used is the rightmost one of the header
	// that is not a trusted proxy. Empty: the peer's address is used.
	ProxyHeader string
	// TrustedProxies lists the networks of the reverse proxies whose
	// ProxyHeader is believed. Nil: none.
	TrustedProxies []netip.Prefix
}

// enabled reports whether a quota is set.
func (q *QuotaOptions) enabled() bool {
	return q.MaxSessionsPerAddress > 0 || q.HandshakesPerSecond > 0
}

// Messages of quota refusals.
const (
	MessageTooManySessions   = "Too many sessions from this address"
	MessageTooManyHandshakes = "Too many handshakes from this address"
)

// quotas is the per-address state of QuotaOptions. IPv6 addresses count
// per /64 prefix, the allocation of one subscriber.
type quotas struct {
	opts QuotaOptions

	mu      sync.Mutex // guards addrs and sweepAt
	addrs   map[netip.Prefix]*addrQuota
	sweepAt int // the size of addrs that triggers the next sweep
}

// addrQuota is one address's sessions and handshake bucket.
type addrQuota struct {
	sessions int
	tokens   float64
	last     time.Time
}

func newQuotas(o QuotaOptions) *quotas {
	if !o.enabled() {
		return nil
	}
	if o.HandshakeBurst <= 0 {
		o.HandshakeBurst = max(1, int(math.Ceil(o.HandshakesPerSecond)))
	}
	return &quotas{opts: o, addrs: make(map[netip.Prefix]*addrQuota), sweepAt: minSweep}
}

// key returns the quota key of r's client: its address, from the trusted
// proxy header when configured, as a /32 or /64 prefix.
func (q *quotas) key(r *Request) netip.Prefix {
	addr := peerAddr(r.RemoteAddr)
	if q.opts.ProxyHeader != "" && q.trusted(addr) {
		if a, ok := q.forwarded(r.Header.Values(q.opts.ProxyHeader)); ok {
			addr = a
		}
	}
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits) // an invalid address gives the zero prefix
	return p
}

// peerAddr parses a RemoteAddr ("host:port", or a bare host).
func peerAddr(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	a, _ := netip.ParseAddr(strings.Trim(host, "[]"))
	return a.Unmap()
}

func (q *quotas) trusted(a netip.Addr) bool {
	for _, p := range q.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwarded returns the client's address from the proxy header's values:
// the rightmost address that is not a trusted proxy (each proxy appends
// the address it received the request from).
func (q *quotas) forwarded(values []string) (netip.Addr, bool) {
	var first netip.Addr
	for i := len(values) - 1; i >= 0; i-- {
		parts := strings.Split(values[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a := peerAddr(strings.TrimSpace(parts[j]))
			if !a.IsValid() {
				return netip.Addr{}, false // a header we cannot read: use the peer
			}
			if !q.trusted(a) {
				return a, true
			}
			first = a
		}
	}
	return first, first.IsValid()
}

// admit decides a handshake from key: it takes a handshake token and
// checks the session count. It returns "" when admitted, else the refusal
// message and, for the rate, how long until a token is back.
func (q *quotas) admit(key netip.Prefix, now time.Time) (message string, retry time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	a := q.addrs[key]
	if a == nil {
		q.sweepLocked(now)
		a = &addrQuota{tokens: float64(q.opts.HandshakeBurst), last: now}
		q.addrs[key] = a
	}
	if max := q.opts.MaxSessionsPerAddress; max > 0 && a.sessions >= max {
		return MessageTooManySessions, 0
	}
	if rate := q.opts.HandshakesPerSecond; rate > 0 {
		a.refill(now, rate, float64(q.opts.HandshakeBurst))
		if a.tokens < 1 {
			return MessageTooManyHandshakes, time.Duration((1 - a.tokens) / rate * float64(time.Second))
		}
		a.tokens--
	}
	return "", 0
}

func (a *addrQuota) refill(now time.Time, rate, burst float64) {
	a.tokens = min(burst, a.tokens+now.Sub(a.last).Seconds()*rate)
	a.last = now
}

// open counts a session of key; it reports false, counting nothing, when
// the address is at its limit (handshakes admitted together).
func (q *quotas) open(key netip.Prefix) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	a := q.addrs[key]
	if a == nil {
		a = &addrQuota{tokens: float64(q.opts.HandshakeBurst), last: time.Now()}
		q.addrs[key] = a
	}
	if max := q.opts.MaxSessionsPerAddress; max > 0 && a.sessions >= max {
		return false
	}
	a.sessions++
	return true
}

// closed uncounts a session of key.
func (q *quotas) closed(key netip.Prefix) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if a := q.addrs[key]; a != nil && a.sessions > 0 {
		a.sessions--
	}
}

// minSweep is the number of addresses remembered before the first sweep.
const minSweep = 1024

// sweepLocked forgets the addresses that hold nothing (no session, a full
// bucket) once the map has grown to twice what the last sweep left, so the
// memory of the quotas follows the live addresses at an amortized constant
// cost. q.mu must be held.
func (q *quotas) sweepLocked(now time.Time) {
	if len(q.addrs) < q.sweepAt {
		return
	}
	defer func() { q.sweepAt = max(minSweep, 2*len(q.addrs)) }()
	rate, burst := q.opts.HandshakesPerSecond, float64(q.opts.HandshakeBurst)
	for k, a := range q.addrs {
		if a.sessions > 0 {
			continue
		}
		if rate > 0 {
			a.refill(now, rate, burst)
			if a.tokens < burst {
				continue
			}
		}
		delete(q.addrs, k)
	}
}

// checkQuota applies the quotas to a handshake; it returns the refusal to
// answer, or nil.
func (s *Server) checkQuota(r *Request) *Response {
	q := s.quota
	key := q.key(r)
	msg, retry := q.admit(key, time.Now())
	if msg == "" {
		return nil
	}
	return s.quotaRefusal(r, key, msg, retry)
}

// errTooManySessions is open's error when handshakes admitted together take
// an address over MaxSessionsPerAddress.
var errTooManySessions = errorString("engineio: " + MessageTooManySessions)

// quotaRefusal logs (one line per address per minute) and answers a
// handshake refused by a quota.
func (s *Server) quotaRefusal(r *Request, key netip.Prefix, msg string, retry time.Duration) *Response {
	why := "quota: " + msg + " (" + key.String() + ")"
	if s.quotaWarn.due(key.String(), time.Now()) {
		s.log.Info("engineio: handshake refused", "reason", why, "remote", r.RemoteAddr)
	} else if s.debug() {
		s.log.Debug("engineio: handshake refused", "reason", why, "remote", r.RemoteAddr)
	}
	resp := s.refusal(r, CodeForbidden, msg, why)
	resp.Status = http.StatusTooManyRequests
	if retry > 0 {
		resp.Header.Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
	}
	return resp
}
