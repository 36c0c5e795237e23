// Package siotest is the Socket.IO v5 client (over Engine.IO v4, JSON
// parser) of sio's own tests, benchmarks and conformance kit: one client
// for every package, so a protocol change is tested through one place.
//
// A Client runs over a websocket, long-polling (Options.Polling) or an
// in-memory Pipe. It answers pings, reassembles binary attachments, joins
// any namespace, and queues what it receives. It offers two styles:
//   - for tests: methods that take a testing.TB and fail it (Join, Call,
//     Expect, ExpectEvent, WaitClosed, ...), every wait bounded by Wait;
//   - for benchmarks and goroutines: methods that take a context and
//     return errors on the namespace joined by Dial (Emit, EmitWithAck,
//     ReadEvent).
//
// A Host serves a core.Server for the tests, over HTTP (stdsio) or pipes,
// and shuts it down with its clients. It is not a general-purpose client.
package siotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
)

// Wait bounds every wait of the test methods. It is generous: the machine
// may be loaded (-race, 2 cores), and no test sleeps to synchronise.
const Wait = 10 * time.Second

// ErrClosed is returned once the connection has closed.
var ErrClosed = errors.New("siotest: connection closed")

// Options configures a Client.
type Options struct {
	// Path of the server. Zero: "/socket.io/".
	Path string
	// Polling uses HTTP long-polling instead of a websocket.
	Polling bool
	// Header is added to the handshake request.
	Header http.Header
	// Query is added to every request's query string.
	Query url.Values

	// Namespace is the namespace Dial joins, with Auth in its CONNECT
	// packet when not nil. Zero: "/".
	Namespace string
	// Auth is the CONNECT payload of Dial.
	Auth any

	// Hook, when not nil, sees every packet on the reader first;
	// returning true consumes it.
	Hook func(c *Client, p Packet) bool
	// DropUnread drops packets while 1024 unread ones wait, for a client
	// that does not read what it receives (a benchmark's). Zero: the
	// reader waits for the test to read (or Stop).
	DropUnread bool
}

// AckFunc answers an event the server sent with an ack id: ok false sends
// no answer.
type AckFunc func(event string, args []json.RawMessage) (reply []any, ok bool)

// Event is an event received, as ReadEvent returns it.
type Event struct {
	// Name of the event.
	Name string
	// Args are its arguments.
	Args []json.RawMessage
}

// Client is a connected test client. Its methods are safe for concurrent
// use, except those taking a testing.TB, which belong to the test's
// goroutine.
type Client struct {
	// EIO is the Engine.IO session id.
	EIO string
	// SID is the socket id of the namespace Dial joined.
	SID string

	conn Conn
	opts Options
	nsp  string // the namespace of Emit, EmitWithAck and ReadEvent
	host *Host  // the Host that dialed the client, or nil

	wmu  sync.Mutex // serialises writes: a packet and its attachments stay together
	ids  atomic.Int64
	acks atomic.Pointer[AckFunc]

	in      chan Packet
	quit    chan struct{} // closed to stop delivering to in
	done    chan struct{} // closed when the reader has returned
	stop    sync.Once
	closing sync.Once
	dropped atomic.Int64

	mu      sync.Mutex // guards waiters and backlog
	waiters map[ackKey]chan Packet
	backlog []Packet // packets received and not yet expected
}

type ackKey struct {
	nsp string
	id  int
}

// Dial connects to baseURL (http://host:port) and joins
// Options.Namespace.
func Dial(ctx context.Context, baseURL string, o Options) (*Client, error) {
	c, err := Open(ctx, baseURL, o)
	if err != nil {
		return nil, err
	}
	c.nsp = o.Namespace
	if c.nsp == "" {
		c.nsp = "/"
	}
	sid, err := c.join(ctx, c.nsp, o.Auth)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SID = sid
	return c, nil
}

// Open opens an Engine.IO session at baseURL (http://host:port) and
// starts the client's reader; it joins no namespace.
func Open(ctx context.Context, baseURL string, o Options) (*Client, error) {
	if o.Path == "" {
		o.Path = "/socket.io/"
	}
	base := strings.TrimSuffix(baseURL, "/") + o.Path
	query := ""
	if len(o.Query) > 0 {
		query = "&" + o.Query.Encode()
	}
	dial := dialWebSocket
	if o.Polling {
		dial = dialPolling
	}
	conn, err := dial(ctx, base, query, o.Header)
	if err != nil {
		return nil, err
	}
	return Start(conn, o)
}

