// Command middleware guards a namespace with a token: POST /login issues a
// signed token for a name, the page sends it in the auth payload of its
// connection to "/private", and the namespace middleware (Namespace.Use)
// verifies it before the connect handler runs. A missing, forged or
// expired token refuses the connection: the client's connect_error event
// receives the message and data of core.RefuseConnection.
//
//	go run ./examples/middleware   # then open http://127.0.0.1:8080
//
// The main namespace "/" stays open: middleware belongs to the namespace
// it is added to. The tokens are HMAC-SHA256 signatures with a key made
// at startup (a restart invalidates them), valid for an hour; a real
// application would verify its own session or JWT here in the same way.
//
// The page loads the browser client from the Socket.IO server
// (core.Options.ServeClient), installed with `npm ci` on first run (see
// client.go), or -client names your own install.
package main

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

//go:embed index.html
var page []byte

// tokenTTL is how long a token stays valid.
const tokenTTL = time.Hour

func main() {
	addr := flag.String("addr", cmp.Or(os.Getenv("ADDR"), "127.0.0.1:8080"), "listen address (default $ADDR, else 127.0.0.1:8080)")
	client := flag.String("client", "", "folder of an npm install of socket.io-client (default: installed on first run)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *client, log); err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
}

// User is what the middleware stores on an authenticated socket.
type User struct {
	// Name is the user the token belongs to.
	Name string `json:"name"`
}

func run(addr, client string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := clientDir(ctx, client, log)
	if err != nil {
		return err
	}
	signer := newSigner()

	srv := core.NewServer(core.Options{ServeClient: dir, Logger: log})
	private := srv.Of("/private")
	private.Use(func(s *core.Socket) error {
		var auth struct {
			Token string `json:"token"`
		}
		_ = s.Handshake().Auth.Decode(0, &auth) // no or bad payload: an empty token
		name, err := signer.verify(auth.Token, time.Now())
		if err != nil {
			log.Info("connection refused", "sid", s.ID(), "address", s.Handshake().Address, "err", err)
			return core.RefuseConnection("unauthorized", map[string]any{"reason": err.Error()})
		}
		s.SetData(User{Name: name}) // for the handlers (and FetchSockets)
		return nil
	})
	private.OnConnect(func(s *core.Socket) error {
		log.Info("connected to /private", "sid", s.ID(), "user", s.Data().(User).Name)
		return nil
	})
	private.On("whoami", func(s *core.Socket) string { return s.Data().(User).Name })

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// A real application checks a password here.
		name := strings.TrimSpace(r.PostFormValue("name"))
		if name == "" || utf8.RuneCountInString(name) > 24 || strings.Contains(name, ".") {
			http.Error(w, "a name of 1 to 24 characters, without dots", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"token": signer.sign(name, time.Now().Add(tokenTTL))})
	})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: stdsio.Middleware(srv)(mux), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	log.Info("middleware example is running", "url", "http://"+ln.Addr().String()+"/")

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

// signer issues and verifies tokens "name.expiry.signature" (base64url
// signature of "name.expiry" with HMAC-SHA256).
type signer struct{ key []byte }

func newSigner() signer {
	return signer{key: []byte(rand.Text())}
}

func (sg signer) mac(payload string) string {
	m := hmac.New(sha256.New, sg.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (sg signer) sign(name string, expires time.Time) string {
	payload := name + "." + strconv.FormatInt(expires.Unix(), 10)
	return payload + "." + sg.mac(payload)
}

// verify returns the token's name, or why it is refused.
func (sg signer) verify(token string, now time.Time) (string, error) {
	if token == "" {
		return "", errors.New("no token")
	}
	i := strings.LastIndexByte(token, '.')
	if i < 0 || !hmac.Equal([]byte(token[i+1:]), []byte(sg.mac(token[:i]))) {
		return "", errors.New("bad signature")
	}
	name, exp, _ := strings.Cut(token[:i], ".")
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.After(time.Unix(unix, 0)) {
		return "", errors.New("expired")
	}
	return name, nil
}
