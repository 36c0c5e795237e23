package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
)

// setupLog takes the log and the session store from the bus, when it is a
// LogBus.
func (a *Adapter) setupLog(m *manager) {
	lb, ok := m.bus.(LogBus)
	if !ok {
		return
	}
	a.logBus = lb
	switch {
	case m.opts.Sessions != nil:
		a.sessions = m.opts.Sessions
	default:
		if ss, ok := m.bus.(SessionStore); ok {
			a.sessions = ss
		} else {
			a.sessions = m.memSessions()
		}
	}
}

// durable reports whether a message goes to the log of a LogBus: the
// operations a server must apply even when it reads them late.
func durable(typ MessageType, data any) bool {
	switch typ {
	case TypeSocketsJoin, TypeSocketsLeave, TypeDisconnectSockets:
		return true
	case TypeBroadcast:
		d, ok := data.(broadcastData)
		return ok && d.RequestID == ""
	}
	return false
}

// recovery returns the server's recovery options, nil when it is off.
func (a *Adapter) recovery() *core.RecoveryOptions { return a.nsp.Server().Options().Recovery }

// broadcastLogged is Broadcast on a LogBus: the broadcast is appended to
// the log (also when it concerns local sockets only, so that every offset a
// client holds is in the log, unless the server has no recovery) and
// delivered locally with its offset.
func (a *Adapter) broadcastLogged(p *core.Packet, opts core.BroadcastOptions) {
	if opts.Local || (a.recovery() == nil && a.onlyLocal(opts)) {
		a.MemoryAdapter.BroadcastAt(p, opts, "")
		return
	}
	raw, err := encodePacket(p.Outgoing)
	if err != nil {
		a.log.Error("sio/queue: cannot encode broadcast", "event", p.Event, "err", err)
		a.MemoryAdapter.BroadcastAt(p, opts, "")
		return
	}
	// On failure (logged), the local sockets still get the packet, without
	// an offset.
	off, _ := a.send(a.channel, TypeBroadcast, broadcastData{Packet: raw, Opts: toWireOpts(opts)})
	a.MemoryAdapter.BroadcastAt(p, opts, off)
}

// sessionRecord is a persisted session as Node.js's socket.io writes it.
type sessionRecord struct {
	SID   string             `msgpack:"sid"`
	PID   string             `msgpack:"pid"`
	Rooms roomList           `msgpack:"rooms"`
	Data  msgpack.RawMessage `msgpack:"data"`
}

// maxDisconnection returns how long a session is kept.
func maxDisconnection(rec *core.RecoveryOptions) time.Duration {
	if rec.MaxDisconnectionDuration > 0 {
		return rec.MaxDisconnectionDuration
	}
	return core.DefaultMaxDisconnectionDuration
}

// PersistSession implements core.Adapter. On a LogBus, the session goes to
// the session store (see SessionStore), for every server; otherwise it
// stays in this server's memory.
func (a *Adapter) PersistSession(state *core.SessionState) {
	if a.logBus == nil {
		a.MemoryAdapter.PersistSession(state)
		return
	}
	rec := a.recovery()
	if rec == nil {
		return
	}
	b, err := encodeSession(state)
	if err != nil {
		a.log.Warn("sio/queue: cannot encode session", "sid", state.SID, "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestTimeout)
	defer cancel()
	if err := a.sessions.SaveSession(ctx, state.PID, b, maxDisconnection(rec)); err != nil {
		a.log.Warn("sio/queue: cannot save session", "sid", state.SID, "err", err)
	}
}

func encodeSession(state *core.SessionState) ([]byte, error) {
	var data any = state.Data
	if data == nil {
		data = map[string]any{} // Node.js's socket.data is never null
	}
	raw, err := encodeValue(data)
	if err != nil {
		return nil, err
	}
	rooms := roomList(state.Rooms)
	if rooms == nil {
		rooms = roomList{}
	}
	return marshal(sessionRecord{SID: state.SID, PID: state.PID, Rooms: rooms, Data: raw})
}

// RestoreSession implements core.Adapter. On a LogBus, it takes the session
// from the session store and the packets the socket missed from the log:
// the broadcasts of the namespace after offset that reach the session's
// rooms, each with its offset as its last argument.
func (a *Adapter) RestoreSession(pid, offset string) (*core.SessionState, bool) {
	if a.logBus == nil {
		return a.MemoryAdapter.RestoreSession(pid, offset)
	}
	if a.recovery() == nil || pid == "" || offset == "" {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestTimeout)
	defer cancel()
	b, err := a.sessions.TakeSession(ctx, pid)
	if err != nil {
		if !errors.Is(err, ErrNoSession) {
			a.log.Warn("sio/queue: cannot read session", "err", err)
		}
		return nil, false
	}
	st, err := a.decodeSession(b)
	if err != nil {
		a.log.Warn("sio/queue: dropping undecodable session", "err", err)
		return nil, false
	}
	a.restoreMu.Lock()
	defer a.restoreMu.Unlock()
	err = a.logBus.ReadLog(ctx, a.channel, offset, func(off string, msg []byte) bool {
		if p := a.missedPacket(msg, st, off); p != nil {
			st.Missed = append(st.Missed, p)
		}
		return true
	})
	if err != nil {
		if !errors.Is(err, ErrUnknownOffset) {
			a.log.Warn("sio/queue: cannot read the log", "err", err)
		}
		return nil, false
	}
	a.restored.add(st, a.opts.RequestTimeout)
	return st, true
}

// restoredPackets remembers, for a while, the packets given to restored
// sessions: this server's log subscription may deliver them after the
// restore (it lags behind the log when the client reconnects quickly),
// and the socket must not get them twice.
type restoredPackets struct {
	mu       sync.Mutex
	byOffset map[string][]string // offset → the restored socket ids that got it
	timers   map[*time.Timer]struct{}
	closed   bool
}

// add remembers the missed packets of st for ttl.
func (r *restoredPackets) add(st *core.SessionState, ttl time.Duration) {
	if len(st.Missed) == 0 {
		return
	}
	offs := make([]string, 0, len(st.Missed))
	for _, p := range st.Missed {
		if off, ok := p.Args[len(p.Args)-1].(string); ok {
			offs = append(offs, off)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.byOffset == nil {
		r.byOffset = make(map[string][]string)
		r.timers = make(map[*time.Timer]struct{})
	}
	for _, off := range offs {
		r.byOffset[off] = append(r.byOffset[off], st.SID)
	}
	var t *time.Timer
	t = time.AfterFunc(ttl, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.timers, t)
		for _, off := range offs {
			sids := slices.DeleteFunc(r.byOffset[off], func(s string) bool { return s == st.SID })
			if len(sids) == 0 {
				delete(r.byOffset, off)
			} else {
				r.byOffset[off] = sids
			}
		}
	})
	r.timers[t] = struct{}{}
}

// take returns (and forgets) the restored sockets that got the packet at
// offset already.
func (r *restoredPackets) take(offset string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.byOffset) == 0 {
		return nil
	}
	sids := r.byOffset[offset]
	delete(r.byOffset, offset)
	return sids
}

// close stops the timers.
func (r *restoredPackets) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	for t := range r.timers {
		t.Stop()
	}
	r.timers, r.byOffset = nil, nil
}

