package core

import (
	"context"
	"sync"
	"time"

	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/core/parser"
)

// ClientManager is the contract between a server and its peers (Node.js
// calls it the adapter, python-socketio the client manager): it makes the
// Adapter of each namespace. The in-memory manager (NewMemoryManager) serves
// a single process; the managers of package queue carry the same operations
// over a message broker.
type ClientManager interface {
	// NewAdapter returns the adapter of nsp. It is called once per
	// namespace, when the namespace is created.
	NewAdapter(nsp *Namespace) Adapter
}

// BroadcastOptions selects the recipients of a broadcast and how it is
// delivered.
type BroadcastOptions struct {
	// Rooms limits the broadcast to the sockets in any of these rooms (a
	// socket id is a room). Empty: every socket of the namespace.
	Rooms []string
	// Except excludes the sockets in any of these rooms.
	Except []string
	// Volatile drops the packet for sockets whose transport is not ready
	// to write.
	Volatile bool
	// Local delivers to this server's sockets only.
	Local bool
	// Uncompressed sends the packet without websocket compression.
	Uncompressed bool
	// Timeout is how long the sender of a broadcast with acknowledgements
	// waits for the replies (set by EmitWithAck); adapters that forward
	// the broadcast keep their pending state that long. Zero: unknown.
	Timeout time.Duration
}

// Adapter keeps the room membership of one namespace and delivers its
// broadcasts. Its methods are safe for concurrent use.
type Adapter interface {
	// AddAll adds the socket id to rooms.
	AddAll(id string, rooms []string)
	// Del removes the socket id from room.
	Del(id, room string)
	// DelAll removes the socket id from every room.
	DelAll(id string)
	// SocketRooms returns the rooms of the socket id (its own id included).
	SocketRooms(id string) []string
	// Sockets returns the ids of the local sockets in any of rooms, or of
	// every local socket when rooms is empty.
	Sockets(rooms []string) []string
	// Broadcast delivers p to the sockets opts selects.
	Broadcast(p *Packet, opts BroadcastOptions)
	// BroadcastWithAck delivers p, which carries an ack id, to the sockets
	// opts selects. It calls onCount with the number of recipients (once
	// per server reached; -1 later for a recipient that left without
	// replying), then onAck with each reply as it arrives.
	BroadcastWithAck(p *Packet, opts BroadcastOptions, onCount func(n int), onAck func(reply Args))

	// FetchSockets returns the sockets opts selects, on every server
	// (only this one with opts.Local).
	FetchSockets(ctx context.Context, opts BroadcastOptions) ([]*RemoteSocket, error)
	// AddSockets makes the sockets opts selects join rooms.
	AddSockets(opts BroadcastOptions, rooms []string)
	// DelSockets makes the sockets opts selects leave rooms.
	DelSockets(opts BroadcastOptions, rooms []string)
	// DisconnectSockets disconnects the sockets opts selects; with close,
	// their whole connections.
	DisconnectSockets(opts BroadcastOptions, close bool)
	// ServerSideEmit sends a server-side event to the namespace on the
	// other servers (see Namespace.OnServerSideEmit). With onAck, it calls
	// onCount with the number of servers expected to reply, then onAck
	// with each reply.
	ServerSideEmit(event string, args []any, onCount func(n int), onAck func(reply Args)) error
	// ServerCount returns the number of servers in the cluster, this one
	// included.
	ServerCount(ctx context.Context) int

	// PersistSession keeps the state of a socket that disconnected for a
	// reason that allows recovery (Options.Recovery).
	PersistSession(state *SessionState)
	// RestoreSession returns the state kept for the private id pid and the
	// packets the socket missed after offset, and forgets it; ok is false
	// when there is none (unknown, expired or offset too old).
	RestoreSession(pid, offset string) (state *SessionState, ok bool)

	// Close releases the adapter's resources when the server shuts down.
	Close()
}

// Packet is a packet on its way to many sockets: the parser's form, for
// adapters that forward it to other servers, and its encoding, computed
// once for all local recipients.
type Packet struct {
	parser.Outgoing

	once sync.Once
	msgs []*engineio.Message
	err  error
}

