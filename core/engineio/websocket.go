package engineio

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// WebSocket message types, as gorilla/websocket numbers them.
const (
	wsText   = 1
	wsBinary = 2
	wsClose  = 8
)

// WebSocket close status codes (RFC 6455, section 7.4.1) the server sends.
const (
	closeNormal          = 1000
	closeProtocolError   = 1002
	closeInvalidPayload  = 1007
	closePolicyViolation = 1008
	closeInternalError   = 1011
)

// closeFrameTimeout bounds the write of a close frame: a client that does
// not read gets its connection closed without one.
const closeFrameTimeout = time.Second

// Conn is an upgraded WebSocket connection. Its method set is
// gorilla/websocket's, so *websocket.Conn from gorilla/websocket and from
// fasthttp/websocket satisfy it as they are. The core calls ReadMessage from
// one goroutine and WriteMessage from one other goroutine, never
// concurrently with itself; Close may be called from any goroutine, and
// must end a write that is blocked on a client that does not read.
//
// When the connection also has gorilla's
//
//	WriteControl(messageType int, data []byte, deadline time.Time) error
//
// (both libraries' *Conn do), a session closed for a protocol error sends
// a close frame with its status code (1002, 1007) before the connection
// ends, even while the writer is busy; without it, only the TCP close.
type Conn interface {
	// ReadMessage returns the next message: its type (TextMessage or
	// BinaryMessage, RFC 6455's opcodes 1 and 2) and payload. It is
	// called from one goroutine only.
	ReadMessage() (messageType int, p []byte, err error)
	// WriteMessage writes one message of messageType. It is called from
	// one goroutine at a time.
	WriteMessage(messageType int, data []byte) error
	// SetReadDeadline sets the deadline of the reads in progress and to
	// come; the zero time means none.
	SetReadDeadline(t time.Time) error
	// SetWriteDeadline sets the deadline of the writes in progress and
	// to come; the zero time means none.
	SetWriteDeadline(t time.Time) error
	// SetReadLimit bounds the size of a message read, in bytes; a larger
	// one makes ReadMessage fail.
	SetReadLimit(limit int64)
	// Close closes the underlying network connection, without sending
	// a close frame.
	Close() error
}

// controlWriter is implemented by connections whose WriteControl may be
// called beside a running writer (gorilla/websocket's and
// fasthttp/websocket's *Conn).
type controlWriter interface {
	WriteControl(messageType int, data []byte, deadline time.Time) error
}

// writeCloseFrame writes a close frame with code (0: an empty one, as the
// reference server's ws.close() sends) and a short reason text. With
// concurrent, a writer may be running: the frame is only written through
// WriteControl, which is safe beside it.
func writeCloseFrame(conn Conn, code int, text string, concurrent bool) {
	var payload []byte
	if code != 0 {
		payload = append([]byte{byte(code >> 8), byte(code)}, text...)
	}
	if cw, ok := conn.(controlWriter); ok {
		_ = cw.WriteControl(wsClose, payload, time.Now().Add(closeFrameTimeout))
		return
	}
	if !concurrent {
		_ = conn.SetWriteDeadline(time.Now().Add(closeFrameTimeout))
		_ = conn.WriteMessage(wsClose, payload)
	}
}

// Ticket is a validated WebSocket request, ready to be served once the
// adapter has upgraded the connection.
type Ticket struct {
	srv  *Server
	req  *Request
	sock *Socket // the session being upgraded; nil for a new session
	id   string  // the id of a new session
}

// PrepareWebSocket validates a WebSocket upgrade request before the adapter
// upgrades it, so a refusal is a plain HTTP answer. It returns a Ticket, or
// nil and the error Response to write instead of upgrading.
func (s *Server) PrepareWebSocket(r *Request) (*Ticket, *Response) {
	if t := r.Query.Get("transport"); t != TransportWebSocket {
		return nil, s.refuse(r, CodeUnknownTransport, "", "websocket upgrade with transport "+t)
	}
	sock, resp := s.verify(r, TransportWebSocket, r.Query.Get("sid") != "")
	if resp != nil {
		return nil, resp
	}
	r.Body = nil
	t := &Ticket{srv: s, req: r, sock: sock}
	if sock == nil {
		id, err := s.newID(r)
		if err != nil {
			return nil, s.refuse(r, CodeBadRequest, "", "GenerateID: "+err.Error())
		}
		t.id = id
	}
	return t, nil
}

// PerMessageDeflate reports whether the adapter should negotiate the
// permessage-deflate extension (Options.PerMessageDeflate).
func (t *Ticket) PerMessageDeflate() bool { return t.srv.opts.PerMessageDeflate }

