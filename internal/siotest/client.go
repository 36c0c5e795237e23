// Package siotest is a minimal Socket.IO v5 client over Engine.IO v4 for
// sio's own tests and benchmarks: it connects to "/" over websocket or
// long-polling, emits events, waits for acknowledgements and events, and
// closes cleanly or abruptly. It is not a general-purpose client.
package siotest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
)

// Client is a connected test client.
type Client struct {
	// SID is the Socket.IO socket id of "/".
	SID string

	base      string // http://host:port/socket.io/
	query     string // extra query parameters, with a leading '&'
	polling   bool
	ws        *websocket.Conn
	engineSID string
	http      *http.Client

	mu      sync.Mutex // guards nextID, acks and closed
	nextID  int
	acks    map[int]chan []json.RawMessage
	closed  bool
	events  chan Event
	done    chan struct{}
	readErr error

	ctx    context.Context // ends every request on Abort
	cancel context.CancelFunc
}

// Event is an event received from the server.
type Event struct {
	Name string
	Args []json.RawMessage
}

// Options configures Dial.
type Options struct {
	// Path of the server. Zero: "/socket.io/".
	Path string
	// Polling uses HTTP long-polling instead of a websocket.
	Polling bool
	// Auth is sent in the CONNECT packet when not nil.
	Auth any
	// Header is added to the handshake request.
	Header http.Header
	// Query is added to every request's query string.
	Query url.Values
}

// ErrClosed is returned once the connection has closed.
var ErrClosed = errors.New("siotest: connection closed")

// Dial connects to baseURL (http://host:port) and joins "/".
func Dial(ctx context.Context, baseURL string, o Options) (*Client, error) {
	if o.Path == "" {
		o.Path = "/socket.io/"
	}
	c := &Client{
		base:    strings.TrimSuffix(baseURL, "/") + o.Path,
		polling: o.Polling,
		http:    &http.Client{Transport: &http.Transport{}},
		acks:    make(map[int]chan []json.RawMessage),
		events:  make(chan Event, 1024),
		done:    make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if len(o.Query) > 0 {
		c.query = "&" + o.Query.Encode()
	}
	connect := "40"
	if o.Auth != nil {
		b, err := json.Marshal(o.Auth)
		if err != nil {
			return nil, err
		}
		connect += string(b)
	}
	var first string
	var err error
	if o.Polling {
		first, err = c.openPolling(ctx, o.Header, connect)
	} else {
		first, err = c.openWebSocket(ctx, o.Header, connect)
	}
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(first, "40") {
		c.abortDial()
		return nil, fmt.Errorf("siotest: connect refused: %s", first)
	}
	var ok struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal([]byte(first[2:]), &ok); err != nil {
		c.abortDial()
		return nil, fmt.Errorf("siotest: bad CONNECT answer %q", first)
	}
	c.SID = ok.SID
	go c.readLoop()
	return c, nil
}

func (c *Client) openWebSocket(ctx context.Context, h http.Header, connect string) (string, error) {
	u := strings.Replace(c.base, "http", "ws", 1) + "?EIO=4&transport=websocket" + c.query
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, u, h)
	if err != nil {
		if resp != nil {
			return "", fmt.Errorf("siotest: websocket: %w (status %d)", err, resp.StatusCode)
		}
		return "", err
	}
	c.ws = ws
	if _, _, err := ws.ReadMessage(); err != nil { // open packet
		ws.Close()
		return "", err
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte(connect)); err != nil {
		ws.Close()
		return "", err
	}
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			ws.Close()
			return "", err
		}
		if first, done := c.early(string(msg)); done {
			return first, nil
		}
	}
}

// early handles an engine packet received while connecting: it answers
// pings, keeps events, and reports the answer (CONNECT or CONNECT_ERROR)
// when it comes.
func (c *Client) early(rec string) (string, bool) {
	switch {
	case rec == "2":
		_ = c.write("3")
	case strings.HasPrefix(rec, "40") || strings.HasPrefix(rec, "44"):
		return rec, true
	case strings.HasPrefix(rec, "4"):
		c.packet(rec[1:])
	}
	return "", false
}

func (c *Client) openPolling(ctx context.Context, h http.Header, connect string) (string, error) {
	body, err := c.poll(ctx, "GET", "", h)
	if err != nil {
		return "", err
	}
	var open struct {
		SID string `json:"sid"`
	}
	if len(body) < 2 || body[0] != '0' || json.Unmarshal(body[1:], &open) != nil {
		return "", fmt.Errorf("siotest: bad handshake %q", body)
	}
	c.engineSID = open.SID
	if _, err := c.poll(ctx, "POST", connect, nil); err != nil {
		return "", err
	}
	for {
		body, err := c.poll(ctx, "GET", "", nil)
		if err != nil {
			return "", err
		}
		recs := strings.Split(string(body), "\x1e")
		for i, rec := range recs {
			if first, done := c.early(rec); done {
				// What the same response carries after the answer
				// (the connect handler's emits) is kept too.
				for _, after := range recs[i+1:] {
					c.early(after)
				}
				return first, nil
			}
		}
	}
}

