package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
	"github.com/socketio-go/sio/queue/internal/pending"
	"github.com/socketio-go/sio/queue/internal/wire"
)

// Defaults applied to zero Options fields.
const (
	DefaultChannelPrefix     = "socket.io"
	DefaultRequestTimeout    = 5 * time.Second
	DefaultHeartbeatInterval = 5 * time.Second
	DefaultHeartbeatTimeout  = 10 * time.Second
)

// ErrRequestTimeout is returned (with the sockets gathered so far) by a
// FetchSockets that did not get every other server's answer in time.
var ErrRequestTimeout = errors.New("sio/queue: timed out waiting for other servers")

// Options configures a manager. The zero value of every field means the
// documented default.
type Options struct {
	// ChannelPrefix starts every channel name. Zero: "socket.io".
	ChannelPrefix string
	// RequestTimeout bounds the wait for the other servers' answers to
	// FetchSockets and ServerSideEmit with acknowledgements. Zero: 5s.
	RequestTimeout time.Duration
	// HeartbeatInterval is the silence after which a server publishes a
	// HEARTBEAT. Zero: 5s.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is the silence after which a peer is considered
	// gone. Zero: 10s.
	HeartbeatTimeout time.Duration
	// Encoding is how the manager writes its messages (it reads both
	// encodings). Zero: EncodingMsgpack. A broker's manager sets what its
	// Node.js adapter writes: EncodingJSON for the sharded Redis and
	// Postgres adapters.
	Encoding Encoding
	// SubscriptionMode says which channels each namespace uses (see
	// SubscriptionMode). Zero: SubscriptionStatic.
	SubscriptionMode SubscriptionMode
	// Sessions keeps the sessions of disconnected sockets for connection
	// state recovery when the bus is a LogBus (see SessionStore). Nil: the
	// bus, when it is a SessionStore, else the manager's memory.
	Sessions SessionStore
	// Logger receives the manager's log lines. Nil: the server's logger.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = DefaultChannelPrefix
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if o.HeartbeatTimeout <= 0 {
		o.HeartbeatTimeout = DefaultHeartbeatTimeout
	}
	return o
}

// manager is the ClientManager NewManager returns.
type manager struct {
	bus  Bus
	opts Options
	uid  string

	sessOnce sync.Once
	sessions SessionStore // see memSessions
}

// NewManager returns a ClientManager that links the servers sharing bus
// into one cluster. Give each server its own manager (it is the server's
// identity in the cluster) and set it as core.Options.ClientManager. The
// bus is not closed by the manager: close it after shutting the server
// down.
func NewManager(bus Bus, opts Options) core.ClientManager {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return &manager{bus: bus, opts: opts.withDefaults(), uid: hex.EncodeToString(b[:])}
}

// NewAdapter implements core.ClientManager.
func (m *manager) NewAdapter(nsp *core.Namespace) core.Adapter { return newAdapter(m, nsp) }

// Adapter is the Adapter of one namespace for a manager from NewManager:
// the embedded MemoryAdapter keeps the local rooms and delivers to the
// local sockets; every cluster-wide operation is also published to the
// other servers.
type Adapter struct {
	*core.MemoryAdapter

	bus     Bus
	opts    Options
	uid     string
	nsp     *core.Namespace
	log     *slog.Logger
	channel string // the namespace's channel, shared by every server

	counter  SubscriberCounter // the cluster size, instead of heartbeats; or nil
	logBus   LogBus            // the durable messages and recovery; or nil
	sessions SessionStore      // with logBus
	rooms    *roomChannels     // the room channels of the dynamic modes; or nil
	restored restoredPackets   // with logBus
	// restoreMu is held for writing by RestoreSession and for reading
	// while a broadcast from the log is delivered.
	restoreMu sync.RWMutex

	stop     chan struct{} // closed by Close
	loopDone chan struct{} // closed when the heartbeat loop returns

	mu          sync.Mutex // guards the fields below
	closed      bool
	peers       map[string]time.Time // uid → last message
	requests    pending.Table        // guarded by its own lock, taken after mu
	lastPublish time.Time
	unsubscribe []func()
}

