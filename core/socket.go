package core

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/core/parser"
)

// Socket is a client's connection to one namespace. Its methods are safe
// for concurrent use. A nil *Socket, which Namespace.Socket and
// Server.Socket return for an unknown sid, behaves as a socket that has
// left: its emits return ErrNoSocket, its queries return zero values and
// its actions do nothing.
type Socket struct {
	id        string
	nsp       *Namespace
	client    *client
	handshake Handshake
	hsURL     sync.Once // fills handshake's Headers, Query and URL on first use (see Handshake)

	mu sync.Mutex // guards the fields below
	// ctx is made when first asked for (Context): an idle socket whose
	// handlers take none costs no context; cancel ends it.
	ctx       context.Context
	cancel    context.CancelFunc
	connected bool
	left      bool
	session   map[string]any
	acks      map[uint64]AckFunc
	pending   []func()      // handler queue
	running   bool          // a goroutine is draining pending
	kick      chan struct{} // wakes an idle drainer
	data      any           // SetData

	// ackStart holds when each ack wait an observer sees started (see
	// Observer.AckStarted); nil when there is none.
	ackStart map[uint64]time.Time

	middlewares []func(*Socket, string, Args) error
	anyIn       []*anyListener[AnyFunc]
	anyOut      []*anyListener[AnyOutgoingFunc]

	// Set while connecting, before the socket is shared.
	pid           string // private id, for recovery
	recovered     bool
	missed        []*Packet
	restoredRooms []string

	hasAnyOut atomic.Bool // anyOut is not empty

	// concurrent counts the handlers running on goroutines of their own
	// (ConcurrentHandlers), bounded by MaxPendingEvents.
	concurrent atomic.Int32

	// While the socket is being accepted (its middleware and connect
	// handler run), what is sent to it waits in held: the client must
	// receive the CONNECT first. Refused, the socket drops it.
	holding  atomic.Bool
	held     [][]*engineio.Message // guarded by mu
	heldN    int                   // messages in held; guarded by mu
	heldOver bool                  // held overflowed; guarded by mu

	events *eventBucket // Options.EventRateLimit's bucket; nil when off
}

func newSocket(nsp *Namespace, c *client, auth Args) *Socket {
	var b [15]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	s := &Socket{
		id:     base64.RawURLEncoding.EncodeToString(b[:]),
		nsp:    nsp,
		client: c,
		// Headers, Query and URL are filled when first asked for (see
		// Handshake): the engine keeps them packed meanwhile.
		handshake: Handshake{
			Address: c.conn.RemoteAddr(),
			Time:    time.Now(),
			Secure:  c.conn.Secure(),
			Auth:    auth,
		},
	}
	s.holding.Store(true)
	return s
}

// ID returns the socket id (distinct from the connection's Engine.IO id).
func (s *Socket) ID() string {
	if s == nil {
		return ""
	}
	return s.id
}

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() *Namespace {
	if s == nil {
		return nil
	}
	return s.nsp
}

// Handshake returns the handshake details.
func (s *Socket) Handshake() *Handshake {
	if s == nil {
		return &Handshake{}
	}
	// The request's headers, query and URL are filled in when asked for:
	// most sockets never are; the engine keeps them packed meanwhile, and
	// encoding the query would be the deepest call of a connection's
	// reader.
	s.hsURL.Do(func() {
		req := s.client.conn.Request()
		s.handshake.Headers, s.handshake.Query = req.Header, req.Query
		s.handshake.URL = req.URL().String()
	})
	return &s.handshake
}

// Context returns a context cancelled when the socket disconnects. It
// carries the values of the handshake request's context (what host
// middleware put there).
func (s *Socket) Context() context.Context {
	if s == nil {
		return doneContext
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithCancel(s.client.conn.RequestContext())
		if s.left {
			s.cancel()
		}
	}
	return s.ctx
}

// doneContext is the Context of a nil Socket.
var doneContext = func() context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(ErrNoSocket)
	return ctx
}()

// hasLeft reports whether the socket has left its namespace.
func (s *Socket) hasLeft() bool {
	if s == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.left
}