// NewPacket returns a Packet for out.
func NewPacket(out parser.Outgoing) *Packet { return &Packet{Outgoing: out} }

// encoded returns the packet's Engine.IO messages, encoding it on first use.
func (p *Packet) encoded(codec parser.Codec) ([]*engineio.Message, error) {
	p.once.Do(func() {
		var enc parser.Encoded
		enc, p.err = codec.Encode(p.Outgoing)
		if p.err == nil {
			p.msgs = engineMessages(enc)
		}
	})
	return p.msgs, p.err
}

// engineMessages converts an encoded packet into Engine.IO messages.
func engineMessages(enc parser.Encoded) []*engineio.Message {
	msgs := make([]*engineio.Message, len(enc))
	for i, m := range enc {
		switch {
		case m.Binary:
			msgs[i] = engineio.BinaryMessage(m.Data)
		case m.Frame != nil:
			msgs[i] = engineio.TextFrame(m.Frame)
		default:
			msgs[i] = engineio.TextMessage(m.Data)
		}
	}
	return msgs
}

// uncompressedMessages returns copies of msgs flagged for no compression.
func uncompressedMessages(msgs []*engineio.Message) []*engineio.Message {
	out := make([]*engineio.Message, len(msgs))
	for i, m := range msgs {
		out[i] = m.Uncompressed()
	}
	return out
}

// NewMemoryManager returns the in-memory ClientManager: rooms and
// broadcasts within one process.
func NewMemoryManager() ClientManager { return memoryManager{} }

type memoryManager struct{}

func (memoryManager) NewAdapter(nsp *Namespace) Adapter { return NewMemoryAdapter(nsp) }

// MemoryAdapter is the in-memory Adapter. Broker adapters embed it for the
// local part of every operation.
type MemoryAdapter struct {
	nsp *Namespace

	// mu guards rooms, sids and leftOwn. A socket's own room (its id) is
	// implicit: it is in it from AddAll of its id until it leaves it
	// (leftOwn) or every room (DelAll), and neither rooms nor its entry
	// in sids holds it, so a socket in no other room costs one map entry.
	mu      sync.RWMutex
	rooms   map[string]map[string]struct{} // members of each room, own rooms aside
	sids    map[string]map[string]struct{} // each socket's other rooms; nil: none
	leftOwn map[string]struct{}            // sockets that left their own room

	roomHook func(room string, created, private bool) // see WatchRooms; set before use

	recMu    sync.Mutex // guards sessions and log (connection state recovery)
	sessions map[string]*SessionState
	log      []loggedPacket
}

// NewMemoryAdapter returns an empty in-memory adapter for nsp.
func NewMemoryAdapter(nsp *Namespace) *MemoryAdapter {
	return &MemoryAdapter{
		nsp:   nsp,
		rooms: make(map[string]map[string]struct{}),
		sids:  make(map[string]map[string]struct{}),
	}
}

// Namespace returns the adapter's namespace.
func (a *MemoryAdapter) Namespace() *Namespace { return a.nsp }

// inOwn reports whether the socket id is in its own room. a.mu must be
// held.
func (a *MemoryAdapter) inOwn(id string) bool {
	if _, ok := a.sids[id]; !ok {
		return false
	}
	_, left := a.leftOwn[id]
	return !left
}

// has reports whether the socket id is in room. a.mu must be held.
func (a *MemoryAdapter) has(id, room string) bool {
	if room == id {
		return a.inOwn(id)
	}
	_, in := a.sids[id][room]
	return in
}

// exists reports whether room has a member. a.mu must be held.
func (a *MemoryAdapter) exists(room string) bool {
	return len(a.rooms[room]) > 0 || a.inOwn(room)
}

