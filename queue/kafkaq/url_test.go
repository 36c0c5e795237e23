package kafkaq_test

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/socketio-go/sio/queue/internal/testcert"
	"github.com/socketio-go/sio/queue/kafkaq"
)

// TestTLSAndCredentials: a kafkas:// URL with credentials connects with
// TLS (Options.TLS) and SASL (PLAIN, and SCRAM-SHA-256 chosen in the URL)
// to a broker that requires both; a wrong password, an untrusted
// certificate and a malformed URL fail New with a clear error that does
// not show the password.
func TestTLSAndCredentials(t *testing.T) {
	srvCfg, pool, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newKafka(t, kfake.TLS(srvCfg), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "sio", "s3cret"), kfake.Superuser("SCRAM-SHA-256", "sio", "s3cret"))
	addr := c.ListenAddrs()[0]
	trust := kafkaq.Options{TLS: &tls.Config{RootCAs: pool}}
	for _, url := range []string{
		"kafkas://sio:s3cret@" + addr,
		"kafkas://sio:s3cret@" + addr + "?sasl=scram-sha-256",
	} {
		bus := newBus(t, url, trust)
		ch := uniq("sio-test") + "#/#"
		in := newInbox()
		subscribe(t, bus, ch, in.Add)
		publish(t, bus, ch, []byte("secured"))
		if m := in.WaitN(t, url, 1); string(m[0]) != "secured" {
			t.Errorf("%s: got %q", url, m[0])
		}
	}
	for _, tc := range []struct {
		name, url string
		opts      kafkaq.Options
	}{
		{"wrong password", "kafkas://sio:wrong-secret@" + addr, trust},
		{"untrusted certificate", "kafkas://sio:wrong-secret@" + addr, kafkaq.Options{}},
		{"unknown mechanism", "kafkas://sio:wrong-secret@" + addr + "?sasl=gssapi", trust},
		{"scheme", "http://" + addr, trust},
	} {
		_, err := kafkaq.New(tc.url, tc.opts)
		if err == nil {
			t.Errorf("%s: New succeeded", tc.name)
			continue
		}
		if strings.Contains(err.Error(), "wrong-secret") {
			t.Errorf("%s: the error shows the password: %v", tc.name, err)
		}
		t.Logf("%s: %v", tc.name, err)
	}
	if _, err := kafkaq.New("http://x", kafkaq.Options{}); !errors.Is(err, kafkaq.ErrURL) {
		t.Errorf("bad scheme: %v, want ErrURL", err)
	}
}

// TestSeveralBrokers: a URL listing several brokers (one without port
// defaults to 9092, unused here) reaches a three-broker cluster, whose
// topic's partitions have different leaders.
func TestSeveralBrokers(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.DefaultNumPartitions(6))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	bus := newBus(t, "kafka://"+strings.Join(c.ListenAddrs(), ","), kafkaq.Options{})
	ch := uniq("sio-test") + "#/#"
	in := newInbox()
	subscribe(t, bus, ch, in.Add)
	for i := range 50 {
		publish(t, bus, ch, []byte{byte(i)})
	}
	for i, m := range in.WaitN(t, "messages", 50) {
		if m[0] != byte(i) {
			t.Fatalf("message %d is %d", i, m[0])
		}
	}
}
