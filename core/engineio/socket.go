package engineio

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"sync"
	"time"
)

// CloseReason says why a session closed. The values are the reference
// server's reason strings.
type CloseReason string

// Close reasons.
const (
	// ReasonTransportClose: the client closed the connection or sent a
	// close packet.
	ReasonTransportClose CloseReason = "transport close"
	// ReasonTransportError: the transport failed (a write error, an
	// overlapping request, an oversized message, a full outbound queue).
	ReasonTransportError CloseReason = "transport error"
	// ReasonPingTimeout: the client did not answer a ping in time.
	ReasonPingTimeout CloseReason = "ping timeout"
	// ReasonForcedClose: the server closed the session (Socket.Close).
	ReasonForcedClose CloseReason = "forced close"
	// ReasonParseError: the client sent a packet that could not be decoded.
	ReasonParseError CloseReason = "parse error"
	// ReasonServerShutdown: the server is shutting down (Server.Shutdown).
	ReasonServerShutdown CloseReason = "server shutting down"
)

// Errors returned by Socket methods.
var (
	// ErrClosed is returned when sending to a session that is closed or
	// closing.
	ErrClosed = errors.New("engineio: session closed")
	// ErrQueueFull is returned when the outbound queue is full; see
	// QueueFullPolicy.
	ErrQueueFull = errors.New("engineio: outbound queue full")
	// ErrHeartbeatDirection is the error OnClose receives when a client sent
	// a ping: in Engine.IO v4 only the server pings, so the reference
	// server closes such a session with reason "transport error".
	ErrHeartbeatDirection = errors.New("engineio: invalid heartbeat direction (a v4 client never sends ping)")
)

type sessionState int

const (
	stateOpen    sessionState = iota
	stateClosing              // draining the queue, which ends with a close packet
	stateClosed
)

// Socket is one Engine.IO session. Its methods are safe for concurrent use.
type Socket struct {
	srv *Server
	id  string
	req *Request // replaced, guarded by mu, when held is set or used
	// held is the packed headers and query of req, which has none then
	// (see holdRequest); guarded by mu.
	held *heldRequest

	// wake carries one token when the queue gained messages or the state
	// changed. The pending long-poll and the websocket writer wait on it
	// (both only while an upgrade hands the queue over); each re-checks the
	// state after waking, and a long-poll that finds the session upgraded
	// passes the token on, so no wake-up is lost.
	wake chan struct{}
	// done is closed when the session has closed.
	done chan struct{}
	// upgraded is closed when the session switches to a websocket; it
	// releases a long-poll still pending then.
	upgraded chan struct{}

	mu sync.Mutex // guards the fields below
	// onMessage and onClose are set by the OnConnection callback, usually
	// before any message is read.
	onMessage func(data []byte, binary bool)
	onClose   func(reason CloseReason, err error)
	// queue holds the messages not yet handed to a transport; queueBytes
	// is the length of their payloads, as sent by Send (a broadcast's
	// shared message counts in every queue that holds it).
	queue       []*Message
	queueBytes  int
	transport   string
	ws          Conn // the active websocket, once upgraded or websocket-only
	wsBase64    bool // its client asked for binary as base64 text (b64=1)
	probeConn   Conn // the websocket of an upgrade probe in progress
	state       sessionState
	closeReason CloseReason    // the reason a graceful close will report
	polling     bool           // a GET is waiting for messages
	posting     bool           // a POST is being served
	upgrading   bool           // a websocket probe is in progress
	upgradeTick *upgradeChecks // during an upgrade, releases a pending GET
	releasePoll bool           // the pending GET is to be answered with a noop now
	// closeNoop: the pending GET of a closed session is answered with a
	// noop, not a close packet, because the client does not need the
	// server's close (it closed the session itself, or learns of the
	// failure from the answer to its own request: a 413).
	closeNoop bool
	// wsCloseCode is the status code of the close frame the websocket
	// gets when the session closes for a protocol error (0: none).
	wsCloseCode int
	writerAlive bool       // a websocket writer goroutine runs (writeLoop)
	writing     bool       // it is writing a batch
	batch       []*Message // the writer's buffer, kept between runs
	writers     sync.WaitGroup
	// connUse counts the closing goroutine's use of ws or probeConn (one
	// at most); Ticket.Serve waits for it before it returns.
	connUse      sync.WaitGroup
	dropping     bool // messages were dropped since the queue last drained
	awaitingPong bool
	pingQueued   bool        // the ping awaiting its pong is still in the queue
	pongExtended bool        // a packet has extended the pong deadline of this ping
	timerAt      time.Time   // when the heartbeat is due (Server.beats runs it)
	graceTimer   *time.Timer // bounds a graceful close
	// inMessage: the websocket reader runs an OnMessage callback, which
	// ReleaseReader may release; readerGen counts the releases, and
	// readers carries the result of each released reader's successor to
	// serveWebSocket.
	inMessage bool
	readerGen uint32
	readers   chan error

	// The session's place in Server.beats, guarded by its mutex: when it
	// is due (Unix nanoseconds) and its index (-1: not scheduled).
	beatAt  int64
	beatIdx int

	// Set before the session is shared: its address's entry in the
	// quotas, and whether it is counted there.
	quotaKey     netip.Prefix
	quotaCounted bool
}

