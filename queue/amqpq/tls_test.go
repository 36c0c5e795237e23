package amqpq_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/socketio-go/sio/queue/amqpq"
	"github.com/socketio-go/sio/queue/internal/faultproxy"
)

// selfSigned returns a server configuration for 127.0.0.1 and a pool
// trusting it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sio test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

// TestTLS: an amqps:// URL with credentials connects through TLS with
// Options.TLS (here to a TLS terminator in front of the broker), and a
// bus that does not trust the certificate fails with a clear error.
func TestTLS(t *testing.T) {
	broker := brokerURL(t)
	ex := trackExchanges(t, broker)
	srvCfg, pool := selfSigned(t)
	proxy, err := faultproxy.NewTLS(brokerAddr(t, broker), srvCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	url := viaAddr(t, broker, proxy.Addr(), "amqps")
	bus := newBus(t, url, ex, amqpq.Options{TLS: &tls.Config{RootCAs: pool}})
	ch := uniq("sio-test") + "#/#"
	in := newInbox()
	subscribe(t, bus, ch, in.add)
	publish(t, bus, ch, []byte("over tls"))
	if m := in.waitN(t, "over TLS", 1); string(m[0]) != "over tls" {
		t.Errorf("got %q", m[0])
	}
	if _, err := amqpq.New(url, amqpq.Options{}); err == nil {
		t.Error("a bus that does not trust the certificate connected")
	} else {
		t.Log(err)
	}
}