// Connected reports whether the socket is in its namespace.
func (s *Socket) Connected() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Transport returns the connection's transport: "polling" or "websocket".
func (s *Socket) Transport() string {
	if s == nil {
		return ""
	}
	return s.client.conn.Transport()
}

// ConnID returns the id of the underlying Engine.IO connection.
func (s *Socket) ConnID() string {
	if s == nil {
		return ""
	}
	return s.client.conn.ID()
}

func (s *Socket) conn() *engineio.Socket { return s.client.conn }

// Join adds the socket to rooms. A socket that has left joins nothing.
func (s *Socket) Join(rooms ...string) { s.join(rooms) }

// join adds the socket to rooms and reports whether it is still in its
// namespace; if it has left, the rooms are not kept.
func (s *Socket) join(rooms []string) bool {
	if s == nil {
		return false
	}
	s.nsp.adapter.AddAll(s.id, rooms)
	if !s.hasLeft() {
		return true
	}
	// leave sets left before it removes the socket from its rooms:
	// either that removal comes after AddAll, or this one does (unless a
	// recovered socket took the id over meanwhile).
	if s.nsp.Socket(s.id) == nil {
		s.nsp.adapter.DelAll(s.id)
	}
	return false
}

// Leave removes the socket from room.
func (s *Socket) Leave(room string) {
	if s != nil {
		s.nsp.adapter.Del(s.id, room)
	}
}

// Rooms returns the socket's rooms, its own id included.
func (s *Socket) Rooms() []string {
	if s == nil {
		return nil
	}
	return s.nsp.adapter.SocketRooms(s.id)
}

// Emit sends event with args to this socket. When the last argument is an
// AckFunc, it receives the client's acknowledgement.
func (s *Socket) Emit(event string, args ...any) error {
	return s.emit(event, args, plainEmitter)
}

// Timeout returns an emitter whose acknowledgements fail with
// ErrAckTimeout after d.
func (s *Socket) Timeout(d time.Duration) *SocketEmitter { return &SocketEmitter{s: s, timeout: d} }

// Volatile returns an emitter whose packets are dropped when the transport
// is not ready to write them at once.
func (s *Socket) Volatile() *SocketEmitter { return &SocketEmitter{s: s, volatile: true} }

// Compress returns an emitter whose packets use websocket compression
// (permessage-deflate, when negotiated) only when compress is true.
func (s *Socket) Compress(compress bool) *SocketEmitter {
	return &SocketEmitter{s: s, uncompressed: !compress}
}

// SocketEmitter emits to one socket with flags: a timeout on
// acknowledgements, volatile, compression. Its methods return a new
// emitter, so flags combine: s.Volatile().Compress(false).Emit(...).
type SocketEmitter struct {
	s            *Socket
	timeout      time.Duration
	volatile     bool
	uncompressed bool
}

// Timeout returns the emitter with acknowledgements bounded by d.
func (e *SocketEmitter) Timeout(d time.Duration) *SocketEmitter {
	c := *e
	c.timeout = d
	return &c
}

// Volatile returns the emitter with the volatile flag.
func (e *SocketEmitter) Volatile() *SocketEmitter {
	c := *e
	c.volatile = true
	return &c
}

// Compress returns the emitter with compression on or off.
func (e *SocketEmitter) Compress(compress bool) *SocketEmitter {
	c := *e
	c.uncompressed = !compress
	return &c
}

// Emit is Socket.Emit with the emitter's flags; its timeout applies to an
// AckFunc.
func (e *SocketEmitter) Emit(event string, args ...any) error {
	return e.s.emit(event, args, e)
}

// EmitWithAck is Socket.EmitWithAck bounded by the emitter's timeout.
func (e *SocketEmitter) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, e.timeout, ErrAckTimeout)
		defer cancel()
	}
	return e.s.EmitWithAck(ctx, event, args...)
}

var plainEmitter = &SocketEmitter{}

