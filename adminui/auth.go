package adminui

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/socketio-go/sio/core"
)

// Credentials are a user name and a password, as the UI's login form sends
// them (the Socket.IO auth payload {username, password}).
type Credentials struct {
	// Username is the name typed in the login form.
	Username string `json:"username"`
	// Password is the password typed in the login form, in clear.
	Password string `json:"password"`
}

// Auth is how admin connections are authenticated; build it with NoAuth,
// Basic, Plain, AnyOf or Callback.
//
// Every method but NoAuth follows the Node.js package's session flow: a
// client whose auth payload carries a sessionId known to the Config.Store
// is accepted; else its credentials are checked and, when they pass, a new
// session id is saved and sent to it in a "session" event, which the UI
// keeps and presents on its next connection (a reloaded page). A refused
// client receives the connect error "invalid credentials", on which the UI
// opens its login form.
type Auth struct {
	none  bool
	check func(s *core.Socket, auth map[string]any) bool
}

// NoAuth accepts every admin connection. Use it only where the admin
// namespace cannot be reached by others.
func NoAuth() *Auth { return &Auth{none: true} }

// ErrBadHash is returned by Basic for a password hash that is not bcrypt.
var ErrBadHash = errors.New("adminui: the password must be a bcrypt hash ($2a$, $2b$ or $2y$)")

// Basic accepts the user username whose password matches passwordHash, a
// bcrypt hash ($2a$, $2b$ or $2y$, as htpasswd -B and the bcrypt libraries
// write them), as the Node.js package's basic auth does.
func Basic(username, passwordHash string) (*Auth, error) {
	hash := []byte(passwordHash)
	if _, err := bcrypt.Cost(hash); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadHash, err)
	}
	return &Auth{check: func(_ *core.Socket, auth map[string]any) bool {
		user, _ := auth["username"].(string)
		pass, _ := auth["password"].(string)
		if subtle.ConstantTimeCompare([]byte(user), []byte(username)) != 1 {
			return false
		}
		return bcrypt.CompareHashAndPassword(hash, []byte(pass)) == nil
	}}, nil
}

// Plain accepts the user username with the password password, compared in
// constant time (python-socketio's dict form).
func Plain(username, password string) *Auth { return AnyOf(Credentials{username, password}) }

// AnyOf accepts any of the listed logins (python-socketio's list form).
func AnyOf(logins ...Credentials) *Auth {
	return &Auth{check: func(_ *core.Socket, auth map[string]any) bool {
		user, _ := auth["username"].(string)
		pass, _ := auth["password"].(string)
		ok := 0
		for _, c := range logins {
			u := subtle.ConstantTimeCompare([]byte(user), []byte(c.Username))
			p := subtle.ConstantTimeCompare([]byte(pass), []byte(c.Password))
			ok |= u & p
		}
		return ok == 1
	}}
}

// Callback accepts the connections fn approves. fn receives the admin
// socket (its handshake headers, address and host values) and the auth
// payload the UI sent ({username, password}); it runs on the socket's
// handler queue and may block.
func Callback(fn func(s *core.Socket, auth map[string]any) bool) *Auth {
	return &Auth{check: fn}
}

// errInvalidCredentials is the refusal the UI recognises.
var errInvalidCredentials = core.RefuseConnection("invalid credentials")

// authenticate is the admin namespace middleware: it applies Config.Auth
// and the session flow.
func (a *Admin) authenticate(s *core.Socket) error {
	if a.cfg.Auth.none {
		return nil
	}
	var auth map[string]any
	_ = s.Handshake().Auth.Decode(0, &auth) // a payload that is not an object has no credentials
	ctx := s.Context()
	if id, _ := auth["sessionId"].(string); id != "" {
		ok, err := a.cfg.Store.Exists(ctx, id)
		if err != nil {
			a.log.Warn("adminui: session store lookup failed", "err", err)
		}
		if ok {
			return nil
		}
	}
	if !a.cfg.Auth.check(s, auth) {
		a.log.Info("adminui: admin connection refused: invalid credentials", "remote", s.Handshake().Address)
		return errInvalidCredentials
	}
	id := newSessionID()
	if err := a.cfg.Store.Save(ctx, id); err != nil {
		a.log.Warn("adminui: session store save failed", "err", err)
		return nil
	}
	// Sent once the client has joined (onAdminConnected): the UI listens
	// from its connect event on, and the client delivers the events that
	// came before it joined earlier than that.
	_ = s.UpdateSession(func(m map[string]any) error {
		m[sessionKey] = id
		return nil
	})
	return nil
}

// sessionKey holds, in an admin socket's session, the session id to send
// it once it has joined.
const sessionKey = "adminui.session"