// Header returns the headers the adapter adds to its 101 Switching
// Protocols answer, or nil: for a new websocket-only session, the session
// cookie (Options.Cookie) and Options.InitialHeaders; for every websocket,
// Options.Headers. It runs those callbacks, so adapters call it once per
// upgrade.
func (t *Ticket) Header() http.Header {
	h := http.Header{}
	if t.sock == nil {
		if ck := t.srv.sessionCookie(t.id); ck != "" {
			h.Set("Set-Cookie", ck)
		}
	}
	t.srv.addHeaders(h, t.req, t.sock == nil)
	if len(h) == 0 {
		return nil
	}
	return h
}

// Serve runs the session over conn and blocks until the session has left
// the connection: the connection closed, the session closed, or an upgrade
// probe failed. Serve closes conn before it returns, and the core calls no
// method of conn afterwards, so the adapter may recycle it.
func (t *Ticket) Serve(conn Conn) {
	conn.SetReadLimit(t.srv.opts.MaxHTTPBufferSize)
	if t.sock != nil {
		t.serveUpgrade(conn)
		return
	}
	sock, err := t.srv.open(t.id, t.req, TransportWebSocket, conn)
	if err != nil {
		t.srv.log.Info("engineio: websocket session refused", "err", err, "remote", t.req.RemoteAddr)
		t.srv.reportRefused(t.req, CodeBadRequest, "", err.Error())
		writeCloseFrame(conn, closeInternalError, "", false)
		_ = conn.Close()
		return
	}
	// The ticket may outlive this call in the adapter's hands (Fiber's
	// locals): it lets go of the request, whose headers the session keeps
	// packed (see holdRequest).
	t.req = nil
	// The open packet is written by this goroutine, the session's reader
	// to be: a new session starts no writer goroutine.
	sock.flushNow()
	sock.serveWebSocket(conn)
}

// flushNow writes what is queued on the caller's goroutine, unless a writer
// runs (see writeNow).
func (sock *Socket) flushNow() {
	sock.mu.Lock()
	start := sock.startWriterLocked()
	sock.mu.Unlock()
	if start {
		sock.writeNow()
	}
}

// serveUpgrade runs the probe of a polling → websocket upgrade, then serves
// the session over conn when the client completes it. A websocket that
// cannot upgrade the session (it closed, already upgraded, or another
// upgrade is in progress) is closed with a close frame, as the reference
// server does after completing its handshake.
func (t *Ticket) serveUpgrade(conn Conn) {
	sock := t.sock
	sock.mu.Lock()
	if sock.state != stateOpen || sock.transport != TransportPolling || sock.upgrading {
		why := "session closed"
		switch {
		case sock.state == stateOpen && sock.transport != TransportPolling:
			why = "session already on websocket"
		case sock.state == stateOpen:
			why = "another upgrade in progress"
		}
		sock.mu.Unlock()
		sock.log().Info("engineio: extra websocket closed", "reason", why, "remote", t.req.RemoteAddr)
		writeCloseFrame(conn, 0, "", false)
		_ = conn.Close()
		return
	}
	sock.upgrading = true
	sock.probeConn = conn // closed by closeNow
	sock.mu.Unlock()
	ok := sock.probe(conn, t.req.Query.Get("b64") != "")
	sock.mu.Lock()
	sock.upgrading = false
	sock.probeConn = nil
	sock.stopUpgradeChecksLocked()
	sock.mu.Unlock()
	if !ok {
		sock.connUse.Wait() // a close may be closing the probe
		writeCloseFrame(conn, 0, "", false)
		_ = conn.Close()
		return
	}
	if o := sock.srv.observer(); o != nil && o.Upgraded != nil {
		o.Upgraded(sock)
	}
	sock.serveWebSocket(conn)
}

// upgradeCheck is how often, while an upgrade waits for the client's
// upgrade packet, a pending long-poll is released with a noop so that the
// client can pause polling (the reference server checks every 100 ms).
const upgradeCheck = 100 * time.Millisecond