func newSocket(srv *Server, id string, req *Request, transport string) *Socket {
	return &Socket{
		srv:       srv,
		id:        id,
		req:       req,
		wake:      make(chan struct{}, 1),
		done:      make(chan struct{}),
		upgraded:  make(chan struct{}),
		transport: transport,
		beatIdx:   -1,
	}
}

// log returns the session's logger: the server's, with the session id.
// It is made for each line rather than kept: sessions rarely log, and
// slog's With is the deepest call an idle session's reader would make.
func (s *Socket) log() *slog.Logger { return s.srv.log.With("sid", s.id) }

// ID returns the session id.
func (s *Socket) ID() string { return s.id }

// Transport returns the current transport name: "polling" or "websocket".
func (s *Socket) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transport
}

// Done returns a channel that is closed when the session has closed.
func (s *Socket) Done() <-chan struct{} { return s.done }

// OnMessage sets the function called for every message the client sends,
// in arrival order, on the session's reader goroutine. data belongs to the
// callee. Set it in the Server's OnConnection callback.
func (s *Socket) OnMessage(fn func(data []byte, binary bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onMessage = fn
}

// OnClose sets the function called once when the session closes, with the
// reason and, for transport failures, the underlying error. Set it in the
// Server's OnConnection callback. It runs on the goroutine that noticed the
// close, except when Send closed a slow client: it then runs on a new
// goroutine, so Send never calls back into user code.
func (s *Socket) OnClose(fn func(reason CloseReason, err error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onClose = fn
}

// SendText sends a text message.
func (s *Socket) SendText(text string) error { return s.Send(TextMessage([]byte(text))) }

// SendBinary sends a binary message. data must not be modified afterwards.
func (s *Socket) SendBinary(data []byte) error { return s.Send(BinaryMessage(data)) }

// SendMessage sends data as a binary message when binary is true, as a
// text message otherwise: the pair OnMessage receives, so an echo is
// s.SendMessage(data, binary). A binary data must not be modified
// afterwards.
func (s *Socket) SendMessage(data []byte, binary bool) error {
	return s.Send(NewMessage(data, binary))
}

// Send queues msgs for delivery, in order and without interleaving with
// other Send calls. It does not wait for the transport. The queue is
// bounded by Options.MaxQueuedMessages and Options.MaxQueueBytes; msgs
// that do not fit are handled by Options.QueueFull.
func (s *Socket) Send(msgs ...*Message) error { return s.send(msgs, false) }

// Reply is Send for a message that answers the client (an acknowledgement,
// the answer to a namespace CONNECT): when the session is on websocket,
// nothing is queued and no writer runs, the caller writes msgs itself and
// Reply returns once the connection has them, sparing the hand-off to a
// writer goroutine; otherwise msgs are queued as Send queues them. Either
// way one writer at a time touches the connection. A write may block while
// the client does not read (up to PingInterval + PingTimeout), so call it
// from the session's reader or from a handler answering the client, with
// no lock held, never from a broadcast.
func (s *Socket) Reply(msgs ...*Message) error { return s.send(msgs, true) }

// send implements Send and Reply: with inline, the caller writes when it
// can.
func (s *Socket) send(msgs []*Message, inline bool) error {
	n := 0
	for _, m := range msgs {
		n += len(m.data)
	}
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return ErrClosed
	}
	opts := &s.srv.opts
	// An empty queue takes msgs whatever their size: a message larger
	// than the byte bound is sent, alone.
	if len(s.queue)+len(msgs) > opts.MaxQueuedMessages || (len(s.queue) > 0 && s.queueBytes+n > opts.MaxQueueBytes) {
		return s.overflowLocked()
	}
	s.queue = append(s.queue, msgs...)
	s.queueBytes += n
	// A reply while the websocket reader runs a message callback (the
	// handler answering, usually) is written by the reader once the
	// callback returns (see handle), where its stack is shallow; a
	// writer that starts meanwhile, or ReleaseReader, writes it sooner.
	later := inline && s.inMessage
	start := !later && s.startWriterLocked()
	s.mu.Unlock()
	if o := s.srv.observer(); o != nil && o.PacketsOut != nil {
		o.PacketsOut(s, len(msgs), n)
	}
	if s.debug() {
		s.debugQueued(msgs)
	}
	switch {
	case later:
	case start && inline:
		s.writeNow()
	case start:
		go s.writeLoop()
	default:
		s.wake1() // a pending long-poll, or a lingering writer
	}
	return nil
}

// overflowLocked applies the QueueFull policy to messages that do not fit
// in the queue, and returns ErrQueueFull. s.mu must be held; it unlocks it.
func (s *Socket) overflowLocked() error {
	queued, bytes := len(s.queue), s.queueBytes
	if s.srv.opts.QueueFull == QueueFullDrop {
		// One log line per streak of drops, not one per message.
		first := !s.dropping
		s.dropping = true
		s.mu.Unlock()
		if first {
			s.log().Warn("engineio: outbound queue full, dropping messages until it drains", "queued", queued, "bytes", bytes)
		}
		if o := s.srv.observer(); o != nil && o.QueueFull != nil {
			o.QueueFull(s, QueueFullDrop)
		}
		return ErrQueueFull
	}
	s.mu.Unlock()
	s.log().Warn("engineio: outbound queue full, closing slow client", "queued", queued, "bytes", bytes)
	if o := s.srv.observer(); o != nil && o.QueueFull != nil {
		o.QueueFull(s, QueueFullClose)
	}
	// Send may be called with the caller's locks held (a broadcast):
	// the OnClose callback must not run on this goroutine.
	s.close(ReasonTransportError, ErrQueueFull, true)
	return ErrQueueFull
}

// Writable reports whether a message sent now would be written without
// waiting: the session is open, its queue is empty and a transport is ready
// to write (a pending long-poll, or a websocket whose writer is idle).
func (s *Socket) Writable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateOpen || len(s.queue) > 0 {
		return false
	}
	if s.transport == TransportWebSocket {
		return s.ws != nil && !s.writing
	}
	return s.polling
}

