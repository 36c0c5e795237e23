package pgq

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// serverCert returns the file of the shared server's certificate, after
// checking that the server has TLS on; it skips the test when the server
// has none (TLS is the server's configuration, not the project's).
func serverCert(t *testing.T, dbURL string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b := newBus(t, dbURL, Options{WriteOnly: true, SkipCreateTable: true, MaxConns: 1})
	var on, file string
	if err := b.Pool().QueryRow(ctx, "SELECT current_setting('ssl'), current_setting('ssl_cert_file')").Scan(&on, &file); err != nil {
		t.Fatal(err)
	}
	if on != "on" {
		t.Skip("the server has ssl off")
	}
	if _, err := os.ReadFile(file); err != nil {
		t.Skipf("cannot read the server's certificate: %v", err)
	}
	return file
}

// usesTLS reports whether the bus's pool connections use TLS.
func usesTLS(t *testing.T, b *Bus) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var ssl bool
	if err := b.Pool().QueryRow(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err != nil {
		t.Fatal(err)
	}
	return ssl
}

// TestTLS: sslmode=verify-full with the server's certificate as root, and
// Options.TLS, connect with TLS (pool and listening connection: a round
// trip works); a bus that does not trust the certificate fails; a
// password in the URL never shows in errors.
func TestTLS(t *testing.T) {
	dbURL := pgURL(t)
	cert := serverCert(t, dbURL)
	u, _ := url.Parse(dbURL)
	u.Host = "localhost:" + u.Port()
	q := u.Query()
	q.Set("sslmode", "verify-full")
	q.Set("sslrootcert", cert)
	u.RawQuery = q.Encode()
	b := newBus(t, u.String(), testOptions(t, dbURL))
	if !usesTLS(t, b) {
		t.Error("sslmode=verify-full: no TLS")
	}
	roundTrip(t, b)

	pem, _ := os.ReadFile(cert)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	opts := testOptions(t, dbURL)
	opts.TLS = &tls.Config{RootCAs: pool, ServerName: "localhost"}
	b2 := newBus(t, dbURL, opts)
	if !usesTLS(t, b2) {
		t.Error("Options.TLS: no TLS")
	}
	roundTrip(t, b2)

	opts.TLS = &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "localhost"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := New(ctx, dbURL, opts); err == nil {
		t.Error("a bus that does not trust the certificate connected")
	}

	withPassword := strings.Replace(dbURL, "postgres@127.0.0.1:5432", "postgres:hunter2@127.0.0.1:1", 1)
	if _, err := New(ctx, withPassword, Options{}); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("connecting to a closed port: %v", err)
	}
}

// roundTrip publishes on b and waits for its own subscription to get it.
func roundTrip(t *testing.T, b *Bus) {
	t.Helper()
	ch := testName(t) + "#/#"
	got := make(chan []byte, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.Subscribe(ctx, ch, func(m []byte) { got <- m }); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, ch, []byte(`{"ping":1}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if string(m) != `{"ping":1}` {
			t.Fatalf("got %q", m)
		}
	case <-ctx.Done():
		t.Fatal("the message did not come back")
	}
}