func (a *Adapter) decodeSession(b []byte) (*core.SessionState, error) {
	if err := checkMsgpack(b); err != nil {
		return nil, err
	}
	var rec sessionRecord
	if err := unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMessage, err)
	}
	if rec.SID == "" {
		return nil, fmt.Errorf("%w: session without sid", ErrInvalidMessage)
	}
	st := &core.SessionState{SID: rec.SID, PID: rec.PID, Rooms: rec.Rooms}
	if len(rec.Data) > 0 {
		args, err := decodeArgs(parser.Ack, "/", arrayOf(rec.Data))
		if err != nil {
			return nil, fmt.Errorf("session data: %w", err)
		}
		if st.Data, err = args.Value(0); err != nil {
			return nil, fmt.Errorf("session data: %w", err)
		}
	}
	return st, nil
}

// missedPacket returns the packet of a log message for a restored session,
// nil when the message is not a broadcast of this namespace that reaches
// the session. Like Node.js, a socket is reached when the broadcast has no
// rooms or one of the session's, and none of its rooms is excepted.
func (a *Adapter) missedPacket(msg []byte, st *core.SessionState, offset string) *core.Packet {
	m, err := decodeMessage(msg)
	if err != nil || m.Type != TypeBroadcast || (m.NSP != "" && m.NSP != a.nsp.Name()) {
		return nil
	}
	data, err := decodeData(m, a.nsp)
	if err != nil {
		a.log.Warn("sio/queue: skipping invalid message in the log", "offset", offset, "err", err)
		return nil
	}
	d, ok := data.(inBroadcast)
	if !ok || d.requestID != "" {
		return nil
	}
	if len(d.opts.Rooms) > 0 && !slices.ContainsFunc(st.Rooms, func(r string) bool { return slices.Contains(d.opts.Rooms, r) }) {
		return nil
	}
	if slices.ContainsFunc(st.Rooms, func(r string) bool { return slices.Contains(d.opts.Except, r) }) {
		return nil
	}
	args := append(slices.Clip(d.args), offset)
	return core.NewPacket(parser.Outgoing{Type: parser.Event, Namespace: a.nsp.Name(), Event: d.event, Args: args})
}

// memSessions returns the manager's in-memory session store (for a LogBus
// that is not a SessionStore), shared by its namespaces.
func (m *manager) memSessions() SessionStore {
	m.sessOnce.Do(func() { m.sessions = &memorySessions{m: make(map[string]memorySession)} })
	return m.sessions
}

// memorySessions is a SessionStore in one process.
type memorySessions struct {
	mu    sync.Mutex
	m     map[string]memorySession
	swept time.Time // expired sessions are dropped at most once a second
}

type memorySession struct {
	b       []byte
	expires time.Time
}

func (s *memorySessions) SaveSession(_ context.Context, pid string, b []byte, ttl time.Duration) error {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) > time.Second {
		s.swept = now
		for k, v := range s.m {
			if now.After(v.expires) {
				delete(s.m, k)
			}
		}
	}
	s.m[pid] = memorySession{b: b, expires: now.Add(ttl)}
	return nil
}

func (s *memorySessions) TakeSession(_ context.Context, pid string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[pid]
	delete(s.m, pid)
	if !ok || time.Now().After(v.expires) {
		return nil, ErrNoSession
	}
	return v.b, nil
}
