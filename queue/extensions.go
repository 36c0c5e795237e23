package queue

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// SubscriberCounter is a Bus that can count the subscriptions of a channel
// across the broker (Redis's PUBSUB NUMSUB and SHARDNUMSUB). A manager on
// such a bus takes the cluster size from it instead of from heartbeats:
// ServerCount is the number of subscriptions of the namespace's channel,
// and requests expect that many answers, less one. It then publishes no
// heartbeat and no ADAPTER_CLOSE, as socket.io-adapter's ClusterAdapter
// without heartbeats (the sharded Redis and Redis Streams adapters) does.
// Each server must hold its own subscription: give each manager its own
// bus, or a bus that subscribes once per Subscribe call.
type SubscriberCounter interface {
	// Subscribers returns the number of subscriptions of channel.
	Subscribers(ctx context.Context, channel string) (int, error)
}

// LogBus is a Bus that also keeps messages in a durable, ordered log per
// channel, each at an offset (a Redis stream entry id, a JetStream
// sequence): what connection state recovery across the cluster needs. A
// manager on a LogBus appends the messages a server that starts late or
// reconnects must not miss (BROADCAST without acknowledgements,
// SOCKETS_JOIN, SOCKETS_LEAVE, DISCONNECT_SOCKETS, as the Redis Streams
// adapter does) and publishes the others (requests and replies) on the
// Bus. A broadcast event then carries its log offset as its last argument
// (when the server has Options.Recovery), on every server, and a client
// that reconnects to any server gets the broadcasts it missed from the
// log.
//
// Offsets are opaque strings to the manager and to clients, which send the
// last one they received back when they reconnect.
type LogBus interface {
	Bus
	// Append adds msg to channel's log and returns its offset. Every
	// SubscribeLog subscription of channel, the appender's own included,
	// receives it. The caller does not modify msg afterwards.
	Append(ctx context.Context, channel string, msg []byte) (offset string, err error)
	// SubscribeLog calls fn with each message appended to channel's log
	// after SubscribeLog returns, with its offset, one call at a time, in
	// log order. A subscription outlives broker restarts: after a
	// reconnection it resumes after the last offset it delivered. fn may
	// keep msg but does not modify it. unsubscribe stops the delivery; it
	// may be called from fn and does not wait for a running call.
	SubscribeLog(ctx context.Context, channel string, fn func(offset string, msg []byte)) (unsubscribe func(), err error)
	// ReadLog calls fn, in log order, with each message of channel's log
	// after offset, until fn returns false or the end of the log. It
	// returns an error wrapping ErrUnknownOffset when offset is not (or
	// no longer) in the log, or is not an offset of this bus.
	ReadLog(ctx context.Context, channel, offset string, fn func(offset string, msg []byte) bool) error
}

// ErrUnknownOffset is wrapped by the errors of LogBus.ReadLog for an offset
// that is not in the log.
var ErrUnknownOffset = errors.New("sio/queue: offset not in the log")

// SessionStore keeps the sessions of disconnected sockets for connection
// state recovery across the cluster, so that any server can restore them.
// A manager on a LogBus uses Options.Sessions, or the bus itself when it
// is a SessionStore, or else keeps the sessions in its own memory (then a
// client recovers on the server it was connected to only, with the missed
// broadcasts from the log).
//
// A session is opaque bytes: a MessagePack map {sid, pid, rooms, data},
// what Node.js's socket.io persists (the Redis Streams adapter stores it
// base64-encoded).
type SessionStore interface {
	// SaveSession stores session under the private id pid for ttl.
	SaveSession(ctx context.Context, pid string, session []byte, ttl time.Duration) error
	// TakeSession returns the session stored under pid and deletes it, in
	// one step; an error wrapping ErrNoSession when there is none.
	TakeSession(ctx context.Context, pid string) ([]byte, error)
}

// ErrNoSession is wrapped by the errors of SessionStore.TakeSession when no
// session is stored under the pid.
var ErrNoSession = errors.New("sio/queue: no such session")

// SubscriptionMode says which channels a manager subscribes to for a
// namespace, and where it publishes broadcasts to one room (the sharded
// Redis adapter's subscriptionMode).
type SubscriptionMode int

const (
	// SubscriptionStatic uses the two channels of each namespace: every
	// broadcast goes to every server. The zero value.
	SubscriptionStatic SubscriptionMode = iota
	// SubscriptionDynamic adds one channel per public room,
	// "<prefix>#N#<room>#", which a server subscribes to while the room
	// has a member on it (a public room is one not named after a local
	// socket's id). A broadcast without acknowledgements to exactly one
	// room whose name is not 20 characters long (the length of a socket
	// id) is published on the room's channel, so only the servers with
	// members get it.
	SubscriptionDynamic
	// SubscriptionDynamicPrivate is SubscriptionDynamic for every room,
	// the private ones (socket ids) included, and every broadcast without
	// acknowledgements to exactly one room goes to its channel.
	SubscriptionDynamicPrivate
)

// String returns Node.js's name of the mode: "static", "dynamic" or
// "dynamic-private".
func (m SubscriptionMode) String() string {
	switch m {
	case SubscriptionStatic:
		return "static"
	case SubscriptionDynamic:
		return "dynamic"
	case SubscriptionDynamicPrivate:
		return "dynamic-private"
	}
	return "subscription mode " + strconv.Itoa(int(m))
}

// deliveryGroupKey is the context key of WithDeliveryGroup.
type deliveryGroupKey struct{}

// WithDeliveryGroup returns a context for Bus.Subscribe that puts the
// subscription in the delivery group key (any comparable value): a bus
// calls the callbacks of one group one at a time, in the order it received
// their messages across their channels, instead of each subscription on
// its own. The manager subscribes each namespace's channels in one group,
// so that a server's broadcast to one room (on the room's channel, in the
// dynamic modes) and its next one to everybody (on the namespace's) arrive
// in that order, as with Node.js's single subscriber connection.
// MemoryBus and the buses of sio's broker packages honour groups; a Bus
// that ignores them is still correct for the static mode.
func WithDeliveryGroup(ctx context.Context, key any) context.Context {
	return context.WithValue(ctx, deliveryGroupKey{}, key)
}

// DeliveryGroup returns the delivery group of a Subscribe context, nil for
// none (see WithDeliveryGroup).
func DeliveryGroup(ctx context.Context) any { return ctx.Value(deliveryGroupKey{}) }