// probe answers the client's "2probe" and waits for the upgrade packet,
// within UpgradeTimeout. On success the session's transport is conn.
func (sock *Socket) probe(conn Conn, base64 bool) bool {
	_ = conn.SetReadDeadline(time.Now().Add(sock.srv.opts.UpgradeTimeout))
	typ, data, err := conn.ReadMessage()
	if err != nil || typ != wsText || string(data) != "2probe" {
		sock.log().Info("engineio: upgrade failed: no probe", "err", err)
		return false
	}
	_ = conn.SetWriteDeadline(time.Now().Add(sock.srv.opts.UpgradeTimeout))
	if err := conn.WriteMessage(wsText, msgPongProbe.frame); err != nil {
		sock.log().Info("engineio: upgrade failed: writing probe answer", "err", err)
		return false
	}
	sock.startUpgradeChecks()
	typ, data, err = conn.ReadMessage()
	if err != nil || typ != wsText || string(data) != "5" {
		sock.log().Info("engineio: upgrade failed: no upgrade packet", "err", err)
		return false
	}
	sock.mu.Lock()
	defer sock.mu.Unlock()
	if sock.state == stateClosed {
		return false
	}
	sock.transport = TransportWebSocket
	sock.ws, sock.wsBase64 = conn, base64
	close(sock.upgraded) // a long-poll still pending is refused
	if sock.debug() {
		sock.log().Debug("engineio: upgraded to websocket")
	}
	return true
}

// startUpgradeChecks releases the pending long-poll with a noop every
// upgradeCheck until the upgrade ends, so that the client, which waits for
// its poll to complete before it sends the upgrade packet, can finish. The
// noop is never queued: a GET that arrives later, or finds data, does not
// see it.
func (sock *Socket) startUpgradeChecks() {
	every := sock.srv.upgradeCheck
	sock.mu.Lock()
	defer sock.mu.Unlock()
	if !sock.upgrading || sock.state != stateOpen {
		return
	}
	uc := &upgradeChecks{}
	var tick func()
	tick = func() {
		sock.mu.Lock()
		if sock.upgradeTick != uc { // this upgrade has ended
			sock.mu.Unlock()
			return
		}
		release := sock.polling && !sock.releasePoll
		if release {
			sock.releasePoll = true
		}
		uc.timer = time.AfterFunc(every, tick)
		sock.mu.Unlock()
		if release {
			sock.wake1()
		}
	}
	uc.timer = time.AfterFunc(every, tick)
	sock.upgradeTick = uc
}

// upgradeChecks is the timer of one upgrade's checks; Socket.mu guards it.
type upgradeChecks struct{ timer *time.Timer }

// stopUpgradeChecksLocked ends the checks of the current upgrade. s.mu
// must be held.
func (s *Socket) stopUpgradeChecksLocked() {
	if s.upgradeTick != nil {
		s.upgradeTick.timer.Stop()
		s.upgradeTick = nil
	}
}

// serveWebSocket runs the session's reader on this goroutine until the
// connection or the session closes; a writer goroutine runs while there is
// something to write (writeLoop). It returns once the writer has stopped.
func (sock *Socket) serveWebSocket(conn Conn) {
	sock.signal() // a writer starts for whatever is queued
	err := sock.readLoop(conn)
	for err == errReaderMoved {
		// A message callback released this reader (ReleaseReader): the
		// goroutine that reads on reports how reading ended.
		sock.mu.Lock()
		readers := sock.readers
		sock.mu.Unlock()
		err = <-readers
	}
	sock.closeNow(readErrorReason(err), err)
	sock.writers.Wait()
	sock.connUse.Wait() // the goroutine that closed the session is done with conn
	_ = conn.Close()
}

// readLoop reads messages until an error or the session closes.
func (sock *Socket) readLoop(conn Conn) error {
	// A backstop only: the heartbeat closes a silent client first, with
	// reason "ping timeout".
	idle := 2 * (sock.srv.opts.PingInterval + sock.srv.opts.PingTimeout)
	for {
		select {
		case <-sock.done:
			return nil // closed by a callback on this goroutine
		default:
		}
		_ = conn.SetReadDeadline(time.Now().Add(idle))
		typ, data, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		var p packet
		switch typ {
		case wsBinary:
			p = packet{typ: packetMessage, data: data, binary: true}
		case wsText:
			// Text frames carry UTF-8 (RFC 6455); "b" + base64 is a
			// binary message from a client that cannot send binary
			// frames (forceBase64).
			code := closeInvalidPayload
			if !utf8.Valid(data) {
				err = errInvalidUTF8Frame
			} else if p, err = decodePacket(data); err != nil && (len(data) == 0 || data[0] != 'b') {
				code = closeProtocolError
			}
			if err != nil {
				sock.closeProtocolError(code, ReasonParseError, err)
				return nil
			}
		default:
			continue
		}
		if err := sock.handle(p, true); err != nil {
			if err == errReaderMoved {
				return err
			}
			if err != errStop {
				sock.closeProtocolError(closeProtocolError, packetErrorReason(err), err)
			}
			return nil
		}
	}
}

