package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// writePool shares write buffers between idle connections so that 19,000
// held clients do not each pin one.
var writePool sync.Pool

// dialNoLinger dials TCP with SO_LINGER 0, so that closing the connection
// sends a reset instead of leaving it in TIME_WAIT. Tens of thousands of
// TIME_WAIT sockets on the loopback ephemeral ports make every later
// connect() scan for a free port in the kernel, which slows the runs that
// follow a big one; the client side never reuses a connection anyway.
func dialNoLinger(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		return c, nil
	}
}

func newDialer(hsTimeout time.Duration) *websocket.Dialer {
	return &websocket.Dialer{
		NetDialContext:    dialNoLinger(hsTimeout),
		HandshakeTimeout:  hsTimeout,
		ReadBufferSize:    2048,
		WriteBufferSize:   1024,
		WriteBufferPool:   &writePool,
		EnableCompression: false,
	}
}

// wsConn is one Socket.IO client over a websocket, connected to namespace "/".
type wsConn struct {
	c   *websocket.Conn
	wmu sync.Mutex // serialises writes: gorilla allows one writer at a time
}

// openPacket is the Engine.IO v4 handshake payload.
type openPacket struct {
	SID          string `json:"sid"`
	PingInterval int    `json:"pingInterval"`
	PingTimeout  int    `json:"pingTimeout"`
}

func wsURL(addr, path string) string {
	u := url.URL{Scheme: "ws", Host: addr, Path: path, RawQuery: "EIO=4&transport=websocket"}
	return u.String()
}

// dialSocketIO opens a websocket, reads the Engine.IO open packet, joins
// namespace "/" and returns once the server's CONNECT reply arrived.
func dialSocketIO(ctx context.Context, d *websocket.Dialer, u string, hsTimeout time.Duration) (*wsConn, error) {
	c, resp, err := d.DialContext(ctx, u, nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("websocket upgrade: HTTP %d", resp.StatusCode)
		}
		return nil, err
	}
	w := &wsConn{c: c}
	deadline := time.Now().Add(hsTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = c.SetReadDeadline(deadline)
	_, msg, err := c.ReadMessage()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("reading open packet: %w", err)
	}
	if len(msg) < 2 || msg[0] != '0' {
		c.Close()
		return nil, fmt.Errorf("expected open packet, got %.40q", msg)
	}
	var op openPacket
	if err := json.Unmarshal(msg[1:], &op); err != nil || op.SID == "" {
		c.Close()
		return nil, fmt.Errorf("bad open packet %.80q", msg)
	}
	if err := w.write([]byte("40")); err != nil {
		c.Close()
		return nil, err
	}
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("waiting for CONNECT reply: %w", err)
		}
		switch {
		case len(msg) == 1 && msg[0] == '2':
			if err := w.write([]byte("3")); err != nil {
				c.Close()
				return nil, err
			}
		case bytes.HasPrefix(msg, []byte("40")):
			_ = c.SetReadDeadline(time.Time{})
			return w, nil
		case bytes.HasPrefix(msg, []byte("44")):
			c.Close()
			return nil, fmt.Errorf("connect refused: %.80s", msg)
		default:
			c.Close()
			return nil, fmt.Errorf("unexpected packet before CONNECT reply: %.40q", msg)
		}
	}
}

// write sends one text frame.
func (w *wsConn) write(b []byte) error {
	w.wmu.Lock()
	err := w.c.WriteMessage(websocket.TextMessage, b)
	w.wmu.Unlock()
	return err
}

// close drops the TCP connection without a closing handshake: the server
// sees a transport close, the cheapest teardown for thousands of clients.
func (w *wsConn) close() { _ = w.c.Close() }

// readLoop reads frames until the connection fails, answering Engine.IO
// pings and handing every Socket.IO packet (without its leading '4') to
// onPacket. The slice is reused: onPacket must not keep it.
func (w *wsConn) readLoop(onPacket func(p []byte)) error {
	buf := make([]byte, 0, 512)
	for {
		_, rd, err := w.c.NextReader()
		if err != nil {
			return err
		}
		buf, err = readInto(buf[:0], rd)
		if err != nil {
			return err
		}
		if len(buf) == 0 {
			continue
		}
		switch buf[0] {
		case '2': // ping
			if err := w.write([]byte("3")); err != nil {
				return err
			}
		case '4':
			onPacket(buf[1:])
		case '1':
			return errors.New("server sent close")
		}
	}
}

// readInto appends all of rd to buf.
func readInto(buf []byte, rd io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// parseAck splits a Socket.IO ACK packet body (after "43" minus the '4',
// i.e. starting at '3') into its id and JSON arguments array.
func parseAck(p []byte) (id uint64, args []byte, ok bool) {
	if len(p) < 3 || p[0] != '3' {
		return 0, nil, false
	}
	i := 1
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		id = id*10 + uint64(p[i]-'0')
		i++
	}
	if i == 1 || i >= len(p) || p[i] != '[' {
		return 0, nil, false
	}
	return id, p[i:], true
}
