package main

// The server of a cluster node: a message box whose messages reach the
// clients of every server of the cluster.
//
//	client → server                 server → every client of the cluster
//	"message" text → ack {node}     "message" {node, text}
//	"servers" → ack count           (the servers of the cluster)
//	(connection)                    "welcome" {node, servers} to the new client

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

// MaxMessageLength bounds a message, in characters.
const MaxMessageLength = 1000

//go:embed static
var static embed.FS

// Message is what every client of the cluster receives.
type Message struct {
	// Node names the server (its address) or the emitter that sent it.
	Node string `json:"node"`
	// Text is the message typed.
	Text string `json:"text"`
}

// Welcome greets a new client.
type Welcome struct {
	// Node names the server the client is connected to.
	Node string `json:"node"`
	// Servers is the number of servers in the cluster.
	Servers int `json:"servers"`
}

// App is a node of the cluster: an http.Handler serving the Socket.IO
// endpoint, the browser client and the page.
type App struct {
	srv     *core.Server
	handler http.Handler
}

// newApp returns the node called name, linked to the others by m (nil: a
// server alone), serving the browser client from clientDir.
func newApp(name string, m core.ClientManager, clientDir string, log *slog.Logger) *App {
	srv := core.NewServer(core.Options{ClientManager: m, ServeClient: clientDir, Logger: log})
	srv.OnConnect(func(s *core.Socket) error {
		return s.Emit("welcome", Welcome{Node: name, Servers: srv.ServerCount(context.Background())})
	})
	srv.On("message", func(s *core.Socket, text string) (Message, error) {
		text = strings.TrimSpace(text)
		if text == "" || utf8.RuneCountInString(text) > MaxMessageLength {
			return Message{}, errors.New("a message has 1 to 1000 characters")
		}
		msg := Message{Node: name, Text: text}
		return msg, srv.Emit("message", msg) // to the clients of every server
	})
	srv.On("servers", func(ctx context.Context, s *core.Socket) int { return srv.ServerCount(ctx) })
	page, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded folder exists
	}
	return &App{srv: srv, handler: stdsio.Middleware(srv)(http.FileServerFS(page))}
}

// ServeHTTP implements http.Handler.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Shutdown disconnects the clients and stops the Socket.IO server.
func (a *App) Shutdown(ctx context.Context) error { return a.srv.Shutdown(ctx) }
