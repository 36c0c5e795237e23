package engineio

import (
	"bytes"
	"unicode/utf8"
)

// Message is an outgoing Engine.IO message, encoded once. A Message is
// immutable after construction, so one value may be sent to many sessions
// (a broadcast) without copying or re-encoding: each transport writes the
// same bytes.
type Message struct {
	typ    packetType
	binary bool
	data   []byte // the payload, without the type byte
	frame  []byte // websocket frame: type byte + data for text, data for binary

	uncompressed bool // written without permessage-deflate
}

// TextMessage returns a text message carrying data. The caller must not
// modify data afterwards.
//
// Text frames and polling payloads carry UTF-8 (RFC 6455 section 8.1: a
// browser or the ws library fails the connection on a text frame that is
// not), so the server never sends invalid UTF-8: each run of invalid
// bytes in data is replaced by one U+FFFD (bytes.ToValidUTF8; encoding/json
// and the parser's JSON strings replace each invalid byte, and
// JavaScript's encoders each lone surrogate). The check
// runs once per message, however many sessions it is sent to; binary data
// belongs in BinaryMessage.
func TextMessage(data []byte) *Message {
	if !utf8.Valid(data) {
		data = bytes.ToValidUTF8(data, []byte(string(utf8.RuneError)))
	}
	return controlMessage(packetMessage, data)
}

// TextFrame is TextMessage for a payload that follows one free byte:
// frame[0] receives the Engine.IO message type and frame[1:] is the
// payload, so the payload is not copied. The caller must not modify frame
// afterwards.
func TextFrame(frame []byte) *Message {
	if len(frame) == 0 {
		return TextMessage(nil)
	}
	if !utf8.Valid(frame[1:]) {
		return TextMessage(frame[1:])
	}
	frame[0] = byte(packetMessage)
	return &Message{typ: packetMessage, data: frame[1:], frame: frame}
}

// BinaryMessage returns a binary message carrying data. The caller must not
// modify data afterwards.
func BinaryMessage(data []byte) *Message {
	return &Message{typ: packetMessage, binary: true, data: data, frame: data}
}

// NewMessage returns a binary message carrying data when binary is true,
// a text message otherwise: the pair Socket.OnMessage receives. The caller
// must not modify data afterwards.
func NewMessage(data []byte, binary bool) *Message {
	if binary {
		return BinaryMessage(data)
	}
	return TextMessage(data)
}

// Binary reports whether m is a binary message.
func (m *Message) Binary() bool { return m.binary }

// Data returns the payload of m. It must not be modified.
func (m *Message) Data() []byte { return m.data }

func controlMessage(t packetType, data []byte) *Message {
	frame := make([]byte, 1+len(data))
	frame[0] = byte(t)
	copy(frame[1:], data)
	return &Message{typ: t, data: frame[1:], frame: frame}
}

// Shared control messages; immutable.
var (
	msgPing      = controlMessage(packetPing, nil)
	msgPongProbe = controlMessage(packetPong, []byte("probe"))
	msgNoop      = controlMessage(packetNoop, nil)
	msgClose     = controlMessage(packetClose, nil)
)
