package parser

import "strconv"

// PacketType is the Socket.IO packet type, the first character of a text
// packet and the "type" field of a msgpack packet.
type PacketType byte

// The Socket.IO v5 packet types.
const (
	Connect      PacketType = 0 // CONNECT: join a namespace (client) or accept it (server)
	Disconnect   PacketType = 1 // DISCONNECT: leave a namespace
	Event        PacketType = 2 // EVENT: an event with arguments
	Ack          PacketType = 3 // ACK: the arguments of an acknowledgement
	ConnectError PacketType = 4 // CONNECT_ERROR: the server refused the namespace
	BinaryEvent  PacketType = 5 // BINARY_EVENT: an EVENT with binary attachments (JSON codec only)
	BinaryAck    PacketType = 6 // BINARY_ACK: an ACK with binary attachments (JSON codec only)
)

var packetTypeNames = [...]string{
	"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK",
}

// String returns the protocol name of the type, such as "BINARY_EVENT".
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// Valid reports whether t is one of the seven protocol packet types.
func (t PacketType) Valid() bool { return t <= BinaryAck }

// MaxAckID is the largest acknowledgement id accepted and produced: the
// largest integer a JavaScript number represents exactly (2^53-1).
const MaxAckID = 1<<53 - 1

// Packet is a decoded Socket.IO packet.
//
// Decoders report BINARY_EVENT and BINARY_ACK packets, once their attachments
// have arrived, as [Event] and [Ack]: Type is one of Connect, Disconnect,
// Event, Ack and ConnectError.
type Packet struct {
	// Type is the packet type (never BinaryEvent or BinaryAck).
	Type PacketType
	// Namespace is the namespace, "/" when the packet names none.
	Namespace string
	// ID is the acknowledgement id when HasID is set.
	ID uint64
	// HasID reports whether the packet carries an acknowledgement id.
	HasID bool
	// Event is the event name of an Event packet (a numeric name is given in
	// its JavaScript string form, as Node.js would see it).
	Event string
	// Args holds the payload, decoded lazily:
	//   - Event: the arguments after the event name;
	//   - Ack: the acknowledgement arguments;
	//   - Connect: nothing, or one element: the auth object;
	//   - ConnectError: nothing, or one element: the error (an object
	//     {"message":..., "data":...} or, from old servers, a string);
	//   - Disconnect: nothing.
	Args Args
}

// Outgoing is a packet to encode with [Codec.Encode].
type Outgoing struct {
	// Type is the packet type. Event and Ack become BinaryEvent and
	// BinaryAck automatically when the JSON codec finds binary data;
	// BinaryEvent and BinaryAck are treated as Event and Ack.
	Type PacketType
	// Namespace is the namespace; "" means "/".
	Namespace string
	// ID is the acknowledgement id, written when HasID is set. It must not
	// exceed MaxAckID.
	ID uint64
	// HasID tells whether to write ID.
	HasID bool
	// Event is the event name of an Event packet.
	Event string
	// Args is the payload:
	//   - Event and Ack: the arguments, in order;
	//   - Connect and ConnectError: nothing, or one value written as the
	//     bare payload (e.g. map[string]any{"sid": sid} or
	//     map[string]any{"message": msg, "data": data});
	//   - Disconnect: must be empty.
	Args []any
}

// Message is one Engine.IO message: a text message, or a binary one when
// Binary is set.
type Message struct {
	// Data is the message payload. It must not be modified.
	Data []byte
	// Binary tells whether Data is sent as a binary message.
	Binary bool
	// Frame, when not nil, is one free byte followed by Data (Data is
	// Frame[1:]): the JSON codec reserves the byte so that a transport can
	// write its own type byte there (Engine.IO's "4") instead of copying
	// the payload after it. Only that byte may be written, once, before
	// the message is shared.
	Frame []byte
}

// Encoded is an encoded packet: the Engine.IO messages to send, in order
// (with the JSON codec, the text packet then one binary message per
// attachment; with msgpack, one binary message). It shares no memory with
// the encoded values and is never modified after Encode returns, so it may be
// sent to any number of connections concurrently. Callers must not modify it.
type Encoded []Message

// Limits bounds what a [Decoder] accepts. A zero field means the default;
// a negative field means no limit.
type Limits struct {
	// MaxAttachments is the largest number of binary attachments of one
	// packet. Default DefaultMaxAttachments (10, like socket.io-parser's
	// maxAttachments).
	MaxAttachments int
	// MaxEventNameLen is the longest event name, in bytes. Default
	// DefaultMaxEventNameLen.
	MaxEventNameLen int
	// MaxNamespaceLen is the longest namespace, in bytes. Default
	// DefaultMaxNamespaceLen.
	MaxNamespaceLen int
}

// Default limits (see [Limits]).
const (
	DefaultMaxAttachments  = 10
	DefaultMaxEventNameLen = 1024
	DefaultMaxNamespaceLen = 1024
)

// withDefaults returns l with zero fields replaced by the defaults and
// negative fields by "no limit".
func (l Limits) withDefaults() Limits {
	fix := func(v, def int) int {
		switch {
		case v == 0:
			return def
		case v < 0:
			return int(^uint(0) >> 1)
		}
		return v
	}
	return Limits{
		MaxAttachments:  fix(l.MaxAttachments, DefaultMaxAttachments),
		MaxEventNameLen: fix(l.MaxEventNameLen, DefaultMaxEventNameLen),
		MaxNamespaceLen: fix(l.MaxNamespaceLen, DefaultMaxNamespaceLen),
	}
}
