package natsq

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"github.com/socketio-go/sio/internal/siotest"
	"github.com/socketio-go/sio/queue/internal/faulttest"
)

// roundTrip publishes on b and waits for its own subscription to get it.
func roundTrip(t *testing.T, b *Bus) {
	t.Helper()
	ch := testPrefix(t) + "#/#"
	got := make(chan []byte, 1)
	ctx, cancel := context.WithTimeout(context.Background(), siotest.Wait)
	defer cancel()
	if _, err := b.Subscribe(ctx, ch, func(m []byte) { got <- m }); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, ch, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if string(m) != "ping" {
			t.Fatalf("got %q", m)
		}
	case <-ctx.Done():
		t.Fatal("the message did not come back")
	}
}

// TestTLSAndCredentials: a tls:// URL with a user and password connects
// to a server that requires both, with Options.TLS trusting its
// certificate; a bus that does not trust it, or with a wrong password,
// fails with an error that does not show the password.
func TestTLSAndCredentials(t *testing.T) {
	cert := faulttest.SelfSigned(t)
	srv := startNATSServer(t, "--tlsverify=false", "--tls", "--tlscert", cert.CertFile, "--tlskey", cert.KeyFile,
		"--user", "sio", "--pass", "s3cret")
	url := "tls://sio:s3cret@" + srv.Addr()
	b := newBus(t, url, Options{TLS: &tls.Config{RootCAs: cert.Pool}})
	roundTrip(t, b)

	if _, err := New(url, Options{}); err == nil {
		t.Error("a bus that does not trust the certificate connected")
	} else if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error shows the password: %v", err)
	} else {
		t.Log(err)
	}
	bad := "tls://sio:wrong@" + srv.Addr()
	if _, err := New(bad, Options{TLS: &tls.Config{RootCAs: cert.Pool}}); err == nil {
		t.Error("a wrong password connected")
	} else if !strings.Contains(err.Error(), "uthorization") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := New("nats://"+srv.Addr(), Options{TLS: &tls.Config{RootCAs: cert.Pool}}); err == nil {
		t.Error("a bus without credentials connected")
	}
}

// TestToken: a nats://token@host URL authenticates with a token.
func TestToken(t *testing.T) {
	srv := startNATSServer(t, "--auth", "t0ken")
	roundTrip(t, newBus(t, "nats://t0ken@"+srv.Addr(), Options{}))
	if _, err := New("nats://other@"+srv.Addr(), Options{}); err == nil || strings.Contains(err.Error(), "other") {
		t.Errorf("a wrong token: %v", err)
	}
}
