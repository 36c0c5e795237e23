package faulttest

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/socketio-go/sio/queue/internal/testcert"
)

// Cert is testcert's self-signed certificate for 127.0.0.1, also in
// files for broker processes.
type Cert struct {
	// Server is a server configuration presenting the certificate.
	Server *tls.Config
	// Pool trusts the certificate.
	Pool *x509.CertPool
	// CertFile and KeyFile hold the certificate and its key in PEM, in the
	// test's temporary directory.
	CertFile, KeyFile string
}

// SelfSigned returns a new self-signed certificate.
func SelfSigned(t testing.TB) Cert {
	t.Helper()
	srv, pool, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(srv.Certificates[0].PrivateKey.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := Cert{Server: srv, Pool: pool, CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem")}
	if err := os.WriteFile(c.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificates[0].Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}