// Start reads the Engine.IO open packet from conn and starts the client's
// reader.
func Start(conn Conn, o Options) (*Client, error) {
	typ, data, err := conn.ReadMessage()
	if err == nil && (typ != TextMessage || len(data) == 0 || data[0] != '0') {
		err = fmt.Errorf("siotest: no open packet: %d %q", typ, data)
	}
	var sid string
	if err == nil {
		sid, err = openSID(data)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	c := &Client{
		EIO:     sid,
		conn:    conn,
		opts:    o,
		nsp:     "/",
		in:      make(chan Packet, 1024),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
		waiters: make(map[ackKey]chan Packet),
	}
	go c.read()
	return c, nil
}

// openSID returns the session id of an open packet.
func openSID(open []byte) (string, error) {
	var hs struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(open[1:], &hs); err != nil || hs.SID == "" {
		return "", fmt.Errorf("siotest: open packet %q: %v", open, err)
	}
	return hs.SID, nil
}

// read reads Engine.IO packets until the connection closes.
func (c *Client) read() {
	defer close(c.done)
	defer close(c.in)
	var pending *Packet
	natt := 0
	for {
		typ, data, err := c.conn.ReadMessage()
		if err != nil || typ == CloseMessage {
			return
		}
		if typ == BinaryMessage {
			if pending != nil {
				pending.Att = append(pending.Att, data)
				if len(pending.Att) == natt {
					c.deliver(*pending)
					pending = nil
				}
			}
			continue
		}
		if len(data) == 0 {
			continue
		}
		switch data[0] {
		case '1': // close
			return
		case '2': // ping
			_ = c.WriteFrame(TextMessage, []byte("3"))
		case '4':
			p, n, err := ParsePacket(string(data[1:]))
			if err != nil {
				return
			}
			if n > 0 {
				pending, natt = &p, n
				continue
			}
			c.deliver(p)
		}
	}
}

// deliver hands p to the hook, the ack answerer, a waiting EmitWithAck or
// the queue.
func (c *Client) deliver(p Packet) {
	if c.opts.Hook != nil && c.opts.Hook(c, p) {
		return
	}
	if p.IsEvent() && p.ID >= 0 {
		if fn := c.acks.Load(); fn != nil {
			name, args := p.Event()
			if reply, ok := (*fn)(name, args); ok {
				c.Send(EncodePacket('3', p.Nsp, p.ID, reply))
			}
		}
	}
	if p.IsAck() {
		c.mu.Lock()
		ch := c.waiters[ackKey{p.Nsp, p.ID}]
		delete(c.waiters, ackKey{p.Nsp, p.ID})
		c.mu.Unlock()
		if ch != nil {
			ch <- p
			return
		}
	}
	if c.opts.DropUnread {
		select {
		case c.in <- p:
		default:
			c.dropped.Add(1)
		}
		return
	}
	select {
	case c.in <- p:
	case <-c.quit:
	}
}

// WriteFrame writes one Engine.IO message as it is.
func (c *Client) WriteFrame(typ int, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.conn.WriteMessage(typ, data)
}

// Send sends a Socket.IO packet's text (see EncodePacket), then its
// binary attachments.
func (c *Client) Send(pkt string, att ...[]byte) {
	_ = c.send(pkt, att...)
}

func (c *Client) send(pkt string, att ...[]byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.conn.WriteMessage(TextMessage, []byte("4"+pkt)); err != nil {
		return err
	}
	for _, a := range att {
		if err := c.conn.WriteMessage(BinaryMessage, a); err != nil {
			return err
		}
	}
	return nil
}

// OnAck sets how the client answers the events that ask for an
// acknowledgement (the packets still reach the queue).
func (c *Client) OnAck(fn AckFunc) { c.acks.Store(&fn) }

// Stop makes the reader drop packets instead of queueing them.
func (c *Client) Stop() { c.stop.Do(func() { close(c.quit) }) }

// Close drops the connection without a goodbye (a vanished client) and
// waits for the reader to stop. Later calls do nothing.
func (c *Client) Close() {
	c.Stop()
	c.closing.Do(func() { _ = c.conn.Close() })
	<-c.done
}

// Disconnect leaves the namespace Dial joined and closes the Engine.IO
// session cleanly, then the connection.
func (c *Client) Disconnect() {
	_ = c.send(EncodePacket('1', c.nsp, -1, nil))
	_ = c.WriteFrame(TextMessage, []byte("1"))
	c.Close()
}

// Done is closed when the connection has closed.
func (c *Client) Done() <-chan struct{} { return c.done }

// ---------------------------------------------------------------------------
// The context style, on the namespace Dial joined

// join sends CONNECT for nsp and waits for the answer.
func (c *Client) join(ctx context.Context, nsp string, auth any) (string, error) {
	if err := c.send(EncodePacket('0', nsp, -1, auth)); err != nil {
		return "", err
	}
	p, err := c.next(ctx, func(p Packet) bool { return p.Nsp == nsp && (p.Type == '0' || p.Type == '4') })
	if err != nil {
		return "", err
	}
	var v struct{ SID string }
	if p.Type != '0' || json.Unmarshal([]byte(p.Data), &v) != nil || v.SID == "" {
		return "", fmt.Errorf("siotest: connect to %s refused: %v", nsp, p)
	}
	return v.SID, nil
}

// Emit sends an event to the namespace Dial joined.
func (c *Client) Emit(event string, args ...any) error {
	return c.send(EncodePacket('2', c.nsp, -1, append([]any{event}, args...)))
}

// EmitWithAck sends an event to the namespace Dial joined and waits for
// its acknowledgement's arguments.
func (c *Client) EmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error) {
	id := c.NextID()
	ch := make(chan Packet, 1)
	key := ackKey{c.nsp, id}
	c.mu.Lock()
	c.waiters[key] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiters, key)
		c.mu.Unlock()
	}()
	if err := c.send(EncodePacket('2', c.nsp, id, append([]any{event}, args...))); err != nil {
		return nil, err
	}
	select {
	case p := <-ch:
		return p.Args(), nil
	case <-c.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ReadEvent returns the next event received on the namespace Dial joined
// (other packets are kept for Expect), or an error when ctx ends or the
// connection closes.
func (c *Client) ReadEvent(ctx context.Context) (Event, error) {
	p, err := c.next(ctx, func(p Packet) bool { return p.IsEvent() && p.Nsp == c.nsp })
	if err != nil {
		return Event{}, err
	}
	name, args := p.Event()
	return Event{Name: name, Args: args}, nil
}

// ReadPacket returns the next packet received, of any namespace and type
// (those queued first), or an error when ctx ends or the connection
// closes.
func (c *Client) ReadPacket(ctx context.Context) (Packet, error) {
	return c.next(ctx, func(Packet) bool { return true })
}

// next returns the first packet, queued or to come, that match accepts;
// the others stay queued.
func (c *Client) next(ctx context.Context, match func(Packet) bool) (Packet, error) {
	c.mu.Lock()
	for i, p := range c.backlog {
		if match(p) {
			c.backlog = append(c.backlog[:i], c.backlog[i+1:]...)
			c.mu.Unlock()
			return p, nil
		}
	}
	c.mu.Unlock()
	for {
		select {
		case p, ok := <-c.in:
			if !ok {
				return Packet{}, ErrClosed
			}
			if match(p) {
				return p, nil
			}
			c.mu.Lock()
			c.backlog = append(c.backlog, p)
			c.mu.Unlock()
		case <-ctx.Done():
			return Packet{}, ctx.Err()
		}
	}
}

// ---------------------------------------------------------------------------
// The test style

// Connect asks to join nsp with auth (nil: none) and returns the server's
// answer: a CONNECT or CONNECT_ERROR packet.
func (c *Client) Connect(t testing.TB, nsp string, auth any) Packet {
	t.Helper()
	c.Send(EncodePacket('0', nsp, -1, auth))
	return c.Expect(t, "connect answer on "+nsp, func(p Packet) bool {
		return p.Nsp == nsp && (p.Type == '0' || p.Type == '4')
	})
}

// Join joins nsp with auth (nil: none) and returns the socket id.
func (c *Client) Join(t testing.TB, nsp string, auth any) string {
	t.Helper()
	p := c.Connect(t, nsp, auth)
	var v struct{ SID string }
	if p.Type != '0' || json.Unmarshal([]byte(p.Data), &v) != nil || v.SID == "" {
		t.Fatalf("connect to %s: got %v", nsp, p)
	}
	return v.SID
}

// EmitOn sends an event to nsp without an acknowledgement id.
func (c *Client) EmitOn(nsp, event string, args ...any) {
	c.Send(EncodePacket('2', nsp, -1, append([]any{event}, args...)))
}

// NextID reserves an acknowledgement id, for a packet built by hand.
func (c *Client) NextID() int { return int(c.ids.Add(1)) }

// Request sends an event to nsp asking for an acknowledgement and returns
// its id.
func (c *Client) Request(nsp, event string, args ...any) int {
	id := c.NextID()
	c.Send(EncodePacket('2', nsp, id, append([]any{event}, args...)))
	return id
}

// RequestRaw is Request with data as it is: the JSON array of the event
// name and its arguments.
func (c *Client) RequestRaw(nsp string, data Raw) int {
	id := c.NextID()
	c.Send(EncodePacket('2', nsp, id, data))
	return id
}

// Call sends an event to nsp and waits for its acknowledgement.
func (c *Client) Call(t testing.TB, nsp, event string, args ...any) Packet {
	t.Helper()
	return c.ExpectAck(t, nsp, c.Request(nsp, event, args...))
}

// ExpectAck waits for the acknowledgement id on nsp.
func (c *Client) ExpectAck(t testing.TB, nsp string, id int) Packet {
	t.Helper()
	return c.Expect(t, fmt.Sprintf("ack %d on %s", id, nsp), func(p Packet) bool {
		return p.IsAck() && p.Nsp == nsp && p.ID == id
	})
}

// ExpectEvent waits for event on nsp.
func (c *Client) ExpectEvent(t testing.TB, nsp, event string) Packet {
	t.Helper()
	return c.Expect(t, "event "+event+" on "+nsp, func(p Packet) bool {
		return p.IsEvent() && p.Nsp == nsp && p.EventName() == event
	})
}

// NextEvent returns the next event on nsp, queued or to come.
func (c *Client) NextEvent(t testing.TB, nsp string) Packet {
	t.Helper()
	return c.Expect(t, "an event on "+nsp, func(p Packet) bool { return p.IsEvent() && p.Nsp == nsp })
}

// Expect returns the first packet, queued or to come, that match accepts;
// the others stay queued for later calls. It fails t after Wait.
func (c *Client) Expect(t testing.TB, what string, match func(Packet) bool) Packet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	p, err := c.next(ctx, match)
	switch {
	case errors.Is(err, ErrClosed):
		t.Fatalf("connection closed while waiting for %s; received %v", what, c.Queued())
	case err != nil:
		t.Fatalf("timed out waiting for %s; received %v%s", what, c.Queued(), c.droppedNote())
	}
	return p
}