// AddAll implements Adapter.
func (a *MemoryAdapter) AddAll(id string, rooms []string) {
	o := a.nsp.srv.observer()
	dbg := a.nsp.srv.debug()
	watch := o != nil && o.RoomJoined != nil || dbg
	var joined []string // for the observer and the log
	a.mu.Lock()
	defer func() {
		a.mu.Unlock()
		for _, r := range joined {
			a.joined(o, r, id)
		}
	}()
	mine, known := a.sids[id]
	if !known {
		a.sids[id] = nil
		// The socket is known now, but in its own room only when
		// rooms holds its id.
		if a.leftOwn == nil {
			a.leftOwn = make(map[string]struct{})
		}
		a.leftOwn[id] = struct{}{}
	}
	for _, r := range rooms {
		if a.has(id, r) {
			continue
		}
		if watch {
			joined = append(joined, r)
		}
		existed := a.exists(r)
		if r == id {
			delete(a.leftOwn, id) // kept, empty: every new socket passes by
		} else {
			if mine == nil {
				mine = make(map[string]struct{}, len(rooms))
				a.sids[id] = mine
			}
			mine[r] = struct{}{}
			members := a.rooms[r]
			if members == nil {
				members = make(map[string]struct{})
				a.rooms[r] = members
			}
			members[id] = struct{}{}
		}
		if !existed && a.roomHook != nil {
			_, private := a.sids[r]
			a.roomHook(r, true, private)
		}
	}
}

// Del implements Adapter.
func (a *MemoryAdapter) Del(id, room string) {
	o := a.nsp.srv.observer()
	watch := o != nil && o.RoomLeft != nil || a.nsp.srv.debug()
	a.mu.Lock()
	was := a.has(id, room)
	if was {
		a.delMember(room, id)
	}
	a.mu.Unlock()
	if was && watch {
		a.left(o, room, id)
	}
}

// joined reports that the socket id joined room, to the observer o and
// the log.
func (a *MemoryAdapter) joined(o *Observer, room, id string) {
	if o != nil && o.RoomJoined != nil {
		o.RoomJoined(a.nsp, room, id)
	}
	a.nsp.logRoom("sio: room joined", room, id)
}

// left reports that the socket id left room, to the observer o and the
// log.
func (a *MemoryAdapter) left(o *Observer, room, id string) {
	if o != nil && o.RoomLeft != nil {
		o.RoomLeft(a.nsp, room, id)
	}
	a.nsp.logRoom("sio: room left", room, id)
}

// delMember removes id, a member, from room. a.mu must be held for
// writing.
func (a *MemoryAdapter) delMember(room, id string) {
	if room == id {
		if a.leftOwn == nil {
			a.leftOwn = make(map[string]struct{})
		}
		a.leftOwn[id] = struct{}{}
	} else {
		if mine := a.sids[id]; mine != nil {
			delete(mine, room)
			if len(mine) == 0 {
				a.sids[id] = nil
			}
		}
		if members := a.rooms[room]; members != nil {
			delete(members, id)
			if len(members) == 0 {
				delete(a.rooms, room)
			}
		}
	}
	if a.roomHook != nil && !a.exists(room) {
		_, private := a.sids[room]
		a.roomHook(room, false, private)
	}
}

// DelAll implements Adapter.
func (a *MemoryAdapter) DelAll(id string) {
	o := a.nsp.srv.observer()
	watch := o != nil && o.RoomLeft != nil || a.nsp.srv.debug()
	var left []string // for the observer and the log
	a.mu.Lock()
	if a.inOwn(id) {
		a.delMember(id, id)
		if watch {
			left = append(left, id)
		}
	}
	for r := range a.sids[id] {
		a.delMember(r, id)
		if watch {
			left = append(left, r)
		}
	}
	delete(a.sids, id)
	delete(a.leftOwn, id)
	a.mu.Unlock()
	for _, r := range left {
		a.left(o, r, id)
	}
}

// SocketRooms implements Adapter.
func (a *MemoryAdapter) SocketRooms(id string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	mine, ok := a.sids[id]
	if !ok {
		return nil
	}
	out := make([]string, 0, len(mine)+1)
	if a.inOwn(id) {
		out = append(out, id)
	}
	for r := range mine {
		out = append(out, r)
	}
	return out
}

// Rooms returns every room that has a member.
func (a *MemoryAdapter) Rooms() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]string, 0, len(a.rooms)+len(a.sids))
	for r := range a.rooms {
		out = append(out, r)
	}
	for id := range a.sids {
		if _, dup := a.rooms[id]; !dup && a.inOwn(id) {
			out = append(out, id)
		}
	}
	return out
}

