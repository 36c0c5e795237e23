package core

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/socketio-go/sio/core/parser"
)

// Handshake describes the request that opened a socket's connection. It
// encodes to JSON as Node.js's socket.handshake object (see NodeHandshake).
type Handshake struct {
	// Headers of the handshake request.
	Headers http.Header
	// Query of the handshake request.
	Query url.Values
	// Address is the client's network address (host:port for a local
	// socket; the host only for a socket another server reported).
	Address string
	// URL is the request's path and query.
	URL string
	// Time is when the socket joined its namespace.
	Time time.Time
	// Secure reports whether the connection uses TLS.
	Secure bool
	// Auth is the auth payload of the CONNECT packet; empty when the client
	// sent none.
	Auth Args
}

// NodeHandshake is a handshake in the form of Node.js's socket.handshake:
// what Socket.Handshake().Node() returns, what a Handshake encodes to in
// JSON, and what the FETCH_SOCKETS replies of a cluster carry.
type NodeHandshake struct {
	// Headers maps lower-case header names to their value: a string (the
	// values of a repeated header joined with ", "), or a list of strings
	// for set-cookie.
	Headers map[string]any `json:"headers"`
	// Time is when the socket joined, in JavaScript's Date.toString form.
	Time string `json:"time"`
	// Address is the client's IP address, without the port.
	Address string `json:"address"`
	// XDomain reports whether the request was cross-origin (it carried an
	// Origin header).
	XDomain bool `json:"xdomain"`
	// Secure reports whether the connection uses TLS.
	Secure bool `json:"secure"`
	// Issued is Time in milliseconds since the Unix epoch.
	Issued float64 `json:"issued"`
	// URL is the request's path and query.
	URL string `json:"url"`
	// Query maps each query parameter to its value: a string, or a list of
	// strings for a repeated parameter.
	Query map[string]any `json:"query"`
	// Auth is the auth payload; {} when the client sent none.
	Auth map[string]any `json:"auth"`
}

// jsDateLayout is the layout of JavaScript's Date.prototype.toString.
const jsDateLayout = "Mon Jan 02 2006 15:04:05 GMT-0700 (MST)"

// Node returns the handshake in Node.js's form.
func (h *Handshake) Node() NodeHandshake {
	n := NodeHandshake{
		Headers: make(map[string]any, len(h.Headers)),
		Time:    h.Time.Format(jsDateLayout),
		Address: hostOnly(h.Address),
		XDomain: h.Headers.Get("Origin") != "",
		Secure:  h.Secure,
		Issued:  float64(h.Time.UnixMilli()),
		URL:     h.URL,
		Query:   make(map[string]any, len(h.Query)),
		Auth:    map[string]any{},
	}
	for k, v := range h.Headers {
		k = strings.ToLower(k)
		switch {
		case len(v) == 1:
			n.Headers[k] = v[0]
		case k == "set-cookie":
			n.Headers[k] = v
		case len(v) > 1:
			n.Headers[k] = strings.Join(v, ", ")
		}
	}
	for k, v := range h.Query {
		if len(v) == 1 {
			n.Query[k] = v[0]
		} else if len(v) > 1 {
			n.Query[k] = v
		}
	}
	if h.Auth.Len() > 0 {
		_ = h.Auth.Decode(0, &n.Auth) // a CONNECT payload is an object
	}
	return n
}

// hostOnly returns the host of a host:port address.
func hostOnly(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// Handshake returns the Go form of a handshake in Node.js's form, as
// another server of a cluster reports it.
func (n NodeHandshake) Handshake() (Handshake, error) {
	h := Handshake{
		Headers: make(http.Header, len(n.Headers)),
		Query:   make(url.Values, len(n.Query)),
		Address: n.Address,
		URL:     n.URL,
		Secure:  n.Secure,
	}
	if n.Issued > 0 {
		h.Time = time.UnixMilli(int64(n.Issued))
	} else if t, err := time.Parse(jsDateLayout, n.Time); err == nil {
		h.Time = t
	}
	for k, v := range n.Headers {
		h.Headers[http.CanonicalHeaderKey(k)] = stringList(v)
	}
	for k, v := range n.Query {
		h.Query[k] = stringList(v)
	}
	if len(n.Auth) > 0 {
		auth, err := argsOf(n.Auth)
		if err != nil {
			return h, fmt.Errorf("auth: %w", err)
		}
		h.Auth = auth
	}
	return h, nil
}

// MarshalJSON encodes the handshake as Node.js's socket.handshake.
func (h Handshake) MarshalJSON() ([]byte, error) { return json.Marshal(h.Node()) }

// UnmarshalJSON decodes Node.js's form of a handshake.
func (h *Handshake) UnmarshalJSON(b []byte) error {
	var n NodeHandshake
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	hs, err := n.Handshake()
	*h = hs
	return err
}

// stringList reads a header or query value: a string or a list.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case nil:
		return nil
	default:
		return []string{fmt.Sprint(v)}
	}
}

// argsOf returns values as Args, as if a client had sent them.
func argsOf(values ...any) (Args, error) {
	enc, err := parser.JSON.Encode(parser.Outgoing{Type: parser.Ack, Args: values})
	if err != nil {
		return Args{}, err
	}
	dec := parser.JSON.NewDecoder(parser.Limits{MaxAttachments: -1})
	var p *parser.Packet
	for _, m := range enc {
		if p, err = dec.Add(m.Data, m.Binary); err != nil {
			return Args{}, err
		}
	}
	if p == nil {
		return Args{}, fmt.Errorf("sio: incomplete packet")
	}
	return p.Args, nil
}
