// Command tls serves Socket.IO over HTTPS (and so the websocket over wss):
// net/http's TLS server with stdsio, nothing else is needed.
//
//	go run ./examples/tls                          # a self-signed certificate
//	go run ./examples/tls -cert cert.pem -key key.pem
//
// then open https://127.0.0.1:8443. Without -cert and -key the program
// makes a self-signed certificate for 127.0.0.1 and localhost, valid for a
// day, and logs its SHA-256 fingerprint: the browser warns about it until
// you accept it (or use a certificate from a local CA such as mkcert).
//
// The page loads the browser client from /socket.io/socket.io.min.js, which
// the Socket.IO server serves from an npm install of socket.io-client
// (core.Options.ServeClient); the first run makes that install with
// `npm ci` (see client.go), or -client names your own.
//
// Behind a TLS-terminating proxy, serve plain HTTP instead (as in
// examples/nethttp); Handshake().Secure then reports false, since the
// proxy's connection to this server is not encrypted.
package main

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/hex"
	"errors"
	"flag"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

//go:embed index.html
var page []byte

func main() {
	addr := flag.String("addr", cmp.Or(os.Getenv("ADDR"), "127.0.0.1:8443"), "listen address (default $ADDR, else 127.0.0.1:8443)")
	certFile := flag.String("cert", "", "certificate file (PEM); empty: a self-signed certificate")
	keyFile := flag.String("key", "", "private key file (PEM) of -cert")
	client := flag.String("client", "", "folder of an npm install of socket.io-client (default: installed on first run)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *certFile, *keyFile, *client, log); err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
}

func run(addr, certFile, keyFile, client string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := clientDir(ctx, client, log)
	if err != nil {
		return err
	}
	var cert tls.Certificate
	if certFile != "" {
		cert, err = tls.LoadX509KeyPair(certFile, keyFile)
	} else {
		cert, err = selfSigned()
		if err == nil {
			sum := sha256.Sum256(cert.Certificate[0])
			log.Info("using a self-signed certificate: the browser will warn about it", "sha256", hex.EncodeToString(sum[:]))
		}
	}
	if err != nil {
		return err
	}

	srv := core.NewServer(core.Options{ServeClient: dir, Logger: log})
	srv.On("whoami", func(s *core.Socket) map[string]any {
		return map[string]any{"secure": s.Handshake().Secure, "address": s.Handshake().Address}
	})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		// Browsers should only ever come back over HTTPS.
		w.Header().Set("Strict-Transport-Security", "max-age=300")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           stdsio.Middleware(srv)(mux),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	}
	served := make(chan error, 1)
	go func() { served <- hs.ServeTLS(ln, "", "") }()
	log.Info("TLS example is running", "url", "https://"+ln.Addr().String()+"/")

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal ends the program at once
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(sctx), hs.Shutdown(sctx))
}

// selfSigned returns a certificate for 127.0.0.1, ::1 and localhost, valid
// for a day, with a new P-256 key.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "sio TLS example"},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(24 * time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
