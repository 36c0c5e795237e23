package engineio

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// Request is an HTTP request as an adapter hands it to the core. The adapter
// fills it with values it owns (copies, never borrowed framework buffers);
// the core may keep it for the lifetime of a session.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path, unescaped.
	Path string
	// Query holds the parsed query string.
	Query url.Values
	// Header holds the request headers.
	Header http.Header
	// Host is the Host header (or the URL's host).
	Host string
	// RemoteAddr is the client's network address.
	RemoteAddr string
	// TLS reports whether the request arrived over TLS.
	TLS bool
	// Body is the request body of a POST, read by the adapter up to
	// MaxHTTPBufferSize bytes.
	Body []byte
	// BodyTooLarge reports that the body exceeded MaxHTTPBufferSize; the
	// core answers 413.
	BodyTooLarge bool
	// Context carries values the host application attached to the request
	// (for example an authenticated user). It should carry values only:
	// adapters pass context.WithoutCancel of the request context, because a
	// session outlives the request that created it.
	Context context.Context
}

// URL returns the request's path and query as a URL.
func (r *Request) URL() *url.URL {
	return &url.URL{Path: r.Path, RawQuery: r.Query.Encode()}
}

// Response is the core's answer to a polling request. The adapter writes
// Status, then Header, then Body, always with an explicit status.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header holds the response headers.
	Header http.Header
	// Body is the response body; nil for none.
	Body []byte
}

// Engine.IO error codes, sent in the JSON body of a 400 or 403 answer.
const (
	CodeUnknownTransport   = 0
	CodeUnknownSID         = 1
	CodeBadHandshakeMethod = 2
	CodeBadRequest         = 3
	CodeForbidden          = 4
	CodeUnsupportedVersion = 5
)

var codeMessages = [...]string{
	CodeUnknownTransport:   "Transport unknown",
	CodeUnknownSID:         "Session ID unknown",
	CodeBadHandshakeMethod: "Bad handshake method",
	CodeBadRequest:         "Bad request",
	CodeForbidden:          "Forbidden",
	CodeUnsupportedVersion: "Unsupported protocol version",
}

// errorResponse builds the reference server's error answer for code: 403
// for CodeForbidden, 400 otherwise, with {"code":N,"message":"..."}.
// message overrides the standard text when not empty.
func errorResponse(code int, message string, h http.Header) *Response {
	if message == "" {
		message = codeMessages[code]
	}
	status := http.StatusBadRequest
	if code == CodeForbidden {
		status = http.StatusForbidden
	}
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json")
	msg, _ := json.Marshal(message) // a string always marshals
	body := []byte(`{"code":` + strconv.Itoa(code) + `,"message":`)
	body = append(append(body, msg...), '}')
	return &Response{Status: status, Header: h, Body: body}
}
