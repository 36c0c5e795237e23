package amqpq_test

import (
	"crypto/tls"
	"testing"

	"github.com/socketio-go/sio/queue/amqpq"
	"github.com/socketio-go/sio/queue/internal/faultproxy"
	"github.com/socketio-go/sio/queue/internal/testcert"
)

// TestTLS: an amqps:// URL with credentials connects through TLS with
// Options.TLS (here to a TLS terminator in front of the broker), and a
// bus that does not trust the certificate fails with a clear error.
func TestTLS(t *testing.T) {
	broker := brokerURL(t)
	ex := trackExchanges(t, broker)
	srvCfg, pool, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := faultproxy.NewTLS(brokerAddr(t, broker), srvCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	url := viaAddr(t, broker, proxy.Addr(), "amqps")
	bus := newBus(t, url, ex, amqpq.Options{TLS: &tls.Config{RootCAs: pool}})
	ch := uniq("sio-test") + "#/#"
	in := newInbox()
	subscribe(t, bus, ch, in.Add)
	publish(t, bus, ch, []byte("over tls"))
	if m := in.WaitN(t, "over TLS", 1); string(m[0]) != "over tls" {
		t.Errorf("got %q", m[0])
	}
	if _, err := amqpq.New(url, amqpq.Options{}); err == nil {
		t.Error("a bus that does not trust the certificate connected")
	} else {
		t.Log(err)
	}
}