func (c *Client) droppedNote() string {
	if n := c.dropped.Load(); n > 0 {
		return fmt.Sprintf(" (%d unread packets dropped)", n)
	}
	return ""
}

// Queued returns the packets received and not yet expected, without
// taking them.
func (c *Client) Queued() []Packet {
	c.drain()
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Packet(nil), c.backlog...)
}

// Barrier makes a round trip on nsp: once it returns, every packet the
// server sent this client from its handlers before is queued. Its event
// has a handler that does nothing, so the server answers an empty
// acknowledgement. The client must come from a Host.
func (c *Client) Barrier(t testing.TB, nsp string) {
	t.Helper()
	if c.host == nil {
		t.Fatal("siotest: Barrier on a client that no Host dialed")
	}
	c.host.Of(nsp).On("__barrier__", func(*core.Socket) {})
	c.Call(t, nsp, "__barrier__")
}

// Rest returns, after a Barrier on nsp, the packets received and not yet
// expected, and forgets them.
func (c *Client) Rest(t testing.TB, nsp string) []Packet {
	t.Helper()
	c.Barrier(t, nsp)
	return c.takeAll()
}

// takeAll returns the packets received and not yet expected, and forgets
// them.
func (c *Client) takeAll() []Packet {
	c.drain()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.backlog
	c.backlog = nil
	return out
}

// drain moves what the reader queued to the backlog.
func (c *Client) drain() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		select {
		case p, ok := <-c.in:
			if !ok {
				return
			}
			c.backlog = append(c.backlog, p)
		default:
			return
		}
	}
}

// WaitClosed waits until the server closes the connection and returns the
// packets received and not yet expected.
func (c *Client) WaitClosed(t testing.TB) []Packet {
	t.Helper()
	timer := time.NewTimer(Wait)
	defer timer.Stop()
	for {
		select {
		case p, ok := <-c.in:
			if !ok {
				return c.takeAll()
			}
			c.mu.Lock()
			c.backlog = append(c.backlog, p)
			c.mu.Unlock()
		case <-timer.C:
			t.Fatalf("the connection was not closed; received %v", c.Queued())
		}
	}
}