// Close closes the session: the messages already queued are delivered,
// then a close packet, then the transport is closed. A polling client with
// no request pending that has not come for them within
// Options.ClosePollWait is dropped, as is a client whose transport stalls
// for two seconds (or PingTimeout, when shorter). The OnClose callback
// receives ReasonForcedClose.
func (s *Socket) Close() { s.closeGracefully(ReasonForcedClose) }

// closeGrace bounds how long a graceful close waits for a transport that
// has the close packet to write it (Server.closeGrace outside tests).
const closeGrace = 2 * time.Second

func (s *Socket) closeGracefully(reason CloseReason) {
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return
	}
	s.state = stateClosing
	s.closeReason = reason
	// The close packet is the last one queued: nothing is queued after
	// it (see Send and heartbeat).
	s.queue = append(s.queue, msgClose)
	// A client that never collects the close packet (a long-polling
	// client that has gone) is dropped anyway, soon: a live one collects
	// it within a round trip.
	wait := min(s.srv.opts.PingTimeout, s.srv.closeGrace)
	if s.transport == TransportPolling && !s.polling {
		wait = s.srv.opts.ClosePollWait
	}
	if wait < 0 {
		s.mu.Unlock()
		s.closeNow(reason, nil)
		return
	}
	s.graceTimer = time.AfterFunc(wait, func() { s.closeNow(reason, nil) })
	s.mu.Unlock()
	s.signal()
}

