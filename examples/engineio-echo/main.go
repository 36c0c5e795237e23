// Command engineio-echo is a bare Engine.IO server that sends every message
// back unchanged: text stays text, binary stays binary.
//
//	go run ./examples/engineio-echo -addr 127.0.0.1:8080
//
// Any Engine.IO v4 client can connect to http://127.0.0.1:8080/engine.io/.
package main

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/stdsio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	srv := newServer(log)
	hs := &http.Server{Addr: *addr, Handler: stdsio.Handler(srv), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt)
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = hs.Shutdown(ctx)
	}()
	log.Info("engine.io echo server", "url", "http://"+*addr+srv.Path())
	if err := hs.ListenAndServe(); err != http.ErrServerClosed {
		log.Error("listen", "err", err)
		os.Exit(1)
	}
}

// newServer returns the echo server.
func newServer(log *slog.Logger) *engineio.Server {
	srv := engineio.New(engineio.Options{
		CORS:   engineio.CORSOptions{AllowedOrigins: []string{"*"}},
		Logger: log,
	})
	srv.OnConnection(func(s *engineio.Socket) {
		log.Info("connected", "sid", s.ID(), "transport", s.Transport())
		s.OnMessage(func(data []byte, binary bool) { _ = s.SendMessage(data, binary) })
		s.OnClose(func(reason engineio.CloseReason, err error) {
			log.Info("closed", "sid", s.ID(), "reason", reason)
		})
	})
	return srv
}
