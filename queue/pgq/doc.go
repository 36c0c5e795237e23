// Package pgq links the servers of a Socket.IO cluster over PostgreSQL's
// LISTEN/NOTIFY (github.com/jackc/pgx/v5), wire-compatible with Node.js's
// @socket.io/postgres-adapter 0.5 and @socket.io/postgres-emitter 0.1: Go
// and Node.js servers on the same database, with the same channel prefix
// and attachment table, are one cluster, and either emitter reaches the
// clients of both.
//
//	bus, err := pgq.New(ctx, "postgres://user:password@127.0.0.1:5432/app", pgq.Options{})
//	...
//	srv := core.NewServer(core.Options{ClientManager: pgq.NewManager(bus, queue.Options{})})
//	// after srv.Shutdown: bus.Close()
//
// # Layout on the server
//
// The servers exchange package queue's cluster messages (socket.io-adapter's
// ClusterAdapter format, heartbeat variant: a HEARTBEAT after 5s of
// silence, a peer silent for 10s is gone) in JSON (NewManager sets
// queue.EncodingJSON). Each namespace N has one PostgreSQL channel,
// "<prefix>#N" ("socket.io#/chat" by default), on which every message of
// the namespace goes, the replies to one server's requests included, as
// Node.js's adapter publishes them: Channel maps package queue's channel
// names to it, and a subscription to a reply channel receives nothing
// (the namespace's subscription gets the replies; a server drops those
// answering another server's request). The bus LISTENs with a quoted
// identifier (LISTEN "socket.io#/chat") on one connection of its own and
// publishes with SELECT pg_notify(channel, payload) from its pool.
// PostgreSQL channel names are at most 63 bytes: a longer prefix and
// namespace name cannot be used (ErrChannel).
//
// A message that is not JSON text (it carries binary values, written in
// MessagePack) or that has 8000 bytes or more (Options.PayloadThreshold,
// and PostgreSQL's limit) goes through the attachment table: the whole
// message is inserted in MessagePack (a JSON message is transcoded) into
// Options.TableName, "socket_io_attachments" by default, with Node.js's
// schema (id bigserial, created_at timestamptz default now(), payload
// bytea; New creates it unless Options.SkipCreateTable), and the NOTIFY
// carries {"uid", "type", "attachmentId"} with the id as a string, as
// node-pg writes it. Receivers read the row by id (a string or a number)
// and hand the stored bytes to the subscriptions. Every server deletes
// the attachments older than Options.CleanupInterval (30s) on that
// interval, as Node.js's do.
//
// # Delivery, reconnection and bounds
//
// A notification reaches the connections that LISTEN when its
// transaction commits, each once, in commit order: a server that is not
// listening then never gets it. Publish queues the message for one
// writer, which sends the queued messages in order, up to 64 in one round
// trip (a pipeline with one transaction per message: PostgreSQL merges
// identical notifications of one transaction); at most
// Options.MaxInFlight wait, and a Publish beyond that is dropped
// (ErrDropped, counted by Dropped, one log line a second at most). A
// message the writer cannot send (the server is unreachable) is dropped
// and logged. Each subscription has its own goroutine and a queue of
// Options.SubscriptionQueue messages; a full queue drops (and logs) the
// message for that subscription only. The subscriptions of one delivery
// group (queue.WithDeliveryGroup) share one goroutine and queue, in
// notification order. With Node.js servers, use the static subscription
// mode (queue.Options.SubscriptionMode's zero value, the only one
// Node.js's adapter has); in the dynamic modes a room's channel
// "<prefix>#N#<room>" must fit in 63 bytes too. Options.OnPublishError
// and Options.OnReconnect report the messages not sent and the
// reconnections (to metrics.BrokerHooks, for instance). When the listening connection is
// lost (a server restart, pg_terminate_backend, a network failure) the
// bus logs it, reconnects with a backoff from Options.ReconnectMin to
// Options.ReconnectMax (100ms to 2s), LISTENs again and logs that; the
// notifications of the outage are lost for it. Meanwhile requests to the
// other servers (FetchSockets, acknowledgements) end after
// queue.Options.RequestTimeout. The pool reconnects by itself.
//
// URLs are PostgreSQL connection strings as pgx reads them:
// postgres://user:password@host:5432/database?sslmode=verify-full&
// sslrootcert=ca.pem (or key=value strings); Options.TLS replaces the TLS
// configuration they give. The bus's connections carry
// Options.ApplicationName ("sio") in pg_stat_activity. Errors and log
// lines never show the password.
//
// # Connection state recovery
//
// Recovery works on the server a client was connected to (sticky
// sessions), with the broadcasts that server delivered meanwhile, from
// whichever server they came; it does not work across the cluster. NOTIFY
// keeps nothing: a notification is gone once delivered, so there is no
// log to read the missed packets from, and the attachment table holds
// only some messages, for CleanupInterval. Node.js's adapter does not
// support it either (its publish returns no offset), so Node.js servers
// would not write such a log for a Go server to read. Use a broker with a
// log (Redis Streams, NATS JetStream) for recovery on any server.
//
// # Emitter
//
// NewEmitter returns a write-only Emitter with its own connection pool:
// broadcasts (to, in, except, of, volatile, compress), SocketsJoin,
// SocketsLeave, DisconnectSockets and server-side events, in JSON with
// the uid "emitter" (not counted as a server), reaching Go and Node.js
// servers. It cannot receive acknowledgements. Node.js's postgres-emitter
// 0.1 publishes its messages without "nsp"; the Go servers take them (the
// channel names the namespace).
package pgq