var errConnecting = fmt.Errorf("%w: the connection is being accepted; EmitWithAck cannot be answered before the connect handler returns (emit with an AckFunc instead)", ErrNotConnected)

func (s *Socket) emit(event string, args []any, e *SocketEmitter) error {
	if s == nil {
		return ErrNoSocket
	}
	if err := checkEvent(event); err != nil {
		return err
	}
	cb, args, withAck := ackCallback(args)
	args = spread(args)
	out := parser.Outgoing{Type: parser.Event, Namespace: s.nsp.name, Event: event, Args: args}
	if withAck {
		return s.emitAck(out, cb, e)
	}
	if s.nsp.srv.opts.Recovery != nil && !e.volatile {
		// Through the adapter, which logs the packet for recovery.
		op := s.nsp.op().To(s.id)
		op.opts.Uncompressed = e.uncompressed
		return op.Emit(event, args...)
	}
	s.notifyOutgoing(&out)
	return s.sendWith(out, e.volatile, e.uncompressed)
}

// ackCallback splits an emit's arguments into the acknowledgement callback
// that ends them, if any, and the arguments to send.
func ackCallback(args []any) (AckFunc, []any, bool) {
	n := len(args)
	if n == 0 {
		return nil, args, false
	}
	switch cb := args[n-1].(type) {
	case AckFunc:
		return cb, args[:n-1], cb != nil
	case func(Args, error):
		return cb, args[:n-1], cb != nil
	}
	return nil, args, false
}

func (s *Socket) emitAck(out parser.Outgoing, cb AckFunc, e *SocketEmitter) error {
	out.ID, out.HasID = s.nsp.ids.Add(1)-1, true
	var once sync.Once
	call := func(a Args, err error) { once.Do(func() { cb(a, err) }) }
	if !s.registerAck(out.ID, call) {
		return ErrNotConnected
	}
	timeout := e.timeout
	if timeout > 0 {
		t := time.AfterFunc(timeout, func() {
			if s.takeAck(out.ID) != nil {
				call(Args{}, ErrAckTimeout)
			}
		})
		inner := call
		call = func(a Args, err error) { t.Stop(); inner(a, err) }
		s.mu.Lock()
		if s.acks != nil && s.acks[out.ID] != nil {
			s.acks[out.ID] = call
		}
		s.mu.Unlock()
	}
	s.notifyOutgoing(&out)
	if err := s.sendWith(out, e.volatile, e.uncompressed); err != nil {
		s.takeAck(out.ID)
		return err
	}
	return nil
}

// EmitWithAck sends event to this socket and waits for the client's
// acknowledgement, until ctx is done, or Options.AckTimeout when ctx has no
// deadline. It returns ErrAckTimeout on timeout and ErrNotConnected when
// the socket disconnects first, or at once while the socket is being
// accepted (from its connect handler or middleware: the client could only
// answer after the CONNECT, which waits for the handler; emit with an
// AckFunc instead, or set Options.AlwaysConnect).
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	if s == nil {
		return Args{}, ErrNoSocket
	}
	if err := checkEvent(event); err != nil {
		return Args{}, err
	}
	if s.holding.Load() && !s.Connected() { // not accepted yet
		return Args{}, errConnecting
	}
	args = spread(args)
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, s.nsp.srv.opts.AckTimeout, ErrAckTimeout)
		defer cancel()
	}
	type reply struct {
		args Args
		err  error
	}
	ch := make(chan reply, 1)
	out := parser.Outgoing{Type: parser.Event, Namespace: s.nsp.name, Event: event, Args: args,
		ID: s.nsp.ids.Add(1) - 1, HasID: true}
	if !s.registerAck(out.ID, func(a Args, err error) { ch <- reply{a, err} }) {
		return Args{}, ErrNotConnected
	}
	s.notifyOutgoing(&out)
	if err := s.send(out); err != nil {
		s.takeAck(out.ID)
		return Args{}, err
	}
	// A handler running on the connection's reader (runJob) waiting for
	// its own client: the reader goes on elsewhere, to read the reply.
	s.conn().ReleaseReader()
	select {
	case r := <-ch:
		return r.args, r.err
	case <-ctx.Done():
		s.takeAck(out.ID)
		return Args{}, ackCause(ctx)
	}
}

