package fibersio

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"

	contribws "github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
)

// Server is what this package mounts: an *engineio.Server, or a Socket.IO
// server, which exposes its Engine.IO server.
type Server interface {
	// Engine returns the Engine.IO server the adapter serves.
	Engine() *engineio.Server
}

// Config configures the middleware. The zero value serves the server's path
// only.
type Config struct {
	// Next, when it returns true, skips the middleware.
	Next func(c *fiber.Ctx) bool
	// StaticFiles are served after the server's path and before the next
	// handler.
	StaticFiles core.StaticFiles
}

// New returns the middleware serving srv.
func New(srv Server, cfg Config) fiber.Handler {
	eng := srv.Engine()
	opts := eng.Options()
	exact := strings.TrimSuffix(opts.Path, "/")
	upgrade := newUpgrader(opts)
	var client core.StaticFiles // the JavaScript client, under the server's path
	if cs, ok := srv.(interface{ ClientFiles() core.StaticFiles }); ok {
		client = cs.ClientFiles()
	}
	var warnOnce sync.Once
	return func(c *fiber.Ctx) error {
		if cfg.Next != nil && cfg.Next(c) {
			return c.Next()
		}
		warnOnce.Do(func() {
			if c.App().Config().Prefork {
				opts.Logger.Warn("fibersio: Prefork is on: each process has its own sessions; polling clients need sticky sessions (or transports: [\"websocket\"]) and broadcasts need a broker ClientManager")
			}
		})
		fc := c.Context()
		path := string(fc.Path()) // decoded and normalized by fasthttp; copied
		if path != exact && !strings.HasPrefix(path, opts.Path) {
			if served, err := serveStatic(c, cfg.StaticFiles, path, opts); served {
				return err
			}
			return c.Next()
		}
		// Only a path longer than the server's can name a client file: the
		// Engine.IO requests do not pay for the lookup.
		if client != nil && len(path) > len(opts.Path) {
			if served, err := serveStatic(c, client, path, opts); served {
				return err
			}
		}
		req := request(c, path)
		if fc.IsGet() && contribws.IsWebSocketUpgrade(c) {
			ticket, resp := eng.PrepareWebSocket(req)
			if resp != nil {
				return write(c, resp)
			}
			// The session cookie and the application's headers go on the
			// 101, which the upgrader writes with c's response headers.
			for k, vs := range ticket.Header() {
				for _, v := range vs {
					c.Response().Header.Add(k, v)
				}
			}
			c.Locals(ticketLocal, ticket)
			// An error means the upgrader has answered the client (a bad
			// handshake); Fiber's error handler must not answer again.
			_ = upgrade(c)
			return nil
		}
		if fc.IsPost() {
			body := fc.PostBody()
			if int64(len(body)) > opts.MaxHTTPBufferSize {
				req.BodyTooLarge = true
			} else {
				req.Body = bytes.Clone(body)
			}
		}
		// fc is a context.Context that ends at server shutdown; ServePoll
		// returns before this handler does.
		return write(c, eng.ServePoll(fc, req))
	}
}

// request copies from c what the core keeps.
func request(c *fiber.Ctx, path string) *engineio.Request {
	fc := c.Context()
	q := url.Values{}
	fc.QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
	h := http.Header{}
	fc.Request.Header.VisitAll(func(k, v []byte) { h.Add(string(k), string(v)) })
	locals := map[string]any{}
	fc.VisitUserValues(func(k []byte, v any) { locals[string(k)] = v })
	ctx := context.Background()
	if len(locals) > 0 {
		ctx = core.WithHostValues(ctx, locals)
	}
	return &engineio.Request{
		Method:     string(fc.Method()),
		Path:       path,
		Query:      q,
		Header:     h,
		Host:       string(fc.Host()),
		RemoteAddr: fc.RemoteAddr().String(),
		TLS:        fc.IsTLS(),
		Context:    ctx,
	}
}

// write sends resp with an explicit status.
func write(c *fiber.Ctx, resp *engineio.Response) error {
	c.Status(resp.Status)
	for k, vs := range resp.Header {
		for i, v := range vs {
			if i == 0 {
				c.Response().Header.Set(k, v)
			} else {
				c.Response().Header.Add(k, v)
			}
		}
	}
	return c.Send(resp.Body)
}

// serveStatic serves a static file rule's file, with its ETag (304 when
// If-None-Match names it) and the rule's Cache-Control; it reports whether
// it answered.
func serveStatic(c *fiber.Ctx, static core.StaticFiles, path string, opts engineio.Options) (bool, error) {
	if len(static) == 0 || (!c.Context().IsGet() && !c.Context().IsHead()) {
		return false, nil
	}
	f, rule, err := static.Open(path)
	if err == nil && traversal(c, static, path) {
		f.Close()
		err = core.ErrStaticForbidden
	}
	if errors.Is(err, core.ErrStaticForbidden) || err != nil && traversal(c, static, path) {
		opts.Logger.Info("sio: static path refused", "path", path, "remote", c.Context().RemoteAddr().String())
		return true, c.Status(http.StatusForbidden).SendString("403 forbidden")
	}
	if err != nil {
		return false, nil
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return false, nil
	}
	etag := core.StaticETag(st)
	c.Set(fiber.HeaderETag, etag)
	if rule.CacheControl != "" {
		c.Set(fiber.HeaderCacheControl, rule.CacheControl)
	}
	if etagMatch(c.Get(fiber.HeaderIfNoneMatch), etag) {
		f.Close()
		c.Status(http.StatusNotModified)
		return true, nil
	}
	c.Status(http.StatusOK)
	c.Set(fiber.HeaderContentType, rule.ContentType)
	return true, c.SendStream(f, int(st.Size()))
}

// traversal reports whether the request's path as the client sent it
// leaves a rule's folder: fasthttp removes ".." segments before the
// handler sees the path, and net/http does not, so the decision is made on
// the original path for Fiber to answer as the other adapters do (403).
func traversal(c *fiber.Ctx, static core.StaticFiles, path string) bool {
	orig := c.Context().Request.URI().PathOriginal()
	if string(orig) == path {
		return false
	}
	p, err := url.PathUnescape(string(orig))
	if err != nil {
		return false
	}
	_, _, err = static.Resolve(p)
	return errors.Is(err, core.ErrStaticForbidden)
}

// etagMatch reports whether an If-None-Match header names etag, with the
// weak comparison of RFC 9110 (a W/ prefix does not matter; "*" matches).
func etagMatch(ifNoneMatch, etag string) bool {
	for _, tag := range strings.Split(ifNoneMatch, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}
