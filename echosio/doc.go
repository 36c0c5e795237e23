// Package echosio mounts a Socket.IO (or Engine.IO) server in an Echo
// instance as middleware. Register it with Pre, so it runs before routing
// and needs no route:
//
//	e := echo.New()
//	e.Pre(echosio.Middleware(srv))
//	e.GET("/", home) // the host router keeps serving everything else
//
// On the server's path (by default "/socket.io" and "/socket.io/...") the
// middleware serves the request and returns nil (also after a WebSocket
// hijack, so Echo's error handler never writes to a hijacked connection);
// it then serves the configured static files; every other request goes to
// the next handler. Both "/socket.io" and "/socket.io/" are accepted, so
// the order relative to RemoveTrailingSlash/AddTrailingSlash does not
// matter.
//
// Values stored with c.Set by middleware that ran before (in Pre, before
// this one) reach connect and event handlers through
// core.HostValue(s.Context(), key) when their keys are listed in
// Config.ContextKeys.
//
// Pitfalls: middleware.Timeout wraps the writer in http.TimeoutHandler,
// which cannot hijack or hold a long-poll, so skip the server's path in it;
// middleware.Gzip compresses polling bodies, so skip the path there too.
package echosio
