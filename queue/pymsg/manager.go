package pymsg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
	"github.com/socketio-go/sio/queue"
)

// DefaultChannel is python-socketio's default channel.
const DefaultChannel = "socketio"

// ErrUnsupported is returned for the operations python-socketio's message
// format cannot express (server-side events).
var ErrUnsupported = errors.New("sio/pymsg: not supported by python-socketio's message format")

// Options configures a manager or an emitter. The zero value of every
// field means the documented default.
type Options struct {
	// Channel is the one channel of every namespace: python-socketio's
	// channel argument, the Redis channel, RabbitMQ exchange or Kafka
	// topic. Zero: "socketio".
	Channel string
	// SingleValue writes one-argument emits as python-socketio before
	// 5.15.1 reads them (see EncodeOptions) and reads every emit's data
	// as one argument.
	SingleValue bool
	// Logger receives the manager's log lines. Nil: the server's logger
	// (slog.Default() for an emitter).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Channel == "" {
		o.Channel = DefaultChannel
	}
	return o
}

// newHostID returns a host id: 32 hex characters, as uuid4().hex.
func newHostID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// manager is the ClientManager NewManager returns: one subscription to
// the channel, dispatched to the namespaces' adapters.
type manager struct {
	bus    queue.Bus
	opts   Options
	hostID string
	ackID  atomic.Int64

	mu       sync.Mutex // guards the fields below
	adapters map[string]*Adapter
	unsub    func()
	acks     map[int64]func(core.Args)
}

// NewManager returns a ClientManager that speaks python-socketio's pub/sub
// messages on bus, so the server joins a cluster of python-socketio
// servers (≥ 5.14, JSON messages) sharing the broker. Give each server
// its own manager. See the package documentation for what the format
// carries.
func NewManager(bus queue.Bus, opts Options) core.ClientManager {
	return &manager{bus: bus, opts: opts.withDefaults(), hostID: newHostID(),
		adapters: make(map[string]*Adapter), acks: make(map[int64]func(core.Args))}
}

// NewAdapter implements core.ClientManager.
func (m *manager) NewAdapter(nsp *core.Namespace) core.Adapter {
	log := m.opts.Logger
	if log == nil {
		log = nsp.Server().Options().Logger
	}
	a := &Adapter{MemoryAdapter: core.NewMemoryAdapter(nsp), m: m, nsp: nsp,
		log: log.With("nsp", nsp.Name(), "host_id", m.hostID)}
	m.mu.Lock()
	m.adapters[nsp.Name()] = a
	first := m.unsub == nil
	if first {
		m.unsub = func() {} // subscribing
	}
	m.mu.Unlock()
	if first {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		unsub, err := m.bus.Subscribe(ctx, m.opts.Channel, m.onMessage)
		if err != nil {
			a.log.Error("sio/pymsg: cannot subscribe", "channel", m.opts.Channel, "err", err)
			unsub = func() {}
		}
		m.mu.Lock()
		m.unsub = unsub
		m.mu.Unlock()
	}
	return a
}

func (m *manager) adapter(nsp string) *Adapter {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.adapters[nsp]
}

// onMessage handles a message of the channel.
func (m *manager) onMessage(b []byte) {
	msg, err := Decode(b)
	if err != nil {
		m.logger().Warn("sio/pymsg: dropping undecodable message", "len", len(b), "err", err)
		return
	}
	if msg.Method == MethodCallback {
		if msg.HostID != m.hostID {
			return
		}
		m.mu.Lock()
		fn := m.acks[msg.ID]
		delete(m.acks, msg.ID)
		m.mu.Unlock()
		if fn == nil {
			return
		}
		args, err := argsOf(msg.Args)
		if err != nil {
			m.logger().Warn("sio/pymsg: dropping invalid callback", "err", err)
			return
		}
		fn(args)
		return
	}
	if msg.HostID == m.hostID {
		return
	}
	if a := m.adapter(msg.Namespace); a != nil {
		a.handle(msg)
	}
}

