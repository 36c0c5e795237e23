// Package stdsio mounts an Engine.IO or Socket.IO server on net/http.
//
// Handler serves the server's path; Middleware serves it in front of
// another handler, which keeps receiving every other request. A request
// belongs to the server when its path is exactly the server's path without
// the trailing slash, or starts with the path including the slash: with the
// default "/socket.io/", both "/socket.io" and "/socket.io/x" match, and
// "/socket.iox" does not.
//
// WebSocket upgrades use gorilla/websocket. The origin policy is the core's
// (see engineio.CORSOptions), applied before the upgrade, so a refused
// upgrade is an ordinary HTTP error answer.
//
// Long-polls extend their own write deadline through
// http.ResponseController, so an http.Server WriteTimeout shorter than the
// ping interval does not cut them. http.Server.Shutdown does not track
// upgraded connections: call the sio server's Shutdown as well.
//
// # Slow clients
//
// The http.Server settings are what cuts off clients that send slowly
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
package stdsio