func (s *Socket) signal() {
	s.wake1()
	s.mu.Lock()
	start := s.startWriterLocked()
	s.mu.Unlock()
	if start {
		go s.writeLoop()
	}
}

// wake1 wakes a pending long-poll, if any.
func (s *Socket) wake1() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// startWriterLocked reports whether a websocket writer must be started for
// the queued messages, and marks it running. s.mu must be held.
func (s *Socket) startWriterLocked() bool {
	if s.ws == nil || s.writerAlive || s.state == stateClosed || len(s.queue) == 0 {
		return false
	}
	s.writerAlive, s.writing = true, true
	s.writers.Add(1)
	return true
}

// takeQueue appends the queued messages to dst and empties the queue,
// keeping its storage. s.mu must be held.
func (s *Socket) takeQueue(dst []*Message) []*Message {
	dst = append(dst, s.queue...)
	clear(s.queue)
	s.queue = s.queue[:0]
	s.queueBytes = 0
	s.pingQueued = false // the ping is on its way to the client
	s.dropping = false
	return dst
}

// closeNow closes the session at once, discarding the queue. Only the first
// call has an effect. During a graceful close, the reason is the one the
// graceful close gave: the transport ending then is its consequence.
func (s *Socket) closeNow(reason CloseReason, err error) { s.close(reason, err, false) }

// closeNoopPoll closes the session at once and answers its pending
// long-poll, if any, with a noop rather than a close packet: the client
// closed the session itself (as the reference server's polling transport
// answers it), or learns of the failure from the answer to its own request.
func (s *Socket) closeNoopPoll(reason CloseReason, err error) {
	s.mu.Lock()
	if s.state != stateClosed {
		s.closeNoop = true
	}
	s.mu.Unlock()
	s.closeNow(reason, err)
}

// closeProtocolError closes the session for a protocol error found on its
// websocket: the client gets a close frame with the status code (1002,
// 1007, 1009) before the connection ends.
func (s *Socket) closeProtocolError(code int, reason CloseReason, err error) {
	s.mu.Lock()
	if s.state != stateClosed {
		s.wsCloseCode = code
	}
	s.mu.Unlock()
	s.closeNow(reason, err)
}

