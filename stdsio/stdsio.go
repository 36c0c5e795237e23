package stdsio

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/socketio-go/sio/core/engineio"
)

// Server is what this package mounts: an *engineio.Server, or a Socket.IO
// server, which exposes its Engine.IO server.
type Server interface {
	// Engine returns the Engine.IO server the adapter serves.
	Engine() *engineio.Server
}

// Handler returns an http.Handler that serves srv's path and answers 404
// to every other path.
func Handler(srv Server) http.Handler { return App(srv, nil, nil) }

// Middleware returns a middleware that serves srv's path and passes every
// other request to next.
func Middleware(srv Server) func(next http.Handler) http.Handler {
	return New(srv, Config{}).Middleware
}

// adapter translates net/http requests for one engine.
type adapter struct {
	eng      *engineio.Server
	exact    string // the path without its trailing slash
	prefix   string // the path with its trailing slash
	upgrader websocket.Upgrader
}

func newAdapter(eng *engineio.Server) *adapter {
	p := eng.Path()
	return &adapter{
		eng:    eng,
		exact:  strings.TrimSuffix(p, "/"),
		prefix: p,
		upgrader: websocket.Upgrader{
			// The core has decided the origin before the upgrade.
			CheckOrigin:       func(*http.Request) bool { return true },
			EnableCompression: eng.Options().PerMessageDeflate,
			// A small read buffer of its own instead of net/http's 4 KiB
			// one, which an idle connection would keep for its lifetime;
			// writes borrow a buffer from the pool only while they run.
			ReadBufferSize:  readBufferSize,
			WriteBufferPool: &sync.Pool{},
		},
	}
}

// readBufferSize is the read buffer of each websocket connection. Frames
// larger than it are read through it, not refused: it bounds what an idle
// connection keeps, not what a message may carry (MaxHTTPBufferSize does).
const readBufferSize = 1024

// Match reports whether path belongs to the server.
func (a *adapter) Match(path string) bool {
	return path == a.exact || strings.HasPrefix(path, a.prefix)
}

func (a *adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := a.request(r)
	if r.Method == http.MethodGet && websocket.IsWebSocketUpgrade(r) {
		a.serveWebSocket(w, r, req)
		return
	}
	if r.Method == http.MethodPost {
		limit := a.eng.Options().MaxHTTPBufferSize
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			req.BodyTooLarge = true
		case err != nil:
			return // the client went away mid-body
		}
		req.Body = body
	}
	rc := http.NewResponseController(w)
	// Outlive a host WriteTimeout shorter than the poll window.
	_ = rc.SetWriteDeadline(time.Now().Add(a.eng.Options().PingInterval + a.eng.Options().PingTimeout + 10*time.Second))
	writeResponse(w, a.eng.ServePoll(r.Context(), req))
}

func (a *adapter) serveWebSocket(w http.ResponseWriter, r *http.Request, req *engineio.Request) {
	ticket, resp := a.eng.PrepareWebSocket(req)
	if resp != nil {
		writeResponse(w, resp)
		return
	}
	up := a.upgrader
	up.EnableCompression = ticket.PerMessageDeflate()
	conn, err := up.Upgrade(hijacker(w), r, ticket.Header())
	if err != nil {
		return // the upgrader has answered the client
	}
	// The connection is hijacked (HTTP/1.1 only), so nothing ties it to
	// this handler any more: serving it on a fresh goroutine lets net/http
	// release the request, its response writer and their buffers now, which
	// is most of an idle websocket's memory. (fibersio, on fasthttp, must
	// block instead: fasthttp recycles the connection's buffers when the
	// handler returns.)
	go ticket.Serve(conn)
}

// request copies what the core keeps from r.
func (a *adapter) request(r *http.Request) *engineio.Request {
	return &engineio.Request{
		Method:     r.Method,
		Path:       r.URL.Path,
		Query:      r.URL.Query(),
		Header:     r.Header,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
		TLS:        r.TLS != nil,
		Context:    context.WithoutCancel(r.Context()),
	}
}

func writeResponse(w http.ResponseWriter, resp *engineio.Response) {
	h := w.Header()
	for k, v := range resp.Header {
		h[k] = v
	}
	if resp.Status != http.StatusNoContent {
		// Explicit, so that long answers are not chunked.
		h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	}
	w.WriteHeader(resp.Status)
	if len(resp.Body) > 0 {
		_, _ = w.Write(resp.Body)
	}
}

// hijacker unwraps w to the first ResponseWriter that can hijack the
// connection: gorilla/websocket v1.5.3 asserts http.Hijacker directly, and
// middleware wrappers often only offer Unwrap.
func hijacker(w http.ResponseWriter) http.ResponseWriter {
	for {
		if _, ok := w.(http.Hijacker); ok {
			return w
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}
