package engineio

import (
	"context"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"
)

// ServePoll answers an HTTP long-polling request (handshake, GET, POST or
// OPTIONS preflight). It blocks on the caller's goroutine: a GET waits until
// the session has data, the poll window ends, the session closes, or ctx is
// done. The adapter writes the returned Response with an explicit status.
func (s *Server) ServePoll(ctx context.Context, r *Request) *Response {
	if r.Method == http.MethodOptions {
		if resp := s.checkOriginAnswer(r); resp != nil {
			return resp
		}
		return s.preflight(r)
	}
	transport := r.Query.Get("transport")
	if transport == TransportWebSocket {
		if !s.opts.allows(transport) {
			return s.refuse(r, CodeUnknownTransport, "", "transport websocket is not enabled")
		}
		return s.refuse(r, CodeBadRequest, "", "websocket transport without an upgrade")
	}
	if transport != TransportPolling {
		return s.refuse(r, CodeUnknownTransport, "", "unknown transport "+transport)
	}
	sock, resp := s.verify(r, transport, false)
	if resp != nil {
		return resp
	}
	if sock == nil {
		return s.pollHandshake(ctx, r)
	}
	switch r.Method {
	case http.MethodGet:
		return s.answer(r, sock.servePollGet(ctx))
	case http.MethodPost:
		if r.BodyTooLarge {
			// As the reference server answers it: 413 with an empty
			// body. The pending GET gets a noop, not a close packet, so
			// the client learns of the failure from the 413 ("transport
			// error"), whichever answer it reads first.
			sock.closeNoopPoll(ReasonTransportError, ErrMessageTooLarge)
			h := http.Header{}
			s.corsHeaders(r, h)
			return &Response{Status: http.StatusRequestEntityTooLarge, Header: h}
		}
		return s.answer(r, sock.servePollPost(r.Body))
	default:
		return s.refuse(r, CodeBadRequest, "", "method "+r.Method+" on a polling session")
	}
}

// ErrMessageTooLarge reports a message or POST body over MaxHTTPBufferSize.
var ErrMessageTooLarge = errorString("engineio: message larger than MaxHTTPBufferSize")

type errorString string

func (e errorString) Error() string { return string(e) }

// pollResult is what a session answers a GET or POST with.
type pollResult struct {
	body   []byte
	code   int // an Engine.IO error code when >= 0
	why    string
	logged bool // the error is already logged (the session's close line)
}

func (s *Server) pollHandshake(ctx context.Context, r *Request) *Response {
	r.Body = nil
	id, err := s.newID(r)
	if err != nil {
		return s.refuse(r, CodeBadRequest, "", "GenerateID: "+err.Error())
	}
	sock, err := s.open(id, r, TransportPolling, nil)
	if err == errTooManySessions {
		return s.quotaRefusal(r, s.quota.key(r), MessageTooManySessions, 0)
	}
	if err != nil {
		return s.refuse(r, CodeBadRequest, "", err.Error())
	}
	res := sock.servePollGet(ctx)
	if res.code >= 0 {
		return s.refuse(r, res.code, "", res.why)
	}
	h := http.Header{}
	if ck := s.sessionCookie(id); ck != "" {
		h.Set("Set-Cookie", ck)
	}
	return s.answerWith(r, res, h, true)
}

// answer turns a pollResult into a Response with CORS headers, the
// application's headers and, when it pays, HTTP compression.
func (s *Server) answer(r *Request, res pollResult) *Response {
	if res.code >= 0 {
		if res.logged {
			return s.refuseLogged(r, res.code, res.why)
		}
		return s.refuse(r, res.code, "", res.why)
	}
	return s.answerWith(r, res, http.Header{}, false)
}

// answerWith is answer for a successful result, adding to h; initial
// marks the answer to a handshake.
func (s *Server) answerWith(r *Request, res pollResult, h http.Header, initial bool) *Response {
	s.addHeaders(h, r, initial)
	s.corsHeaders(r, h)
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	body := res.body
	if !s.opts.DisableHTTPCompression && len(body) >= s.opts.CompressionThreshold {
		if enc, out := compress(r.Header.Get("Accept-Encoding"), body); enc != "" {
			h.Set("Content-Encoding", enc)
			h.Add("Vary", "Accept-Encoding")
			body = out
		}
	}
	return &Response{Status: http.StatusOK, Header: h, Body: body}
}

