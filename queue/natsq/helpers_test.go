package natsq

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"

	"github.com/socketio-go/sio/internal/tooltest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The shared NATS server (with JetStream) every machine of the project
// runs; SIO_NATS_URL overrides it. Tests only use subjects, streams and
// buckets under their own prefix (testPrefix).
const defaultNATSURL = "nats://127.0.0.1:4222"

// natsURL returns the URL of the shared NATS server, after checking that
// it answers; it skips the test (fails it under CI=true) when it does not.
func natsURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SIO_NATS_URL")
	if u == "" {
		u = defaultNATSURL
	}
	nc, err := nats.Connect(u, nats.Timeout(3*time.Second))
	if err != nil {
		tooltest.Missing(t, "no NATS server at %s (%v): start nats-server -js or set SIO_NATS_URL", u, err)
	}
	nc.Close()
	return u
}

// testPrefix returns a channel prefix unique to this run of the test.
func testPrefix(t testing.TB) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := strings.NewReplacer("/", "-", " ", "-", "#", "-").Replace(t.Name())
	return "siotest-" + name + "-" + hex.EncodeToString(b[:])
}

// newBus connects a bus to url, closed when the test ends.
func newBus(t testing.TB, url string, opts Options) *Bus {
	t.Helper()
	b, err := New(url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// natsServer is a nats-server process of a test's own, with JetStream in
// a temporary directory, on a free port, that the test kills and restarts
// (fault tests).
type natsServer struct {
	t    testing.TB
	bin  string
	port int
	dir  string
	args []string

	mu  sync.Mutex // guards cmd
	cmd *exec.Cmd
	out *bytes.Buffer
}

// startNATSServer starts a nats-server of the test's own with the extra
// arguments, killed when the test ends; it skips the test (fails it under
// CI=true) when the binary is missing.
func startNATSServer(t testing.TB, args ...string) *natsServer {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nats-server"); serr != nil {
			tooltest.Missing(t, "nats-server is not installed (%v): apt-get install nats-server", err)
		}
		bin = "/usr/sbin/nats-server"
	}
	s := &natsServer{t: t, bin: bin, port: freePort(t), dir: t.TempDir(), args: args}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Addr returns the server's host:port.
func (s *natsServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL returns the server's nats:// URL.
func (s *natsServer) URL() string { return "nats://" + s.Addr() }

// start runs the server and waits until it accepts connections.
func (s *natsServer) start() {
	s.t.Helper()
	args := append([]string{"-a", "127.0.0.1", "-p", strconv.Itoa(s.port), "-js", "-sd", s.dir}, s.args...)
	cmd := exec.Command(s.bin, args...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("nats-server: %v", err)
	}
	s.mu.Lock()
	s.cmd, s.out = cmd, out
	s.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("nats-server on port %d does not accept connections: %v", s.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the server (as a crash would) and waits for it to exit.
func (s *natsServer) stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// restart kills the server and starts it again on the same port, with
// the same store.
func (s *natsServer) restart() {
	s.t.Helper()
	s.stop()
	s.start()
}
