// Package ginsio mounts a Socket.IO (or Engine.IO) server in a Gin engine as
// middleware:
//
//	r := gin.New()
//	r.Use(ginsio.New(srv, ginsio.Config{}))
//	r.GET("/", home) // the host router keeps serving everything else
//
// On the server's path (by default "/socket.io" and "/socket.io/...") the
// middleware serves the request and aborts the chain; it then serves the
// configured static files; every other request goes to c.Next(). No route
// has to be registered, so Gin's trailing-slash redirects and catch-all
// conflicts do not apply. The status is always written explicitly, so
// requests served from Gin's 404 chain do not go out as 404.
//
// Mount it on the engine (r.Use), never inside a route group: Gin runs a
// group's middleware only for the routes registered in that group, so
// r.Group("/api").Use(ginsio.New(...)) never sees a Socket.IO request
// and every one gets a 404. Middleware that must run first (auth) goes
// before it in r.Use:
//
//	r.Use(authRequired(), ginsio.New(srv, ginsio.Config{}))
//
// Check(r, srv), in a test or at start, reports a mount that does not serve
// the server's path.
//
// Values that earlier middleware stored with c.Set (c.Keys) reach connect
// and event handlers through core.HostValue(s.Context(), key) or
// s.HostValue(key), and so do those attached to the request's context with
// core.WithHostValues. gin.Logger logs a websocket upgrade as 101.
//
// Pitfalls handled or documented: gin-contrib/gzip compresses polling
// bodies, so exclude the server's path from it (the core compresses
// polling responses itself); gin-contrib/cors answers the upgrade request
// with 403 for origins it does not allow, so let the core own CORS
// (core.Options.CORSAllowedOrigins) or set Engine.CORS.HostHandled.
//
// # Slow clients
//
// The settings of the http.Server that runs the engine (http.Server{Handler: r}; r.Run sets none) are what cuts off clients that send slowly
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
package ginsio
