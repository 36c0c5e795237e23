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
// Values that earlier middleware stored with c.Set (c.Keys) reach connect
// and event handlers through core.HostValue(s.Context(), key) or
// s.HostValue(key).
//
// Pitfalls handled or documented: gin-contrib/gzip compresses polling
// bodies, so exclude the server's path from it (the core compresses
// polling responses itself); gin-contrib/cors answers the upgrade request
// with 403 for origins it does not allow, so let the core own CORS
// (core.Options.CORSAllowedOrigins) or set Engine.CORS.HostHandled.
package ginsio
