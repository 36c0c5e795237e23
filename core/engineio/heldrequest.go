package engineio

import (
	"context"
	"encoding/binary"
	"net/http"
	"net/url"
)

// A session keeps its handshake request for its lifetime (Socket.Request),
// but few applications look at its headers and query after the connection
// handlers have run, and their maps are most of what an idle session
// holds. Once the session is open (after OnConnection), the maps are packed
// into one string each; Request unpacks them, once, when first called.
// Node.js's servers keep the whole request, and advise dropping it by hand
// to save memory.

// heldRequest is a request's headers and query, packed (see packValues).
type heldRequest struct{ header, query string }

// packValues writes m as one string: for each key and each of its values,
// the key's and the value's lengths (uvarint) and bytes. Any byte may
// appear in a key or a value.
func packValues(m map[string][]string) string {
	n := 0
	for k, vs := range m {
		n += (len(k) + 2) * len(vs)
		for _, v := range vs {
			n += len(v) + 2
		}
	}
	b := make([]byte, 0, n)
	for k, vs := range m {
		for _, v := range vs {
			b = binary.AppendUvarint(b, uint64(len(k)))
			b = append(b, k...)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	return string(b)
}

// unpackValues reads what packValues wrote; the values of a key keep their
// order.
func unpackValues(s string) map[string][]string {
	m := make(map[string][]string)
	for len(s) > 0 {
		var k, v string
		k, s = unpackString(s)
		v, s = unpackString(s)
		m[k] = append(m[k], v)
	}
	return m
}

func unpackString(s string) (string, string) {
	n, w := binary.Uvarint([]byte(s[:min(len(s), binary.MaxVarintLen64)]))
	s = s[w:]
	return s[:n], s[n:]
}

// holdRequest packs the handshake request's headers and query. The request
// the callbacks saw keeps its maps; the session keeps a copy without them.
func (s *Socket) holdRequest() {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.req
	if r == nil || (r.Header == nil && r.Query == nil) {
		return
	}
	s.held = &heldRequest{header: packValues(r.Header), query: packValues(r.Query)}
	c := *r
	c.Header, c.Query = nil, nil
	s.req = &c
}

// Request returns the handshake request. Its Body is nil. Its headers and
// query are rebuilt from the session's packed copy on the first call after
// the connection handlers (OnConnection) have run.
func (s *Socket) Request() *Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.held; h != nil {
		c := *s.req
		c.Header, c.Query = http.Header(unpackValues(h.header)), url.Values(unpackValues(h.query))
		s.req, s.held = &c, nil
	}
	return s.req
}

// RemoteAddr returns the client's network address, from the handshake
// request, without rebuilding its headers (see Request).
func (s *Socket) RemoteAddr() string { return s.peekRequest().RemoteAddr }

// Secure reports whether the handshake request arrived over TLS.
func (s *Socket) Secure() bool { return s.peekRequest().TLS }

// peekRequest returns the request as the session keeps it: its headers
// and query may be packed.
func (s *Socket) peekRequest() *Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.req
}

// RequestContext returns the handshake request's context (the values the
// host application attached), or context.Background when it has none.
func (s *Socket) RequestContext() context.Context {
	if ctx := s.peekRequest().Context; ctx != nil {
		return ctx
	}
	return context.Background()
}
