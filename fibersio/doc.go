// Package fibersio mounts a Socket.IO (or Engine.IO) server in a Fiber v2
// application as native fasthttp middleware (no net/http adaptor):
//
//	app := fiber.New()
//	app.Use(fibersio.New(srv, fibersio.Config{}))
//	app.Get("/", home) // the host router keeps serving everything else
//
// Long-polls block inside the handler until the session has data (fasthttp
// cannot report a client that went away, so every poll is bounded by the
// ping interval and a vanished client is closed by the heartbeat).
// WebSockets are upgraded with gofiber/contrib/websocket (its
// RecoverHandler set so that nothing but Engine.IO frames is ever written)
// and served on the hijacked connection; the 101 carries the session
// cookie and the application's headers (engineio.Options.Headers). When a
// session closes, its TCP connection is closed at once, even while a write
// to a client that does not read is blocked (fasthttp's hijacked
// connection alone would keep it until the write deadline). Fiber pools
// its Ctx and lends its byte slices, so
// everything the core keeps (path, query, headers, body, locals) is copied
// before the handler returns; nothing depends on fiber.Config.Immutable.
//
// Values stored with c.Locals under string keys by earlier middleware reach
// connect and event handlers through core.HostValue(s.Context(), key).
//
// Prefork: each child process has its own sessions, and the kernel spreads
// the requests of one polling session across processes, so polling fails
// with "Session ID unknown" unless clients use only the websocket
// transport; broadcasts also stay inside one process unless a broker
// ClientManager is configured. The middleware logs a warning when Prefork
// is on.
//
// # Slow clients
//
// fiber.Config.ReadTimeout (10 s in the example) is what cuts off clients
// that send their headers or body slowly (slowloris): fasthttp applies it
// to reading the whole request, a POST body being at most
// engineio.Options.MaxHTTPBufferSize. It does not limit a long-poll,
// which waits inside the handler after the request is read (up to
// PingInterval+PingTimeout), nor an upgraded websocket, whose deadlines
// the core sets. WriteTimeout bounds writing the answer once the handler
// has returned, so any value fits; IdleTimeout (ReadTimeout when zero)
// bounds idle keep-alive connections.
package fibersio
