// Package redisq links the Socket.IO servers of a cluster through Redis,
// in the wire formats of the Node.js and Python Socket.IO servers, so sio
// servers share one cluster with them, and publishes into such a cluster
// from processes that are not servers (emitters).
//
// # Connecting
//
// Every manager and emitter of the package takes a go-redis
// redis.UniversalClient: a single server, Redis Sentinel or Redis Cluster,
// with whatever TLS, authentication and database settings it was built
// with. NewClient builds one from a URL:
//
//	client, err := redisq.NewClient("redis://127.0.0.1:6379/0")
//
// The caller closes the client after the servers and emitters that use
// it.
//
// # Formats
//
// Format names a wire format; NewFormatManager returns the manager of a
// format with its default options, for programs that choose the format
// at run time (a command-line flag), and Formats lists the formats of
// this build:
//
//	classic  NewManager, NewEmitter: @socket.io/redis-adapter's createAdapter and @socket.io/redis-emitter
//	sharded  NewShardedManager, NewShardedEmitter: @socket.io/redis-adapter's createShardedAdapter (Redis ≥ 7)
//	streams  NewStreamsManager, NewStreamsEmitter: @socket.io/redis-streams-adapter 0.3, with recovery on any server
//	python   pymsg.NewManager, pymsg.NewEmitter on a Bus: python-socketio's RedisManager (5.14 and later)
//
// # The classic format
//
// NewManager's servers speak the format of Node.js's
// @socket.io/redis-adapter 8 (createAdapter), so sio and Node.js servers
// on the same Redis and Key form one cluster, and @socket.io/redis-emitter
// 5 (or NewEmitter) reaches both. For a namespace N (with its leading
// slash) and the Key "socket.io":
//
//	socket.io#N#           broadcasts (PSUBSCRIBE socket.io#N#*)
//	socket.io#N#room#      a broadcast to exactly one room
//	socket.io-request#N#   requests (SUBSCRIBE)
//	socket.io-response#N#  answers; socket.io-response#N#<uid># those to one server
//
// A broadcast is the MessagePack array [uid, packet, opts]: packet is the
// Socket.IO packet {type: 2, data: [event, ...args], nsp} with binary
// arguments as bin, opts is {rooms, except, flags} (flags volatile,
// compress, timeout). Requests are JSON objects {uid, type, ...} of these
// types, except BROADCAST and BROADCAST_ACK, which are MessagePack maps
// (a message whose first byte is '{' is JSON; a message carrying binary
// values is written in MessagePack, which every server reads too):
//
//	0 SOCKETS                 {requestId, rooms} → {requestId, sockets: [id]} (legacy, answered)
//	1 ALL_ROOMS               {requestId} → {requestId, rooms}
//	2 REMOTE_JOIN             {opts: {rooms, except}, rooms} (legacy: {requestId, sid, room} → {requestId})
//	3 REMOTE_LEAVE            as 2
//	4 REMOTE_DISCONNECT       {opts, close} (legacy: {requestId, sid, close} → {requestId})
//	5 REMOTE_FETCH            {requestId, opts} → {requestId, sockets: [{id, handshake, rooms, data}]}
//	6 SERVER_SIDE_EMIT        {data: [event, ...args], requestId?} → {type: 6, requestId, data: reply}
//	7 BROADCAST               {requestId, packet, opts} → 8 then 9 per acknowledgement
//	8 BROADCAST_CLIENT_COUNT  {type: 8, requestId, clientCount}
//	9 BROADCAST_ACK           {type: 9, requestId, packet: reply}
//
// The number of servers is PUBSUB NUMSUB of the request channel (summed
// over the masters of a Redis Cluster). FetchSockets and the broadcasts
// with acknowledgements wait for the answers of that many servers;
// ServerSideEmit with acknowledgements for one less (a server without a
// handler for the event does not answer, as in Node.js), each for
// Options.RequestsTimeout at most. A reply carries the first value the
// handler or client returned, as Node.js reads it, and, when there are
// not exactly one, every value under "args" (which Node.js ignores).
//
// As in Node.js, a server skips its own broadcasts by uid (6 characters)
// and its own requests by request id. Unlike Node.js, a sio server
// applies its own SocketsJoin, SocketsLeave and DisconnectSockets to its
// local sockets at once (Node.js waits for its own request to come back
// from Redis) and skips them when they come back; the other servers see
// no difference. A sio server that answers a BROADCAST with a later
// BROADCAST_CLIENT_COUNT correction (a recipient that left without
// answering) does so only for requests marked "corrections" (sio's): a
// Node.js requester would count it as one more server. Operations that
// only concern this server are not published (the Local flag, rooms that
// are all ids of local sockets).
//
// An Emitter publishes the same broadcasts with the uid "emitter", and the
// REMOTE_JOIN, REMOTE_LEAVE, REMOTE_DISCONNECT and SERVER_SIDE_EMIT
// requests without a request id. It cannot receive acknowledgements (no
// server or client answers an emitter), as @socket.io/redis-emitter says.
//
// # python-socketio's format
//
// Bus is Redis pub/sub as a queue.Bus (PUBLISH, SUBSCRIBE; PUBSUB NUMSUB
// as a queue.SubscriberCounter). Package pymsg's manager and emitter on a
// Bus speak python-socketio's RedisManager and AsyncRedisManager format
// from 5.14 on: every namespace on the channel "socketio", JSON messages
// {method: emit, disconnect, enter_room, leave_room, close_room or
// callback, ..., host_id} (see package pymsg for the fields, and for what
// the format carries: no FetchSockets of other servers, no server-side
// events, acknowledgements from one socket only; ServerCount is PUBSUB
// NUMSUB of the channel, python-socketio's servers included):
//
//	bus := redisq.NewBus(client, redisq.BusOptions{})
//	srv := core.NewServer(core.Options{ClientManager: pymsg.NewManager(bus, pymsg.Options{})})
//
// Messages are JSON only, never pickle: python-socketio before 5.14
// (Debian 12's 5.7 among them) pickles its messages, and unpickling runs
// whatever code a message names, so anyone able to publish on the channel
// could run code in every server; such a message is logged and dropped.
// Those versions read JSON, though (they try pickle, then JSON): sio's
// emits (with pymsg.Options.SingleValue, as 5.7 reads one argument),
// close_room and disconnect reach their clients; their own messages and
// acknowledgements do not reach sio's servers. A Bus also carries
// package queue's own cluster messages (queue.NewManager), a cluster of
// sio servers only.
//
// # Connections and faults
//
// A manager publishes with its client (each PUBLISH bounded by
// Options.PublishTimeout) and receives on one pub/sub connection for all
// its namespaces. When that connection is lost (Redis restarts, a
// network failure), go-redis reconnects and the manager resubscribes
// everything, retrying at least once a second, and logs both the loss
// and the restoration. A connection that stays open but stops delivering
// (a half-open TCP connection, a hung proxy) is found by the health check:
// after Options.HealthCheck without any message the manager sends a PING,
// and when no answer comes within Options.HealthCheck more it replaces
// the connection. Pub/sub keeps nothing: what is published while a server
// is not subscribed does not reach it. While Redis is unreachable,
// publishing fails within Options.PublishTimeout and is logged (a line,
// then at most one every 5s with the number of failures meanwhile);
// requests do not hang: FetchSockets and ServerSideEmit with
// acknowledgements fail with an error wrapping queue.ErrRequestTimeout
// (Redis cannot count the servers, or they do not answer in time), a
// broadcast with acknowledgements collects the local ones, and the
// server counts only itself.
//
// The sharded and streams managers behave the same way on their own
// connections: one sharded or classic pub/sub connection per Redis node
// (a ShardedBus or StreamsBus per server), pinged after 2s of silence and
// replaced when the PING is not answered within 2s more, resubscribed
// after a loss (logged: "subscription connection lost", then
// "subscriptions restored"); each stream's reader retries its XREAD at
// least once a second and resumes after the last entry it read ("cannot
// read the stream", then "reading the stream again"), so the durable
// messages published meanwhile (broadcasts, joins, leaves, disconnects)
// still arrive when Redis kept them. SPUBLISH, PUBLISH and XADD fail
// within PublishTimeout while Redis is unreachable (logged, at most once
// every 5s); FetchSockets and ServerSideEmit with acknowledgements fail at
// once with an error wrapping queue.ErrRequestTimeout when the servers
// cannot be counted.
//
// OnPublishError and OnReconnect in Options, BusOptions, ShardedOptions
// and StreamsOptions (OnPublishError in EmitterOptions) report the
// messages not sent (a failed PUBLISH, SPUBLISH or XADD) and the
// restorations of a lost pub/sub connection, to metrics.BrokerHooks for
// instance:
//
//	publishError, reconnect := m.BrokerHooks("redis")
//	mgr := redisq.NewManager(client, redisq.Options{OnPublishError: publishError, OnReconnect: reconnect})
//
// Handlers of server-side events and the delivery of broadcasts run one
// at a time, in arrival order, on the manager's worker goroutine; the
// answers to this server's requests are handled on the connection's
// reader, so a handler may wait for a FetchSockets.
//
// # The sharded format
//
// NewShardedManager's servers speak the format of Node.js's sharded Redis
// adapter: socket.io-adapter's ClusterAdapter messages (package queue's
// protocol, without heartbeats), in JSON unless they carry binary (then
// MessagePack), with SPUBLISH and SSUBSCRIBE (sharded pub/sub, Redis ≥
// 7) on these channels of a namespace N and the ChannelPrefix "socket.io":
//
//	socket.io#N#         every message to every server
//	socket.io#N#<uid>#   the answers to one server (uid: 16 hex characters)
//	socket.io#N#<room>#  a broadcast without acknowledgements to exactly one room (dynamic modes)
//
// The number of servers is PUBSUB SHARDNUMSUB of socket.io#N#. In the
// dynamic mode (Node.js's default) a server subscribes to the channel of
// each public room (one not named after a local socket id) while the
// room has a member on it, before the member joins; a broadcast to one
// room whose name is not 20 characters long (a socket id's length) goes
// to that room's channel. Socket ids are 20 characters, as Node.js's.
// ShardedDynamicPrivate has channels for socket ids too, ShardedStatic
// none. Every server of a cluster must use the same mode.
// NewShardedEmitter publishes on socket.io#N#, which every mode reads.
//
// # The Redis Streams format
//
// NewStreamsManager's servers speak the format of
// @socket.io/redis-streams-adapter 0.3: the broadcasts, SocketsJoin,
// SocketsLeave and DisconnectSockets are entries of one stream (XADD
// <stream> MAXLEN ~ 10000 *, fields uid, nsp, type and data: JSON text,
// or base64 of MessagePack when the data carries binary), read by every
// server with XREAD BLOCK COUNT from the last id it read; the requests
// (FetchSockets, ServerSideEmit, broadcasts with acknowledgements) and
// their answers are MessagePack on pub/sub, socket.io#N# and
// socket.io#N#<uid>#; the number of servers is PUBSUB NUMSUB of
// socket.io#N#. StreamCount spreads namespaces over several streams by
// Node.js's hash of their names.
//
// A stream keeps what pub/sub does not: a server whose connection to
// Redis breaks reads, once back, every entry after the last it read
// (within MaxLen), and a client reconnecting to any server recovers its
// session (queue's LogBus): see the next section.
//
// # Connection state recovery
//
// With the Redis Streams format, recovery works on every server of the
// cluster, sio or Node.js: a broadcast event carries its stream entry id
// as its last argument (the offset the client sends back), a
// disconnected socket's session {sid, pid, rooms, data} is stored at
// "sio:session:<pid>" as base64 MessagePack with an expiry of the
// server's MaxDisconnectionDuration, and the server the client
// reconnects to takes it (GET and DEL in one transaction), checks that
// the offset is still in the stream and reads the entries after it
// (XRANGE) for the broadcasts that reach the session's rooms.
//
// With the classic and sharded formats, PersistSession and RestoreSession
// stay local (those of the embedded core.MemoryAdapter), as with Node.js's
// adapters: a client recovers its session when it reconnects to the
// server it was connected to (sticky sessions).
package redisq
