// Package pymsg speaks the message format of python-socketio's pub/sub
// managers (RedisManager, KombuManager, AsyncAioPikaManager,
// KafkaManager), so sio servers and python-socketio servers share one
// cluster over any queue.Bus, and a Go process emits to python-socketio's
// clients: Encode and Decode are the message codec, NewManager a
// core.ClientManager and NewEmitter a write-only emitter.
//
//	bus, _ := amqpq.New("amqp://guest:guest@127.0.0.1:5672/", amqpq.Options{})
//	srv := core.NewServer(core.Options{ClientManager: pymsg.NewManager(bus, pymsg.Options{})})
//
// # The format
//
// Every namespace shares one channel, Options.Channel ("socketio", the
// default channel of python-socketio): the Redis channel, the RabbitMQ
// fanout exchange (amqpq maps the channel "socketio" to the exchange of
// that name, with the flags Kombu and AioPika declare), the Kafka topic.
// Messages are JSON objects {"method": ...} as python-socketio ≥ 5.14
// writes them (never pickle, which older versions write):
//
//	emit         event, data, binary, namespace, room, skip_sid, callback, host_id
//	disconnect   sid, namespace, host_id
//	enter_room   sid, room, namespace, host_id
//	leave_room   sid, room, namespace, host_id
//	close_room   room, namespace, host_id
//	callback     host_id (of the server awaiting it), sid, namespace, id, args
//
// An emit's data is the list of the event's arguments (≥ 5.15.1); with
// binary arguments (≥ 5.14.2) they are split as Socket.IO splits a
// binary packet, data becomes [args, base64(attachment)...] and binary is
// true. Data that is not a list (python-socketio before 5.15.1) is read
// as one argument; Options.SingleValue writes one-argument emits that way
// for such servers. Each server has a random host id of 32 hex
// characters; a server handles its own operations locally and ignores
// its own messages coming back (python-socketio ≥ 5.10; older servers act
// on every copy, which sio's messages do not disturb).
//
// # What crosses servers
//
//   - Broadcasts to every socket, to rooms, skipping socket ids (skip_sid;
//     sio's servers also skip the members of rooms given in Except). The
//     Volatile and Compress flags are not carried.
//   - An acknowledgement from one socket of another server (EmitWithAck to
//     a socket id): emit with callback [sid, namespace, id], and the reply
//     in a callback message. A broadcast with acknowledgements to several
//     sockets reaches the other servers' sockets without acknowledgement;
//     only the local replies are counted ("not supported" in python too).
//   - SocketsJoin, SocketsLeave and DisconnectSockets of socket ids of
//     other servers (enter_room, leave_room, disconnect); the sockets of
//     one room leaving that room is close_room. Other selections (every
//     socket, rooms) apply to the local sockets only.
//
// The format has no fetch-sockets, server-side events or cluster-size
// discovery: FetchSockets returns the local sockets and ServerSideEmit
// returns ErrUnsupported; ServerCount is the number of subscribers of the
// channel when the bus counts them (a queue.SubscriberCounter such as
// redisq.Bus, python-socketio's servers included), else 1. Connection
// state recovery stays local to the server the client was connected to.
package pymsg
