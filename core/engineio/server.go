package engineio

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/socketio-go/sio/core/internal/fanout"
)

// Server is an Engine.IO server. Create it with New; its methods are safe
// for concurrent use.
type Server struct {
	opts Options
	log  *slog.Logger

	// onConnection is set before serving starts and read without a lock.
	onConnection func(*Socket)

	// upgradeCheck is the period of the upgrade checks (a constant
	// outside tests).
	upgradeCheck time.Duration
	// closeGrace bounds the write of a close packet a transport has (a
	// constant outside tests).
	closeGrace time.Duration
	// originWarn rate-limits the warnings about refused origins.
	originWarn originWarnings
	// quota is the per-address state of Options.Quota; nil when off.
	quota *quotas
	// quotaWarn rate-limits the log lines of quota refusals, per address.
	quotaWarn originWarnings

	mu       sync.RWMutex // guards sessions and shutdown
	sessions map[string]*Socket
	shutdown bool
	live     sync.WaitGroup // one count per open session

	observers fanout.Set[Observer] // see Observe

	beats beats // the sessions' heartbeats
}

// New returns a Server configured by opts; zero fields take their defaults.
func New(opts Options) *Server {
	opts = opts.withDefaults()
	return &Server{
		opts:         opts,
		log:          opts.Logger,
		upgradeCheck: upgradeCheck,
		closeGrace:   closeGrace,
		sessions:     make(map[string]*Socket),
		quota:        newQuotas(opts.Quota),
	}
}

// Options returns the server's options with defaults applied.
func (s *Server) Options() Options { return s.opts }

// Path returns the URL path the server answers, with a trailing slash.
func (s *Server) Path() string { return s.opts.Path }

// OnConnection sets the function called for each new session, before any of
// its messages is read. It runs on the goroutine serving the handshake; set
// the session's OnMessage and OnClose callbacks there. Call OnConnection
// before the server receives requests.
func (s *Server) OnConnection(fn func(*Socket)) { s.onConnection = fn }

// Socket returns the open session with the given id, or nil.
func (s *Server) Socket(id string) *Socket {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sessions[id]
}

// Len returns the number of open sessions.
func (s *Server) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sessions)
}

// ErrServerClosed is returned for requests that arrive after Shutdown.
var ErrServerClosed = errors.New("engineio: server closed")

// Shutdown closes every session with reason "server shutting down" (each
// client receives a close packet), refuses new sessions, and waits until
// all sessions have closed or ctx is done. It returns as soon as every
// client has its close packet: websocket clients and polling clients with
// a long-poll pending get it at once; a polling client between two
// requests is waited for up to Options.ClosePollWait (2s by default). When
// ctx ends first, the remaining sessions are closed at once and ctx's
// error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutdown = true
	all := make([]*Socket, 0, len(s.sessions))
	for _, sock := range s.sessions {
		all = append(all, sock)
	}
	s.mu.Unlock()
	for _, sock := range all {
		sock.closeGracefully(ReasonServerShutdown)
	}
	done := make(chan struct{})
	go func() {
		s.live.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, sock := range all {
			sock.closeNow(ReasonServerShutdown, nil)
		}
		<-done
		return ctx.Err()
	}
}