// close implements closeNow; with async, the OnClose callback runs on a new
// goroutine.
func (s *Socket) close(reason CloseReason, err error, async bool) {
	s.mu.Lock()
	if s.state == stateClosed {
		s.mu.Unlock()
		return
	}
	if s.state == stateClosing {
		if err != nil && s.debug() {
			s.log().Debug("engineio: transport ended during a graceful close", "err", err)
		}
		reason, err = s.closeReason, nil
	}
	s.state = stateClosed
	s.queue = nil
	s.srv.beats.remove(s)
	if s.graceTimer != nil {
		s.graceTimer.Stop()
	}
	ws, probe, onClose, transport, code := s.ws, s.probeConn, s.onClose, s.transport, s.wsCloseCode
	if ws != nil || probe != nil {
		// Ticket.Serve waits for this before it returns: an adapter may
		// recycle the connection then (fasthttp pools its hijacked ones).
		s.connUse.Add(1)
	}
	s.mu.Unlock()
	close(s.done)
	if ws != nil {
		if code != 0 {
			// A protocol error: the client learns why from the close
			// frame's status code before the connection ends.
			writeCloseFrame(ws, code, string(reason), true)
		}
		// Wake the reader too: a Conn whose Close does not end a blocked
		// read (an adapter's) still returns from ReadMessage.
		_ = ws.SetReadDeadline(time.Now())
		_ = ws.Close()
	}
	if probe != nil {
		_ = probe.SetReadDeadline(time.Now())
		_ = probe.Close()
	}
	if ws != nil || probe != nil {
		s.connUse.Done()
	}
	s.srv.remove(s)
	switch {
	case err == nil || reason == ReasonTransportClose:
		if s.debug() {
			s.debugClosed(reason, err, transport)
		}
	default:
		s.log().Info("engineio: session closed", "reason", string(reason), "err", err)
	}
	if onClose != nil {
		if async {
			go s.callback("OnClose", func() { onClose(reason, err) })
		} else {
			s.callback("OnClose", func() { onClose(reason, err) })
		}
	}
	if o := s.srv.observer(); o != nil && o.SessionClosed != nil {
		o.SessionClosed(s, transport, reason)
	}
}

// finishClosing completes a graceful close once the close packet has been
// handed to the transport.
func (s *Socket) finishClosing() {
	s.mu.Lock()
	reason := s.closeReason
	s.mu.Unlock()
	s.closeNow(reason, nil)
}

// callback runs a user callback, recovering and logging a panic.
func (s *Socket) callback(name string, fn func()) { runCallback(s.log, name, fn) }

// userCallback runs a user callback that belongs to no session, recovering
// and logging a panic.
func (s *Server) userCallback(name string, fn func()) { runCallback(s.logger, name, fn) }

// logger returns the server's logger.
func (s *Server) logger() *slog.Logger { return s.log }

// runCallback runs fn, logging a panic to the logger log returns.
func runCallback(log func() *slog.Logger, name string, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			log().Error("engineio: panic in callback", "callback", name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	fn()
}

// startHeartbeat arms the ping timer. It is called once, when the session
// opens.
func (s *Socket) startHeartbeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateClosed {
		return
	}
	s.resetTimer(s.srv.opts.PingInterval)
}

// heartbeat runs when the heartbeat timer fires: it sends a ping, or closes
// the session when the previous ping went unanswered.
func (s *Socket) heartbeat() {
	s.mu.Lock()
	if s.state != stateOpen {
		// Closed or closing (a graceful close has its own deadline).
		s.mu.Unlock()
		return
	}
	if time.Now().Before(s.timerAt) {
		// Rescheduled by a pong while this run was starting (then it is
		// scheduled already), or run a little early by the wall clock:
		// it runs again when due.
		s.srv.beats.schedule(s, s.timerAt)
		s.mu.Unlock()
		return
	}
	if s.awaitingPong {
		s.mu.Unlock()
		s.closeNow(ReasonPingTimeout, nil)
		return
	}
	// The only control packet the server queues on its own, one at a
	// time: the next ping waits for this one's pong.
	s.awaitingPong, s.pingQueued, s.pongExtended = true, true, false
	s.queue = append(s.queue, msgPing)
	s.resetTimer(s.srv.opts.PingTimeout)
	s.mu.Unlock()
	s.signal()
}

// resetTimer reschedules the heartbeat. s.mu must be held.
func (s *Socket) resetTimer(d time.Duration) {
	s.timerAt = time.Now().Add(d)
	s.srv.beats.schedule(s, s.timerAt)
}

// onPong handles a pong. Only a pong that can answer the ping counts: one
// that arrives while the ping is still queued (a polling client that
// posts pongs but never collects its ping) does not, and such a client
// is closed with "ping timeout", rather than keeping its queue, never
// drained, for ever.
func (s *Socket) onPong() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.awaitingPong && !s.pingQueued && s.state == stateOpen {
		s.awaitingPong = false
		s.resetTimer(s.srv.opts.PingInterval)
	}
}

// errStop ends the processing of a payload after the session closed.
var errStop = errors.New("engineio: session closed while reading")

