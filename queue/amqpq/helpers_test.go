package amqpq_test

import (
	"context"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/goleak"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/amqpq"
	"github.com/socketio-go/sio/queue/internal/bustest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait of these tests.
const wait = bustest.Wait

// brokerURL returns the URL of the test broker (SIO_AMQP_URL, or the
// local RabbitMQ with guest/guest). The test skips when it is not
// reachable, and fails under CI=true.
func brokerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SIO_AMQP_URL")
	if u == "" {
		u = "amqp://guest:guest@127.0.0.1:5672/"
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatalf("SIO_AMQP_URL: %v", err)
	}
	c, err := net.DialTimeout("tcp", pu.Host, 2*time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("RabbitMQ is not reachable at %s (CI=true): %v", pu.Host, err)
		}
		t.Skipf("RabbitMQ is not reachable at %s: %v", pu.Host, err)
	}
	_ = c.Close()
	return u
}

// viaAddr returns the broker URL with its host:port replaced by addr.
func viaAddr(t testing.TB, broker, addr, scheme string) string {
	t.Helper()
	u, err := url.Parse(broker)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = addr
	if scheme != "" {
		u.Scheme = scheme
	}
	return u.String()
}

// brokerAddr returns the host:port of the broker URL.
func brokerAddr(t testing.TB, broker string) string {
	t.Helper()
	u, err := url.Parse(broker)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// exchanges records the exchanges a test's buses use, and deletes them
// (when unused) after the test: the names are unique to the test.
type exchanges struct {
	mu     sync.Mutex
	names  map[string]bool
	queues []string
}

func trackExchanges(t testing.TB, broker string) *exchanges {
	e := &exchanges{names: make(map[string]bool)}
	t.Cleanup(func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if len(e.names) == 0 {
			return
		}
		conn, err := amqp.Dial(broker)
		if err != nil {
			t.Logf("cleaning exchanges: %v", err)
			return
		}
		defer conn.Close()
		for _, q := range e.queues {
			if ch, err := conn.Channel(); err == nil {
				_, _ = ch.QueueDelete(q, false, false, false)
				_ = ch.Close()
			}
		}
		for name := range e.names {
			ch, err := conn.Channel()
			if err != nil {
				return
			}
			_ = ch.ExchangeDelete(name, true, false) // only when no queue is bound any more
			_ = ch.Close()
		}
	})
	return e
}

// addQueue records a queue of the test to delete after it.
func (e *exchanges) addQueue(name string) {
	e.mu.Lock()
	e.queues = append(e.queues, name)
	e.mu.Unlock()
}

func (e *exchanges) add(channel string) {
	e.mu.Lock()
	e.names[amqpq.ExchangeOf(channel)] = true
	e.mu.Unlock()
}

// tracked wraps a Bus to record its exchanges.
type tracked struct {
	*amqpq.Bus
	ex *exchanges
}

func (b tracked) Publish(ctx context.Context, channel string, msg []byte) error {
	b.ex.add(channel)
	return b.Bus.Publish(ctx, channel, msg)
}

func (b tracked) Subscribe(ctx context.Context, channel string, fn func([]byte)) (func(), error) {
	b.ex.add(channel)
	return b.Bus.Subscribe(ctx, channel, fn)
}

// newBus connects a bus to url, closed when the test ends (after the
// cleanups registered later, such as servers' shutdown).
func newBus(t testing.TB, url string, ex *exchanges, opts amqpq.Options) tracked {
	t.Helper()
	b, err := amqpq.New(url, opts)
	if err != nil {
		t.Fatalf("amqpq.New: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return tracked{Bus: b, ex: ex}
}

var _ queue.Bus = tracked{}

// The helpers shared with the other broker packages' tests.
type (
	inbox  = bustest.Inbox
	logBuf = bustest.LogBuf
)

var (
	newInbox    = bustest.NewInbox
	subscribe   = bustest.Subscribe
	publish     = bustest.Publish
	waitFor     = bustest.WaitFor
	uniq        = bustest.Uniq
	startServer = bustest.StartServer
)
