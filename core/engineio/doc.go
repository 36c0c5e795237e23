// Package engineio implements an Engine.IO protocol v4 server: the transport
// layer under Socket.IO, usable on its own like Node's engine.io package.
//
// A Server owns sessions (Socket values). Each session is reached by HTTP
// long-polling, by WebSocket, or by polling first and then upgraded to a
// WebSocket. The package imports no web framework and no WebSocket library:
// adapters such as stdsio translate their requests into a Request value and
// call ServePoll, or validate an upgrade with PrepareWebSocket, upgrade the
// connection with their own library and hand it to Ticket.Serve.
//
// # Concurrency
//
// Each session has one reader and one writer. Outgoing messages go through a
// bounded queue; when it is full the QueueFullPolicy decides what happens
// (by default the slow client is closed and a log line says so). The writer
// is a goroutine started on demand, or the caller of Socket.Reply when
// nothing else is being written: a reply from a message callback is written
// by the reader once the callback returns, and a new websocket session's
// open packet by the goroutine that serves it. Message handlers for one
// session run in arrival order on the reader's goroutine; one that must
// wait for the client calls Socket.ReleaseReader, and reading goes on on a
// new goroutine.
// No user callback runs while a lock is held, and a panic in a callback is
// recovered and logged.
//
// # Bounds
//
// What one client can make the server hold is bounded, on both transports,
// by these options (zero values take the defaults shown):
//
//   - MaxHTTPBufferSize (1e6 bytes): the largest message, websocket frame
//     or POST body accepted; a larger POST is answered 413, a larger frame
//     closes the websocket with 1009.
//   - MaxQueuedMessages (4096) and MaxQueueBytes (4 MiB): the outbound
//     queue of a session, in messages and in payload bytes (a broadcast's
//     shared message counts in every queue that holds it, without a copy).
//     When a message does not fit, QueueFull decides (default: close the
//     session, "transport error", one log line).
//   - Control packets: the server queues one ping at a time, and only a
//     pong that can answer it (the ping has been handed to the transport)
//     counts, so a polling client that posts pongs but never collects its
//     queue is closed with "ping timeout". A client ping (Engine.IO v4
//     clients never send one), probes outside an upgrade included, closes
//     the session with "transport error" (ErrHeartbeatDirection), as the
//     reference server's "invalid heartbeat direction"; noops and pongs
//     queue nothing.
//   - PingInterval (25 s) and PingTimeout (20 s): a session whose client
//     does not answer a ping in time closes with "ping timeout".
//   - UpgradeTimeout (10 s): a polling → websocket upgrade whose probe has
//     not completed in time is dropped; the session stays on polling.
//   - UTF-8: a websocket text frame or a polling payload that is not valid
//     UTF-8 is a parse error (close 1007 on a websocket, 400 on polling).
//     The server never writes invalid UTF-8 as text: TextMessage replaces
//     each run of invalid bytes with U+FFFD.
//   - ClosePollWait (2 s, or PingTimeout when shorter): how long a graceful
//     close waits for a polling client with no request pending.
//   - Quota (off): the open sessions and the handshake rate of one remote
//     address (IPv6: one /64), the address taken from a trusted proxy's
//     header when configured; a refused handshake is answered 429 with
//     {"code":4,...}. See QuotaOptions.
//
// Adapters bound slow requests through the host's settings (see their
// documentation): a ReadHeaderTimeout against clients that never finish
// their headers; long-polls outlive a host's ReadTimeout and WriteTimeout.
//
// # Errors
//
// Protocol errors are answered as the reference server answers them: HTTP 400
// with a JSON body {"code":N,"message":"..."} (codes 0 to 5), or 403 for a
// request refused by Options.AllowRequest, or 429 (code 4) for a handshake
// over a quota (Options.Quota, which the reference server does not have);
// a polling POST larger than
// Options.MaxHTTPBufferSize gets 413 with an empty body and closes the
// session with reason "transport error". On a websocket, a protocol error
// closes the session with a close frame whose status code says what was
// wrong (1002 protocol error, 1007 invalid payload, 1009 too big) before the
// connection ends. Each such close is one log line with the reason.
//
// # Upgrades
//
// A polling session upgrades as in the reference server: the probe, then a
// check every 100 ms that releases a pending long-poll with a noop so the
// client can pause polling, then the upgrade packet. A GET still pending
// when the upgrade completes is refused with 400, as every later polling
// request; a websocket that arrives for a session already on websocket, or
// during another upgrade, completes its handshake and is closed with a close
// frame.
package engineio