func newAdapter(m *manager, nsp *core.Namespace) *Adapter {
	log := m.opts.Logger
	if log == nil {
		log = nsp.Server().Options().Logger
	}
	a := &Adapter{
		MemoryAdapter: core.NewMemoryAdapter(nsp),
		bus:           m.bus,
		opts:          m.opts,
		uid:           m.uid,
		nsp:           nsp,
		log:           log.With("nsp", nsp.Name(), "uid", m.uid),
		stop:          make(chan struct{}),
		loopDone:      make(chan struct{}),
		peers:         make(map[string]time.Time),
	}
	a.channel = a.opts.ChannelPrefix + "#" + nsp.Name() + "#"
	a.counter, _ = m.bus.(SubscriberCounter)
	a.setupLog(m)
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestTimeout)
	defer cancel()
	for _, ch := range []string{a.channel, a.channelOf(a.uid)} {
		unsub, err := a.bus.Subscribe(WithDeliveryGroup(ctx, a), ch, a.onMessage)
		if err != nil {
			a.log.Error("sio/queue: cannot subscribe", "channel", ch, "err", err)
			continue
		}
		a.unsubscribe = append(a.unsubscribe, unsub)
	}
	if a.logBus != nil {
		unsub, err := a.logBus.SubscribeLog(ctx, a.channel, a.onLogMessage)
		if err != nil {
			a.log.Error("sio/queue: cannot subscribe to the log", "channel", a.channel, "err", err)
		} else {
			a.unsubscribe = append(a.unsubscribe, unsub)
		}
	}
	if a.opts.SubscriptionMode != SubscriptionStatic {
		a.rooms = newRoomChannels(a)
	}
	if a.counter != nil {
		close(a.loopDone) // no heartbeats: the bus counts the servers
		return a
	}
	a.publish(TypeInitialHeartbeat, nil)
	go a.loop()
	return a
}

// UID returns the server's id in the cluster: 16 hex characters.
func (a *Adapter) UID() string { return a.uid }

// channelOf returns the channel of the server uid's replies.
func (a *Adapter) channelOf(uid string) string { return a.channel + uid + "#" }

// loop publishes heartbeats and drops silent peers until Close.
func (a *Adapter) loop() {
	defer close(a.loopDone)
	tick := min(a.opts.HeartbeatInterval, a.opts.HeartbeatTimeout) / 5
	tick = min(max(tick, 5*time.Millisecond), time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case now := <-t.C:
			a.mu.Lock()
			quiet := now.Sub(a.lastPublish) >= a.opts.HeartbeatInterval
			var gone []string
			for uid, seen := range a.peers {
				if now.Sub(seen) > a.opts.HeartbeatTimeout {
					gone = append(gone, uid)
				}
			}
			a.mu.Unlock()
			if quiet {
				a.publish(TypeHeartbeat, nil)
			}
			for _, uid := range gone {
				a.log.Info("sio/queue: peer timed out", "peer", uid)
				a.removePeer(uid, true)
			}
		}
	}
}

// publish sends a message to every server of the namespace.
func (a *Adapter) publish(typ MessageType, data any) error {
	return a.publishOn(a.channel, typ, data)
}

// publishTo sends a reply to the server uid.
func (a *Adapter) publishTo(uid string, typ MessageType, data any) error {
	return a.publishOn(a.channelOf(uid), typ, data)
}

func (a *Adapter) publishOn(channel string, typ MessageType, data any) error {
	_, err := a.send(channel, typ, data)
	return err
}

// send publishes a message on channel, or appends it to the log when it is
// durable and the bus is a LogBus; it returns the log offset.
func (a *Adapter) send(channel string, typ MessageType, data any) (string, error) {
	b, err := encodeMessage(outMessage{UID: a.uid, NSP: a.nsp.Name(), Type: typ, Data: data}, a.opts.Encoding)
	if err != nil {
		a.log.Error("sio/queue: cannot encode message", "type", typ.String(), "err", err)
		return "", err
	}
	a.mu.Lock()
	closed := a.closed && typ != TypeAdapterClose
	a.lastPublish = time.Now()
	a.mu.Unlock()
	if closed {
		return "", ErrClosed
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestTimeout)
	defer cancel()
	if a.logBus != nil && durable(typ, data) {
		off, err := a.logBus.Append(ctx, a.channel, b)
		if err != nil {
			a.log.Warn("sio/queue: cannot append to the log", "type", typ.String(), "channel", a.channel, "err", err)
		}
		return off, err
	}
	if err := a.bus.Publish(ctx, channel, b); err != nil {
		a.log.Warn("sio/queue: cannot publish", "type", typ.String(), "channel", channel, "err", err)
		return "", err
	}
	return "", nil
}

