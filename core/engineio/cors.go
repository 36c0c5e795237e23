package engineio

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

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