// ackCause returns ErrAckTimeout for a context that timed out, else its
// error.
func ackCause(ctx context.Context) error {
	if err := context.Cause(ctx); err == ErrAckTimeout || err == context.DeadlineExceeded {
		return ErrAckTimeout
	}
	return ctx.Err()
}

// registerAck records cb as the waiter for ack id; it returns false when
// the socket has left.
func (s *Socket) registerAck(id uint64, cb AckFunc) bool {
	s.mu.Lock()
	if s.left {
		s.mu.Unlock()
		return false
	}
	if s.acks == nil {
		s.acks = make(map[uint64]AckFunc)
	}
	s.acks[id] = cb
	o := s.nsp.srv.observer()
	if o != nil && (o.AckStarted != nil || o.AckEnded != nil) {
		s.startAckLocked(id)
	}
	s.mu.Unlock()
	if o != nil && o.AckStarted != nil {
		o.AckStarted(s)
	}
	return true
}

// takeAck removes and returns the waiter for ack id, or nil.
func (s *Socket) takeAck(id uint64) AckFunc { return s.takeAckAs(id, false) }

// takeAckAs is takeAck; answered says, for observers, whether the client's
// reply is what ends the wait.
func (s *Socket) takeAckAs(id uint64, answered bool) AckFunc {
	s.mu.Lock()
	cb := s.acks[id]
	delete(s.acks, id)
	start, observed := s.endAckLocked(id)
	s.mu.Unlock()
	if observed {
		s.ackEnded(start, answered)
	}
	return cb
}

// onAck resolves an acknowledgement, on the reader.
func (s *Socket) onAck(p *parser.Packet) {
	if !p.HasID {
		return
	}
	cb := s.takeAckAs(p.ID, true)
	s.logAckReceived(p.ID, cb != nil)
	if cb != nil {
		s.safely("ack callback", func() { cb(p.Args, nil) })
	}
}

// send encodes out for this socket alone and queues it.
func (s *Socket) send(out parser.Outgoing) error { return s.sendWith(out, false, false) }

// reply is send for a packet that answers the client (an acknowledgement):
// the caller writes it itself when the connection's writer is idle (see
// engineio.Socket.Reply).
func (s *Socket) reply(out parser.Outgoing) error { return s.sendAs(out, false, false, true) }

// sendWith is send with the volatile and uncompressed flags.
func (s *Socket) sendWith(out parser.Outgoing, volatile, uncompressed bool) error {
	return s.sendAs(out, volatile, uncompressed, false)
}

// sendAs is sendWith; with reply, the packet answers the client (see reply).
func (s *Socket) sendAs(out parser.Outgoing, volatile, uncompressed, reply bool) error {
	s.mu.Lock()
	left := s.left
	s.mu.Unlock()
	if left {
		return ErrNotConnected
	}
	enc, err := s.nsp.srv.codec.Encode(out)
	if err != nil {
		return err
	}
	msgs := engineMessages(enc)
	if uncompressed {
		msgs = uncompressedMessages(msgs)
	}
	s.logSent(&out)
	return s.deliverAs(msgs, volatile, reply)
}

// sendEncoded queues an encoded broadcast packet.
func (s *Socket) sendEncoded(msgs []*engineio.Message, volatile bool) {
	_ = s.deliver(msgs, volatile)
}

// deliver queues the messages of one packet, or holds them while the
// socket is being accepted.
func (s *Socket) deliver(msgs []*engineio.Message, volatile bool) error {
	return s.deliverAs(msgs, volatile, false)
}

// deliverAs is deliver; with reply, the packet answers the client (see
// reply).
func (s *Socket) deliverAs(msgs []*engineio.Message, volatile, reply bool) error {
	if s.holding.Load() && s.hold(msgs, volatile) {
		return nil
	}
	c := s.conn()
	if volatile && !c.Writable() {
		if s.nsp.srv.debug() {
			s.nsp.srv.log.Debug("sio: volatile packet dropped", "sid", s.id, "nsp", s.nsp.name)
		}
		return nil
	}
	if reply {
		return c.Reply(msgs...)
	}
	return c.Send(msgs...)
}