// onlyLocal reports whether an operation with opts concerns this server
// only.
func (a *Adapter) onlyLocal(opts core.BroadcastOptions) bool { return wire.OnlyLocal(a.nsp, opts) }

// Broadcast implements core.Adapter: it publishes p (unless opts is local)
// and delivers it to the local sockets.
func (a *Adapter) Broadcast(p *core.Packet, opts core.BroadcastOptions) {
	if a.logBus != nil {
		a.broadcastLogged(p, opts)
		return
	}
	if !a.onlyLocal(opts) {
		if raw, err := encodePacket(p.Outgoing); err != nil {
			a.log.Error("sio/queue: cannot encode broadcast", "event", p.Event, "err", err)
		} else {
			_ = a.publishOn(a.broadcastChannel(opts), TypeBroadcast, broadcastData{Packet: raw, Opts: toWireOpts(opts)})
		}
	}
	a.MemoryAdapter.Broadcast(p, opts)
}

// BroadcastWithAck implements core.Adapter: the other servers report how
// many of their sockets received p, then each reply. onCount is called
// once with the total when every server known when p was sent has
// reported (or left the cluster), then with later corrections.
func (a *Adapter) BroadcastWithAck(p *core.Packet, opts core.BroadcastOptions, onCount func(int), onAck func(core.Args)) {
	if a.onlyLocal(opts) {
		a.MemoryAdapter.BroadcastWithAck(p, opts, onCount, onAck)
		return
	}
	raw, err := encodePacket(p.Outgoing)
	if err != nil {
		a.log.Error("sio/queue: cannot encode broadcast", "event", p.Event, "err", err)
		a.MemoryAdapter.BroadcastWithAck(p, opts, onCount, onAck)
		return
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = max(a.opts.RequestTimeout, a.nsp.Server().Options().AckTimeout)
	}
	id := newRequestID()
	if _, ok, _ := a.register(id, pending.NewBroadcast(onCount, onAck), timeout, true); !ok {
		a.MemoryAdapter.BroadcastWithAck(p, opts, onCount, onAck)
		return
	}
	if err := a.publish(TypeBroadcast, broadcastData{Packet: raw, Opts: toWireOpts(opts), RequestID: id}); err != nil {
		a.requests.Unanswered(id, a.uid) // no other server will answer
	}
	a.MemoryAdapter.BroadcastWithAck(p, opts,
		func(n int) { a.requests.Count(id, a.uid, n) },
		func(reply core.Args) { a.requests.Ack(id, a.uid, reply) })
}

// FetchSockets implements core.Adapter: the local sockets and those the
// other servers report. When some server does not answer within
// Options.RequestTimeout (or before ctx ends), it returns the sockets
// gathered so far with an error wrapping ErrRequestTimeout (or ctx's
// error).
func (a *Adapter) FetchSockets(ctx context.Context, opts core.BroadcastOptions) ([]*core.RemoteSocket, error) {
	local, err := a.MemoryAdapter.FetchSockets(ctx, opts)
	if err != nil || a.onlyLocal(opts) {
		return local, err
	}
	id := newRequestID()
	r := pending.NewFetch(local)
	n, ok, err := a.register(id, r, 0, false)
	if err != nil || !ok || n == 0 {
		return local, err
	}
	if err := a.publish(TypeFetchSockets, fetchData{Opts: toWireOpts(opts), RequestID: id}); err != nil {
		a.requests.Forget(id)
		return local, err
	}
	timeout := a.opts.RequestTimeout
	if opts.Timeout > 0 {
		timeout = opts.Timeout
	}
	sockets, out := a.requests.Wait(ctx, id, r, timeout)
	return sockets, fetchError(ctx, out)
}

// fetchError returns the error of a FetchSockets wait that ended with
// out: nil, ErrRequestTimeout, ErrClosed or ctx's error.
func fetchError(ctx context.Context, out pending.Outcome) error {
	switch out {
	case pending.TimedOut:
		return ErrRequestTimeout
	case pending.Cancelled:
		return ErrClosed
	case pending.CtxDone:
		return ctx.Err()
	}
	return nil
}

