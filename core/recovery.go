package core

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"time"

	"github.com/socketio-go/sio/core/parser"
)

// DefaultMaxDisconnectionDuration is the default of
// RecoveryOptions.MaxDisconnectionDuration.
const DefaultMaxDisconnectionDuration = 2 * time.Minute

// RecoveryOptions enables connection state recovery (Node.js 4.6
// semantics): when a client loses its connection for a reason that allows
// it (a transport failure, a ping timeout, a server shutdown, not an
// explicit disconnect), the server keeps the socket's id, rooms and data
// and the broadcasts it misses; a client that reconnects within
// MaxDisconnectionDuration gets them back and its socket reports
// Recovered. Broadcast events then carry an offset as their last argument,
// which the client sends back when it reconnects.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long a disconnected socket's state
	// is kept. Zero: 2 minutes.
	MaxDisconnectionDuration time.Duration
	// RunMiddlewares runs the namespace middleware (Use) for recovered
	// sockets too. Zero: they are skipped, as Node's skipMiddlewares.
	RunMiddlewares bool
}

// SessionState is what the adapter keeps of a disconnected socket for
// connection state recovery.
type SessionState struct {
	// SID is the socket's id, which the restored socket keeps.
	SID string `json:"sid"`
	// PID is the socket's private id, which the client presents to
	// recover the session.
	PID string `json:"pid"`
	// Rooms are the rooms the socket was in (its own sid room included).
	Rooms []string `json:"rooms"`
	// Data is the socket's application data (Socket.SetData).
	Data any `json:"data"`
	// Missed holds the packets the socket missed, in order; set by
	// RestoreSession.
	Missed []*Packet `json:"-"`

	// DisconnectedAt is when the socket disconnected.
	DisconnectedAt time.Time `json:"disconnectedAt"`
}

// recoverable lists the disconnect reasons after which a session is kept.
var recoverable = map[DisconnectReason]bool{
	ReasonTransportError:     true,
	ReasonTransportClose:     true,
	ReasonForcedClose:        true,
	ReasonPingTimeout:        true,
	ReasonServerShuttingDown: true,
	ReasonForcedServerClose:  true,
}

// loggedPacket is a broadcast kept for recovery.
type loggedPacket struct {
	offset string
	opts   BroadcastOptions
	p      *Packet
	at     time.Time
}

