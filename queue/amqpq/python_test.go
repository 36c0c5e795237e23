package amqpq_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue/amqpq"
	"github.com/socketio-go/sio/queue/pymsg"
)

// requirePython returns a python3 with python-socketio and kombu (Debian's
// python3-socketio and python3-kombu); the test skips without one, and
// fails under CI=true.
func requirePython(t *testing.T, modules string) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import "+modules).Run() == nil {
			return path
		}
	}
	msg := "no python3 with " + modules + ": apt-get install python3-socketio python3-kombu python3-requests python3-aio-pika python3-aiohttp"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// pyServer is the python-socketio server of testdata/pyserver.py.
type pyServer struct {
	t     *testing.T
	stdin io.WriteCloser
	lines chan map[string]any
	sid   string
	queue string // the server's queue, when it tells it
}

func startPython(t *testing.T, python, script, url, channel string) *pyServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, python, script, url, channel)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")
	cmd.Stderr = &testWriter{t: t}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &pyServer{t: t, stdin: stdin, lines: make(chan map[string]any, 64)}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("python printed %q", sc.Text())
				continue
			}
			p.lines <- m
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close() // the script disconnects and exits
		done := make(chan error, 1)
		go func() { <-readDone; done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cancel()
			<-done
		}
		cancel()
	})
	ready := p.next("the python server to be ready")
	sid, ok := ready["ready"].(string)
	if !ok {
		t.Fatalf("python server: %v", ready)
	}
	p.sid = sid
	p.queue, _ = ready["queue"].(string)
	return p
}

func (p *pyServer) next(what string) map[string]any {
	p.t.Helper()
	select {
	case m, ok := <-p.lines:
		if !ok {
			p.t.Fatalf("python server exited waiting for %s", what)
		}
		return m
	case <-time.After(wait):
		p.t.Fatalf("timed out waiting for %s from python", what)
	}
	return nil
}

// expect returns the next line and checks it prints as want.
func (p *pyServer) expect(what, want string) {
	p.t.Helper()
	b, _ := json.Marshal(p.next(what))
	if string(b) != want {
		p.t.Errorf("%s: python printed %s, want %s", what, b, want)
	}
}

func (p *pyServer) command(cmd map[string]any) {
	p.t.Helper()
	b, _ := json.Marshal(cmd)
	if _, err := fmt.Fprintf(p.stdin, "%s\n", b); err != nil {
		p.t.Fatal(err)
	}
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(b []byte) (int, error) {
	w.t.Logf("python: %s", b)
	return len(b), nil
}

// TestPythonInterop links a sio server and a python-socketio server
// through one RabbitMQ fanout exchange, in both directions: broadcasts to
// all and to a room, an acknowledgement from the other server's client
// each way, and a Go emitter reaching the python server's client. The
// python servers are Debian's python3-socketio on its KombuManager and on
// its AsyncAioPikaManager, made to publish (and for AioPika, read) JSON as
// python-socketio ≥ 5.14 does.
func TestPythonInterop(t *testing.T) {
	t.Run("Kombu", func(t *testing.T) {
		testPythonInterop(t, requirePython(t, "socketio, kombu, requests"), "testdata/pyserver.py")
	})
	t.Run("AioPika", func(t *testing.T) {
		testPythonInterop(t, requirePython(t, "socketio, aio_pika, aiohttp"), "testdata/pyserver_aiopika.py")
	})
}

func testPythonInterop(t *testing.T, python, script string) {
	broker := brokerURL(t)
	ex := trackExchanges(t, broker)
	channel := uniq("sio-py")
	ex.add(channel)
	opts := pymsg.Options{Channel: channel, SingleValue: true} // python-socketio 5.7.2 reads data as one value
	srv := core.NewServer(core.Options{ClientManager: pymsg.NewManager(newBus(t, broker, ex, amqpq.Options{}), opts), AckTimeout: wait})
	srv.On("join", func(s *core.Socket, room string) { s.Join(room) })
	host := siotest.Serve(srv)
	t.Cleanup(func() { host.Shutdown(t) })
	gc, gsid := host.Connect(t, "/", "", nil)
	gc.Call(t, "/", "join", "red")

	py := startPython(t, python, script, broker, channel)
	if py.queue != "" {
		ex.addQueue(py.queue) // the python server's own queue outlives it by x-expires
	}

	// Go → python.
	if err := srv.Emit("go_all", "hi"); err != nil {
		t.Fatal(err)
	}
	py.expect("a broadcast from Go", `{"args":["hi"],"event":"go_all"}`)
	_ = srv.To("pyroom").Emit("go_room", map[string]any{"k": 1})
	py.expect("a room broadcast from Go", `{"args":[{"k":1}],"event":"go_room"}`)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	replies, err := srv.To(py.sid).EmitWithAck(ctx, "go_ack", "question")
	py.expect("an event with an ack from Go", `{"args":["question"],"event":"go_ack"}`)
	if err != nil || len(replies) != 1 {
		t.Fatalf("the python client's acknowledgement: %v %v", replies, err)
	}
	if v, _ := replies[0].Value(0); replies[0].Len() != 1 || v != "answer from python" {
		t.Errorf("the python client answered %v", v)
	}
	em := pymsg.NewEmitter(newBus(t, broker, ex, amqpq.Options{WriteOnly: true}), opts)
	if err := em.To(py.sid).Emit(ctx, "go_emitter", 42); err != nil {
		t.Fatal(err)
	}
	py.expect("an emitter's event", `{"args":[42],"event":"go_emitter"}`)

	// python → Go.
	py.command(map[string]any{"emit": "py_all", "data": map[string]any{"x": 1}})
	if p := gc.ExpectEvent(t, "/", "py_all"); p.ArgsText() != `[{"x":1}]` {
		t.Errorf("a python broadcast: %v", p)
	}
	py.expect("python's own copy", `{"args":[{"x":1}],"event":"py_all"}`)
	py.command(map[string]any{"emit": "py_red", "data": "to red", "room": "red"})
	if p := gc.ExpectEvent(t, "/", "py_red"); p.ArgsText() != `["to red"]` {
		t.Errorf("a python room broadcast: %v", p)
	}
	gc.OnAck(func(event string, _ []json.RawMessage) ([]any, bool) { return []any{"answer from Go", 7}, true })
	py.command(map[string]any{"emit": "py_ack", "data": "question", "room": gsid, "callback": true})
	gc.ExpectEvent(t, "/", "py_ack")
	py.expect("the Go client's acknowledgement", `{"ack":["answer from Go",7]}`)
}