// poll runs one polling request.
func (c *Client) poll(ctx context.Context, method, body string, h http.Header) ([]byte, error) {
	u := c.base + "?EIO=4&transport=polling" + c.query
	if c.engineSID != "" {
		u += "&sid=" + url.QueryEscape(c.engineSID)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
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
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("siotest: %s: status %d: %s", method, resp.StatusCode, b)
	}
	return b, nil
}

// readLoop reads engine packets until the connection closes.
func (c *Client) readLoop() {
	defer close(c.done)
	for {
		var recs []string
		if c.polling {
			body, err := c.poll(c.ctx, "GET", "", nil)
			if err != nil {
				c.fail(err)
				return
			}
			recs = strings.Split(string(body), "\x1e")
		} else {
			_, msg, err := c.ws.ReadMessage()
			if err != nil {
				c.fail(err)
				return
			}
			recs = []string{string(msg)}
		}
		for _, r := range recs {
			if r == "" {
				continue
			}
			switch r[0] {
			case '1':
				c.fail(ErrClosed)
				return
			case '2':
				_ = c.write("3")
			case '4':
				c.packet(r[1:])
			}
		}
	}
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	c.closed = true
	c.readErr = err
	for id, ch := range c.acks {
		close(ch)
		delete(c.acks, id)
	}
	c.mu.Unlock()
}

// packet handles a Socket.IO packet of "/".
func (c *Client) packet(p string) {
	if p == "" {
		return
	}
	typ, rest := p[0], p[1:]
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	id := -1
	if i > 0 {
		id, _ = strconv.Atoi(rest[:i])
	}
	var data []json.RawMessage
	_ = json.Unmarshal([]byte(rest[i:]), &data)
	switch typ {
	case '2':
		if len(data) == 0 {
			return
		}
		var name string
		_ = json.Unmarshal(data[0], &name)
		select {
		case c.events <- Event{Name: name, Args: data[1:]}:
		default: // a test that does not read events must not block the reader
		}
	case '3':
		c.mu.Lock()
		ch := c.acks[id]
		delete(c.acks, id)
		c.mu.Unlock()
		if ch != nil {
			ch <- data
		}
	case '1':
		c.fail(ErrClosed)
	}
}

func (c *Client) write(pkt string) error {
	if c.polling {
		_, err := c.poll(c.ctx, "POST", pkt, nil)
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, []byte(pkt))
}

func encodeEvent(id int, event string, args []any) (string, error) {
	b, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	buf.WriteString("42")
	if id >= 0 {
		buf.WriteString(strconv.Itoa(id))
	}
	buf.Write(b)
	return buf.String(), nil
}

// Emit sends an event to "/".
func (c *Client) Emit(event string, args ...any) error {
	pkt, err := encodeEvent(-1, event, args)
	if err != nil {
		return err
	}
	return c.write(pkt)
}

// EmitWithAck sends an event and waits for its acknowledgement.
func (c *Client) EmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error) {
	ch := make(chan []json.RawMessage, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	id := c.nextID
	c.nextID++
	c.acks[id] = ch
	c.mu.Unlock()
	pkt, err := encodeEvent(id, event, args)
	if err != nil {
		return nil, err
	}
	if err := c.write(pkt); err != nil {
		return nil, err
	}
	select {
	case data, ok := <-ch:
		if !ok {
			return nil, ErrClosed
		}
		return data, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// NextEvent returns the next event received, or an error when ctx ends or
// the connection closes.
func (c *Client) NextEvent(ctx context.Context) (Event, error) {
	select {
	case ev := <-c.events:
		return ev, nil
	case <-c.done:
		select {
		case ev := <-c.events:
			return ev, nil
		default:
		}
		return Event{}, ErrClosed
	case <-ctx.Done():
		return Event{}, ctx.Err()
	}
}

// Done is closed when the connection has closed.
func (c *Client) Done() <-chan struct{} { return c.done }

// Close leaves "/" and closes the connection cleanly, then waits for the
// reader to stop.
func (c *Client) Close() {
	_ = c.write("41")
	_ = c.write("1")
	c.Abort()
}

// Abort drops the connection without a goodbye (a vanished client: the
// TCP connections are closed mid-request), then waits for the reader to
// stop.
func (c *Client) Abort() {
	c.cancel()
	if c.ws != nil {
		_ = c.ws.Close()
	}
	if c.polling {
		c.http.CloseIdleConnections()
	}
	select {
	case <-c.done:
	default:
		if c.polling || c.ws != nil {
			<-c.done
		}
	}
}

// abortDial drops a connection whose reader has not started.
func (c *Client) abortDial() {
	c.cancel()
	if c.ws != nil {
		_ = c.ws.Close()
	}
	c.http.CloseIdleConnections()
}