// newOffset returns a fresh, unique packet offset.
func newOffset() string {
	var b [9]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// recoverable reports whether a broadcast of p with opts gets an offset:
// recovery is on and p is a plain event (no ack id) that is not volatile.
func (a *MemoryAdapter) recoverable(p *Packet, opts BroadcastOptions) bool {
	return a.nsp.srv.opts.Recovery != nil && p.Type == parser.Event && !p.HasID && !opts.Volatile
}

// withOffset returns a copy of p with offset as its last argument.
func withOffset(p *Packet, offset string) *Packet {
	out := p.Outgoing
	out.Args = append(slices.Clip(out.Args), offset)
	return NewPacket(out)
}

// BroadcastAt delivers p like Broadcast, for a cluster adapter whose
// broker keeps the broadcasts for connection state recovery (a stream, a
// log): when recovery is on and p is a plain event (no ack id) that is not
// volatile, offset, the broker's position of p, is appended as its last
// argument (nothing when offset is empty). The packet is not kept in this
// adapter's memory: the caller's PersistSession and RestoreSession find
// the missed packets in the broker.
func (a *MemoryAdapter) BroadcastAt(p *Packet, opts BroadcastOptions, offset string) {
	if offset != "" && a.recoverable(p, opts) {
		p = withOffset(p, offset)
	}
	a.deliver(p, opts, nil, nil)
}

// recordBroadcast gives a plain broadcast event an offset and logs it, when
// recovery is on. It returns the packet to deliver.
func (a *MemoryAdapter) recordBroadcast(p *Packet, opts BroadcastOptions) *Packet {
	if !a.recoverable(p, opts) {
		return p
	}
	rec := a.nsp.srv.opts.Recovery
	off := newOffset()
	logged := withOffset(p, off)
	now := time.Now()
	a.recMu.Lock()
	defer a.recMu.Unlock()
	cut := 0
	for cut < len(a.log) && now.Sub(a.log[cut].at) > rec.maxDuration() {
		cut++
	}
	a.log = append(a.log[cut:], loggedPacket{offset: off, opts: opts, p: logged, at: now})
	return logged
}

func (r *RecoveryOptions) maxDuration() time.Duration {
	if r.MaxDisconnectionDuration > 0 {
		return r.MaxDisconnectionDuration
	}
	return DefaultMaxDisconnectionDuration
}

// PersistSession implements Adapter.
func (a *MemoryAdapter) PersistSession(state *SessionState) {
	rec := a.nsp.srv.opts.Recovery
	if rec == nil {
		return
	}
	if state.DisconnectedAt.IsZero() {
		state.DisconnectedAt = time.Now()
	}
	a.recMu.Lock()
	defer a.recMu.Unlock()
	if a.sessions == nil {
		a.sessions = make(map[string]*SessionState)
	}
	for pid, st := range a.sessions {
		if time.Since(st.DisconnectedAt) > rec.maxDuration() {
			delete(a.sessions, pid)
		}
	}
	a.sessions[state.PID] = state
}

// RestoreSession implements Adapter.
func (a *MemoryAdapter) RestoreSession(pid, offset string) (*SessionState, bool) {
	rec := a.nsp.srv.opts.Recovery
	if rec == nil {
		return nil, false
	}
	a.recMu.Lock()
	defer a.recMu.Unlock()
	st := a.sessions[pid]
	if st == nil {
		return nil, false
	}
	delete(a.sessions, pid)
	if time.Since(st.DisconnectedAt) > rec.maxDuration() {
		return nil, false
	}
	i := slices.IndexFunc(a.log, func(l loggedPacket) bool { return l.offset == offset })
	if i < 0 {
		return nil, false
	}
	restored := *st
	restored.Missed = nil
	for _, l := range a.log[i+1:] {
		if reaches(l.opts, st.SID, st.Rooms) {
			restored.Missed = append(restored.Missed, l.p)
		}
	}
	return &restored, true
}

// reaches reports whether a broadcast with opts reaches a socket with the
// given id and rooms.
func reaches(opts BroadcastOptions, sid string, rooms []string) bool {
	in := func(r string) bool { return r == sid || slices.Contains(rooms, r) }
	for _, r := range opts.Except {
		if in(r) {
			return false
		}
	}
	if len(opts.Rooms) == 0 {
		return true
	}
	return slices.ContainsFunc(opts.Rooms, in)
}

// Recovered reports whether the socket's state was restored by connection
// state recovery when it connected.
func (s *Socket) Recovered() bool { return s != nil && s.recovered }

// recoveryAuth is what a reconnecting client adds to its auth payload.
type recoveryAuth struct {
	PID    string `json:"pid"`
	Offset string `json:"offset"`
}

// restore applies a kept session to s, when the client asks for one and the
// adapter has it. It runs before s joins its namespace.
func (s *Socket) restore() bool {
	if s.nsp.srv.opts.Recovery == nil || s.handshake.Auth.Len() == 0 {
		return false
	}
	var ra recoveryAuth
	if err := s.handshake.Auth.Decode(0, &ra); err != nil || ra.PID == "" || ra.Offset == "" {
		return false
	}
	st, ok := s.nsp.adapter.RestoreSession(ra.PID, ra.Offset)
	if !ok {
		return false
	}
	s.id, s.pid, s.data, s.recovered = st.SID, st.PID, st.Data, true
	s.missed = st.Missed
	s.restoredRooms = st.Rooms
	return true
}

// persist keeps the state of s for recovery, when its reason allows it.
// It runs before s leaves its rooms.
func (s *Socket) persist(reason DisconnectReason) {
	if s.nsp.srv.opts.Recovery == nil || s.pid == "" || !recoverable[reason] {
		return
	}
	s.nsp.adapter.PersistSession(&SessionState{SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: s.Data()})
}
