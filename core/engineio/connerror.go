package engineio

import "strconv"

// ConnectionError describes a request the server refused, as the
// reference server's "connection_error" event reports it: a handshake
// refused (an unknown transport, a bad method or protocol version, an
// origin not accepted, Options.AllowRequest's error), a request for an
// unknown session id, or a request that does not fit its session.
type ConnectionError struct {
	// Request is the refused request. Its Body may have been released.
	Request *Request
	// Code is the Engine.IO error code of the answer (CodeUnknownTransport
	// to CodeUnsupportedVersion).
	Code int
	// Message is the message of the answer's JSON body, as the client
	// receives it ("Session ID unknown", AllowRequest's error text, ...).
	Message string
	// Reason says why in more detail, as the server's log line does
	// ("unknown session id", "EIO=\"3\"", ...); the reference server's
	// err.context.
	Reason string
}

// Error returns the code, message and reason.
func (e *ConnectionError) Error() string {
	return "engineio: request refused: code " + strconv.Itoa(e.Code) + " (" + e.Message + "): " + e.Reason
}

// OnConnectionError calls fn for every request the server refuses (the
// reference server's io.engine.on("connection_error")), and returns a
// function that stops it. It is a thin wrapper that installs
// Observer{Refused: fn} (see Observe), so fn runs as an observer does: on
// the refused request's goroutine, after the refusal is logged and before
// the answer is written; it must not block, and a panic in it is logged.
func (s *Server) OnConnectionError(fn func(err *ConnectionError)) (remove func()) {
	return s.Observe(&Observer{Refused: fn})
}

// refusalMessage is the message of the answer to a refusal with code:
// message, or the code's own text when message is empty.
func refusalMessage(code int, message string) string {
	if message == "" && code >= 0 && code < len(codeMessages) {
		return codeMessages[code]
	}
	return message
}
