package redisq

import (
	"context"
	"fmt"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/pending"
	"github.com/socketio-go/sio/queue/internal/wire"
)

// onlyLocal reports whether an operation with opts concerns this server
// only.
func (a *ClassicAdapter) onlyLocal(opts core.BroadcastOptions) bool {
	return wire.OnlyLocal(a.nsp, opts)
}

// publish sends msg on channel, bounded by Options.PublishTimeout.
func (a *ClassicAdapter) publish(channel string, msg []byte) error {
	return a.m.pub.publish(context.Background(), channel, msg)
}

// publishRequest encodes req as JSON (MessagePack when it carries binary
// values) and sends it on the request channel.
func (a *ClassicAdapter) publishRequest(req any) error {
	b, err := encodeJSON(req)
	if err != nil {
		a.log.Error("sio/redisq: cannot encode request", "err", err)
		return err
	}
	return a.publish(a.requestChannel, b)
}

// broadcastChannel returns the channel of a broadcast to rooms: the
// room's own when there is exactly one.
func (a *ClassicAdapter) broadcastChannel(rooms []string) string {
	if len(rooms) == 1 {
		return a.channel + rooms[0] + "#"
	}
	return a.channel
}

// Broadcast implements core.Adapter: it publishes p (unless opts is
// local) as the triple [uid, packet, opts] and delivers it to the local
// sockets.
func (a *ClassicAdapter) Broadcast(p *core.Packet, opts core.BroadcastOptions) {
	if !a.onlyLocal(opts) {
		if msg, err := a.encodeBroadcast(p, opts); err != nil {
			a.log.Error("sio/redisq: cannot encode broadcast", "event", p.Event, "err", err)
		} else {
			_ = a.publish(a.broadcastChannel(opts.Rooms), msg)
		}
	}
	a.MemoryAdapter.Broadcast(p, opts)
}

func (a *ClassicAdapter) encodeBroadcast(p *core.Packet, opts core.BroadcastOptions) ([]byte, error) {
	packet, err := wire.EncodePacket(p.Outgoing)
	if err != nil {
		return nil, err
	}
	return wire.Marshal(classicBroadcast{UID: a.m.uid, Packet: packet, Opts: wire.ToOpts(opts)})
}

// serverCount returns the number of servers subscribed to the
// namespace's request channel (at least 1, this one). When Redis does not
// answer within Options.RequestsTimeout it returns 1 and an error
// wrapping queue.ErrRequestTimeout.
func (a *ClassicAdapter) serverCount(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, a.m.opts.RequestsTimeout)
	defer cancel()
	n, err := numSub(ctx, a.m.client, a.requestChannel)
	if err != nil {
		a.m.pub.errs.Error("sio/redisq: cannot count the servers (PUBSUB NUMSUB)", "nsp", a.nsp.Name(), "err", err)
		return 1, fmt.Errorf("%w: counting them: %v", queue.ErrRequestTimeout, err)
	}
	return max(int(n), 1), nil
}

// ServerCount implements core.Adapter: the servers subscribed to the
// namespace's request channel (PUBSUB NUMSUB), as Node.js counts them;
// 1 when Redis does not answer.
func (a *ClassicAdapter) ServerCount(ctx context.Context) int {
	n, _ := a.serverCount(ctx)
	return n
}

// BroadcastWithAck implements core.Adapter: it publishes a BROADCAST
// request; every other server reports how many of its sockets received
// p, then relays each acknowledgement. onCount gets the total once every
// server counted (the servers are counted with PUBSUB NUMSUB when p is
// sent).
func (a *ClassicAdapter) BroadcastWithAck(p *core.Packet, opts core.BroadcastOptions, onCount func(int), onAck func(core.Args)) {
	if a.onlyLocal(opts) {
		a.MemoryAdapter.BroadcastWithAck(p, opts, onCount, onAck)
		return
	}
	packet, err := wire.EncodePacket(p.Outgoing)
	if err != nil {
		a.log.Error("sio/redisq: cannot encode broadcast", "event", p.Event, "err", err)
		a.MemoryAdapter.BroadcastWithAck(p, opts, onCount, onAck)
		return
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = max(a.m.opts.RequestsTimeout, a.nsp.Server().Options().AckTimeout)
		opts.Timeout = timeout
	}
	n, _ := a.serverCount(context.Background()) // without Redis: the local sockets only
	others := n - 1
	id := newUID(16)
	if _, ok := a.requests.Register(id, pending.NewBroadcast(onCount, onAck), []string{a.m.uid}, others, timeout); !ok {
		a.MemoryAdapter.BroadcastWithAck(p, opts, onCount, onAck)
		return
	}
	if others > 0 {
		wo := wire.ToOpts(opts)
		req := classicRequest{UID: a.m.uid, RequestID: id, Type: reqBroadcast, Packet: packet, Opts: &wo, Corrections: true}
		msg, err := wire.Marshal(req) // always MessagePack, as Node.js writes it
		if err == nil {
			err = a.publish(a.requestChannel, msg)
		}
		if err != nil {
			a.requests.Unanswered(id, a.m.uid)
		}
	}
	a.MemoryAdapter.BroadcastWithAck(p, opts,
		func(n int) { a.requests.Count(id, a.m.uid, n) },
		func(reply core.Args) { a.requests.Ack(id, a.m.uid, reply) })
}

