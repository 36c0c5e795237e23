// Package amqpq is a queue.Bus over RabbitMQ (AMQP 0-9-1, with
// github.com/rabbitmq/amqp091-go): the servers of a cluster share it
// through queue.NewManager, and processes that are not servers publish
// through it with an Emitter.
//
//	bus, err := amqpq.New("amqp://guest:guest@127.0.0.1:5672/", amqpq.Options{})
//	srv := core.NewServer(core.Options{ClientManager: queue.NewManager(bus, queue.Options{})})
//	// ... after srv.Shutdown:
//	bus.Close()
//
// # Layout on the broker
//
// A channel's messages go through a fanout exchange named after the
// channel up to its first '#' (ExchangeOf): the manager's ChannelPrefix,
// "socket.io" by default, so one exchange per cluster. Exchanges are
// declared non-durable and not auto-deleted, the flags python-socketio's
// Kombu and AioPika managers use, so Go servers and python-socketio
// servers can declare the same one. Each Bus (each node) has one
// exclusive, non-durable queue named "sio.<16 hex>.<8 hex>" with an
// x-expires of Options.QueueExpires, bound to every exchange its
// subscriptions need; the broker deletes it when the connection closes.
// A message carries its channel as routing key; the node hands it to the
// subscriptions of that channel (a delivery whose routing key names no
// channel of its exchange, as python-socketio publishes them, goes to the
// subscriptions of the exchange's own name). A node thus receives the
// replies addressed to other nodes too, and drops them.
//
// Messages are published transient, with content type application/json
// when they are JSON (first byte '{') and application/octet-stream
// otherwise, on a channel in confirm mode. Publish returns once the
// message is written; confirmations are awaited in the background, at
// most Options.MaxInFlight at a time: a Publish beyond that bound is
// dropped with ErrInFlight and logged (one line per second at most).
// The consumer acknowledges deliveries in batches, with a QoS prefetch of
// Options.Prefetch. Each subscription has its own goroutine and a queue
// of Options.SubscriptionQueue messages, or shares those of its delivery
// group (queue.WithDeliveryGroup: the channels of one exchange arrive
// through the node's one queue, in order); a full queue drops (and logs)
// the message for that subscription only.
//
// # Connection loss
//
// The bus watches the connection and its channels (close notifications)
// and the broker's flow control (connection.blocked). When the
// connection or a channel closes, it logs the loss, fails every Publish
// at once with ErrNotConnected (a request of the manager, such as
// FetchSockets, then returns that error instead of waiting), and
// reconnects with an exponential backoff from Options.ReconnectMin to
// Options.ReconnectMax (100ms to 2s): it declares a new queue, binds it to
// the exchanges again and logs "reconnected". Messages published while a
// node was disconnected are lost for it, as with python-socketio's
// managers; publishes left unconfirmed on a lost connection are counted
// in a log line. While the broker blocks publishing, Publish fails with
// ErrBlocked. Options.OnPublishError and Options.OnReconnect report the
// messages not sent or not confirmed (ErrNotConfirmed) and the
// reconnections (to metrics.BrokerHooks, for instance).
//
// # URLs
//
// amqp://user:password@host:port/vhost, or amqps:// for TLS (Options.TLS
// for the roots, client certificates or server name; nil means the
// system's roots). A missing port is 5672 (5671 for amqps), a missing
// virtual host "/", missing credentials guest/guest. The password is
// never logged.
//
// # Interoperating with python-socketio
//
// python-socketio's KombuManager and AsyncAioPikaManager publish their
// JSON messages to the fanout exchange "socketio" (their channel). A
// manager speaking that message format over this Bus on the channel
// "socketio" shares the exchange with them: the exchange has their flags,
// and their deliveries (routing key "" or "*") reach the subscription of
// "socketio".
package amqpq