// hold keeps msgs until the socket is accepted; it reports false when the
// socket no longer holds (send them now). Volatile packets, and those of
// a socket that has left, are dropped.
func (s *Socket) hold(msgs []*engineio.Message, volatile bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.holding.Load() {
		return false
	}
	switch {
	case s.left || volatile || s.heldOver:
	case s.heldN+len(msgs) > s.nsp.srv.eng.Options().MaxQueuedMessages:
		s.heldOver = true
		s.held, s.heldN = nil, 0
	default:
		s.held = append(s.held, msgs)
		s.heldN += len(msgs)
	}
	return true
}

// accept tells the client it has joined (CONNECT), sends what it missed
// (connection state recovery), then what was held meanwhile.
func (s *Socket) accept() {
	s.mu.Lock()
	if s.left {
		s.mu.Unlock()
		return
	}
	s.connected = true
	s.mu.Unlock()
	s.client.joined()
	c := s.conn()
	_ = c.Reply(s.connectPacket()...)
	for _, p := range s.missed {
		if msgs, err := p.encoded(s.nsp.srv.codec); err == nil {
			s.notifyOutgoing(&p.Outgoing)
			_ = c.Send(msgs...)
		}
	}
	s.missed = nil
	if o := s.nsp.srv.observer(); o != nil && o.SocketConnected != nil {
		o.SocketConnected(s)
	}
	s.logConnected()
	// Flush until nothing is held, then stop holding: a packet sent
	// meanwhile is either held and flushed here, or sent after all of
	// these.
	for {
		s.mu.Lock()
		held, over := s.held, s.heldOver
		s.held, s.heldN = nil, 0
		if len(held) == 0 || over {
			s.holding.Store(false)
		}
		s.mu.Unlock()
		if over {
			s.nsp.srv.log.Warn("sio: too many packets sent while connecting, closing", "sid", s.id, "nsp", s.nsp.name)
			c.Abort(engineio.ReasonTransportError, engineio.ErrQueueFull)
			return
		}
		if len(held) == 0 {
			return
		}
		for _, msgs := range held {
			_ = c.Send(msgs...)
		}
	}
}

// connectPacket returns the CONNECT packet that accepts s: {"sid":...},
// with "pid" under connection state recovery. The JSON codec's is written
// here, byte for byte as the codec writes it: the codec's general path is
// the deepest call of a connection's reader, which this runs on (runJob),
// and a goroutine's stack keeps its deepest size for its life.
func (s *Socket) connectPacket() []*engineio.Message {
	codec := s.nsp.srv.codec
	if codec == parser.JSON && plainID(s.id) && plainID(s.pid) {
		nsp := s.nsp.name
		b := make([]byte, 0, 32+len(nsp)+len(s.id)+len(s.pid))
		b = append(b, 0, '0') // a free byte for the Engine.IO type (TextFrame)
		if nsp != "/" {
			b = append(append(b, nsp...), ',')
		}
		b = append(b, '{')
		if s.pid != "" {
			b = append(append(append(b, `"pid":"`...), s.pid...), `",`...)
		}
		b = append(append(append(b, `"sid":"`...), s.id...), `"}`...)
		return []*engineio.Message{engineio.TextFrame(b)}
	}
	payload := map[string]any{"sid": s.id}
	if s.pid != "" {
		payload["pid"] = s.pid
	}
	enc, err := codec.Encode(parser.Outgoing{Type: parser.Connect, Namespace: s.nsp.name, Args: []any{payload}})
	if err != nil { // a map of strings always encodes
		return nil
	}
	return engineMessages(enc)
}

