package redisq

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/internal/tooltest"
	"github.com/socketio-go/sio/queue/internal/bustest"
	"github.com/socketio-go/sio/queue/pymsg"
)

// requirePython returns a Python interpreter with Debian's
// python3-socketio, python3-aiohttp and python3-redis (the system one
// first: a python3 earlier on PATH does not see Debian's packages); it
// skips the test (fails it under CI=true) when there is none.
func requirePython(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, name := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, path, "-c", "import socketio, aiohttp, redis").CombinedOutput()
		cancel()
		if err == nil {
			return path
		}
		tried = append(tried, path+": "+strings.TrimSpace(string(out)))
	}
	tooltest.Missing(t, "no python3 with python-socketio, aiohttp and redis: apt-get install python3-socketio python3-aiohttp python3-redis (tried %q)", tried)
	return ""
}

// pyProcess is a Python script of compat/redis, with its standard input
// and the JSON lines it prints.
type pyProcess struct {
	stdin io.WriteCloser
	lines chan string
}

func startPyScript(t *testing.T, py, script string, env ...string) *pyProcess {
	t.Helper()
	cmd := exec.Command(py, script)
	cmd.Dir = nodePeers
	cmd.Env = append(os.Environ(), append(env, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &pyProcess{stdin: stdin, lines: make(chan string, 1024)}
	logged := make(chan struct{})
	go func() { // the script's errors, into the test log
		defer close(logged)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Log(script + ": " + sc.Text())
		}
	}()
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		<-logged
	})
	return p
}

// line returns the next line the script prints.
func (p *pyProcess) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			t.Fatal("the Python script ended (see its lines above)")
		}
		return l
	case <-time.After(15 * time.Second):
		t.Fatal("no line from the Python script within 15s")
	}
	return ""
}

// pyEvent is what a client of python_server.py received.
type pyEvent struct {
	Client string            `json:"client"`
	NSP    string            `json:"nsp"`
	Event  string            `json:"event"`
	Args   []json.RawMessage `json:"args"`
}

func (e pyEvent) String() string {
	b, _ := json.Marshal(e.Args)
	return fmt.Sprintf("%s %s %s %s", e.Client, e.NSP, e.Event, b)
}

// pyServer is python_server.py: a python-socketio server (Debian's) on
// AsyncRedisManager with three clients.
type pyServer struct {
	*pyProcess
	url    string
	sids   map[string]string
	events map[string][]pyEvent // by client, not read yet
}

func startPyServer(t *testing.T, py, channel string) *pyServer {
	t.Helper()
	p := startPyScript(t, py, "python_server.py", "SIO_REDIS_URL="+redisURL(), "SIO_CHANNEL="+channel)
	var ready struct {
		Ready bool              `json:"ready"`
		URL   string            `json:"url"`
		SIDs  map[string]string `json:"sids"`
	}
	if err := json.Unmarshal([]byte(p.line(t)), &ready); err != nil || !ready.Ready {
		t.Fatalf("python_server.py did not start: %v", err)
	}
	return &pyServer{pyProcess: p, url: ready.URL, sids: ready.SIDs, events: map[string][]pyEvent{}}
}

// next returns the next event of client.
func (s *pyServer) next(t *testing.T, client string) pyEvent {
	t.Helper()
	for len(s.events[client]) == 0 {
		var e pyEvent
		if err := json.Unmarshal([]byte(s.line(t)), &e); err != nil {
			t.Fatalf("python_server.py: %v", err)
		}
		s.events[e.Client] = append(s.events[e.Client], e)
	}
	e := s.events[client][0]
	s.events[client] = s.events[client][1:]
	return e
}

