package queue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait in these tests; no test sleeps to synchronise.
const wait = siotest.Wait

// ---------------------------------------------------------------------------
// Cluster

// node is one server of a test cluster, served by stdsio on httptest.
type node struct {
	*siotest.Host
	logs *logBuf
}

// cluster is n servers linked by one MemoryBus.
type cluster struct {
	t     *testing.T
	bus   queue.Bus
	nodes []*node
}

// clusterConfig adjusts a test cluster.
type clusterConfig struct {
	queue  queue.Options
	server func(i int, o *core.Options)
	bus    func(queue.Bus) queue.Bus
}

// newCluster starts n servers on one MemoryBus; everything is shut down
// when the test ends.
func newCluster(t *testing.T, n int, cfg clusterConfig) *cluster {
	t.Helper()
	mem := queue.NewMemoryBus()
	rec := &wireRecorder{Bus: mem}
	var bus queue.Bus = rec
	if cfg.bus != nil {
		bus = cfg.bus(rec)
	}
	c := &cluster{t: t, bus: bus}
	t.Cleanup(func() {
		for _, nd := range c.nodes {
			nd.Shutdown(t)
		}
		if n := rec.json.Load(); cfg.queue.Encoding == queue.EncodingJSON && n == 0 {
			t.Errorf("no JSON message published with %v", cfg.queue.Encoding)
		}
		if err := mem.Close(); err != nil {
			t.Errorf("bus Close: %v", err)
		}
	})
	for i := range n {
		c.add(i, cfg)
	}
	c.waitCount(n)
	return c
}

// eachEncoding runs test once with each encoding.
func eachEncoding(t *testing.T, test func(*testing.T, queue.Encoding)) {
	for _, enc := range []queue.Encoding{queue.EncodingMsgpack, queue.EncodingJSON} {
		t.Run(enc.String(), func(t *testing.T) { test(t, enc) })
	}
}

// wireRecorder counts the JSON messages published on a bus.
type wireRecorder struct {
	queue.Bus
	json atomic.Int64
}

func (w *wireRecorder) Publish(ctx context.Context, channel string, msg []byte) error {
	if queue.IsJSON(msg) {
		w.json.Add(1)
	}
	return w.Bus.Publish(ctx, channel, msg)
}

// add starts one more server.
func (c *cluster) add(i int, cfg clusterConfig) *node {
	logs := &logBuf{}
	opts := core.Options{
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ClientManager: queue.NewManager(c.bus, cfg.queue),
		AckTimeout:    wait,
	}
	if cfg.server != nil {
		cfg.server(i, &opts)
	}
	nd := &node{Host: siotest.Serve(core.NewServer(opts)), logs: logs}
	c.nodes = append(c.nodes, nd)
	return nd
}

// waitCount waits until every live server counts n servers.
func (c *cluster) waitCount(n int) {
	c.t.Helper()
	c.waitCountOf("/", n)
}

// waitCountOf waits until every live server counts n servers in the
// namespace nsp: each namespace's adapter learns of the others' from
// their heartbeats in that namespace, so a namespace made after the
// cluster formed is not known cluster-wide at once.
func (c *cluster) waitCountOf(nsp string, n int) {
	c.t.Helper()
	for i, nd := range c.nodes {
		if nd.IsDown() {
			continue
		}
		waitFor(c.t, fmt.Sprintf("server %d to count %d servers in %s", i, n, nsp), func() bool {
			return nd.Of(nsp).ServerCount(context.Background()) == n
		})
	}
}

// logBuf is a concurrency-safe log sink.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// ---------------------------------------------------------------------------
// Client

// The test client (shared with the conformance kit).
type (
	client = siotest.Client
	packet = siotest.Packet
)

// dial connects a websocket client to nd with the extra query (may be "").
func (nd *node) dial(t testing.TB, query string) *client { return nd.Dial(t, query) }

// connect dials nd and joins nsp; it returns the client and its socket id.
func (nd *node) connect(t testing.TB, nsp string, query string, auth any) (*client, string) {
	return nd.Connect(t, nsp, query, auth)
}

// ---------------------------------------------------------------------------
// Helpers

// waitFor polls cond until it holds or the wait bound passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// argTexts returns each reply's arguments as compact JSON, sorted.
func argTexts(t testing.TB, replies []core.Args) []string {
	t.Helper()
	out := make([]string, 0, len(replies))
	for _, r := range replies {
		vals, err := r.Values()
		if err != nil {
			t.Fatalf("reply values: %v", err)
		}
		if vals == nil {
			vals = []any{}
		}
		b, _ := json.Marshal(vals)
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}