// plainID reports whether id is written in JSON as it is: the URL-safe
// base64 of the ids sio makes (others take the codec's path).
func plainID(id string) bool {
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// dropHeld discards what was held for a socket that is refused.
func (s *Socket) dropHeld() {
	s.mu.Lock()
	s.held, s.heldN = nil, 0
	s.mu.Unlock()
}

// Broadcast returns a broadcast to every socket of the namespace but this
// one.
func (s *Socket) Broadcast() BroadcastOperator {
	if s == nil {
		return BroadcastOperator{}
	}
	return s.nsp.op().Except(s.id)
}

// To returns a broadcast to the sockets in any of rooms, this one excluded.
func (s *Socket) To(rooms ...string) BroadcastOperator { return s.Broadcast().To(rooms...) }

// Except returns a broadcast to every socket but this one and those in
// rooms.
func (s *Socket) Except(rooms ...string) BroadcastOperator { return s.Broadcast().Except(rooms...) }

// Session returns a copy of the socket's session (python-socketio's user
// session): a map private to this socket, destroyed when it disconnects.
func (s *Socket) Session() map[string]any {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.session)
}

// SaveSession replaces the socket's session with a copy of session.
func (s *Socket) SaveSession(session map[string]any) {
	if s == nil {
		return
	}
	c := maps.Clone(session)
	s.mu.Lock()
	s.session = c
	s.mu.Unlock()
}

