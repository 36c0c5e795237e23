package kafkaq_test

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/goleak"

	"github.com/socketio-go/sio/queue/internal/bustest"
	"github.com/socketio-go/sio/queue/kafkaq"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait of these tests.
const wait = bustest.Wait

// newKafka starts an in-process Kafka cluster (kfake), closed when the
// test ends, and returns it with its URL.
func newKafka(t testing.TB, opts ...kfake.Opt) (*kfake.Cluster, string) {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.DefaultNumPartitions(3)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, "kafka://" + strings.Join(c.ListenAddrs(), ",")
}

// newBus returns a bus to url, closed when the test ends.
func newBus(t testing.TB, url string, opts kafkaq.Options) *kafkaq.Bus {
	t.Helper()
	b, err := kafkaq.New(url, opts)
	if err != nil {
		t.Fatalf("kafkaq.New: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

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
