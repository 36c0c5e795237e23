// Package echosio mounts a Socket.IO (or Engine.IO) server in an Echo
// instance as middleware. Register it with Use, after the middleware whose
// values the connect handlers need (auth usually lives there), or with Pre
// when none is needed; either way it needs no route:
//
//	e := echo.New()
//	e.Use(middleware.Recover(), auth)
//	e.Use(echosio.MiddlewareWithConfig(srv, echosio.Config{ContextKeys: []string{"user"}}))
//	e.GET("/", home) // the host router keeps serving everything else
//
// Echo runs Use middleware for every request, the unrouted ones included, so
// the Socket.IO paths need no route. Middleware registered with Pre runs
// before all Use middleware: mounted there, the server answers before any
// Use middleware has run, and sees only what Pre middleware set.
//
// On the server's path (by default "/socket.io" and "/socket.io/...") the
// middleware serves the request and returns nil (also after a WebSocket
// hijack, so Echo's error handler never writes to a hijacked connection);
// it then serves the configured static files; every other request goes to
// the next handler. Both "/socket.io" and "/socket.io/" are accepted, so
// the order relative to RemoveTrailingSlash/AddTrailingSlash does not
// matter.
//
// Which values reach connect and event handlers (core.HostValue(s.Context(),
// key) or s.HostValue(key)), and why: the values earlier middleware stored
// with c.Set under the keys Config.ContextKeys lists, because an
// echo.Context cannot list its values, so the adapter copies only the keys
// it is told; and every value attached to the request's context with
// core.WithHostValues. They are copied at the handshake (a session outlives
// its request, and Echo reuses its Context), so values set later, or on the
// requests of an established session, do not travel.
//
// Pitfalls: middleware.Timeout wraps the writer in http.TimeoutHandler,
// which cannot hijack or hold a long-poll, so skip the server's path in it
// (or register the server before it); middleware.Gzip compresses polling
// bodies, which the core already compresses, so skip the path there too
// (or register the server before it).
//
// # Slow clients
//
// The settings of Echo's http.Server (e.Server, before e.Start) are what cuts off clients that send slowly
// (slowloris): set ReadHeaderTimeout (10 s in the examples) against
// headers that never end, and ReadTimeout (30 s in the examples) against
// request bodies that trickle; a POST body is at most
// engineio.Options.MaxHTTPBufferSize. Both are safe with Engine.IO: they
// bound reading the request only, net/http clears the read deadline while
// the handler runs (a long-poll waits up to PingInterval+PingTimeout),
// and an upgraded websocket gets its deadlines from the core. WriteTimeout
// may stay off: the adapter extends a long-poll's write deadline past the
// poll window, so a WriteTimeout shorter than that does not cut it, and
// the core bounds each websocket write (PingInterval+PingTimeout). Set
// IdleTimeout to bound idle keep-alive connections.
package echosio
