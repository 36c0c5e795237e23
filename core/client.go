package core

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/core/parser"
)

// client is one Engine.IO connection and the namespace sockets on it.
type client struct {
	srv  *Server
	conn *engineio.Socket
	dec  parser.Decoder // used by the reader only
	// partial bounds a binary packet waiting for its attachments.
	partial partialPacket

	// inlining is set while a handler runs on the reader (runInline);
	// its holder alone uses watch, which releases the reader from a
	// handler that runs longer than inlineBudget.
	inlining atomic.Bool
	watch    *time.Timer

	mu      sync.Mutex         // guards sockets and closed
	sockets map[string]*Socket // by namespace name
	closed  bool
	timer   *time.Timer // the connect timeout; nil once a namespace is joined
}

func newClient(srv *Server, conn *engineio.Socket) *client {
	c := &client{
		srv:     srv,
		conn:    conn,
		dec:     srv.codec.NewDecoder(srv.opts.Limits),
		sockets: make(map[string]*Socket, 1),
	}
	c.timer = time.AfterFunc(srv.opts.ConnectTimeout, c.connectTimeout)
	return c
}

// joined stops the connect timeout when a socket of the connection has
// joined its namespace, as the reference server clears it: a connection
// that later leaves every namespace stays open.
func (c *client) joined() {
	c.mu.Lock()
	c.stopConnectTimeoutLocked()
	c.mu.Unlock()
}

// stopConnectTimeoutLocked stops and drops the connect timeout's timer.
// c.mu must be held.
func (c *client) stopConnectTimeoutLocked() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}

// connectTimeout closes the connection when it is in no namespace (it never
// joined one, or was refused), as the reference server does.
func (c *client) connectTimeout() {
	c.mu.Lock()
	idle := len(c.sockets) == 0 && !c.closed
	c.mu.Unlock()
	if idle {
		c.srv.log.Info("sio: no namespace joined before the connect timeout, closing", "sid", c.conn.ID())
		c.conn.Close()
	}
}

// onMessage runs on the connection's reader: it decodes packets and routes
// them. Acknowledgements are resolved here, so a handler waiting for one
// never blocks the reader.
func (c *client) onMessage(data []byte, binary bool) {
	p, err := c.dec.Add(data, binary)
	if err != nil {
		c.invalid(err)
		return
	}
	if p == nil {
		c.waitAttachments(len(data))
		return
	}
	if c.partial.bytes > 0 {
		c.attachmentsDone()
	}
	switch p.Type {
	case parser.Connect:
		c.connect(p)
	case parser.Event:
		if s := c.socket(p.Namespace); s != nil {
			if s.events != nil && !s.events.allow() {
				c.overLimit(s, p)
				return
			}
			s.onEvent(p)
		} else {
			c.logNotJoined(p.Namespace)
		}
	case parser.Ack:
		if s := c.socket(p.Namespace); s != nil {
			s.onAck(p)
		}
	case parser.Disconnect:
		if s := c.socket(p.Namespace); s != nil {
			s.onClose(ReasonClientNamespaceDisconnect)
		}
	default:
		c.invalid(errors.New("sio: unexpected " + p.Type.String() + " packet from a client"))
	}
}

func (c *client) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sockets[nsp]
}

// connect handles a CONNECT packet.
func (c *client) connect(p *parser.Packet) {
	nsp := c.srv.lookup(p.Namespace, p.Args)
	if nsp == nil {
		c.srv.log.Info("sio: connection to an unknown namespace refused", "sid", c.conn.ID(), "nsp", p.Namespace)
		if o := c.srv.observer(); o != nil && o.ConnectRefused != nil {
			o.ConnectRefused(p.Namespace, ErrUnknownNamespace)
		}
		c.sendPacket(parser.Outgoing{Type: parser.ConnectError, Namespace: p.Namespace,
			Args: []any{map[string]any{"message": "Invalid namespace"}}})
		return
	}
	c.mu.Lock()
	if c.closed || c.sockets[nsp.name] != nil {
		c.mu.Unlock()
		return
	}
	s := newSocket(nsp, c, p.Args)
	if l := c.srv.opts.EventRateLimit; l != nil {
		s.events = newEventBucket(l)
	}
	c.sockets[nsp.name] = s
	c.mu.Unlock()
	s.runJob(func() { nsp.connect(s) })
}

// inlineStart reports whether a handler may run on the reader now (see
// Socket.runJob), and if so marks one running: the connection is on
// websocket, whose reader a handler can release (a long-polling POST
// cannot be answered while its handler runs), and no other handler runs
// on the reader, which a released reader's successor may find.
func (c *client) inlineStart() bool {
	if c.conn.Transport() != engineio.TransportWebSocket {
		return false
	}
	return c.inlining.CompareAndSwap(false, true)
}

// inlineEnd ends what inlineStart started, when no handler ran.
func (c *client) inlineEnd() { c.inlining.Store(false) }

// runInline runs job on the reader; past inlineBudget, the reader goes on
// on another goroutine while job runs on.
func (c *client) runInline(job func()) {
	if c.watch == nil {
		c.watch = time.AfterFunc(inlineBudget, c.conn.ReleaseReader)
	} else {
		c.watch.Reset(inlineBudget)
	}
	job()
	c.watch.Stop()
	c.inlining.Store(false)
}

// remove forgets s once it has left its namespace.
func (c *client) remove(s *Socket) {
	c.mu.Lock()
	if c.sockets[s.nsp.name] == s {
		delete(c.sockets, s.nsp.name)
	}
	c.mu.Unlock()
}

// onClose runs when the connection closes: every socket on it disconnects.
func (c *client) onClose(reason engineio.CloseReason, _ error) {
	defer c.srv.busy.done() // the count taken in onEngineConnection
	c.mu.Lock()
	c.closed = true
	c.stopConnectTimeoutLocked()
	c.stopAttachmentTimer()
	sockets := make([]*Socket, 0, len(c.sockets))
	for _, s := range c.sockets {
		sockets = append(sockets, s)
	}
	c.mu.Unlock()
	// The decoder belongs to the reader, which may still be running (a
	// close from the heartbeat or the writer): it is not reset here, and
	// goes with the client.
	r := reasonFromEngine(reason)
	for _, s := range sockets {
		s.onClose(r)
	}
}

// sendPacket encodes p for this connection alone and queues it.
func (c *client) sendPacket(p parser.Outgoing) error {
	enc, err := c.srv.codec.Encode(p)
	if err != nil {
		return err
	}
	return c.conn.Send(engineMessages(enc)...)
}

// closeAll disconnects every socket of the connection and closes it.
func (c *client) closeAll() {
	c.mu.Lock()
	sockets := make([]*Socket, 0, len(c.sockets))
	for _, s := range c.sockets {
		sockets = append(sockets, s)
	}
	c.mu.Unlock()
	for _, s := range sockets {
		s.disconnect(ReasonServerNamespaceDisconnect)
	}
	c.conn.Close()
}