// AddSockets implements core.Adapter.
func (a *Adapter) AddSockets(opts core.BroadcastOptions, rooms []string) {
	a.MemoryAdapter.AddSockets(opts, rooms)
	if !a.onlyLocal(opts) {
		_ = a.publish(TypeSocketsJoin, roomsData{Opts: toWireOpts(opts), Rooms: rooms})
	}
}

// DelSockets implements core.Adapter.
func (a *Adapter) DelSockets(opts core.BroadcastOptions, rooms []string) {
	a.MemoryAdapter.DelSockets(opts, rooms)
	if !a.onlyLocal(opts) {
		_ = a.publish(TypeSocketsLeave, roomsData{Opts: toWireOpts(opts), Rooms: rooms})
	}
}

// DisconnectSockets implements core.Adapter.
func (a *Adapter) DisconnectSockets(opts core.BroadcastOptions, close bool) {
	local := a.onlyLocal(opts) // before the local sockets leave
	a.MemoryAdapter.DisconnectSockets(opts, close)
	if !local {
		_ = a.publish(TypeDisconnectSockets, disconnectData{Opts: toWireOpts(opts), Close: close})
	}
}

// ServerSideEmit implements core.Adapter. With onAck, onCount receives the
// number of other servers known now; each replies with the first value
// its handler returns (all of them when there are not exactly one); a
// server without a handler for event does not reply, as in Node.js.
// Replies are awaited for Options.RequestTimeout at most.
func (a *Adapter) ServerSideEmit(event string, args []any, onCount func(int), onAck func(core.Args)) error {
	raw, err := encodeEvent(event, args)
	if err != nil {
		return err
	}
	if onAck == nil {
		return a.publish(TypeServerSideEmit, serverSideEmitData{Packet: raw})
	}
	id := newRequestID()
	if n, ok, err := a.register(id, pending.NewServerSideEmit(onCount, onAck), a.opts.RequestTimeout, false); err != nil || !ok || n == 0 {
		return err
	}
	if err := a.publish(TypeServerSideEmit, serverSideEmitData{Packet: raw, RequestID: id}); err != nil {
		a.requests.Forget(id)
		return err
	}
	return nil
}