// newID returns a fresh session id.
func (s *Server) newID(r *Request) (string, error) {
	if s.opts.GenerateID != nil {
		return s.opts.GenerateID(r)
	}
	var b [15]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// open registers a new session with the given id and runs the OnConnection
// callback. It fails when the server is shutting down.
func (s *Server) open(id string, r *Request, transport string, ws Conn) (*Socket, error) {
	sock := newSocket(s, id, r, transport)
	sock.ws, sock.wsBase64 = ws, ws != nil && r.Query.Get("b64") != ""
	sock.queue = append(sock.queue, s.openMessage(id, transport))
	if s.opts.InitialPacket != nil {
		sock.queue = append(sock.queue, TextMessage(s.opts.InitialPacket))
	}
	if q := s.quota; q != nil {
		sock.quotaKey = q.key(r)
		if !q.open(sock.quotaKey) {
			return nil, errTooManySessions
		}
		sock.quotaCounted = true
	}
	s.mu.Lock()
	err := error(nil)
	if s.shutdown {
		err = ErrServerClosed
	} else if _, dup := s.sessions[id]; dup {
		err = errors.New("engineio: duplicate session id")
	}
	if err != nil {
		s.mu.Unlock()
		if sock.quotaCounted {
			s.quota.closed(sock.quotaKey)
		}
		return nil, err
	}
	s.sessions[id] = sock
	s.live.Add(1)
	s.mu.Unlock()
	if s.debug() {
		s.log.Debug("engineio: session opened", "sid", id, "transport", transport, "remote", r.RemoteAddr)
	}
	sock.startHeartbeat()
	if o := s.observer(); o != nil && o.SessionOpened != nil {
		o.SessionOpened(sock, transport)
	}
	if fn := s.onConnection; fn != nil {
		sock.callback("OnConnection", func() { fn(sock) })
	}
	sock.holdRequest()
	return sock, nil
}

func (s *Server) remove(sock *Socket) {
	s.mu.Lock()
	_, ok := s.sessions[sock.id]
	if ok {
		delete(s.sessions, sock.id)
	}
	s.mu.Unlock()
	if ok {
		if sock.quotaCounted {
			s.quota.closed(sock.quotaKey)
		}
		s.live.Done()
	}
}

// handshake is the open packet's JSON, with the keys in the reference
// server's order.
type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`
}

// sessionCookie returns the Set-Cookie value for a new session, or "".
func (s *Server) sessionCookie(id string) string {
	c := s.opts.Cookie
	if c == nil {
		return ""
	}
	ck := http.Cookie{Name: c.Name, Value: id, Path: c.Path, Domain: c.Domain,
		MaxAge: c.MaxAge, Secure: c.Secure, HttpOnly: !c.AllowScripts, SameSite: c.SameSite}
	return ck.String()
}

func (s *Server) openMessage(id, transport string) *Message {
	upgrade := transport == TransportPolling && !s.opts.DisableUpgrades && s.opts.allows(TransportWebSocket)
	if !plainJSONString(id) {
		// An id from GenerateID that JSON escapes: encoding/json's form.
		upgrades := []string{}
		if upgrade {
			upgrades = append(upgrades, TransportWebSocket)
		}
		b, _ := json.Marshal(handshake{ // plain strings and numbers always marshal
			SID:          id,
			Upgrades:     upgrades,
			PingInterval: s.opts.PingInterval.Milliseconds(),
			PingTimeout:  s.opts.PingTimeout.Milliseconds(),
			MaxPayload:   s.opts.MaxHTTPBufferSize,
		})
		return controlMessage(packetOpen, b)
	}
	// The same bytes as encoding/json's, without its reflection: this
	// runs on the goroutine that becomes the session's reader, whose stack
	// stays as deep as the deepest call it has made.
	frame := make([]byte, 0, 110+len(id))
	frame = append(frame, byte(packetOpen))
	frame = append(frame, `{"sid":"`...)
	frame = append(frame, id...)
	frame = append(frame, `","upgrades":[`...)
	if upgrade {
		frame = append(frame, `"websocket"`...)
	}
	frame = append(frame, `],"pingInterval":`...)
	frame = strconv.AppendInt(frame, s.opts.PingInterval.Milliseconds(), 10)
	frame = append(frame, `,"pingTimeout":`...)
	frame = strconv.AppendInt(frame, s.opts.PingTimeout.Milliseconds(), 10)
	frame = append(frame, `,"maxPayload":`...)
	frame = strconv.AppendInt(frame, s.opts.MaxHTTPBufferSize, 10)
	frame = append(frame, '}')
	return &Message{typ: packetOpen, data: frame[1:], frame: frame}
}

// plainJSONString reports whether encoding/json writes s between quotes as
// it is: printable ASCII without the characters it escapes.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// refuse logs why a request is refused and builds the error answer.
func (s *Server) refuse(r *Request, code int, message, why string) *Response {
	s.log.Info("engineio: request refused", "code", code, "reason", why,
		"method", r.Method, "path", r.Path, "query", r.Query.Encode(), "remote", r.RemoteAddr)
	return s.refusal(r, code, message, why)
}

// refuseLogged builds the error answer for a failure already logged at
// info level (with the session's close), logging the refusal at debug level
// only: bad input makes one log line.
func (s *Server) refuseLogged(r *Request, code int, why string) *Response {
	if s.debug() {
		s.log.Debug("engineio: request refused", "code", code, "reason", why, "method", r.Method, "path", r.Path, "remote", r.RemoteAddr)
	}
	return s.refusal(r, code, "", why)
}

// refusal reports a refused request to the observers and builds its error
// answer; the caller has logged it.
func (s *Server) refusal(r *Request, code int, message, why string) *Response {
	s.reportRefused(r, code, message, why)
	h := http.Header{}
	s.corsHeaders(r, h)
	return errorResponse(code, message, h)
}

// reportRefused tells the observers (OnConnectionError) of a refused
// request.
func (s *Server) reportRefused(r *Request, code int, message, why string) {
	if o := s.observer(); o != nil && o.Refused != nil {
		o.Refused(&ConnectionError{Request: r, Code: code, Message: refusalMessage(code, message), Reason: why})
	}
}

// verify applies the checks shared by polling and websocket requests. It
// returns the target session for requests with a sid, or an error answer.
func (s *Server) verify(r *Request, transport string, upgrade bool) (*Socket, *Response) {
	if !s.opts.allows(transport) {
		return nil, s.refuse(r, CodeUnknownTransport, "", "transport "+strconv.Quote(transport)+" is not enabled")
	}
	if resp := s.checkOriginAnswer(r); resp != nil {
		return nil, resp
	}
	if sid := r.Query.Get("sid"); sid != "" {
		sock := s.Socket(sid)
		if sock == nil {
			return nil, s.refuse(r, CodeUnknownSID, "", "unknown session id")
		}
		cur := sock.Transport()
		if !upgrade && cur != transport {
			return nil, s.refuse(r, CodeBadRequest, "", "session uses transport "+cur)
		}
		if upgrade && s.opts.DisableUpgrades {
			return nil, s.refuse(r, CodeBadRequest, "", "upgrade not allowed")
		}
		// A websocket for a session already on websocket is accepted
		// and then closed with a close frame (Ticket.Serve), as the
		// reference server does.
		return sock, nil
	}
	if r.Method != http.MethodGet {
		return nil, s.refuse(r, CodeBadHandshakeMethod, "", "handshake with method "+r.Method)
	}
	if r.Query.Get("EIO") != "4" {
		return nil, s.refuse(r, CodeUnsupportedVersion, "", "EIO="+strconv.Quote(r.Query.Get("EIO")))
	}
	if s.quota != nil {
		// Before AllowRequest: a flood does not reach the application.
		if resp := s.checkQuota(r); resp != nil {
			return nil, resp
		}
	}
	if s.opts.AllowRequest != nil {
		if err := s.opts.AllowRequest(r); err != nil {
			return nil, s.refuse(r, CodeForbidden, err.Error(), "AllowRequest: "+err.Error())
		}
	}
	s.mu.RLock()
	down := s.shutdown
	s.mu.RUnlock()
	if down {
		return nil, s.refuse(r, CodeBadRequest, "", "server shutting down")
	}
	return nil, nil
}

// pollWindow bounds how long a long-poll GET waits for data. The server
// pings every PingInterval, so a live session always has data sooner;
// the bound matters for hosts that cannot report a client going away.
func (s *Server) pollWindow() time.Duration {
	return s.opts.PingInterval + s.opts.PingTimeout
}

// Engine returns s. It lets adapters accept an Engine.IO server and a
// Socket.IO server (which exposes its Engine.IO server) alike.
func (s *Server) Engine() *Server { return s }
