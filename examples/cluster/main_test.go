package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestMain runs the program itself when the test starts it as a process
// (SIO_CLUSTER_EXAMPLE=1), so the test drives real processes from the
// command line.
func TestMain(m *testing.M) {
	if os.Getenv("SIO_CLUSTER_EXAMPLE") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// freePort returns a free loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRedis starts a redis-server of the test's own on a free port.
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is not installed: %v", err)
		}
		t.Skipf("redis-server is not installed: %v", err)
	}
	port := freePort(t)
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "redis://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server does not listen")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// node is the program running as a process.
type node struct {
	cmd   *exec.Cmd
	url   string
	lines chan string
}

var runningRE = regexp.MustCompile(`cluster server is running" url=(http://\S+)/`)

func startNode(t *testing.T, args ...string) *node {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(args, "-client", t.TempDir())...)
	cmd.Env = append(os.Environ(), "SIO_CLUSTER_EXAMPLE=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{cmd: cmd, lines: make(chan string, 100)}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Log(sc.Text())
			select {
			case n.lines <- sc.Text():
			default:
			}
		}
		close(n.lines)
	}()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-n.lines:
			if !ok {
				t.Fatal("the program ended before it served")
			}
			if m := runningRE.FindStringSubmatch(line); m != nil {
				n.url = m[1]
				return n
			}
		case <-timeout:
			t.Fatal("the program does not serve within 30s")
		}
	}
}

// stop sends SIGTERM and checks a clean exit.
func (n *node) stop(t *testing.T) {
	t.Helper()
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- n.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Error("no exit within 15s of SIGTERM")
	}
}

// client is a minimal Socket.IO client (websocket, namespace "/").
type client struct {
	t    *testing.T
	conn *websocket.Conn
	ids  int
}

func dial(t *testing.T, base string) *client {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &client{t: t, conn: conn}
	c.read("0")
	if err := conn.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		t.Fatal(err)
	}
	c.read("40")
	return c
}

// read returns the next packet starting with prefix (pings are answered,
// other packets skipped).
func (c *client) read(prefix string) string {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, b, err := c.conn.ReadMessage()
		if err != nil {
			c.t.Fatalf("waiting for %q: %v", prefix, err)
		}
		s := string(b)
		if s == "2" {
			_ = c.conn.WriteMessage(websocket.TextMessage, []byte("3"))
			continue
		}
		if strings.HasPrefix(s, prefix) {
			return s[len(prefix):]
		}
	}
}

// call emits event with an acknowledgement and returns the reply.
func (c *client) call(event string, args ...any) []json.RawMessage {
	c.t.Helper()
	c.ids++
	data, _ := json.Marshal(append([]any{event}, args...))
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf("42%d%s", c.ids, data))); err != nil {
		c.t.Fatal(err)
	}
	var reply []json.RawMessage
	if err := json.Unmarshal([]byte(c.read(fmt.Sprintf("43%d", c.ids))), &reply); err != nil {
		c.t.Fatal(err)
	}
	return reply
}

// TestTwoProcessCluster: two processes started from the command line
// with the same -redis URL form one cluster: each counts two servers, and
// a message sent on one reaches the client of the other.
func TestTwoProcessCluster(t *testing.T) {
	redisURL := startRedis(t)
	for _, format := range []string{"classic", "sharded", "streams", "python"} {
		t.Run(format, func(t *testing.T) {
			a := startNode(t, "-addr", "127.0.0.1:"+strconv.Itoa(freePort(t)), "-name", "a", "-redis", redisURL, "-redis-format", format)
			b := startNode(t, "-addr", "127.0.0.1:"+strconv.Itoa(freePort(t)), "-name", "b", "-cluster", redisURL+"?format="+format)
			ca, cb := dial(t, a.url), dial(t, b.url)
			if format != "python" { // python-socketio's format cannot count the servers
				for deadline := time.Now().Add(10 * time.Second); string(ca.call("servers")[0]) != "2"; {
					if time.Now().After(deadline) {
						t.Fatal("a does not count 2 servers")
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			if r := ca.call("message", "hello from a"); len(r) != 1 || !strings.Contains(string(r[0]), `"node":"a"`) {
				t.Fatalf("ack %s", r)
			}
			if got := cb.read(`42["message",`); got != `{"node":"a","text":"hello from a"}]` {
				t.Errorf("b's client got %s", got)
			}
			a.stop(t)
			b.stop(t)
		})
	}
}