// FetchSockets implements core.Adapter: the local sockets and those the
// other servers report (as many as PUBSUB NUMSUB counts). When some
// server does not answer within Options.RequestsTimeout (or before ctx
// ends), or Redis cannot count the servers, it returns the sockets
// gathered so far with an error wrapping queue.ErrRequestTimeout (or
// ctx's error).
func (a *ClassicAdapter) FetchSockets(ctx context.Context, opts core.BroadcastOptions) ([]*core.RemoteSocket, error) {
	local, err := a.MemoryAdapter.FetchSockets(ctx, opts)
	if err != nil || a.onlyLocal(opts) {
		return local, err
	}
	n, err := a.serverCount(ctx)
	if err != nil {
		return local, err
	}
	others := n - 1
	id := newUID(16)
	r := pending.NewFetch(local)
	if n, ok := a.requests.Register(id, r, nil, others, 0); !ok || n == 0 {
		return local, nil
	}
	wo := wire.ToOpts(core.BroadcastOptions{Rooms: opts.Rooms, Except: opts.Except})
	if err := a.publishRequest(classicRequest{UID: a.m.uid, RequestID: id, Type: reqRemoteFetch, Opts: &wo}); err != nil {
		a.requests.Forget(id)
		return local, err
	}
	timeout := a.m.opts.RequestsTimeout
	if opts.Timeout > 0 {
		timeout = opts.Timeout
	}
	sockets, out := a.requests.Wait(ctx, id, r, timeout)
	switch out {
	case pending.TimedOut:
		return sockets, queue.ErrRequestTimeout
	case pending.Cancelled:
		return sockets, queue.ErrClosed
	case pending.CtxDone:
		return sockets, ctx.Err()
	}
	return sockets, nil
}

// selection returns the wire form of the sockets opts selects.
func selection(opts core.BroadcastOptions) *wire.Opts {
	wo := wire.ToOpts(core.BroadcastOptions{Rooms: opts.Rooms, Except: opts.Except})
	return &wo
}

// AddSockets implements core.Adapter: it applies the join locally and
// publishes it (REMOTE_JOIN) to the other servers.
func (a *ClassicAdapter) AddSockets(opts core.BroadcastOptions, rooms []string) {
	a.MemoryAdapter.AddSockets(opts, rooms)
	if !a.onlyLocal(opts) {
		_ = a.publishRequest(classicRequest{UID: a.m.uid, Type: reqRemoteJoin, Opts: selection(opts), Rooms: rooms})
	}
}

// DelSockets implements core.Adapter (REMOTE_LEAVE).
func (a *ClassicAdapter) DelSockets(opts core.BroadcastOptions, rooms []string) {
	a.MemoryAdapter.DelSockets(opts, rooms)
	if !a.onlyLocal(opts) {
		_ = a.publishRequest(classicRequest{UID: a.m.uid, Type: reqRemoteLeave, Opts: selection(opts), Rooms: rooms})
	}
}

// DisconnectSockets implements core.Adapter (REMOTE_DISCONNECT).
func (a *ClassicAdapter) DisconnectSockets(opts core.BroadcastOptions, close bool) {
	local := a.onlyLocal(opts) // before the local sockets leave
	a.MemoryAdapter.DisconnectSockets(opts, close)
	if !local {
		_ = a.publishRequest(classicRequest{UID: a.m.uid, Type: reqRemoteDisconnect, Opts: selection(opts), Close: close})
	}
}

// ServerSideEmit implements core.Adapter. With onAck, onCount receives
// the number of other servers (PUBSUB NUMSUB less this one); each replies
// with the first value its handler returns; a server without a handler
// for event does not reply, as in Node.js. Replies are awaited for
// Options.RequestsTimeout at most. When Redis cannot count the servers,
// a ServerSideEmit with acknowledgements fails with an error wrapping
// queue.ErrRequestTimeout.
func (a *ClassicAdapter) ServerSideEmit(event string, args []any, onCount func(int), onAck func(core.Args)) error {
	data, err := wire.EncodeEvent(event, args)
	if err != nil {
		return err
	}
	req := classicRequest{UID: a.m.uid, Type: reqServerSideEmit, Data: data}
	if onAck != nil {
		req.RequestID = newUID(16)
		n, err := a.serverCount(context.Background())
		if err != nil {
			return err
		}
		others := n - 1
		r := pending.NewServerSideEmit(onCount, onAck)
		if n, ok := a.requests.Register(req.RequestID, r, nil, others, a.m.opts.RequestsTimeout); !ok || n == 0 {
			return nil
		}
	}
	if err := a.publishRequest(req); err != nil {
		if req.RequestID != "" {
			a.requests.Forget(req.RequestID)
		}
		return err
	}
	return nil
}
