package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/socketio-go/sio/core/engineio"
	"github.com/socketio-go/sio/stdsio"
)

// The interop suite for Engine.IO: the official engine.io-client from npm,
// driven by Node's test runner (compat/engineio/*.test.mjs), against two sio
// echo servers on one test HTTP server:
//
//	/engine.io/  normal heartbeat (pings every second, generous timeout)
//	/heartbeat/  short heartbeat, for the ping-timeout tests
//	/small/      normal heartbeat, MaxHTTPBufferSize of 1000 bytes
//	/control/    server-side facts for the node tests (see controlHandler)
//
// Run it with: go test ./compat/ -run Engine -v
const (
	echoPath      = "/engine.io/"
	heartbeatPath = "/heartbeat/"
	smallPath     = "/small/"

	// The echo server pings often enough that heartbeats happen during the
	// tests, with a timeout loose enough for a loaded machine.
	echoPingInterval = 1 * time.Second
	echoPingTimeout  = 5 * time.Second

	// The heartbeat server's settings; a client that stops answering pings
	// is closed after about hbPingInterval+hbPingTimeout.
	hbPingInterval = 300 * time.Millisecond
	hbPingTimeout  = 300 * time.Millisecond

	// closeMe is the text message after which the echo server closes the
	// session.
	closeMe = "close-me"

	// controlWait bounds how long the control endpoint waits for a session
	// to close.
	controlWait = 15 * time.Second
)

func TestEngineIOClient(t *testing.T) {
	node := requireNode(t)

	logWriter := &testLogWriter{t: t}
	t.Cleanup(logWriter.stop) // runs after the servers' shutdown below
	logger := slog.New(slog.NewTextHandler(logWriter, &slog.HandlerOptions{Level: slog.LevelInfo}))
	sessions := newSessionLog()
	echoSrv := newEchoServer(sessions, engineio.Options{
		Path:         echoPath,
		PingInterval: echoPingInterval,
		PingTimeout:  echoPingTimeout,
		CORS:         engineio.CORSOptions{AllowedOrigins: []string{"*"}},
		Logger:       logger.With("server", "echo"),
	})
	hbSrv := newEchoServer(sessions, engineio.Options{
		Path:         heartbeatPath,
		PingInterval: hbPingInterval,
		PingTimeout:  hbPingTimeout,
		CORS:         engineio.CORSOptions{AllowedOrigins: []string{"*"}},
		Logger:       logger.With("server", "heartbeat"),
	})

	smallSrv := newEchoServer(sessions, engineio.Options{
		Path:              smallPath,
		PingInterval:      echoPingInterval,
		PingTimeout:       echoPingTimeout,
		MaxHTTPBufferSize: 1000,
		CORS:              engineio.CORSOptions{AllowedOrigins: []string{"*"}},
		Logger:            logger.With("server", "small"),
	})

	stopControl := make(chan struct{})
	control := http.NewServeMux()
	control.Handle("GET /control/closed", controlHandler(sessions, stopControl))
	// The Engine.IO servers are mounted as middleware: each passes every
	// other path on, down to the control endpoint.
	handler := stdsio.Middleware(echoSrv)(stdsio.Middleware(hbSrv)(stdsio.Middleware(smallSrv)(control)))
	ts := httptest.NewServer(handler)

	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		close(stopControl)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := echoSrv.Shutdown(ctx); err != nil {
			t.Errorf("echo server shutdown: %v", err)
		}
		if err := hbSrv.Shutdown(ctx); err != nil {
			t.Errorf("heartbeat server shutdown: %v", err)
		}
		if err := smallSrv.Shutdown(ctx); err != nil {
			t.Errorf("small server shutdown: %v", err)
		}
		ts.Close()
	}
	t.Cleanup(stop)

	runNodeTests(t, node, []string{
		"EIO_URL=" + ts.URL,
		"EIO_PATH=" + echoPath,
		"EIO_HB_PATH=" + heartbeatPath,
		"EIO_SMALL_PATH=" + smallPath,
	}, "engineio/")

	// Server-side facts once the clients are gone: every session the node
	// tests opened has been closed (they close their sockets, and the server
	// must notice), with a known reason.
	sessions.checkAllClosed(t, echoPingInterval+echoPingTimeout+5*time.Second)
	stop()
}

// newEchoServer returns an Engine.IO server that sends every message back
// unchanged and closes the session on the text message "close-me". It records
// each session in log.
func newEchoServer(log *sessionLog, opts engineio.Options) *engineio.Server {
	srv := engineio.New(opts)
	srv.OnConnection(func(s *engineio.Socket) {
		rec := log.connected(s.ID(), s.Transport())
		s.OnMessage(func(data []byte, binary bool) {
			if !binary && string(data) == closeMe {
				s.Close()
				return
			}
			if err := s.SendMessage(data, binary); err != nil {
				rec.sendFailed(err)
			}
		})
		s.OnClose(func(reason engineio.CloseReason, err error) {
			rec.closed(reason, err, s.Transport())
		})
	})
	return srv
}

// sessionLog records the sessions of the echo servers, by id.
type sessionLog struct {
	mu       sync.Mutex // guards sessions
	sessions map[string]*sessionRecord
}

func newSessionLog() *sessionLog {
	return &sessionLog{sessions: make(map[string]*sessionRecord)}
}