// UpdateSession runs fn on the session under the socket's lock; fn may
// modify the map and must not call the socket's methods.
func (s *Socket) UpdateSession(fn func(session map[string]any) error) error {
	if s == nil {
		return ErrNoSocket
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session == nil {
		s.session = make(map[string]any)
	}
	return fn(s.session)
}

// Disconnect makes the socket leave its namespace: the client receives a
// DISCONNECT packet and the reason is "server namespace disconnect". With
// close, the whole connection is closed, with every namespace on it.
func (s *Socket) Disconnect(close bool) {
	if s == nil {
		return
	}
	if close {
		s.client.closeAll()
		return
	}
	s.disconnect(ReasonServerNamespaceDisconnect)
}

func (s *Socket) disconnect(reason DisconnectReason) {
	// Leave first, then tell the client: a client that answers the
	// DISCONNECT by closing the connection must not make the socket leave
	// with "transport close" before this reason is recorded.
	if s.leave(reason, true) {
		_ = s.client.sendPacket(parser.Outgoing{Type: parser.Disconnect, Namespace: s.nsp.name})
	}
}

// onClose makes the socket leave, then runs the disconnect handler.
func (s *Socket) onClose(reason DisconnectReason) { s.leave(reason, true) }

// leave removes the socket from its namespace and rooms, fails pending
// acknowledgements and, when notify is set, queues the disconnect handler.
// It reports whether this call made the socket leave.
func (s *Socket) leave(reason DisconnectReason, notify bool) bool {
	s.mu.Lock()
	if s.left {
		s.mu.Unlock()
		return false
	}
	s.left = true
	wasConnected := s.connected
	s.connected = false
	acks := s.acks
	s.acks = nil
	ackStarts := s.ackStart
	s.ackStart = nil
	cancel := s.cancel // nil: no context made yet; Context makes it cancelled
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if fn := s.nsp.disconnectingHandler(); fn != nil && wasConnected {
		s.safely("disconnecting handler", func() { fn(s, reason) })
	}
	if wasConnected {
		s.persist(reason)
	}
	s.nsp.remove(s)
	s.client.remove(s)
	for _, start := range ackStarts {
		s.ackEnded(start, false)
	}
	for _, cb := range acks {
		s.safely("ack callback", func() { cb(Args{}, ErrNotConnected) })
	}
	s.logDisconnected(reason, wasConnected)
	fn := s.nsp.disconnectHandler()
	s.enqueueAlways(func() {
		if notify && wasConnected && fn != nil {
			s.safely("disconnect handler", func() { fn(s, reason) })
		}
		if o := s.nsp.srv.observer(); o != nil && o.SocketDisconnected != nil && wasConnected {
			o.SocketDisconnected(s, reason)
		}
		s.mu.Lock()
		s.session = nil
		s.mu.Unlock()
	})
	return true
}

// onEvent routes an event to its handler, on the handler queue (or on its
// own goroutine with Options.ConcurrentHandlers).
func (s *Socket) onEvent(p *parser.Packet) {
	s.logEvent("sio: event received", p.Event, p.ID, p.HasID)
	job := func() { s.dispatch(p) }
	if s.nsp.srv.opts.ConcurrentHandlers && s.Connected() {
		s.goConcurrent(job)
		return
	}
	// An event that arrives while the connection is being accepted waits
	// for the connect handler, also with ConcurrentHandlers, and is
	// dropped if the connection is refused (see dropPending).
	s.runJob(job)
}

// inlineBudget is how long a handler may run on the connection's reader
// (runJob) before the connection goes on reading on another goroutine
// (engineio's ReleaseReader): the client's acknowledgements, pongs and
// disconnection wait no longer than that for a slow handler.
const inlineBudget = 5 * time.Millisecond

// runJob runs job, a handler of s, at once on the connection's reader when
// nothing else of s is queued or running and the connection is on
// websocket, sparing the hand-off to the socket's handler goroutine; else it
// queues it (enqueue). Handlers keep their order either way: while job
// runs, the socket's next jobs queue behind it.
func (s *Socket) runJob(job func()) {
	c := s.client
	if !c.inlineStart() {
		s.enqueue(job)
		return
	}
	s.mu.Lock()
	if s.left || s.running || len(s.pending) > 0 {
		s.mu.Unlock()
		c.inlineEnd()
		s.enqueue(job)
		return
	}
	s.running = true // jobs queued meanwhile wait for this one
	s.mu.Unlock()
	// Shutdown waits for job, and for the drainer it may start below.
	srv := s.nsp.srv
	srv.busy.add()
	defer srv.busy.done()
	c.runInline(job)
	s.mu.Lock()
	if len(s.pending) > 0 {
		s.mu.Unlock()
		s.goHandler(s.drain) // running stays set: the drainer's
		return
	}
	s.running = false
	s.mu.Unlock()
}

// dropPending discards the queued jobs. A refused connection calls it from
// its connect job, so the events the client sent before it learnt of the
// refusal are never handled.
func (s *Socket) dropPending() {
	s.mu.Lock()
	clear(s.pending)
	s.pending = s.pending[:0]
	s.mu.Unlock()
}

// handle runs handler h for event packet p and sends the acknowledgement:
// the results, or the error of a failed handler. A handler that takes an
// Ack sends it itself (or never); its error is sent if it has not.
func (s *Socket) handle(h *handler, p *parser.Packet) {
	var a *pendingAck
	var ack Ack = noAck
	if h.acks && p.HasID {
		a = &pendingAck{s: s, p: p}
		ack = a.send
	}
	var res []any
	err := s.run(p.Event, func() (err error) {
		res, err = h.call(s.Context(), s, p.Event, p.Args, ack)
		return err
	})
	if err != nil {
		if !errors.Is(err, ErrHandlerPanic) { // run has logged the panic
			s.nsp.srv.log.Info("sio: event handler failed", "sid", s.id, "nsp", s.nsp.name, "event", p.Event, "err", err)
		}
		res = ackError(err)
	}
	switch {
	case !p.HasID:
	case a != nil:
		if err != nil && a.sent.CompareAndSwap(false, true) {
			s.ack(p, res)
		}
	default:
		s.ack(p, res)
	}
}

// pendingAck is the acknowledgement a handler taking an Ack owes.
type pendingAck struct {
	s    *Socket
	p    *parser.Packet
	sent atomic.Bool
}

func (a *pendingAck) send(args ...any) error {
	if !a.sent.CompareAndSwap(false, true) {
		return ErrAckSent
	}
	return a.s.ack(a.p, spread(args))
}

func noAck(...any) error { return nil }

// run calls fn, turning a panic into an error and one log line, with the
// stack as a list of frames.
func (s *Socket) run(event string, fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			s.nsp.srv.log.Error("sio: panic in handler", "sid", s.id, "nsp", s.nsp.name, "event", event,
				"panic", fmt.Sprint(v), "stack", panicStack())
			err = &HandlerError{Event: event, Message: "handler panicked", cause: ErrHandlerPanic}
		}
	}()
	return fn()
}

