package engineio

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MessageOriginRefused is the message of the 400 answer to a request from
// an origin the policy refuses (python-socketio's text).
const MessageOriginRefused = "Not an accepted origin."

// checkOriginAnswer applies the origin policy to r: nil when the request is
// accepted, else the 400 answer {"code":3,"message":"Not an accepted
// origin."}. The first refusal of an origin logs a warning (so the cause is
// visible without a debug logger), then at most one per originWarnEvery;
// the other refusals log at debug level.
func (s *Server) checkOriginAnswer(r *Request) *Response {
	why := s.checkOrigin(r)
	if why == "" {
		return nil
	}
	if s.originWarn.due(r.Header.Get("Origin"), time.Now()) {
		s.log.Warn("engineio: origin refused; list it in the allowed origins (CORS.AllowedOrigins) to accept it",
			"origin", r.Header.Get("Origin"), "reason", why, "path", r.Path, "remote", r.RemoteAddr)
	} else if s.debug() {
		s.log.Debug("engineio: origin refused", "origin", r.Header.Get("Origin"), "reason", why, "remote", r.RemoteAddr)
	}
	return s.refusal(r, CodeBadRequest, MessageOriginRefused, why)
}

// originWarnEvery is the shortest interval between two warnings about the
// same refused origin.
const originWarnEvery = time.Minute

// maxOriginWarnings bounds the origins remembered by originWarnings; past
// it, the memory starts afresh (a flood of distinct origins then warns at
// most maxOriginWarnings times per originWarnEvery).
const maxOriginWarnings = 1024

// originWarnings remembers when each refused origin was last warned about.
type originWarnings struct {
	mu    sync.Mutex // guards the fields below
	last  map[string]time.Time
	epoch time.Time // when last was started afresh
}

// due reports whether a refusal of origin at now deserves a warning.
func (w *originWarnings) due(origin string, now time.Time) bool {
	if len(origin) > 256 {
		origin = origin[:256] // bounds the memory an absurd header takes
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.last == nil || (len(w.last) >= maxOriginWarnings && now.Sub(w.epoch) >= originWarnEvery) {
		w.last, w.epoch = make(map[string]time.Time), now
	}
	if t, ok := w.last[origin]; ok && now.Sub(t) < originWarnEvery {
		return false
	}
	if len(w.last) >= maxOriginWarnings {
		return false // remembered no more until the epoch ends
	}
	w.last[origin] = now
	return true
}

// checkOrigin applies the origin policy to r. It returns "" when the request
// is accepted, or the reason it is refused. The server's own origin is
// always accepted.
func (s *Server) checkOrigin(r *Request) string {
	c := &s.opts.CORS
	origin := r.Header.Get("Origin")
	if origin == "" || c.HostHandled || sameOrigin(origin, r) {
		return ""
	}
	if c.AllowedOrigins == nil {
		return "origin " + strconv.Quote(origin) + " is not the server's own origin and no allowed origins are configured"
	}
	if s.originListed(origin) {
		return ""
	}
	return "origin " + strconv.Quote(origin) + " is not in the allowed origins"
}

func (s *Server) originListed(origin string) bool {
	origin = strings.TrimSuffix(origin, "/")
	for _, o := range s.opts.CORS.AllowedOrigins {
		if o == "*" || strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

// sameOrigin reports whether origin names the scheme and host the request
// was addressed to, honouring X-Forwarded-Proto and X-Forwarded-Host.
func sameOrigin(origin string, r *Request) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := "http"
	if r.TLS {
		scheme = "https"
	}
	if p := firstValue(r.Header.Get("X-Forwarded-Proto")); p != "" {
		scheme = strings.ToLower(p)
	}
	host := r.Host
	if h := firstValue(r.Header.Get("X-Forwarded-Host")); h != "" {
		host = h
	}
	return strings.EqualFold(u.Scheme, scheme) &&
		strings.EqualFold(stripDefaultPort(u.Host, u.Scheme), stripDefaultPort(host, scheme))
}

func firstValue(v string) string {
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

func stripDefaultPort(host, scheme string) string {
	switch {
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		return strings.TrimSuffix(host, ":80")
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		return strings.TrimSuffix(host, ":443")
	}
	return host
}

// corsHeaders adds the CORS response headers for a request from a listed
// origin; a refused origin gets none.
func (s *Server) corsHeaders(r *Request, h http.Header) {
	c := &s.opts.CORS
	origin := r.Header.Get("Origin")
	if origin == "" || c.HostHandled || c.AllowedOrigins == nil || !s.originListed(origin) {
		return
	}
	h.Add("Vary", "Origin")
	if !c.AllowCredentials && len(c.AllowedOrigins) == 1 && c.AllowedOrigins[0] == "*" {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// preflight answers an OPTIONS request whose origin was accepted.
func (s *Server) preflight(r *Request) *Response {
	h := http.Header{}
	s.corsHeaders(r, h)
	c := &s.opts.CORS
	if h.Get("Access-Control-Allow-Origin") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		if c.AllowedHeaders != nil {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowedHeaders, ", "))
		} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
			h.Add("Vary", "Access-Control-Request-Headers")
		}
		if c.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(int(c.MaxAge.Seconds())))
		}
	}
	h.Set("Content-Length", "0")
	return &Response{Status: http.StatusNoContent, Header: h}
}
