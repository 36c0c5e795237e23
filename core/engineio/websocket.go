package engineio

import (
	"errors"
	"io"
	"net"
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
	return &Ticket{srv: s, req: r, sock: sock}, nil
}

// PerMessageDeflate reports whether the adapter should negotiate the
// permessage-deflate extension (Options.PerMessageDeflate).
func (t *Ticket) PerMessageDeflate() bool { return t.srv.opts.PerMessageDeflate }

// Serve runs the session over conn and blocks until the session has left
// the connection: the connection closed, the session closed, or an upgrade
// probe failed. Serve closes conn before it returns.
func (t *Ticket) Serve(conn Conn) {
	conn.SetReadLimit(t.srv.opts.MaxHTTPBufferSize)
	if t.sock != nil {
		t.serveUpgrade(conn)
		return
	}
	sock, err := t.srv.open(t.req, TransportWebSocket, conn)
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
	sock.mu.Unlock()
	if !sock.probe(conn) {
		sock.mu.Lock()
		sock.upgrading = false
		sock.mu.Unlock()
		_ = conn.Close()
		return
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
	if sock.state != stateOpen && sock.state != stateClosing {
		return false
	}
	sock.transport = TransportWebSocket
	sock.ws = conn
	sock.upgrading = false
	sock.log.Debug("engineio: upgraded to websocket")
	return true
}

// serveWebSocket runs the session's writer on a new goroutine and its
// reader on this one, until the connection or the session closes.
func (sock *Socket) serveWebSocket(conn Conn) {
	writerDone := make(chan struct{})
	go sock.writeLoop(conn, writerDone)
	sock.signal() // the writer starts with whatever is queued
	err := sock.readLoop(conn)
	sock.closeNow(readErrorReason(err), err)
	<-writerDone
	_ = conn.Close()
}

// readLoop reads messages until an error or the session closes.
func (sock *Socket) readLoop(conn Conn) error {
	// A backstop only: the heartbeat closes a silent client first, with
	// reason "ping timeout".
	idle := 2 * (sock.srv.opts.PingInterval + sock.srv.opts.PingTimeout)
	for {
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

// readErrorReason maps a websocket read error to a close reason.
func readErrorReason(err error) CloseReason {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "websocket: close ") {
		return ReasonTransportClose
	}
	return ReasonTransportError
}

// writeLoop writes queued messages to conn until the session closes.
func (sock *Socket) writeLoop(conn Conn, done chan<- struct{}) {
	defer close(done)
	writeTimeout := sock.srv.opts.PingInterval + sock.srv.opts.PingTimeout
	var batch []*Message
	for {
		select {
		case <-sock.wake:
		case <-sock.done:
			return
		}
		sock.mu.Lock()
		batch = sock.takeQueue(batch[:0])
		closing := sock.state == stateClosing && len(batch) > 0 && batch[len(batch)-1] == msgClose
		sock.mu.Unlock()
		for i, m := range batch {
			typ := wsText
			if m.binary {
				typ = wsBinary
			}
			_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
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
	}
}
