package adminui

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/engineio"
)

// observer is what the instrumentation is told: the Engine.IO counters in
// every mode, the live socket, room and event reports in Development mode.
func (a *Admin) observer() *core.Observer {
	o := &core.Observer{Engine: &engineio.Observer{
		SessionOpened: func(*engineio.Socket, string) { a.counters.connection() },
		SessionClosed: func(_ *engineio.Socket, _ string, reason engineio.CloseReason) {
			a.counters.disconnection(reason)
		},
		PacketsIn: func(_ *engineio.Socket, n, bytes int) {
			a.counters.packetsIn.Add(int64(n))
			a.counters.bytesIn.Add(int64(bytes))
		},
		PacketsOut: func(_ *engineio.Socket, n, bytes int) {
			a.counters.packetsOut.Add(int64(n))
			a.counters.bytesOut.Add(int64(bytes))
		},
	}}
	o.SocketConnected = func(s *core.Socket) {
		if s.Namespace() == a.nsp {
			a.onAdminConnected(s)
		}
	}
	if a.cfg.Mode != Development {
		return o
	}
	o.Engine.Upgraded = a.onUpgrade
	o.SocketConnected = func(s *core.Socket) {
		a.conns.add(s)
		a.emit("socket_connected", serializeSocket(s), now())
		if s.Namespace() == a.nsp {
			a.onAdminConnected(s)
		}
	}
	o.SocketDisconnected = func(s *core.Socket, reason core.DisconnectReason) {
		a.conns.remove(s)
		a.emit("socket_disconnected", s.Namespace().Name(), s.ID(), string(reason), now())
	}
	o.RoomJoined = func(n *core.Namespace, room, sid string) {
		a.emit("room_joined", n.Name(), room, sid, now())
	}
	o.RoomLeft = func(n *core.Namespace, room, sid string) {
		a.emit("room_left", n.Name(), room, sid, now())
	}
	o.DataChanged = func(s *core.Socket, data any) {
		a.emit("socket_updated", map[string]any{"id": s.ID(), "nsp": s.Namespace().Name(), "data": serializeData(data)})
	}
	o.EventReceived = func(s *core.Socket, event string, args core.Args) {
		if s.Namespace() == a.nsp || !a.listening() || !a.eventReports.allow() {
			return
		}
		list := make([]any, 1, 1+args.Len())
		list[0] = event
		for i := range args.Len() {
			v, err := args.Passthrough(i)
			if err != nil {
				v = nil
			}
			list = append(list, v)
		}
		a.emit("event_received", s.Namespace().Name(), s.ID(), list, now())
	}
	o.EventSent = func(s *core.Socket, event string, args []any) {
		if s.Namespace() == a.nsp || !a.listening() || !a.eventReports.allow() {
			return
		}
		list := make([]any, 0, 1+len(args))
		list = append(append(list, event), args...)
		a.emit("event_sent", s.Namespace().Name(), s.ID(), list, now())
	}
	return o
}

// listening reports whether an admin event can reach anyone (see emit);
// the event reports check it first to skip building their arguments.
func (a *Admin) listening() bool { return a.clustered || a.nsp.Len() > 0 }

// onUpgrade reports the new transport of every socket of the connection.
func (a *Admin) onUpgrade(conn *engineio.Socket) {
	for _, s := range a.conns.of(conn.ID()) {
		a.emit("socket_updated", map[string]any{"id": s.ID(), "nsp": s.Namespace().Name(), "transport": engineio.TransportWebSocket})
	}
}

// connSockets maps Engine.IO connections to their sockets, for the
// transport upgrade reports.
type connSockets struct {
	mu sync.Mutex // guards m
	m  map[string][]*core.Socket
}

func (c *connSockets) add(s *core.Socket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string][]*core.Socket)
	}
	c.m[s.ConnID()] = append(c.m[s.ConnID()], s)
}

func (c *connSockets) remove(s *core.Socket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	list := c.m[s.ConnID()]
	for i, x := range list {
		if x == s {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(c.m, s.ConnID())
	} else {
		c.m[s.ConnID()] = list
	}
}

func (c *connSockets) of(id string) []*core.Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*core.Socket(nil), c.m[id]...)
}

// MaxEventReports bounds the event_received and event_sent reports of
// Development mode: at most this many per second per server (a broadcast
// to N sockets is N event_sent reports, as in the Node.js package). The
// others are dropped, so a busy server neither floods nor drops its admin
// clients; the UI keeps the last 1,000 events of a namespace anyway.
const MaxEventReports = 1000

// limiter lets through at most MaxEventReports calls per second.
type limiter struct {
	second atomic.Int64 // the Unix second being counted
	n      atomic.Int64 // the calls let through in it
}

func (l *limiter) allow() bool {
	now := time.Now().Unix()
	if l.second.Load() != now {
		l.second.Store(now)
		l.n.Store(0)
	}
	return l.n.Add(1) <= MaxEventReports
}