func (s *Socket) safely(what string, fn func()) {
	_ = s.run(what, func() error { fn(); return nil })
}

// enqueue adds job to the socket's handler queue. A client whose queue
// overflows is disconnected.
func (s *Socket) enqueue(job func()) {
	s.mu.Lock()
	if s.left {
		s.mu.Unlock()
		return
	}
	if len(s.pending) >= s.nsp.srv.opts.MaxPendingEvents {
		s.mu.Unlock()
		s.nsp.srv.log.Warn("sio: too many pending events, disconnecting", "sid", s.id, "nsp", s.nsp.name)
		s.client.conn.Abort(engineio.ReasonTransportError, fmt.Errorf("sio: more than %d pending events", s.nsp.srv.opts.MaxPendingEvents))
		return
	}
	s.pushLocked(job)
}

// goConcurrent runs job on a goroutine of its own (ConcurrentHandlers).
// A client with more than MaxPendingEvents of them still running is
// disconnected, as a sequential socket's queue overflow is.
func (s *Socket) goConcurrent(job func()) {
	limit := s.nsp.srv.opts.MaxPendingEvents
	if int(s.concurrent.Add(1)) > limit {
		s.concurrent.Add(-1)
		s.nsp.srv.log.Warn("sio: too many running handlers, disconnecting", "sid", s.id, "nsp", s.nsp.name)
		s.client.conn.Abort(engineio.ReasonTransportError, fmt.Errorf("sio: more than %d running handlers", limit))
		return
	}
	srv := s.nsp.srv
	srv.busy.add()
	go func() {
		defer srv.busy.done()
		defer s.concurrent.Add(-1)
		job()
	}()
}

// enqueueAlways adds job even after the socket has left.
func (s *Socket) enqueueAlways(job func()) {
	s.mu.Lock()
	s.pushLocked(job)
}

// pushLocked appends job and starts a drainer if none runs, or wakes the
// idle one; it unlocks s.mu.
func (s *Socket) pushLocked(job func()) {
	s.pending = append(s.pending, job)
	start := !s.running
	s.running = true
	kick := s.kick
	s.mu.Unlock()
	if start {
		s.goHandler(s.drain)
	} else if kick != nil {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
}

// drainerLinger is how long an idle drainer waits for the next event before
// it exits: a busy socket keeps its handler goroutine (no goroutine start
// and stack growth per event), an idle one keeps none.
const drainerLinger = time.Second

// drain runs queued jobs in order. When the queue stays empty for
// drainerLinger, or the socket has left and nothing is queued, it exits.
func (s *Socket) drain() {
	var linger *time.Timer
	for {
		s.mu.Lock()
		if len(s.pending) == 0 && s.left {
			// Nothing more will come (leave queues its last job
			// before it returns).
			s.running = false
			s.pending = nil
			s.mu.Unlock()
			return
		}
		if len(s.pending) == 0 {
			if s.kick == nil {
				s.kick = make(chan struct{}, 1)
			}
			kick := s.kick
			s.pending = s.pending[:0]
			s.mu.Unlock()
			if linger == nil {
				linger = time.NewTimer(drainerLinger)
				defer linger.Stop()
			} else {
				linger.Reset(drainerLinger)
			}
			select {
			case <-kick:
				continue
			case <-linger.C:
			}
			s.mu.Lock()
			if len(s.pending) > 0 {
				s.mu.Unlock()
				continue
			}
			s.running = false
			s.pending = nil
			s.mu.Unlock()
			return
		}
		job := s.pending[0]
		s.pending[0] = nil
		s.pending = s.pending[1:]
		s.mu.Unlock()
		job()
	}
}

func (s *Socket) goHandler(fn func()) {
	srv := s.nsp.srv
	srv.busy.add()
	go func() {
		defer srv.busy.done()
		fn()
	}()
}
