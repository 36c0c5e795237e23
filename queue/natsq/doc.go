// Package natsq links the servers of a Socket.IO cluster over NATS
// (github.com/nats-io/nats.go): Bus is a queue.Bus on core NATS subjects,
// JetStreamBus adds a JetStream log and session store so that connection
// state recovery works whichever server a client returns to, and Emitter
// publishes to the servers from a process that is not one.
//
//	bus, err := natsq.New("nats://127.0.0.1:4222", natsq.Options{})
//	...
//	srv := core.NewServer(core.Options{ClientManager: queue.NewManager(bus, queue.Options{})})
//	// after srv.Shutdown: bus.Close()
//
// The servers exchange package queue's cluster messages (socket.io-adapter's
// ClusterAdapter format, heartbeat variant); there is no Node.js NATS
// adapter to be compatible with, so any queue.Encoding works, as long as
// every server and emitter of a cluster writes one both read (they all
// read both).
//
// # Subjects
//
// Subject gives the subject of each channel, reversibly (Channel is its
// inverse): the pieces of a channel name between its '#' become the
// tokens of the subject, letters, digits, '-' and '_' as they are and
// every other byte as '~' and two upper-case hexadecimal digits, an empty
// piece as "~". With the default prefix, the namespace "/chat" is
// "socket~2Eio.~2Fchat" and the replies to the server 0123456789abcdef go
// to "socket~2Eio.~2Fchat.0123456789abcdef"; a subscription to
// "socket~2Eio.>" sees every message of the default prefix. Subjects carry
// no wildcard, white space or empty token whatever the namespace's name.
//
// # Delivery, reconnection and bounds
//
// Core NATS delivers each message at most once to the subscriptions that
// exist when it is published, in publishing order for each connection.
// Every Subscribe is one NATS subscription, which the server has when
// Subscribe returns. The subscriptions of one delivery group
// (queue.WithDeliveryGroup: the manager's channels of one namespace, its
// room channels in the dynamic subscription modes included) share one
// goroutine, in the order the connection received their messages. The client reconnects forever (Options.ReconnectWait
// between attempts, a connection that leaves two pings of
// Options.PingInterval unanswered is lost), resubscribes, and the bus logs
// the disconnection and the reconnection. While the connection is down,
// publishes wait in the client's reconnect buffer, sent on reconnection;
// a publish beyond Options.MaxPending bytes is dropped (ErrDropped,
// counted by Dropped, one log line a second at most). Each subscription
// holds at most Options.SubscriptionQueue messages waiting for its
// callback; the client drops the ones beyond ("slow consumer", logged).
// A message larger than the server's max_payload (1 MiB by default)
// cannot be published. Options.OnPublishError and Options.OnReconnect
// report the messages not sent and the reconnections (to
// metrics.BrokerHooks, for instance). Requests to the other servers
// (FetchSockets, acknowledgements) that get no answer end after
// queue.Options.RequestTimeout.
//
// URLs are nats://host:port or tls://host:port (TLS required), with the
// credentials in them: nats://user:password@host, nats://token@host;
// several servers separated by commas. Options.TLS sets the roots and
// client certificates; Options.NATS passes any other nats.Option (NKeys,
// credentials files). Errors and log lines never show a password or
// token.
//
// # Connection state recovery (JetStream)
//
// A JetStreamBus appends the messages a server must not miss (broadcasts
// without acknowledgements, SocketsJoin, SocketsLeave, DisconnectSockets)
// to a JetStream stream, one subject per namespace
// (JetStreamOptions.LogSubject + "." + Subject(channel)), and consumes
// them with an ordered consumer per namespace, which the client recreates
// from the entry after the last one delivered when the connection or the
// consumer is lost. The other messages go through core NATS. A
// broadcast's offset is its stream sequence number; with the servers'
// core.Options.Recovery, a client gets the offset of each broadcast and,
// when it reconnects to any server, the broadcasts it missed, read from
// the stream. The sessions of disconnected sockets are kept in a
// JetStream key-value bucket (JetStreamOptions.SessionBucket), taken once
// by the server that restores them. The stream keeps
// JetStreamOptions.MaxAge and PerChannel entries, which must cover the
// servers' MaxDisconnectionDuration. An append needs the server's
// acknowledgement: while the connection is down it fails at once
// (ErrNotConnected) and the broadcast reaches the local clients only.
//
// # Emitter
//
// NewEmitter and NewJetStreamEmitter return a write-only Emitter with its
// own connection: broadcasts (to, in, except, of, volatile, compress),
// SocketsJoin, SocketsLeave, DisconnectSockets and server-side events,
// published with the uid "emitter" (not counted as a server). It cannot
// receive acknowledgements. On JetStream its broadcasts and room changes
// go to the log, as the servers' own.
package natsq
