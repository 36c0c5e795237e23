package engineio

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// facts records what an Observer is told, as strings.
type facts struct {
	name string
	mu   sync.Mutex
	list []string
}

func (f *facts) add(format string, args ...any) {
	f.mu.Lock()
	f.list = append(f.list, f.name+" "+fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *facts) all() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.list)
}

// has reports whether fact was recorded.
func (f *facts) has(fact string) bool { return slices.Contains(f.all(), f.name+" "+fact) }

func (f *facts) observer() *Observer {
	return &Observer{
		SessionOpened: func(s *Socket, transport string) { f.add("opened %s", transport) },
		SessionClosed: func(s *Socket, transport string, reason CloseReason) { f.add("closed %s %s", transport, reason) },
		Upgraded:      func(s *Socket) { f.add("upgraded %s", s.Transport()) },
		PacketsIn:     func(s *Socket, n, bytes int) { f.add("in %d %d", n, bytes) },
		PacketsOut:    func(s *Socket, n, bytes int) { f.add("out %d %d", n, bytes) },
		Refused:       func(e *ConnectionError) { f.add("refused %d", e.Code) },
		QueueFull:     func(s *Socket, p QueueFullPolicy) { f.add("queue full %s", p) },
	}
}

// Two observers see every fact of a session's life, in installation order;
// a removed one sees nothing more.
func TestObserverSessionFacts(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	a, b := &facts{name: "a"}, &facts{name: "b"}
	order := &facts{name: "order"}
	removeA := srv.Observe(a.observer())
	srv.Observe(b.observer())
	srv.Observe(&Observer{PacketsIn: func(*Socket, int, int) { order.add("third") }})
	srv.Observe(&Observer{PacketsIn: func(*Socket, int, int) { order.add("fourth") }})
	rec := newRecorder(srv)

	p, _ := openPoll(t, srv)
	sock := rec.conn(t)
	p.mustPost("4hello\x1e6") // a noop: control packets are not counted
	rec.msg(t)
	if err := sock.SendText("abc"); err != nil {
		t.Fatal(err)
	}
	if err := sock.Send(TextMessage([]byte("de")), BinaryMessage([]byte{1, 2, 3})); err != nil {
		t.Fatal(err)
	}
	p.get()

	ticket, resp := srv.PrepareWebSocket(testRequest("GET", "EIO=4&transport=websocket&sid="+p.sid, nil))
	if resp != nil {
		t.Fatalf("PrepareWebSocket: %d %s", resp.Status, resp.Body)
	}
	c := newFakeConn(64)
	done := serveTicket(ticket, c)
	c.sendText("2probe")
	c.recv(t)
	c.sendText("5")
	waitFor(t, "upgrade reported", func() bool { return b.has("upgraded websocket") })
	c.sendText("4over websocket")
	rec.msg(t)
	removeA()
	removeA() // a second call does nothing
	sock.Close()
	c.recv(t)
	waitDone(t, done, "Serve")
	waitFor(t, "close reported", func() bool { return b.has("closed websocket forced close") })

	want := []string{"opened polling", "in 1 5", "out 1 3", "out 2 5", "upgraded websocket", "in 1 14"}
	for i, w := range want {
		want[i] = "a " + w
	}
	if got := a.all(); !slices.Equal(got, want) {
		t.Errorf("observer a saw %q, want %q", got, want)
	}
	for i, w := range want {
		want[i] = "b" + strings.TrimPrefix(w, "a")
	}
	want = append(want, "b closed websocket forced close")
	if got := b.all(); !slices.Equal(got, want) {
		t.Errorf("observer b saw %q, want %q", got, want)
	}
	if got := order.all(); !slices.Equal(got, []string{"order third", "order fourth", "order third", "order fourth"}) {
		t.Errorf("order %q", got)
	}
}

// Refused requests report their Engine.IO error code; a full queue reports
// its policy.
func TestObserverRefusedAndQueueFull(t *testing.T) {
	for _, policy := range []QueueFullPolicy{QueueFullDrop, QueueFullClose} {
		t.Run(policy.String(), func(t *testing.T) {
			srv, _ := newTestServer(t, Options{MaxQueuedMessages: 2, QueueFull: policy})
			f := &facts{name: "f"}
			srv.Observe(f.observer())
			rec := newRecorder(srv)
			srv.ServePoll(t.Context(), testRequest(http.MethodGet, "EIO=3&transport=polling", nil))
			srv.ServePoll(t.Context(), testRequest(http.MethodGet, "EIO=4&transport=polling&sid=nope", nil))
			srv.ServePoll(t.Context(), testRequest(http.MethodGet, "EIO=4&transport=carrier-pigeon", nil))
			openPoll(t, srv)
			sock := rec.conn(t)
			for range 3 {
				_ = sock.SendText("x")
			}
			for _, fact := range []string{"refused 5", "refused 1", "refused 0", "queue full " + policy.String()} {
				if !f.has(fact) {
					t.Errorf("no %q in %q", fact, f.all())
				}
			}
		})
	}
}

// A panicking observer is logged; the server and the other observers go on.
func TestObserverPanic(t *testing.T) {
	srv, logs := newTestServer(t, Options{})
	srv.Observe(&Observer{SessionOpened: func(*Socket, string) { panic("boom") }})
	f := &facts{name: "f"}
	srv.Observe(f.observer())
	rec := newRecorder(srv)
	openPoll(t, srv)
	rec.conn(t)
	if !f.has("opened polling") {
		t.Errorf("second observer saw %q", f.all())
	}
	if !strings.Contains(logs.String(), "panic in observer") || !strings.Contains(logs.String(), "boom") {
		t.Errorf("log %s", logs)
	}
}

// Without observers the server holds none; the merged observer has only
// the callbacks some observer set, so the others cost a nil check.
func TestObserverMerge(t *testing.T) {
	srv := New(Options{})
	if srv.observer() != nil {
		t.Fatal("observer without Observe")
	}
	remove := srv.Observe(&Observer{PacketsIn: func(*Socket, int, int) {}})
	o := srv.observer()
	if o == nil || o.PacketsIn == nil || o.PacketsOut != nil || o.SessionOpened != nil || o.Refused != nil {
		t.Errorf("merged %+v", o)
	}
	remove()
	if srv.observer() != nil {
		t.Error("observer left after remove")
	}
}

// Calling a merged callback allocates nothing.
func TestObserverNoAllocation(t *testing.T) {
	srv := New(Options{})
	n := 0
	srv.Observe(&Observer{PacketsIn: func(_ *Socket, p, b int) { n += p + b }})
	srv.Observe(&Observer{PacketsIn: func(_ *Socket, p, b int) { n -= b }})
	o := srv.observer()
	if allocs := testing.AllocsPerRun(100, func() { o.PacketsIn(nil, 1, 10) }); allocs != 0 {
		t.Errorf("%v allocations per call", allocs)
	}
	if n != 100+1 {
		t.Errorf("n = %d", n)
	}
}