// TestPythonServerInterop: pymsg's Emitter and a sio server in
// python-socketio's format, on Redis, reach the clients of a real python-socketio
// server (Debian's python3-socketio, AsyncRedisManager on aiohttp): emits
// to everyone, a room, a room but a socket, another namespace's room, a
// socket; close_room; disconnect.
//
// Debian's python3-socketio is 5.7: it reads JSON messages from Redis (it
// tries pickle first, then JSON) but writes pickle, which sio never
// reads; so the other direction is TestPythonWriterInterop's, and an
// emit from a sio server to a python-socketio client with an
// acknowledgement times out against 5.7 (its callback message is
// pickled). 5.7 also reads data as one argument (hence SingleValue), and
// has no enter_room and leave_room messages.
func TestPythonServerInterop(t *testing.T) {
	py := requirePython(t)
	client := requireRedis(t)
	channel := testPrefix(t)
	ps := startPyServer(t, py, channel)
	goNode := startPyNode(t, channel, true)
	waitServers(t, channel, 2)
	gc, _ := goNode.Connect(t, "/", "", nil)
	em := pymsg.NewEmitter(NewBus(client, BusOptions{}), pymsg.Options{Channel: channel, SingleValue: true})
	ctx := context.Background()

	// expect checks, for each python client, that the next event is
	// event (with args) for those in reached, else "sync".
	expect := func(event, args string, reached ...string) {
		t.Helper()
		if err := em.Emit(ctx, "sync", "s"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"p0", "p1", "p2"} {
			want := "sync"
			for _, r := range reached {
				if r == c {
					want = event
				}
			}
			e := ps.next(t, c)
			if e.Event != want {
				t.Errorf("%s: client %s got %v, want %s first", event, c, e, want)
				continue
			}
			if want == event && args != "" {
				if b, _ := json.Marshal(e.Args); string(b) != args {
					t.Errorf("%s: client %s got arguments %s, want %s", event, c, b, args)
				}
			}
			if want != "sync" {
				if e := ps.next(t, c); e.Event != "sync" {
					t.Errorf("%s: client %s got %v, want sync", event, c, e)
				}
			}
		}
	}
	emit := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	emit(em.Emit(ctx, "all", "hello"))
	expect("all", `["hello"]`, "p0", "p1", "p2")
	emit(em.Emit(ctx, "obj", map[string]any{"k": []any{1, "v"}}))
	expect("obj", `[{"k":[1,"v"]}]`, "p0", "p1", "p2")
	emit(em.To("red").Emit(ctx, "red", 42))
	expect("red", `[42]`, "p0", "p1")
	emit(em.To("red").Except(ps.sids["p0"]).Emit(ctx, "red-but", true))
	expect("red-but", `[true]`, "p1")
	emit(em.To(ps.sids["p2"]).Emit(ctx, "to-sid", "x"))
	expect("to-sid", `["x"]`, "p2")
	emit(em.Of("/chat").To("blue").Emit(ctx, "chat", "c"))
	if e := ps.next(t, "p2"); e.NSP != "/chat" || e.Event != "chat" {
		t.Errorf("chat: got %v", e)
	}
	expect("-", "")

	// A sio server of the cluster emits: its client and the python
	// clients get it.
	if err := goNode.Emit("from-go", "g"); err != nil {
		t.Fatal(err)
	}
	if p := gc.ExpectEvent(t, "/", "from-go"); p.ArgsText() != `["g"]` {
		t.Errorf("sio client: %v", p)
	}
	expect("from-go", `["g"]`, "p0", "p1", "p2")
	if err := goNode.To("red").Emit("go-red", "r"); err != nil {
		t.Fatal(err)
	}
	expect("go-red", `["r"]`, "p0", "p1")

	// close_room, then disconnect.
	emit(em.In("red").SocketsLeave(ctx, "red")) // close_room
	emit(em.To("red").Emit(ctx, "after-close"))
	expect("after-close", "")
	emit(em.To(ps.sids["p1"]).DisconnectSockets(ctx, false))
	if e := ps.next(t, "p1"); e.Event != "disconnect" {
		t.Errorf("disconnect: p1 got %v", e)
	}
	goNode.Of("/").To(ps.sids["p0"]).DisconnectSockets(false)
	if e := ps.next(t, "p0"); e.Event != "disconnect" {
		t.Errorf("disconnect from a sio server: p0 got %v", e)
	}
}

