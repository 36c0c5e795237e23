// Package kafkaq is a queue.Bus over Kafka (with
// github.com/twmb/franz-go): the servers of a cluster share it through
// queue.NewManager, and processes that are not servers publish through
// it with an Emitter.
//
//	bus, err := kafkaq.New("kafka://127.0.0.1:9092", kafkaq.Options{})
//	srv := core.NewServer(core.Options{ClientManager: queue.NewManager(bus, queue.Options{})})
//	// ... after srv.Shutdown:
//	bus.Close()
//
// # Topics and records
//
// A channel's messages go to the topic named after the channel up to its
// first '#' (TopicOf): the manager's ChannelPrefix, "socket.io" by
// default, so one topic per cluster. The bus creates a missing topic
// (Options.Partitions and Options.ReplicationFactor, the broker's
// defaults when zero). Each record has the channel as key and the message
// as value; its partition is chosen from the namespace part of the key
// ("<prefix>#<nsp>#"), so that every channel of a namespace (its own, its
// rooms', its servers' reply channels) is in one partition and one
// server's messages on them keep their order, as queue's delivery groups
// expect (queue.WithDeliveryGroup). A record without key (as python-socketio's
// KafkaManager produces them) belongs to the channel named like its topic.
//
// # Consumption
//
// By default every node reads every partition of its topics directly,
// without a consumer group, from the end of each partition as listed
// when the topic is first subscribed (Subscribe returns after listing the
// offsets, so it misses nothing published after it returns): every node
// sees every message, as with python-socketio's KafkaManager. A node
// receives the replies addressed to the other nodes too, and drops them.
// With Options.Group set, the node consumes with that consumer group
// instead (one group per node; Subscribe lists the end offsets too, then
// waits for the group's assignment): a partition without a committed
// offset starts at the end listed when its topic was first subscribed; a
// restarted node with the same group resumes at its committed offsets.
//
// # Producing
//
// Publish returns once the record is buffered; the broker's
// acknowledgement is awaited in the background. Options.Acks chooses the
// level: AcksAll (the default) waits for every in-sync replica and
// enables idempotent writes (retried produce requests are not
// duplicated); AcksLeader and AcksNone trade durability for latency and
// turn idempotence off. At most Options.MaxInFlight records wait for an
// acknowledgement (while the brokers are unreachable, they wait in the
// client's buffer): a Publish beyond that bound is dropped with
// ErrInFlight and logged, one line per second at most. A record not
// acknowledged within Options.DeliveryTimeout (5s) is given up and
// logged when that is safe (with idempotent writes, a record already
// sent in a request waits for the broker's answer, so it is neither lost
// nor duplicated when the broker comes back).
//
// # Broker failures
//
// franz-go reconnects to the brokers by itself (backoff up to 1s). The
// bus logs "broker unreachable, retrying" when a connection fails and
// "reconnected" when one succeeds again. Consumption resumes at the
// offset it had reached: records the broker kept are not lost. Each
// subscription has its own goroutine and a queue of
// Options.SubscriptionQueue messages; a full queue drops (and logs) the
// message for that subscription only. Options.OnPublishError and
// Options.OnReconnect report the messages not sent or given up and the
// reconnections (to metrics.BrokerHooks, for instance).
//
// # URLs
//
// kafka://host:port, several brokers separated by commas
// (kafka://a:9092,b:9092), a missing port being 9092; kafkas:// (or
// ?tls=true) for TLS, configured by Options.TLS. Credentials in the URL
// authenticate with SASL: PLAIN by default, SCRAM with
// ?sasl=scram-sha-256 or ?sasl=scram-sha-512 (Options.SASL for any other
// mechanism). The password is never logged.
//
// # Connection state recovery
//
// A Bus keeps recovery local to the server a client was connected to (see
// package queue). A LogBus (NewLogBus) uses Kafka's retained log so that a
// client recovers on any server: it is a queue.LogBus whose log of a
// channel is the channel's topic (the durable messages are records marked
// with the header "sio-log"; a broadcast's offset, which clients hold, is
// "<partition>-<offset>" of its record; ReadLog reads the partition from
// there with a client of its own), and a queue.SessionStore whose
// sessions are records of one topic (LogOptions.SessionTopic, one
// partition), read from its start by every server and deleted with a
// record without value when taken. Appending waits for the broker's
// acknowledgement, so a broadcast costs a round trip to the broker. How
// far back a client can recover is bounded by the topics' retention.
package kafkaq
