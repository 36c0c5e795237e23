package core

import (
	"errors"
	"fmt"

	"github.com/socketio-go/sio/core/parser"
)

// Errors returned by the server.
var (
	// ErrNotConnected is returned when emitting to or waiting on a socket
	// that has disconnected.
	ErrNotConnected = errors.New("sio: socket not connected")
	// ErrAckTimeout is returned when an acknowledgement does not arrive in
	// time. For a broadcast, the replies that did arrive are returned with
	// it.
	ErrAckTimeout = errors.New("sio: acknowledgement timed out")
	// ErrNoSocket is returned by sid-based methods for an unknown sid.
	ErrNoSocket = errors.New("sio: no such socket")
	// ErrBadHandler is the panic value of On and related registrations
	// given a function of an unsupported shape, or a reserved event name.
	ErrBadHandler = errors.New("sio: unsupported handler signature")
	// ErrHandlerPanic is the cause of the HandlerError of a handler that
	// panicked.
	ErrHandlerPanic = errors.New("sio: handler panicked")
	// ErrAckSent is returned by an Ack called more than once.
	ErrAckSent = errors.New("sio: acknowledgement already sent")
	// ErrReservedEvent is returned when emitting an event whose name the
	// protocol reserves (parser.ReservedEvents: connect, connect_error,
	// disconnect, disconnecting, newListener, removeListener), as Node.js
	// refuses them. A client sending one is closed with a parse error.
	ErrReservedEvent = errors.New("sio: reserved event name")
	// ErrAckBroadcast is returned by a broadcast Emit given an AckFunc:
	// a callback receives one acknowledgement, so it needs a single
	// recipient socket (To(sid)); a broadcast collects its
	// acknowledgements with EmitWithAck.
	ErrAckBroadcast = errors.New("sio: an acknowledgement callback needs a single recipient (To(sid)); use EmitWithAck to collect the acknowledgements of a broadcast")
)

// checkEvent returns an error wrapping ErrReservedEvent for a reserved
// event name.
func checkEvent(event string) error {
	if parser.IsReservedEvent(event) {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	return nil
}

// ConnectError refuses a connection: the client receives a CONNECT_ERROR
// packet {"message": Message, "data": Data}. Return one from a connect
// handler or a middleware; RefuseConnection builds it.
type ConnectError struct {
	// Message is the error's message (the client's err.message).
	Message string
	// Data is sent as the error's data (err.data); omitted when nil.
	Data any
}

// Error returns the message.
func (e *ConnectError) Error() string { return "sio: connection refused: " + e.Message }

// RefuseConnection returns a *ConnectError with the message and data the
// client receives: no data is sent for no argument, one argument is sent as
// is, several as an array (python-socketio's ConnectionRefusedError).
func RefuseConnection(message string, data ...any) error {
	e := &ConnectError{Message: message}
	switch len(data) {
	case 0:
	case 1:
		e.Data = data[0]
	default:
		e.Data = data
	}
	return e
}

// connectErrorPayload is the body of a CONNECT_ERROR for err.
func connectErrorPayload(err error) map[string]any {
	var ce *ConnectError
	if errors.As(err, &ce) {
		m := map[string]any{"message": ce.Message}
		if ce.Data != nil {
			m["data"] = ce.Data
		}
		return m
	}
	return map[string]any{"message": err.Error()}
}

// HandlerError is the acknowledgement a client receives when its event could
// not be handled: the arguments did not decode into the handler's parameter
// types, the handler returned an error, or it panicked. It is sent as a
// single argument {"error": Message}.
type HandlerError struct {
	// Event is the event name.
	Event string
	// Message is the text the client receives.
	Message string

	cause error
}

// Error returns a description of the failure.
func (e *HandlerError) Error() string {
	return fmt.Sprintf("sio: event %q: %s", e.Event, e.Message)
}

// Unwrap returns the cause: the decoding error of an argument, or an error
// matching errors.Is(err, ErrHandlerPanic) for a panic.
func (e *HandlerError) Unwrap() error { return e.cause }