// servePollGet answers a long-poll GET with the queued messages.
func (sock *Socket) servePollGet(ctx context.Context) pollResult {
	sock.mu.Lock()
	if sock.polling {
		sock.mu.Unlock()
		sock.log().Info("engineio: overlapping GET on a polling session")
		sock.closeNow(ReasonTransportError, errOverlap)
		return pollResult{code: CodeBadRequest, why: "overlapping GET"}
	}
	sock.polling = true
	var timer *time.Timer
	gone := false // the client went away while waiting
	for len(sock.queue) == 0 && sock.state != stateClosed && sock.transport == TransportPolling && !sock.releasePoll {
		sock.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(sock.srv.pollWindow())
			defer timer.Stop()
		}
		expired := false
		select {
		case <-sock.wake:
		case <-sock.done:
		case <-sock.upgraded:
		case <-timer.C:
			expired = true
		case <-ctx.Done():
			// Canceled: the client went away. A deadline (a host's
			// timeout middleware) only ends this poll.
			expired, gone = true, !errors.Is(ctx.Err(), context.DeadlineExceeded)
		}
		sock.mu.Lock()
		if expired {
			break
		}
	}
	sock.polling, sock.releasePoll = false, false
	if gone && sock.state != stateClosed && sock.transport == TransportPolling {
		// As the reference server does: a long-poll whose client went away
		// closes the session, rather than losing the messages it would
		// have been answered with.
		sock.mu.Unlock()
		sock.closeNow(ReasonTransportError, errPollGone)
		return pollResult{body: appendPollRecord(nil, msgClose), code: -1}
	}
	var msgs []*Message
	switch {
	case sock.state == stateClosed && sock.closeNoop:
		msgs = []*Message{msgNoop}
	case sock.state == stateClosed:
		msgs = []*Message{msgClose}
	case sock.transport != TransportPolling:
		// Upgraded before or while waiting: the queue now belongs to the
		// websocket, and so does any wake-up token this request consumed.
		// As in the reference server, polling requests are refused from
		// now on.
		sock.mu.Unlock()
		sock.signal()
		return pollResult{code: CodeBadRequest, why: "session upgraded to websocket"}
	case len(sock.queue) == 0:
		// Nothing to send (the poll window ended, or an upgrade check
		// releases this poll so the client can pause polling).
		msgs = []*Message{msgNoop}
	default:
		msgs = sock.takeQueue(make([]*Message, 0, len(sock.queue)))
		if n := len(msgs); n > 1 && msgs[n-1] == msgClose {
			// As the reference server does, the close packet of a
			// graceful close travels alone, in the next poll: a client
			// that defers handling messages (socket.io-client 4.7+ does)
			// would otherwise close before it sees the last ones (a
			// Socket.IO DISCONNECT would read as "transport close").
			msgs = msgs[:n-1]
			sock.queue = append(sock.queue, msgClose)
		}
	}
	finished := sock.state == stateClosing && len(sock.queue) == 0 && msgs[len(msgs)-1] == msgClose
	sock.mu.Unlock()

	n := 0
	for _, m := range msgs {
		n += len(m.frame) + 1
		if m.binary {
			n += len(m.data)/2 + 4
		}
	}
	body := make([]byte, 0, n)
	for i, m := range msgs {
		if i > 0 {
			body = append(body, recordSeparator)
		}
		body = appendPollRecord(body, m)
	}
	if finished {
		sock.finishClosing()
	}
	return pollResult{body: body, code: -1}
}

var (
	errOverlap  = errorString("engineio: overlapping request on a polling session")
	errPollGone = errorString("engineio: poll connection closed prematurely")
)

// servePollPost processes the packets of a POST body in order.
func (sock *Socket) servePollPost(body []byte) pollResult {
	sock.mu.Lock()
	if sock.posting {
		sock.mu.Unlock()
		sock.log().Info("engineio: overlapping POST on a polling session")
		sock.closeNow(ReasonTransportError, errOverlap)
		return pollResult{code: CodeBadRequest, why: "overlapping POST"}
	}
	sock.posting = true
	sock.mu.Unlock()
	var err error
	if !utf8.Valid(body) {
		// A polling payload is text, binary messages included (base64):
		// its text packets reach the application as UTF-8 strings, as
		// those of a websocket text frame do.
		err = errInvalidUTF8Payload
	} else {
		err = decodePayload(body, sock.handlePacket)
	}
	sock.mu.Lock()
	sock.posting = false
	sock.mu.Unlock()
	if err != nil && err != errStop {
		reason := packetErrorReason(err)
		sock.closeNow(reason, err) // logs the error
		return pollResult{code: CodeBadRequest, why: string(reason), logged: true}
	}
	return pollResult{body: []byte("ok"), code: -1}
}