// TestPythonWriterInterop: the messages python-socketio 5.15 publishes
// (python_writer.py builds them as its AsyncPubSubManager does, with
// python-socketio's own Packet for the binary split) reach the clients of
// two sio servers in python-socketio's format on Redis: emits with one argument,
// several, binary ones; enter_room, leave_room, close_room, disconnect;
// and the callback that answers a sio server's emit with an
// acknowledgement to a client of a python server.
func TestPythonWriterInterop(t *testing.T) {
	py := requirePython(t)
	client := requireRedis(t)
	channel := testPrefix(t)
	a, b := startPyNode(t, channel, false), startPyNode(t, channel, false)
	waitServers(t, channel, 2)
	ca, sa := a.Connect(t, "/", "", nil)
	cb, sb := b.Connect(t, "/", "", nil)
	ca.Call(t, "/", "join", "red")
	w := startPyScript(t, py, "python_writer.py", "SIO_REDIS_URL="+redisURL(), "SIO_CHANNEL="+channel)
	send := func(cmd map[string]any) {
		t.Helper()
		line, _ := json.Marshal(cmd)
		if _, err := w.stdin.Write(append(line, '\n')); err != nil {
			t.Fatal(err)
		}
		if got := w.line(t); got != "ok" {
			t.Fatalf("python_writer.py: %q", got)
		}
	}
	send(map[string]any{"method": "emit", "event": "one", "args": []any{"hello"}})
	if p := ca.ExpectEvent(t, "/", "one"); p.ArgsText() != `["hello"]` {
		t.Errorf("one: %v", p)
	}
	if p := cb.ExpectEvent(t, "/", "one"); p.ArgsText() != `["hello"]` {
		t.Errorf("one: %v", p)
	}
	send(map[string]any{"method": "emit", "event": "several", "args": []any{1, "two", []any{3}}, "room": sb})
	if p := cb.ExpectEvent(t, "/", "several"); p.ArgsText() != `[1,"two",[3]]` {
		t.Errorf("several: %v", p)
	}
	send(map[string]any{"method": "emit", "event": "bin", "args": []any{"b", map[string]any{"bytes": "AQID"}}, "room": "red"})
	if p := ca.ExpectEvent(t, "/", "bin"); p.ArgsText() != `["b",{"_placeholder":true,"num":0}]` || len(p.Att) != 1 || string(p.Att[0]) != "\x01\x02\x03" {
		t.Errorf("bin: %v", p)
	}
	send(map[string]any{"method": "emit", "event": "skip", "args": []any{}, "skip_sid": sa})
	if p := cb.ExpectEvent(t, "/", "skip"); p.ArgsText() != `[]` {
		t.Errorf("skip: %v", p)
	}
	send(map[string]any{"method": "enter_room", "sid": sb, "room": "green"})
	bustest.WaitFor(t, "enter_room", siotest.Wait, func() bool { return inRoom(b, sb, "green") })
	send(map[string]any{"method": "leave_room", "sid": sb, "room": "green"})
	bustest.WaitFor(t, "leave_room", siotest.Wait, func() bool { return !inRoom(b, sb, "green") })
	send(map[string]any{"method": "close_room", "room": "red"})
	bustest.WaitFor(t, "close_room", siotest.Wait, func() bool { return !inRoom(a, sa, "red") })

	// A sio server asks a client of a python server for an
	// acknowledgement: it publishes an emit with a callback, and the
	// python server answers with a callback message to its host id.
	ctx := context.Background()
	ps := client.Subscribe(ctx, channel)
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	type result struct {
		replies []core.Args
		err     error
	}
	done := make(chan result, 1)
	go func() {
		r, err := a.To("python-sid").Timeout(5*time.Second).EmitWithAck(ctx, "ask", 1)
		done <- result{r, err}
	}()
	var sent pymsg.Message
	for sent.Method != pymsg.MethodEmit {
		m, err := ps.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sent, _ = pymsg.Decode([]byte(m.Payload))
	}
	cb2 := sent.Callback
	if cb2 == nil || cb2.SID != "python-sid" || sent.HostID != a.Of("/").Adapter().(*pymsg.Adapter).HostID() {
		t.Fatalf("emit with a callback: %+v", sent)
	}
	send(map[string]any{"method": "callback", "host_id": sent.HostID, "sid": cb2.SID, "namespace": cb2.Namespace, "id": cb2.ID, "args": []any{"yes", 2}})
	r := <-done
	if r.err != nil || len(r.replies) != 1 {
		t.Fatalf("EmitWithAck: %v %v", r.replies, r.err)
	}
	var word string
	var num int
	if rp := r.replies[0]; rp.Len() != 2 || rp.Decode(0, &word) != nil || rp.Decode(1, &num) != nil || word != "yes" || num != 2 {
		t.Errorf("acknowledgement %v", rp)
	}

	send(map[string]any{"method": "disconnect", "sid": sb})
	bustest.WaitFor(t, "disconnect", siotest.Wait, func() bool { return b.Of("/").Socket(sb) == nil })
}
