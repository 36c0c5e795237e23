// Package queue links several Socket.IO servers into one cluster over a
// publish/subscribe transport: NewManager returns a core.ClientManager
// built on a Bus, and NewMemoryBus is a Bus inside one process. The broker
// packages (Redis, RabbitMQ, Kafka, NATS, PostgreSQL) reuse the manager
// and only implement Bus, except for wire formats of their own (Node.js's
// classic Redis adapter, queue/redisq.NewManager; python-socketio's,
// package pymsg on a Bus); the README of this directory has a table of
// the broker packages: their formats, operations, recovery, emitters and
// fault tests.
//
//	bus := queue.NewMemoryBus()
//	a := core.NewServer(core.Options{ClientManager: queue.NewManager(bus, queue.Options{})})
//	b := core.NewServer(core.Options{ClientManager: queue.NewManager(bus, queue.Options{})})
//	// a.Emit reaches the clients of b, b.FetchSockets sees those of a, ...
//
// # Protocol
//
// The servers exchange the messages of socket.io-adapter's ClusterAdapter
// (the format of Node.js's sharded Redis, Redis Streams and Postgres
// adapters), in its heartbeat variant (without heartbeats on a
// SubscriberCounter bus, see below): maps {uid, nsp, type, data} of these
// types (MessageType):
//
//	 1 INITIAL_HEARTBEAT          published when a namespace's adapter starts
//	 2 HEARTBEAT                  the answer to 1, and after HeartbeatInterval of silence
//	 3 BROADCAST                  {packet, opts: {rooms, except, flags}, requestId?}
//	 4 SOCKETS_JOIN               {opts, rooms}
//	 5 SOCKETS_LEAVE              {opts, rooms}
//	 6 DISCONNECT_SOCKETS         {opts, close}
//	 7 FETCH_SOCKETS              {opts, requestId}
//	 8 FETCH_SOCKETS_RESPONSE     {requestId, sockets: [{id, handshake, rooms, data}]}
//	 9 SERVER_SIDE_EMIT           {packet: [event, ...args], requestId?}
//	10 SERVER_SIDE_EMIT_RESPONSE  {requestId, packet: reply}
//	11 BROADCAST_CLIENT_COUNT     {requestId, clientCount}
//	12 BROADCAST_ACK              {requestId, packet: reply}
//	13 ADAPTER_CLOSE              published when the adapter closes
//
// Options.Encoding chooses how a manager writes them: one MessagePack map
// each (EncodingMsgpack, the default), or JSON text unless the message
// carries binary values, then MessagePack (EncodingJSON, what the sharded
// Redis and Postgres adapters write). Every manager reads both, as the
// Node.js adapters do: a message whose first byte is '{' is JSON. JSON has
// no binary: JSON.stringify writes a Node.js Buffer as
// {"type":"Buffer","data":[...]}, which Node.js and queue read as that
// object; a timestamp becomes its Date.toJSON text. Transcode,
// SplitMessage and JoinMessage give a Bus what it needs to store or route
// messages as its Node.js counterpart does (the Postgres adapter's
// attachments, the fields of a Redis Streams entry).
//
// A broadcast packet is the Socket.IO packet in socket.io-msgpack-parser
// form ({type: 2, data: [event, ...args], nsp, id?}); flags carry
// volatile, compress (false for Compress(false)), local and timeout (ms).
// A handshake has Node.js's shape (lower-case headers, time as
// Date.toString text, issued in ms, url, query, address, secure, xdomain,
// auth). A reply (10, 12) carries its first value in packet, as Node.js
// servers read it, plus every value under "args" when there are not
// exactly one.
//
// Node.js servers publish packets without nsp (and a broadcast with
// acknowledgements without id); queue accepts both. Socket ids are opaque
// strings to the manager (Node.js's and sio's are 20 characters).
//
// Each server (each manager) has a random uid of 16 hex characters. A
// server applies its own operations locally (through the embedded
// core.MemoryAdapter) and publishes them; receivers drop the messages
// carrying their own uid. Requests (FETCH_SOCKETS, SERVER_SIDE_EMIT with
// acknowledgements, BROADCAST with acknowledgements) expect an answer from
// each peer known when they were sent; a peer that leaves (ADAPTER_CLOSE,
// or silent for HeartbeatTimeout) is no longer waited for. ServerCount is
// one plus the peers heard from within HeartbeatTimeout; messages from the
// uid "emitter" (write-only publishers) are handled but not counted.
//
// Each namespace's adapter is an *Adapter (nsp.Adapter().(*queue.Adapter)),
// whose UID is the server's uid. The replies to a server-side event with
// acknowledgements are awaited for Options.RequestTimeout: a server that
// does not answer by then (one without a handler for the event, as in
// Node.js) leaves ServerSideEmitWithAck to its own timeout, with the
// replies that came.
//
// Operations that only concern this server are not published: the Local
// flag, and operations whose rooms are all ids of local sockets (a socket
// emitting to itself, a RemoteSocket of this server). This assumes no
// socket of another server joins a room named after a local socket's id.
//
// # Channels
//
// Every server subscribes to two channels per namespace N: "<prefix>#N#"
// for the messages to every server and "<prefix>#N#<uid>#" for the
// answers to its own requests (the prefix is Options.ChannelPrefix,
// "socket.io" by default), as the sharded Redis adapter names them. A Bus
// for a broker with naming rules (NATS subjects, Kafka topics) maps these
// names to valid ones.
//
// # Writing a Bus
//
// A broker Bus provides Publish (send bytes to every subscriber of a
// channel, the publisher included), Subscribe (deliver each message of a
// channel to a callback, one at a time, in order for each publisher, on a
// goroutine of the bus, active when Subscribe returns) and Close. Messages
// are opaque bytes; the bus does not need persistence, acknowledgements,
// consumer groups or cluster-size queries (heartbeats give the cluster
// size). Reconnection after a broker failure is the Bus's business; while
// the broker is unreachable, publishing fails and is logged. A message
// that cannot be decoded is logged and ignored.
//
// Package queuetest is the conformance kit: RunBus checks a Bus against
// this contract, RunCluster every cluster operation on managers built on
// it; MemoryBus passes both, and so must every broker Bus.
//
// The callback runs the work a message asks for (delivering a broadcast,
// running a server-side event handler, answering a fetch) before the next
// message of its channel: server-side event handlers should not block
// for long.
//
// The manager subscribes each namespace's channels with a context from
// WithDeliveryGroup: a Bus that honours it (DeliveryGroup) calls the
// callbacks of one group one at a time, in the order it received their
// messages across channels, which keeps a server's broadcasts in order
// when they travel on different channels (a room's and the namespace's,
// with SubscriptionDynamic). MemoryBus and sio's broker buses do.
//
// # Optional Bus interfaces
//
// A Bus may implement more, and the manager then uses it:
//
//   - SubscriberCounter (Subscribers: the subscriptions of a channel
//     across the broker, Redis's PUBSUB NUMSUB): the cluster size comes
//     from it, requests expect that many answers less one, and no
//     heartbeats are published: the ClusterAdapter variant without
//     heartbeats, which the sharded Redis and Redis Streams adapters
//     use. Each server then needs its own subscription to the broker.
//   - LogBus (Append, SubscribeLog, ReadLog: a durable, ordered log per
//     channel with offsets): connection state recovery across the
//     cluster, below.
//   - SessionStore (SaveSession, TakeSession), used with a LogBus.
//
// Options.SubscriptionMode adds a channel per room, "<prefix>#N#<room>#"
// (SubscriptionDynamic: public rooms; SubscriptionDynamicPrivate: every
// room), that a server subscribes to while the room has a member on it; a
// broadcast to exactly one room goes to that room's channel (the sharded
// Redis adapter's subscriptionMode). It works on any Bus.
//
// # Connection state recovery
//
// On a plain Bus, PersistSession and RestoreSession stay local (those of
// the embedded MemoryAdapter): a client recovers its session when it
// reconnects to the server it was connected to (sticky sessions), with
// the broadcasts that server delivered or would have delivered to it
// meanwhile, whatever server they came from.
//
// On a LogBus, recovery works whichever server the client reconnects to,
// as with Node.js's Redis Streams adapter:
//
//   - The durable messages (BROADCAST without acknowledgements,
//     SOCKETS_JOIN, SOCKETS_LEAVE, DISCONNECT_SOCKETS) are appended to the
//     log of the namespace's channel with Append, and every server reads
//     them with SubscribeLog (its own are dropped by uid); requests and
//     replies still go through Publish and Subscribe.
//   - A broadcast event (no acknowledgement, not volatile) carries its log
//     offset as its last argument, on the sending server (the offset
//     Append returned, as socket.io-adapter's publishAndReturnOffset) and
//     on every receiver (the offset SubscribeLog gave). With recovery on,
//     a broadcast to local sockets only is appended too, so every offset a
//     client holds is in the log; the Local flag is never appended and
//     carries no offset.
//   - PersistSession stores {sid, pid, rooms, data} (MessagePack, what
//     Node.js's socket.io persists) in the SessionStore for the
//     server's MaxDisconnectionDuration: Options.Sessions, or the bus when
//     it is a SessionStore, or else the manager's memory.
//   - RestoreSession takes the session (TakeSession: read and delete),
//     then reads the log after the client's offset (ReadLog; an offset no
//     longer in the log refuses the recovery) and returns the broadcasts
//     of the namespace that reach the session's rooms, each with its
//     offset appended.
//
// core's part is MemoryAdapter.BroadcastAt (local delivery with the
// broker's offset instead of the in-memory log's). MemoryLogBus is the
// in-process reference. To give another broker recovery, its Bus
// implements LogBus: Append writes to a durable stream and returns the
// entry's position as a string (a JetStream sequence: strconv of the
// PubAck's Sequence); SubscribeLog consumes the stream from its end and,
// after a reconnection, from the last position it delivered; ReadLog
// reads from the position after offset to the end and returns
// ErrUnknownOffset when offset is malformed or older than the first entry
// kept. It implements SessionStore on a key-value store with a TTL (a
// JetStream key-value bucket with TTL: Put, then Get and Delete in
// TakeSession), or leaves sessions to Options.Sessions.
package queue