// ServerCount implements core.Adapter: this server and the peers heard
// from within Options.HeartbeatTimeout.
func (a *Adapter) ServerCount(ctx context.Context) int {
	if a.counter != nil {
		return a.countServers(ctx)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return 1 + len(a.peers)
}

// Close implements core.Adapter: it tells the other servers, stops the
// heartbeats and the subscriptions, and abandons the pending requests.
func (a *Adapter) Close() {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.closed = true
	a.requests.Close()
	unsub := a.unsubscribe
	a.unsubscribe = nil
	a.mu.Unlock()
	close(a.stop)
	<-a.loopDone
	if a.counter == nil {
		_ = a.publish(TypeAdapterClose, nil)
	}
	if a.rooms != nil {
		a.rooms.close()
	}
	a.restored.close()
	for _, u := range unsub {
		u()
	}
	a.MemoryAdapter.Close()
}

// newRequestID returns a random request id: 16 hex characters.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// onMessage handles a message from the bus.
func (a *Adapter) onMessage(b []byte) { a.receive(b, "") }

// onLogMessage handles a message from the log.
func (a *Adapter) onLogMessage(offset string, b []byte) { a.receive(b, offset) }

// receive handles a message from the bus or, with its offset, the log.
func (a *Adapter) receive(b []byte, offset string) {
	m, err := decodeMessage(b)
	if err != nil {
		a.log.Warn("sio/queue: dropping undecodable message", "len", len(b), "err", err)
		return
	}
	if m.UID == a.uid || (m.NSP != "" && m.NSP != a.nsp.Name()) {
		return
	}
	a.mu.Lock()
	closed := a.closed
	if !closed && a.counter == nil && m.UID != "" && m.UID != emitterUID && m.Type > 0 && m.Type < TypeAdapterClose {
		a.peers[m.UID] = time.Now()
	}
	a.mu.Unlock()
	if closed {
		return
	}
	if err := a.handle(m, offset); err != nil {
		a.log.Warn("sio/queue: dropping invalid message", "type", m.Type.String(), "from", m.UID, "err", err)
	}
}

func (a *Adapter) handle(m inMessage, offset string) error {
	data, err := decodeData(m, a.nsp)
	if err != nil {
		return err
	}
	switch d := data.(type) {
	case nil:
		switch m.Type {
		case TypeInitialHeartbeat:
			_ = a.publish(TypeHeartbeat, nil)
		case TypeAdapterClose:
			a.removePeer(m.UID, false)
		}
	case inBroadcast:
		a.onBroadcast(m.UID, d, offset)
	case roomsData:
		if m.Type == TypeSocketsJoin {
			a.addSockets(d.Opts.Options(), d.Rooms)
		} else {
			a.MemoryAdapter.DelSockets(d.Opts.Options(), d.Rooms)
		}
	case disconnectData:
		a.MemoryAdapter.DisconnectSockets(d.Opts.Options(), d.Close)
	case fetchData:
		return a.onFetch(m.UID, d)
	case inFetchResponse:
		a.requests.Sockets(d.requestID, m.UID, d.sockets)
	case inServerSideEmit:
		a.onServerSideEmit(m.UID, d)
	case inReply:
		if m.Type == TypeBroadcastAck {
			a.requests.Ack(d.requestID, m.UID, d.args)
		} else {
			a.requests.Reply(d.requestID, m.UID, d.args)
		}
	case clientCountData:
		a.requests.Count(d.RequestID, m.UID, d.ClientCount)
	}
	return nil
}

// onBroadcast delivers another server's broadcast to the local sockets.
// A broadcast from the log carries its offset.
func (a *Adapter) onBroadcast(from string, d inBroadcast, offset string) {
	out := parser.Outgoing{Type: parser.Event, Namespace: a.nsp.Name(), Event: d.event, Args: d.args}
	opts := d.opts
	if d.requestID == "" {
		if a.logBus != nil {
			// Not while a session is being restored: the restored
			// socket gets this packet either from the log or from here.
			a.restoreMu.RLock()
			defer a.restoreMu.RUnlock()
			if sids := a.restored.take(offset); len(sids) > 0 {
				opts.Except = append(slices.Clip(opts.Except), sids...)
			}
			a.MemoryAdapter.BroadcastAt(core.NewPacket(out), opts, offset)
		} else {
			a.MemoryAdapter.Broadcast(core.NewPacket(out), opts)
		}
		return
	}
	out.ID, out.HasID = a.nsp.NextAckID(), true
	a.MemoryAdapter.BroadcastWithAck(core.NewPacket(out), opts,
		func(n int) {
			_ = a.publishTo(from, TypeBroadcastClientCount, clientCountData{RequestID: d.requestID, ClientCount: n})
		},
		func(reply core.Args) {
			vals, err := reply.Values()
			if err != nil {
				a.log.Warn("sio/queue: cannot forward acknowledgement", "err", err)
				vals = nil
			}
			rd, err := replyOf(d.requestID, vals)
			if err != nil {
				a.log.Warn("sio/queue: cannot forward acknowledgement", "err", err)
				rd, _ = replyOf(d.requestID, nil)
			}
			_ = a.publishTo(from, TypeBroadcastAck, rd)
		})
}

// onFetch answers another server's FETCH_SOCKETS with the local sockets.
func (a *Adapter) onFetch(from string, d fetchData) error {
	local, err := a.MemoryAdapter.FetchSockets(context.Background(), d.Opts.Options())
	if err != nil {
		return err
	}
	out := fetchResponseData{RequestID: d.RequestID, Sockets: make([]wireSocket, 0, len(local))}
	for _, rs := range local {
		w, err := toWireSocket(rs)
		if err != nil {
			a.log.Warn("sio/queue: cannot encode socket", "sid", rs.ID, "err", err)
			continue
		}
		out.Sockets = append(out.Sockets, w)
	}
	_ = a.publishTo(from, TypeFetchSocketsResponse, out)
	return nil
}

// onServerSideEmit runs the handler of another server's server-side event
// and replies when asked to.
func (a *Adapter) onServerSideEmit(from string, d inServerSideEmit) {
	reply, ok := a.nsp.HandleServerSideEmit(d.event, d.args)
	if !ok {
		a.log.Debug("sio/queue: no handler for server-side event", "event", d.event)
		return
	}
	if d.requestID == "" {
		return
	}
	rd, err := replyOf(d.requestID, reply)
	if err != nil {
		a.log.Error("sio/queue: cannot encode server-side event reply", "event", d.event, "err", err)
		rd, _ = replyOf(d.requestID, nil)
	}
	_ = a.publishTo(from, TypeServerSideEmitResponse, rd)
}
