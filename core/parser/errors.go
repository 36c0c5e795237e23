package parser

import (
	"errors"
	"fmt"
)

// ErrInvalidPacket is wrapped by every error a [Decoder] returns for a
// malformed message: the connection should be closed with reason
// "parse error". The other decoding sentinels below wrap it, so
// errors.Is(err, ErrInvalidPacket) holds for all of them.
var ErrInvalidPacket = errors.New("sio/parser: invalid packet")

// Decoding errors; each wraps [ErrInvalidPacket] and is itself wrapped with
// detail.
var (
	// ErrInvalidType: unknown packet type (or 5/6 with msgpack).
	ErrInvalidType = fmt.Errorf("%w: invalid packet type", ErrInvalidPacket)
	// ErrInvalidAttachments: bad attachment count or a placeholder that does
	// not name a received attachment.
	ErrInvalidAttachments = fmt.Errorf("%w: illegal attachments", ErrInvalidPacket)
	// ErrTooManyAttachments: more attachments than Limits.MaxAttachments.
	ErrTooManyAttachments = fmt.Errorf("%w: too many attachments", ErrInvalidPacket)
	// ErrInvalidNamespace: the namespace is not a string starting with '/'.
	ErrInvalidNamespace = fmt.Errorf("%w: invalid namespace", ErrInvalidPacket)
	// ErrNamespaceTooLong: the namespace is longer than Limits.MaxNamespaceLen.
	ErrNamespaceTooLong = fmt.Errorf("%w: namespace too long", ErrInvalidPacket)
	// ErrInvalidAckID: the ack id is not an integer in [0, MaxAckID].
	ErrInvalidAckID = fmt.Errorf("%w: invalid ack id", ErrInvalidPacket)
	// ErrInvalidPayload: the data is not valid JSON/msgpack or does not have
	// the shape its packet type requires.
	ErrInvalidPayload = fmt.Errorf("%w: invalid payload", ErrInvalidPacket)
	// ErrInvalidEventName: the event name is missing or not a string.
	ErrInvalidEventName = fmt.Errorf("%w: invalid event name", ErrInvalidPacket)
	// ErrReservedEventName: the event name is one of ReservedEvents.
	ErrReservedEventName = fmt.Errorf("%w: reserved event name", ErrInvalidPacket)
	// ErrEventNameTooLong: the event name is longer than Limits.MaxEventNameLen.
	ErrEventNameTooLong = fmt.Errorf("%w: event name too long", ErrInvalidPacket)
	// ErrUnexpectedBinary: a binary message arrived while no attachment was
	// expected (or a text message reached the msgpack decoder).
	ErrUnexpectedBinary = fmt.Errorf("%w: unexpected binary message", ErrInvalidPacket)
	// ErrUnexpectedText: a text message arrived while attachments were
	// expected (or the msgpack decoder got a text message).
	ErrUnexpectedText = fmt.Errorf("%w: unexpected text message", ErrInvalidPacket)
)

// ErrNoArgument is returned by [Args.Decode] and the other Args methods for
// an index outside [0, Len()).
var ErrNoArgument = errors.New("sio/parser: no such argument")

// ErrEncode is wrapped by every error [Codec.Encode] returns: an invalid
// packet (bad type, namespace, ack id or payload shape) or a value that
// cannot be encoded (channel, function, NaN, cycle...).
var ErrEncode = errors.New("sio/parser: cannot encode packet")

func errorf(sentinel error, format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, a...)...)
}