// readErrorReason maps a websocket read error to a close reason, as the
// reference server reports them: the connection ending, cleanly or not, is
// "transport close"; a websocket protocol error (an oversized or malformed
// frame) is "transport error"; the read deadline, which the heartbeat also
// bounds, is "ping timeout".
func readErrorReason(err error) CloseReason {
	var ne net.Error
	switch {
	case err == nil, errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return ReasonTransportClose
	case errors.As(err, &ne) && ne.Timeout():
		return ReasonPingTimeout
	}
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "websocket: close "):
		// The client's close frame (gorilla's and fasthttp's CloseError),
		// or the connection dropping without one (close 1006).
		return ReasonTransportClose
	case strings.HasPrefix(msg, "websocket: "):
		return ReasonTransportError
	}
	return ReasonTransportClose
}

// writerLinger is how long an idle websocket writer waits for more
// messages before it exits: long enough to stay up under a steady flow
// (broadcasts), short enough that idle connections keep no goroutine.
const writerLinger = time.Second

// writeLoop writes the queued messages to the session's websocket. When the
// queue stays empty for writerLinger it exits: an idle connection keeps no
// writer goroutine. Send and signal start it (startWriterLocked), so at most
// one runs at a time.
func (sock *Socket) writeLoop() {
	defer sock.writers.Done()
	var linger *time.Timer
	sock.mu.Lock()
	conn, batch := sock.ws, sock.batch
	for {
		// Write batches until the queue is empty: one lock per batch.
		batch = sock.takeQueue(batch[:0])
		if sock.state == stateClosed {
			sock.writerAlive, sock.writing = false, false
			sock.mu.Unlock()
			return
		}
		if len(batch) == 0 {
			sock.writing = false
			sock.mu.Unlock()
			if linger == nil {
				linger = time.NewTimer(writerLinger)
				defer linger.Stop()
			} else {
				linger.Reset(writerLinger)
			}
			select {
			case <-sock.wake:
				sock.mu.Lock()
				continue
			case <-sock.done:
			case <-linger.C:
			}
			sock.mu.Lock()
			if len(sock.queue) > 0 && sock.state != stateClosed {
				continue
			}
			sock.writerAlive = false
			sock.batch = batch[:0]
			sock.mu.Unlock()
			return
		}
		if !sock.writeBatchLocked(conn, batch) {
			return
		}
		sock.mu.Lock()
	}
}

// writeNow is the writer on the caller's goroutine (see Socket.Reply): it
// writes what is queued now, then hands what was queued meanwhile to a
// writer goroutine, or stops. The caller has marked the writer running
// (startWriterLocked).
func (sock *Socket) writeNow() {
	sock.mu.Lock()
	batch := sock.takeQueue(sock.batch[:0])
	sock.batch = nil // this writer's until it stops
	if sock.state == stateClosed {
		sock.writerAlive, sock.writing = false, false
		sock.mu.Unlock()
		sock.writers.Done()
		return
	}
	if len(batch) > 0 && !sock.writeBatchLocked(sock.ws, batch) {
		sock.writers.Done()
		return
	}
	sock.mu.Lock()
	sock.batch = batch[:0]
	if len(sock.queue) > 0 && sock.state != stateClosed {
		sock.mu.Unlock()
		go sock.writeLoop() // the writer's count goes with it
		return
	}
	sock.writerAlive, sock.writing = false, false
	sock.mu.Unlock()
	sock.writers.Done()
}

// writeBatchLocked writes batch, taken from the queue, to conn. s.mu must
// be held; it unlocks it. It reports false when the writer must stop: the
// write failed (the session is closed) or the batch ended with the close
// packet of a graceful close.
func (sock *Socket) writeBatchLocked(conn Conn, batch []*Message) bool {
	sock.writing = true
	closing := sock.state == stateClosing && batch[len(batch)-1] == msgClose
	base64 := sock.wsBase64
	sock.mu.Unlock()
	var cs compressionSetter
	if sock.srv.opts.PerMessageDeflate {
		cs, _ = conn.(compressionSetter)
	}
	_ = conn.SetWriteDeadline(time.Now().Add(sock.srv.opts.PingInterval + sock.srv.opts.PingTimeout))
	for i, m := range batch {
		typ, frame := wsText, m.frame
		switch {
		case m.binary && base64:
			// b64=1: binary as "b" + base64 text, as the
			// reference server sends it to such clients.
			frame = appendPollRecord(nil, m)
		case m.binary:
			typ = wsBinary
		}
		if cs != nil {
			cs.EnableWriteCompression(!m.uncompressed)
		}
		if err := conn.WriteMessage(typ, frame); err != nil {
			clear(batch)
			sock.closeNow(ReasonTransportError, err)
			return false
		}
		batch[i] = nil
	}
	if closing {
		_ = conn.WriteMessage(wsClose, []byte{closeNormal >> 8, closeNormal & 0xff})
		sock.finishClosing()
		return false
	}
	return true
}
