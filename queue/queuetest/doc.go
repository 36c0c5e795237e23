// Package queuetest is the conformance kit of package queue: test suites
// that a Bus, and a cluster ClientManager built on one, run against
// themselves. MemoryBus runs them in queue's tests, every broker package
// of sio runs them against its real broker, and a third-party Bus can run
// them the same way from its own tests:
//
//	func TestBus(t *testing.T) {
//		queuetest.RunBus(t, func(t *testing.T) queue.Bus { return mybroker.NewBus(t, url) })
//	}
//
//	func TestCluster(t *testing.T) {
//		queuetest.RunCluster(t, func(t *testing.T) func() core.ClientManager {
//			bus := mybroker.NewBus(t, url) // one broker connection, or one per server
//			t.Cleanup(func() { bus.Close() })
//			return func() core.ClientManager { return queue.NewManager(bus, queue.Options{}) }
//		})
//	}
//
// RunBus checks the Bus contract (package queue's Bus documentation):
// delivery to the publisher's own subscriptions, several subscriptions of
// one channel, separate channels, publishing order per publisher,
// concurrent publishers, one callback at a time, a callback that blocks
// does not block Publish, unsubscribing (also from the callback), large
// messages (256 KiB) and arbitrary bytes, and Close.
//
// RunCluster starts several core.Servers (three, or two) whose managers
// come from one call of its argument, each served by stdsio on an
// httptest server, connects real websocket clients to them and checks
// every cluster operation across the servers: broadcasts (rooms, except,
// a socket id as a room, Local, Volatile, Compress, another namespace,
// binary arguments), broadcasts with acknowledgements (with a client that
// does not answer), FetchSockets (handshake, rooms, data, and the
// RemoteSocket operations), SocketsJoin and SocketsLeave,
// DisconnectSockets, ServerSideEmit with and without acknowledgements,
// ServerCount, and a server leaving the cluster.
//
// RunRecovery checks connection state recovery across the servers (for a
// manager on a queue.LogBus with shared sessions): a client that loses
// its connection to one server reconnects to another and gets its id,
// rooms and the broadcasts it missed, each with its offset, and a session
// is restored only once.
//
// RunBus makes channel names unique to each run; for RunCluster, the
// managers' channel prefix is the caller's (unique to each call of its
// argument when the broker is shared with other tests). Every wait is
// bounded (Wait); none sleeps to synchronise, so a slow machine makes the
// suites slower, not flaky. The clients are minimal Socket.IO clients
// over real websockets (JSON parser). The suites need nothing but the
// Bus or the manager: no Node.js, no network but the loopback.
package queuetest