// Sockets implements Adapter.
func (a *MemoryAdapter) Sockets(rooms []string) []string {
	var out []string
	a.forEach(BroadcastOptions{Rooms: rooms}, func(id string) { out = append(out, id) })
	return out
}

// members calls fn with each member of room. a.mu must be held.
func (a *MemoryAdapter) members(room string, fn func(id string)) {
	for id := range a.rooms[room] {
		fn(id)
	}
	if a.inOwn(room) {
		fn(room)
	}
}

// forEach calls fn with the id of every socket opts selects, once each,
// while holding a.mu for reading: fn must not call back into a.
func (a *MemoryAdapter) forEach(opts BroadcastOptions, fn func(id string)) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var except map[string]struct{}
	if len(opts.Except) > 0 {
		except = make(map[string]struct{})
		for _, r := range opts.Except {
			a.members(r, func(id string) { except[id] = struct{}{} })
		}
	}
	if len(opts.Rooms) == 0 {
		for id := range a.sids {
			if _, skip := except[id]; !skip {
				fn(id)
			}
		}
		return
	}
	var seen map[string]struct{}
	if len(opts.Rooms) > 1 {
		seen = make(map[string]struct{})
	}
	for _, r := range opts.Rooms {
		a.members(r, func(id string) {
			if _, skip := except[id]; skip {
				return
			}
			if seen != nil {
				if _, dup := seen[id]; dup {
					return
				}
				seen[id] = struct{}{}
			}
			fn(id)
		})
	}
}

var socketSlices = sync.Pool{New: func() any { s := make([]*Socket, 0, 64); return &s }}

// Broadcast implements Adapter: it encodes p once and queues the same
// messages on every selected local socket.
func (a *MemoryAdapter) Broadcast(p *Packet, opts BroadcastOptions) {
	a.deliver(a.recordBroadcast(p, opts), opts, nil, nil)
}

// BroadcastWithAck implements Adapter.
func (a *MemoryAdapter) BroadcastWithAck(p *Packet, opts BroadcastOptions, onCount func(int), onAck func(Args)) {
	a.deliver(p, opts, onCount, onAck)
}

// deliver queues p on the local sockets opts selects. With onAck, each
// recipient waits for a reply to p.ID, and onCount learns how many there
// are before any is sent.
func (a *MemoryAdapter) deliver(p *Packet, opts BroadcastOptions, onCount func(int), onAck func(Args)) {
	msgs, err := p.encoded(a.nsp.srv.codec)
	if err != nil {
		a.nsp.srv.log.Error("sio: cannot encode broadcast", "event", p.Event, "err", err)
		if onCount != nil {
			onCount(0)
		}
		return
	}
	if opts.Uncompressed {
		msgs = uncompressedMessages(msgs)
	}
	bufp := socketSlices.Get().(*[]*Socket)
	targets := (*bufp)[:0]
	a.nsp.mu.RLock()
	a.forEach(opts, func(id string) {
		if s := a.nsp.sockets[id]; s != nil {
			targets = append(targets, s)
		}
	})
	a.nsp.mu.RUnlock()
	if onAck != nil {
		// A recipient that leaves before replying is no longer expected.
		cb := func(reply Args, err error) {
			if err != nil {
				onCount(-1)
				return
			}
			onAck(reply)
		}
		n := 0
		for _, s := range targets {
			if !opts.Volatile || s.conn().Writable() {
				if s.registerAck(p.ID, cb) {
					targets[n] = s
					n++
				}
			}
		}
		clear(targets[n:])
		targets = targets[:n]
		onCount(n)
	}
	recipients := len(targets)
	for i, s := range targets {
		s.notifyOutgoing(&p.Outgoing)
		s.sendEncoded(msgs, opts.Volatile && onAck == nil)
		targets[i] = nil
	}
	if o := a.nsp.srv.observer(); o != nil && o.Broadcast != nil {
		o.Broadcast(a.nsp, p.Event, recipients)
	}
	a.nsp.logBroadcast(p, recipients)
	*bufp = targets[:0]
	socketSlices.Put(bufp)
}

// Close implements Adapter.
func (a *MemoryAdapter) Close() {}