func (m *manager) logger() *slog.Logger {
	if m.opts.Logger != nil {
		return m.opts.Logger
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.adapters {
		return a.log
	}
	return slog.Default()
}

// Adapter is the Adapter of one namespace for a manager from NewManager:
// the embedded MemoryAdapter keeps the local rooms and delivers to the
// local sockets; what the format can carry is also published to the other
// servers.
type Adapter struct {
	*core.MemoryAdapter

	m   *manager
	nsp *core.Namespace
	log *slog.Logger
}

// HostID returns the server's host id in the cluster: 32 hex characters.
func (a *Adapter) HostID() string { return a.m.hostID }

func (a *Adapter) publish(msg Message) error {
	msg.HostID, msg.Namespace = a.m.hostID, a.nsp.Name()
	b, err := Encode(msg, EncodeOptions{SingleValue: a.m.opts.SingleValue})
	if err != nil {
		a.log.Error("sio/pymsg: cannot encode message", "method", msg.Method, "err", err)
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.m.bus.Publish(ctx, a.m.opts.Channel, b); err != nil {
		a.log.Warn("sio/pymsg: cannot publish", "method", msg.Method, "err", err)
		return err
	}
	return nil
}

// remoteRooms returns the rooms of opts that are not local sockets; ok is
// false when the operation concerns this server only (Local, or only
// local sockets).
func (a *Adapter) remoteRooms(opts core.BroadcastOptions) (rooms []string, ok bool) {
	if opts.Local {
		return nil, false
	}
	for _, r := range opts.Rooms {
		if a.nsp.Socket(r) == nil {
			rooms = append(rooms, r)
		}
	}
	return rooms, len(opts.Rooms) == 0 || len(rooms) > 0
}

// Broadcast implements core.Adapter: an emit to the rooms (none: every
// socket) skipping the sockets of Except; the Volatile and Compress flags
// are not carried.
func (a *Adapter) Broadcast(p *core.Packet, opts core.BroadcastOptions) {
	if _, ok := a.remoteRooms(opts); ok {
		_ = a.publish(Message{Method: MethodEmit, Event: p.Event, Args: p.Args, Rooms: opts.Rooms, Skip: opts.Except})
	}
	a.MemoryAdapter.Broadcast(p, opts)
}

// BroadcastWithAck implements core.Adapter. The format carries an
// acknowledgement for an emit to one socket: to a socket id of another
// server, the reply comes back in a callback message (onCount is called
// with 1). To several sockets, the other servers' sockets receive the
// event without acknowledgement, and only the local replies are counted.
func (a *Adapter) BroadcastWithAck(p *core.Packet, opts core.BroadcastOptions, onCount func(int), onAck func(core.Args)) {
	remote, ok := a.remoteRooms(opts)
	if !ok {
		a.MemoryAdapter.BroadcastWithAck(p, opts, onCount, onAck)
		return
	}
	if len(opts.Rooms) == 1 && len(remote) == 1 && len(opts.Except) == 0 {
		id := a.m.ackID.Add(1)
		timeout := opts.Timeout
		if timeout <= 0 {
			timeout = a.nsp.Server().Options().AckTimeout
		}
		a.m.mu.Lock()
		a.m.acks[id] = onAck
		a.m.mu.Unlock()
		time.AfterFunc(timeout+time.Second, func() {
			a.m.mu.Lock()
			delete(a.m.acks, id)
			a.m.mu.Unlock()
		})
		onCount(1)
		err := a.publish(Message{Method: MethodEmit, Event: p.Event, Args: p.Args, Rooms: opts.Rooms,
			Callback: &Callback{SID: opts.Rooms[0], Namespace: a.nsp.Name(), ID: id}})
		if err != nil {
			onCount(-1) // nobody will reply
		}
		return
	}
	_ = a.publish(Message{Method: MethodEmit, Event: p.Event, Args: p.Args, Rooms: opts.Rooms, Skip: opts.Except})
	a.MemoryAdapter.BroadcastWithAck(p, opts, onCount, onAck)
}

// AddSockets implements core.Adapter: for each socket id of opts.Rooms
// on another server, an enter_room message per room. Other selections
// apply to the local sockets only.
func (a *Adapter) AddSockets(opts core.BroadcastOptions, rooms []string) {
	a.MemoryAdapter.AddSockets(opts, rooms)
	a.perSocket(opts, func(sid string) {
		for _, r := range rooms {
			_ = a.publish(Message{Method: MethodEnterRoom, SID: sid, Room: r})
		}
	})
}

// DelSockets implements core.Adapter: the sockets of one room leaving
// that room is a close_room message; for each socket id of opts.Rooms on
// another server, a leave_room message per room. Other selections apply
// to the local sockets only.
func (a *Adapter) DelSockets(opts core.BroadcastOptions, rooms []string) {
	a.MemoryAdapter.DelSockets(opts, rooms)
	if !opts.Local && len(opts.Rooms) == 1 && len(rooms) == 1 && opts.Rooms[0] == rooms[0] && len(opts.Except) == 0 {
		_ = a.publish(Message{Method: MethodCloseRoom, Room: rooms[0]})
		return
	}
	a.perSocket(opts, func(sid string) {
		for _, r := range rooms {
			_ = a.publish(Message{Method: MethodLeaveRoom, SID: sid, Room: r})
		}
	})
}

// DisconnectSockets implements core.Adapter: a disconnect message for
// each socket id of opts.Rooms on another server (python disconnects the
// socket from the namespace, whatever close says). Other selections apply
// to the local sockets only.
func (a *Adapter) DisconnectSockets(opts core.BroadcastOptions, close bool) {
	var remote []string
	if r, ok := a.remoteRooms(opts); ok && len(opts.Except) == 0 {
		remote = r
	}
	a.MemoryAdapter.DisconnectSockets(opts, close)
	for _, sid := range remote {
		_ = a.publish(Message{Method: MethodDisconnect, SID: sid})
	}
}

// perSocket calls fn with each room of opts that is not a local socket,
// when opts names rooms and excludes none.
func (a *Adapter) perSocket(opts core.BroadcastOptions, fn func(sid string)) {
	if len(opts.Except) > 0 || len(opts.Rooms) == 0 {
		return
	}
	remote, ok := a.remoteRooms(opts)
	if !ok {
		return
	}
	for _, sid := range remote {
		fn(sid)
	}
}

// ServerSideEmit implements core.Adapter: the format has no server-side
// events; it returns ErrUnsupported (with acknowledgements, onCount(0)).
func (a *Adapter) ServerSideEmit(_ string, _ []any, onCount func(int), onAck func(core.Args)) error {
	if onAck != nil && onCount != nil {
		onCount(0)
	}
	return ErrUnsupported
}

// ServerCount implements core.Adapter. The format does not announce the
// servers, so it is the number of subscriptions of the channel when the
// bus can count them (a queue.SubscriberCounter, such as redisq.Bus:
// PUBSUB NUMSUB, which counts python-socketio's servers on the channel
// too; each server needs its own bus), within ctx and at most
// queue.DefaultRequestTimeout; else, or when the count fails (logged), 1.
func (a *Adapter) ServerCount(ctx context.Context) int {
	counter, ok := a.m.bus.(queue.SubscriberCounter)
	if !ok {
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, queue.DefaultRequestTimeout)
	defer cancel()
	n, err := counter.Subscribers(ctx, a.m.opts.Channel)
	if err != nil {
		a.log.Warn("sio/pymsg: cannot count the servers", "channel", a.m.opts.Channel, "err", err)
		return 1
	}
	return max(n, 1)
}

// Close implements core.Adapter.
func (a *Adapter) Close() {
	m := a.m
	m.mu.Lock()
	if m.adapters[a.nsp.Name()] == a {
		delete(m.adapters, a.nsp.Name())
	}
	var unsub func()
	if len(m.adapters) == 0 && m.unsub != nil {
		unsub, m.unsub = m.unsub, nil
	}
	m.mu.Unlock()
	if unsub != nil {
		unsub()
	}
	a.MemoryAdapter.Close()
}

// handle applies another server's message to the local sockets.
func (a *Adapter) handle(msg Message) {
	switch msg.Method {
	case MethodEmit:
		args := msg.Args
		if a.m.opts.SingleValue {
			args = []any{msg.Data}
		}
		out := parser.Outgoing{Type: parser.Event, Namespace: a.nsp.Name(), Event: msg.Event, Args: args}
		opts := core.BroadcastOptions{Rooms: msg.Rooms, Except: msg.Skip}
		cb := msg.Callback
		if cb == nil {
			a.MemoryAdapter.Broadcast(core.NewPacket(out), opts)
			return
		}
		out.ID, out.HasID = a.nsp.NextAckID(), true
		host := msg.HostID
		a.MemoryAdapter.BroadcastWithAck(core.NewPacket(out), opts, func(int) {}, func(reply core.Args) {
			vals := make([]any, reply.Len())
			for i := range vals {
				v, err := reply.Value(i) // JSON values; python reads no binary here
				if err != nil {
					a.log.Warn("sio/pymsg: cannot forward acknowledgement", "err", err)
				}
				vals[i] = v
			}
			_ = a.publishCallback(host, cb, vals)
		})
	case MethodDisconnect:
		if a.nsp.Socket(msg.SID) != nil {
			a.MemoryAdapter.DisconnectSockets(core.BroadcastOptions{Rooms: []string{msg.SID}}, false)
		}
	case MethodEnterRoom:
		if a.nsp.Socket(msg.SID) != nil {
			a.MemoryAdapter.AddSockets(core.BroadcastOptions{Rooms: []string{msg.SID}}, []string{msg.Room})
		}
	case MethodLeaveRoom:
		if a.nsp.Socket(msg.SID) != nil {
			a.MemoryAdapter.DelSockets(core.BroadcastOptions{Rooms: []string{msg.SID}}, []string{msg.Room})
		}
	case MethodCloseRoom:
		a.MemoryAdapter.DelSockets(core.BroadcastOptions{Rooms: []string{msg.Room}}, []string{msg.Room})
	}
}

// publishCallback returns a client's acknowledgement to the server host.
func (a *Adapter) publishCallback(host string, cb *Callback, args []any) error {
	b, err := Encode(Message{Method: MethodCallback, HostID: host, SID: cb.SID, Namespace: cb.Namespace,
		ID: cb.ID, Args: args}, EncodeOptions{})
	if err != nil {
		a.log.Warn("sio/pymsg: cannot encode acknowledgement", "err", err)
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return a.m.bus.Publish(ctx, a.m.opts.Channel, b)
}

// argsOf returns values as the Args of an acknowledgement.
func argsOf(vals []any) (core.Args, error) {
	b, err := json.Marshal(vals)
	if err != nil {
		return core.Args{}, err
	}
	p, err := parser.JSON.NewDecoder(parser.Limits{}).Add(append([]byte("30"), b...), false)
	if err != nil {
		return core.Args{}, err
	}
	return p.Args, nil
}

var _ core.Adapter = (*Adapter)(nil)

// isFunc reports whether v is a function (an acknowledgement callback).
func isFunc(v any) bool { return v != nil && reflect.TypeOf(v).Kind() == reflect.Func }