// handlePacket processes one packet from the client, on the reader path.
// An error is a protocol error (see packetErrorReason); the caller closes
// the session.
func (s *Socket) handlePacket(p packet) error { return s.handle(p, false) }

// errReaderMoved ends a websocket reader whose message callback released the
// reader (ReleaseReader): another goroutine reads the connection now.
var errReaderMoved = errors.New("engineio: the reader goes on on another goroutine")

// handle is handlePacket; ws says the caller is the websocket reader,
// whose message callbacks may release it (ReleaseReader): it then returns
// errReaderMoved once the callback has returned.
func (s *Socket) handle(p packet, ws bool) error {
	select {
	case <-s.done:
		return errStop
	default:
	}
	s.mu.Lock()
	if s.awaitingPong && !s.pongExtended && p.typ != packetPong && s.state == stateOpen {
		// As the reference server does, a client that is clearly alive
		// is not dropped because its pong is queued behind its own
		// packets: the pong deadline moves once per ping.
		s.pongExtended = true
		s.resetTimer(s.srv.opts.PingTimeout)
	}
	fn := s.onMessage
	gen := s.readerGen
	if ws && p.typ == packetMessage && fn != nil {
		s.inMessage = true
	}
	s.mu.Unlock()
	if s.debug() {
		s.log().Debug("engineio: packet received", "type", p.typ.String(), "bytes", len(p.data), "binary", p.binary)
	}
	switch p.typ {
	case packetMessage:
		if o := s.srv.observer(); o != nil && o.PacketsIn != nil {
			o.PacketsIn(s, 1, len(p.data))
		}
		if fn != nil {
			s.callback("OnMessage", func() { fn(p.data, p.binary) })
			if ws {
				s.mu.Lock()
				moved := s.readerGen != gen
				if !moved {
					s.inMessage = false
				}
				s.mu.Unlock()
				if moved {
					return errReaderMoved
				}
				s.flushNow() // what the callback replied (see send)
			}
		}
	case packetPong:
		s.onPong()
	case packetPing:
		return ErrHeartbeatDirection
	case packetClose:
		s.closeNoopPoll(ReasonTransportClose, nil)
		return errStop
	case packetNoop:
	default:
		return fmt.Errorf("%w: unexpected packet type %q", ErrInvalidPacket, byte(p.typ))
	}
	return nil
}

// ReleaseReader lets the OnMessage callback running on the session's
// websocket reader block (waiting for the client's acknowledgement, for
// example): the session goes on reading on a new goroutine, so the
// client's next messages, pongs and close are seen, and the callback's
// goroutine reads no more once the callback returns. OnMessage may then
// run on the new goroutine while the released callback still runs: the
// caller keeps whatever order it needs. ReleaseReader does nothing when no
// message callback of the websocket reader is running (between messages,
// on polling, or after the session closed); it may be called from any
// goroutine.
func (s *Socket) ReleaseReader() {
	s.mu.Lock()
	if !s.inMessage || s.state == stateClosed || s.ws == nil {
		s.mu.Unlock()
		return
	}
	s.inMessage = false
	s.readerGen++
	if s.readers == nil {
		s.readers = make(chan error)
	}
	conn, readers := s.ws, s.readers
	s.mu.Unlock()
	if s.debug() {
		s.log().Debug("engineio: reader released by a message callback, reading on a new goroutine")
	}
	go func() {
		err := s.readLoop(conn)
		if err != errReaderMoved {
			// At once: the released callback, which serveWebSocket
			// waits for, may still be running.
			s.closeNow(readErrorReason(err), err)
		}
		readers <- err
	}()
	s.signal() // what the callback replied meanwhile (see send)
}

// packetErrorReason is the close reason for an error from handlePacket or
// the packet decoder: a client ping is a transport error, as in the
// reference server; anything else a parse error.
func packetErrorReason(err error) CloseReason {
	if errors.Is(err, ErrHeartbeatDirection) {
		return ReasonTransportError
	}
	return ReasonParseError
}
