package siotest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/socketio-go/sio/core/engineio"
)

// Message types of a Conn (gorilla/websocket's numbering).
const (
	TextMessage   = websocket.TextMessage
	BinaryMessage = websocket.BinaryMessage
	CloseMessage  = websocket.CloseMessage
)

// Conn is the client end of an Engine.IO transport, one message (an
// Engine.IO packet, or a binary attachment) at a time: a
// *websocket.Conn, a long-polling session (Options.Polling) or one end of
// a Pipe.
type Conn interface {
	// ReadMessage returns the next message and its type
	// (websocket.TextMessage or websocket.BinaryMessage).
	ReadMessage() (typ int, data []byte, err error)
	// WriteMessage sends one message of type typ.
	WriteMessage(typ int, data []byte) error
	// Close ends the transport.
	Close() error
}

// dialWebSocket opens a websocket to the Engine.IO endpoint base (its
// http:// URL with the path) with the extra query.
func dialWebSocket(ctx context.Context, base, query string, h http.Header) (Conn, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + "?EIO=4&transport=websocket" + query
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, u, h)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("siotest: websocket %s: %w (status %d)", u, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("siotest: websocket %s: %w", u, err)
	}
	resp.Body.Close()
	return ws, nil
}

// pollConn is a long-polling session seen as a Conn: ReadMessage returns
// the records of each GET in turn, WriteMessage POSTs one record.
type pollConn struct {
	base  string // the endpoint with ?EIO=4&transport=polling and the query
	http  *http.Client
	ctx   context.Context // ends every request on Close
	stop  context.CancelFunc
	sid   string
	recs  [][]byte // records of the last GET not yet read; reader only
	wmu   sync.Mutex
	close sync.Once
}

// dialPolling runs the polling handshake at base; the open packet is the
// first message read.
func dialPolling(ctx context.Context, base, query string, h http.Header) (Conn, error) {
	c := &pollConn{base: base + "?EIO=4&transport=polling" + query, http: &http.Client{Transport: &http.Transport{}}}
	c.ctx, c.stop = context.WithCancel(context.Background())
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(c.ctx, cancel)()
	body, err := c.do(hctx, http.MethodGet, nil, h)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.split(body)
	if len(c.recs) == 0 || len(c.recs[0]) < 2 || c.recs[0][0] != '0' {
		c.Close()
		return nil, fmt.Errorf("siotest: bad polling handshake %q", body)
	}
	sid, err := openSID(c.recs[0])
	if err != nil {
		c.Close()
		return nil, err
	}
	c.sid = sid
	return c, nil
}

func (c *pollConn) split(body []byte) {
	for _, r := range bytes.Split(body, []byte{0x1e}) {
		if len(r) > 0 {
			c.recs = append(c.recs, r)
		}
	}
}

// do runs one polling request, bounded by ctx.
func (c *pollConn) do(ctx context.Context, method string, body []byte, h http.Header) ([]byte, error) {
	u := c.base
	if c.sid != "" {
		u += "&sid=" + url.QueryEscape(c.sid)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if c.ctx.Err() != nil {
		// Closed meanwhile: the connection just returned to the pool
		// must not outlive the client (a host's shutdown waits for it).
		c.http.CloseIdleConnections()
	}
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("siotest: %s: status %d: %s", method, resp.StatusCode, b)
	}
	return b, nil
}

func (c *pollConn) ReadMessage() (int, []byte, error) {
	for len(c.recs) == 0 {
		body, err := c.do(c.ctx, http.MethodGet, nil, nil)
		if err != nil {
			return 0, nil, err
		}
		c.split(body)
	}
	r := c.recs[0]
	c.recs = c.recs[1:]
	if r[0] == 'b' {
		data, err := base64.StdEncoding.DecodeString(string(r[1:]))
		if err != nil {
			return 0, nil, fmt.Errorf("siotest: bad base64 record %q: %w", r, err)
		}
		return BinaryMessage, data, nil
	}
	return TextMessage, r, nil
}

func (c *pollConn) WriteMessage(typ int, data []byte) error {
	if typ == BinaryMessage {
		data = append([]byte{'b'}, base64.StdEncoding.AppendEncode(nil, data)...)
	}
	c.wmu.Lock() // one POST at a time: the server refuses overlapping ones
	defer c.wmu.Unlock()
	_, err := c.do(c.ctx, http.MethodPost, data, nil)
	return err
}

// Close ends the pending requests and drops the idle connections: the
// session is left without a goodbye.
func (c *pollConn) Close() error {
	c.close.Do(func() {
		c.stop()
		c.http.CloseIdleConnections()
	})
	return nil
}

// Pipe returns the two ends of an in-memory websocket: the server end
// satisfies engineio.Conn, so engineio.Ticket.Serve runs a real session
// over it without HTTP; the client end is a Conn.
func Pipe() (server engineio.Conn, client Conn) {
	p := &pipe{
		toServer: make(chan pipeMsg, 64),
		toClient: make(chan pipeMsg, 256),
		closed:   make(chan struct{}),
	}
	return pipeServer{p}, pipeClient{p}
}

type pipeMsg struct {
	typ  int
	data []byte
}

type pipe struct {
	toServer, toClient chan pipeMsg
	closed             chan struct{}
	once               sync.Once
}

func (p *pipe) close() { p.once.Do(func() { close(p.closed) }) }

func (p *pipe) read(in chan pipeMsg) (int, []byte, error) {
	select { // what was written before the close is still delivered
	case m := <-in:
		return m.typ, m.data, nil
	default:
	}
	select {
	case m := <-in:
		return m.typ, m.data, nil
	case <-p.closed:
		return 0, nil, net.ErrClosed
	}
}

func (p *pipe) write(out chan pipeMsg, typ int, data []byte) error {
	select {
	case <-p.closed:
		return net.ErrClosed
	default:
	}
	select {
	case out <- pipeMsg{typ, data}:
		return nil
	case <-p.closed:
		return net.ErrClosed
	}
}

// pipeServer is the server end of a pipe.
type pipeServer struct{ p *pipe }

func (e pipeServer) ReadMessage() (int, []byte, error) { return e.p.read(e.p.toServer) }
func (e pipeServer) WriteMessage(typ int, data []byte) error {
	return e.p.write(e.p.toClient, typ, data)
}
func (pipeServer) SetReadDeadline(time.Time) error  { return nil }
func (pipeServer) SetWriteDeadline(time.Time) error { return nil }
func (pipeServer) SetReadLimit(int64)               {}
func (e pipeServer) Close() error                   { e.p.close(); return nil }

// pipeClient is the client end of a pipe.
type pipeClient struct{ p *pipe }

func (e pipeClient) ReadMessage() (int, []byte, error) { return e.p.read(e.p.toClient) }
func (e pipeClient) WriteMessage(typ int, data []byte) error {
	return e.p.write(e.p.toServer, typ, bytes.Clone(data))
}
func (e pipeClient) Close() error { e.p.close(); return nil }
