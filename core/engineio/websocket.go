package engineio

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// WebSocket message types, as gorilla/websocket numbers them.
const (
	wsText   = 1
	wsBinary = 2
	wsClose  = 8
)

// Conn is an upgraded WebSocket connection. Its method set is
// gorilla/websocket's, so *websocket.Conn from gorilla/websocket and from
// fasthttp/websocket satisfy it as they are. The core calls ReadMessage from
// one goroutine and WriteMessage from one other goroutine, never
// concurrently with itself; Close may be called from any goroutine.
type Conn interface {
	ReadMessage() (messageType int, p []byte, err error)
	WriteMessage(messageType int, data []byte) error
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
	SetReadLimit(limit int64)
	Close() error
}

// Ticket is a validated WebSocket request, ready to be served once the
// adapter has upgraded the connection.
type Ticket struct {
	srv  *Server
	req  *Request
	sock *Socket // the polling session being upgraded; nil for a new session
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
// Protocols answer (the session cookie of a new websocket-only session,
// when Options.Cookie is set), or nil.
func (t *Ticket) Header() http.Header {
	if t.sock != nil {
		return nil
	}
	if ck := t.srv.sessionCookie(t.id); ck != "" {
		return http.Header{"Set-Cookie": {ck}}
	}
	return nil
}

// Serve runs the session over conn and blocks until the session has left
// the connection: the connection closed, the session closed, or an upgrade
// probe failed. Serve closes conn before it returns.
func (t *Ticket) Serve(conn Conn) {
	conn.SetReadLimit(t.srv.opts.MaxHTTPBufferSize)
	if t.sock != nil {
		t.serveUpgrade(conn)
		return
	}
	sock, err := t.srv.open(t.id, t.req, TransportWebSocket, conn)
	if err != nil {
		t.srv.log.Info("engineio: websocket session refused", "err", err, "remote", t.req.RemoteAddr)
		_ = conn.WriteMessage(wsClose, []byte{0x03, 0xf3}) // 1011 internal error
		_ = conn.Close()
		return
	}
	sock.serveWebSocket(conn)
}

// serveUpgrade runs the probe of a polling → websocket upgrade, then serves
// the session over conn when the client completes it.
func (t *Ticket) serveUpgrade(conn Conn) {
	sock := t.sock
	sock.mu.Lock()
	if sock.state != stateOpen || sock.transport != TransportPolling || sock.upgrading {
		sock.mu.Unlock()
		_ = conn.Close()
		return
	}
	sock.upgrading = true
	sock.probeConn = conn // closed by closeNow
	sock.mu.Unlock()
	ok := sock.probe(conn)
	sock.mu.Lock()
	sock.upgrading = false
	sock.probeConn = nil
	sock.mu.Unlock()
	if !ok {
		_ = conn.Close()
		return
	}
	if o := sock.srv.observer(); o != nil && o.Upgraded != nil {
		o.Upgraded(sock)
	}
	sock.serveWebSocket(conn)
}

// probe answers the client's "2probe" and waits for the upgrade packet,
// within UpgradeTimeout. On success the session's transport is conn.
func (sock *Socket) probe(conn Conn) bool {
	_ = conn.SetReadDeadline(time.Now().Add(sock.srv.opts.UpgradeTimeout))
	typ, data, err := conn.ReadMessage()
	if err != nil || typ != wsText || string(data) != "2probe" {
		sock.log.Info("engineio: upgrade failed: no probe", "err", err)
		return false
	}
	_ = conn.SetWriteDeadline(time.Now().Add(sock.srv.opts.UpgradeTimeout))
	if err := conn.WriteMessage(wsText, msgPongProbe.frame); err != nil {
		sock.log.Info("engineio: upgrade failed: writing probe answer", "err", err)
		return false
	}
	// Release a pending long-poll so the client can pause polling.
	sock.enqueueControl(msgNoop)
	typ, data, err = conn.ReadMessage()
	if err != nil || typ != wsText || string(data) != "5" {
		sock.log.Info("engineio: upgrade failed: no upgrade packet", "err", err)
		return false
	}
	sock.mu.Lock()
	defer sock.mu.Unlock()
	if sock.state == stateClosed {
		return false
	}
	sock.transport = TransportWebSocket
	sock.ws = conn
	// The noop was for a long-poll; if none took it, drop it.
	q := sock.queue[:0]
	for _, m := range sock.queue {
		if m != msgNoop {
			q = append(q, m)
		}
	}
	clear(sock.queue[len(q):])
	sock.queue = q
	close(sock.upgraded)
	sock.log.Debug("engineio: upgraded to websocket")
	return true
}

// serveWebSocket runs the session's reader on this goroutine until the
// connection or the session closes; a writer goroutine runs while there is
// something to write (writeLoop). It returns once the writer has stopped.
func (sock *Socket) serveWebSocket(conn Conn) {
	sock.signal() // a writer starts for whatever is queued
	err := sock.readLoop(conn)
	sock.closeNow(readErrorReason(err), err)
	sock.writers.Wait()
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
			if p, err = decodePacket(data); err != nil || p.binary {
				sock.log.Info("engineio: bad websocket frame", "err", err)
				sock.closeNow(ReasonParseError, errors.Join(ErrInvalidPacket, err))
				return nil
			}
		default:
			continue
		}
		if err := sock.handlePacket(p); err != nil {
			if err != errStop {
				sock.log.Info("engineio: bad packet", "err", err)
				sock.closeNow(ReasonParseError, err)
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
	writeTimeout := sock.srv.opts.PingInterval + sock.srv.opts.PingTimeout
	var linger *time.Timer
	sock.mu.Lock()
	conn, batch := sock.ws, sock.batch
	var cs compressionSetter
	if sock.srv.opts.PerMessageDeflate {
		cs, _ = conn.(compressionSetter)
	}
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
		sock.writing = true
		closing := sock.state == stateClosing && batch[len(batch)-1] == msgClose
		sock.mu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		for i, m := range batch {
			typ := wsText
			if m.binary {
				typ = wsBinary
			}
			if cs != nil {
				cs.EnableWriteCompression(!m.uncompressed)
			}
			if err := conn.WriteMessage(typ, m.frame); err != nil {
				sock.closeNow(ReasonTransportError, err)
				return
			}
			batch[i] = nil
		}
		if closing {
			_ = conn.WriteMessage(wsClose, []byte{0x03, 0xe8}) // 1000 normal closure
			sock.finishClosing()
			return
		}
		sock.mu.Lock()
	}
}
