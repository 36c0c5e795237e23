package engineio

import "net/http"

// addHeaders adds the application's headers (Options.InitialHeaders for
// the answer to a handshake, then Options.Headers) to h, the headers of a
// successful answer to r: a polling 200 or a websocket 101. A panic in
// either callback is logged and leaves h as the callbacks left it.
func (s *Server) addHeaders(h http.Header, r *Request, initial bool) {
	if initial && s.opts.InitialHeaders != nil {
		s.userCallback("InitialHeaders", func() { s.opts.InitialHeaders(h, r) })
	}
	if s.opts.Headers != nil {
		s.userCallback("Headers", func() { s.opts.Headers(h, r) })
	}
}
