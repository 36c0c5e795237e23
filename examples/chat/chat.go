// The chat's server side: a Socket.IO server with the chat's event
// handlers, served on net/http with the page and the browser client.
//
// The events follow the chat demo of the Node.js reference server:
//
//	client → server                    server → other clients
//	"add user"    name  → ack {username, numUsers} | {error}
//	                                   "user joined" {username, numUsers}
//	"new message" text  → ack {time} | {error}
//	                                   "new message" {username, message, time}
//	"typing", "stop typing"            "typing" / "stop typing" {username}
//	(disconnect)                       "user left" {username, numUsers}
//
// Only sockets that have chosen a nickname are in the chat room and receive
// its messages.
package main

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/stdsio"
)

// Limits on what users send.
const (
	MaxNameLength    = 24   // characters of a nickname
	MaxMessageLength = 1000 // characters of a message
)

// room holds the sockets that have joined the chat with a nickname.
const room = "chat"

//go:embed static
var static embed.FS

// App is the chat: an http.Handler serving the Socket.IO endpoint
// (/socket.io/), the browser client (/socket.io/socket.io.min.js) and the
// page (/).
type App struct {
	srv     *core.Server
	handler http.Handler
	log     *slog.Logger
	users   atomic.Int64 // sockets in the chat room
}

// Joined is the acknowledgement of "add user".
type Joined struct {
	// Username is the name the user joined with.
	Username string `json:"username"`
	// NumUsers is the number of users in the chat, this one included.
	NumUsers int64 `json:"numUsers"`
}

// Presence is the payload of "user joined" and "user left".
type Presence struct {
	// Username is the user who joined or left.
	Username string `json:"username"`
	// NumUsers is the number of users in the chat now.
	NumUsers int64 `json:"numUsers"`
}

// Message is the payload of "new message" sent to the other users.
type Message struct {
	// Username is the sender.
	Username string `json:"username"`
	// Message is the text typed.
	Message string `json:"message"`
	// Time is when the server received it, in Unix milliseconds.
	Time int64 `json:"time"`
}

// Sent is the acknowledgement of "new message".
type Sent struct {
	// Time is when the server received the message, in Unix
	// milliseconds.
	Time int64 `json:"time"`
}

// Typing is the payload of "typing" and "stop typing".
type Typing struct {
	// Username is the user typing or no longer typing.
	Username string `json:"username"`
}

// newApp returns the chat, serving the browser client from clientDir (an
// npm install of socket.io-client) and logging to log.
func newApp(clientDir string, log *slog.Logger) *App {
	a := &App{
		// The page is served by the same origin, which the server accepts
		// by default: no CORS configuration is needed.
		srv: core.NewServer(core.Options{ServeClient: clientDir, Logger: log}),
		log: log,
	}
	a.srv.OnConnect(func(s *core.Socket) error {
		a.log.Info("connected", "sid", s.ID(), "transport", s.Transport(), "address", s.Handshake().Address)
		return nil
	})
	a.srv.OnDisconnect(a.disconnected)
	a.srv.On("add user", a.addUser)
	a.srv.On("new message", a.newMessage)
	a.srv.On("typing", func(s *core.Socket) { a.typing(s, "typing") })
	a.srv.On("stop typing", func(s *core.Socket) { a.typing(s, "stop typing") })

	page, _ := fs.Sub(static, "static") // cannot fail: "static" is embedded
	a.handler = stdsio.Middleware(a.srv)(http.FileServerFS(page))
	return a
}

// ServeHTTP serves the chat.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Shutdown disconnects every client and waits for the server's handlers,
// or until ctx is done.
func (a *App) Shutdown(ctx context.Context) error { return a.srv.Shutdown(ctx) }

// addUser handles "add user": the socket joins the chat with a nickname.
func (a *App) addUser(s *core.Socket, name string) (Joined, error) {
	name, err := cleanName(name)
	if err != nil {
		return Joined{}, err
	}
	if username(s) != "" {
		return Joined{}, errors.New("you have already joined")
	}
	s.SaveSession(map[string]any{"username": name})
	s.Join(room)
	n := a.users.Add(1)
	a.log.Info("user joined", "sid", s.ID(), "username", name, "users", n)
	_ = s.To(room).Emit("user joined", Presence{Username: name, NumUsers: n})
	return Joined{Username: name, NumUsers: n}, nil
}

// newMessage handles "new message": the text goes to every other user; the
// acknowledgement tells the sender it was delivered to the server.
func (a *App) newMessage(s *core.Socket, text string) (Sent, error) {
	name := username(s)
	if name == "" {
		return Sent{}, errors.New("choose a nickname first")
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return Sent{}, errors.New("the message is empty")
	case utf8.RuneCountInString(text) > MaxMessageLength:
		return Sent{}, errors.New("the message is too long")
	}
	msg := Message{Username: name, Message: text, Time: time.Now().UnixMilli()}
	if err := s.To(room).Emit("new message", msg); err != nil {
		return Sent{}, err
	}
	a.log.Debug("message", "sid", s.ID(), "username", name, "length", len(text))
	return Sent{Time: msg.Time}, nil
}

// typing relays "typing" and "stop typing" to the other users.
func (a *App) typing(s *core.Socket, event string) {
	if name := username(s); name != "" {
		_ = s.To(room).Emit(event, Typing{Username: name})
	}
}

// disconnected tells the others that a user has left. The socket has
// already left its rooms; its session is still readable.
func (a *App) disconnected(s *core.Socket, reason core.DisconnectReason) {
	a.log.Info("disconnected", "sid", s.ID(), "reason", reason.String())
	name := username(s)
	if name == "" {
		return
	}
	n := a.users.Add(-1)
	a.log.Info("user left", "sid", s.ID(), "username", name, "users", n)
	_ = a.srv.To(room).Emit("user left", Presence{Username: name, NumUsers: n})
}

// username returns the socket's nickname, "" before "add user".
func username(s *core.Socket) string {
	name, _ := s.Session()["username"].(string)
	return name
}

// cleanName returns name without control characters and surrounding
// spaces, or an error when nothing is left or it is too long.
func cleanName(name string) (string, error) {
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name))
	switch {
	case name == "":
		return "", errors.New("choose a nickname")
	case utf8.RuneCountInString(name) > MaxNameLength:
		return "", errors.New("that nickname is too long")
	}
	return name, nil
}