// get returns the record of sid, creating it (not yet connected) if needed: the
// control endpoint may ask about a session before the server reports it.
func (l *sessionLog) get(sid string) *sessionRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec, ok := l.sessions[sid]
	if !ok {
		rec = &sessionRecord{sid: sid, done: make(chan struct{})}
		l.sessions[sid] = rec
	}
	return rec
}

func (l *sessionLog) connected(sid, transport string) *sessionRecord {
	rec := l.get(sid)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.isConnected = true
	rec.opened = time.Now()
	rec.openTransport = transport
	return rec
}

// checkAllClosed fails t for every connected session that has not closed
// within wait, and logs how the sessions closed.
func (l *sessionLog) checkAllClosed(t *testing.T, wait time.Duration) {
	t.Helper()
	l.mu.Lock()
	var recs []*sessionRecord
	for _, rec := range l.sessions {
		recs = append(recs, rec)
	}
	l.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	reasons := map[string]int{}
	connected := 0
	for _, rec := range recs {
		rec.mu.Lock()
		isConnected := rec.isConnected
		rec.mu.Unlock()
		if !isConnected {
			continue
		}
		connected++
		select {
		case <-rec.done:
		case <-ctx.Done():
		}
		info, closed := rec.info()
		if !closed {
			t.Errorf("session %s (%s) is still open on the server after the node tests ended", rec.sid, rec.openTransport)
			continue
		}
		reasons[info.Reason]++
		if !knownReasons[engineio.CloseReason(info.Reason)] {
			t.Errorf("session %s closed with unknown reason %q", rec.sid, info.Reason)
		}
		if info.SendError != "" {
			// An echo may race a close the test asked for; worth a line.
			t.Logf("session %s: an echo failed: %s (closed: %s)", rec.sid, info.SendError, info.Reason)
		}
	}
	if connected == 0 {
		t.Errorf("the node tests opened no session")
	}
	var summary []string
	for r, n := range reasons {
		summary = append(summary, fmt.Sprintf("%s: %d", r, n))
	}
	sort.Strings(summary)
	t.Logf("%d sessions; close reasons: %v", connected, summary)
}

var knownReasons = map[engineio.CloseReason]bool{
	engineio.ReasonTransportClose: true,
	engineio.ReasonTransportError: true,
	engineio.ReasonPingTimeout:    true,
	engineio.ReasonForcedClose:    true,
	engineio.ReasonParseError:     true,
	engineio.ReasonServerShutdown: true,
}

// sessionRecord is what the harness knows about one session.
type sessionRecord struct {
	sid  string
	done chan struct{} // closed once the session has closed

	mu            sync.Mutex // guards the fields below
	isConnected   bool
	opened        time.Time
	openTransport string
	sendError     string
	closeInfo     closeInfo
	isClosed      bool
}

// closeInfo is the control endpoint's answer.
type closeInfo struct {
	SID       string `json:"sid"`
	Reason    string `json:"reason"`
	Error     string `json:"error"`
	Transport string `json:"transport"` // at close time
	AliveMs   int64  `json:"aliveMs"`   // from OnConnection to OnClose
	SendError string `json:"sendError,omitempty"`
}

func (r *sessionRecord) sendFailed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sendError == "" {
		r.sendError = err.Error()
	}
}

func (r *sessionRecord) closed(reason engineio.CloseReason, err error, transport string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.isClosed {
		return
	}
	r.isClosed = true
	r.closeInfo = closeInfo{
		SID:       r.sid,
		Reason:    string(reason),
		Transport: transport,
		AliveMs:   time.Since(r.opened).Milliseconds(),
	}
	if err != nil {
		r.closeInfo.Error = err.Error()
	}
	close(r.done)
}

func (r *sessionRecord) info() (closeInfo, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	info := r.closeInfo
	info.SendError = r.sendError
	return info, r.isClosed
}

// controlHandler serves GET /control/closed?sid=SID: it waits until the
// server has closed that session, then answers its closeInfo as JSON. It
// answers 504 when the session is still open after controlWait, and 503 when
// the harness is stopping.
func controlHandler(log *sessionLog, stop <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sid := r.URL.Query().Get("sid")
		if sid == "" {
			http.Error(w, "missing sid", http.StatusBadRequest)
			return
		}
		rec := log.get(sid)
		timer := time.NewTimer(controlWait)
		defer timer.Stop()
		select {
		case <-rec.done:
		case <-timer.C:
			http.Error(w, "session "+sid+" still open after "+controlWait.String(), http.StatusGatewayTimeout)
			return
		case <-stop:
			http.Error(w, "harness stopping", http.StatusServiceUnavailable)
			return
		case <-r.Context().Done():
			return
		}
		info, _ := rec.info()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(info)
	})
}

// testLogWriter writes the servers' log lines to the test log until the
// test has finished (a late line would otherwise panic).
type testLogWriter struct {
	t *testing.T

	mu   sync.Mutex // guards done
	done bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log("server: " + string(trimNewline(p)))
	}
	return len(p), nil
}

func (w *testLogWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
}

func trimNewline(p []byte) []byte {
	if n := len(p); n > 0 && p[n-1] == '\n' {
		return p[:n-1]
	}
	return p
}
