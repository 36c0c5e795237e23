package engineio

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
)

// packetType is the Engine.IO packet type, sent as one ASCII digit.
type packetType byte

const (
	packetOpen    packetType = '0'
	packetClose   packetType = '1'
	packetPing    packetType = '2'
	packetPong    packetType = '3'
	packetMessage packetType = '4'
	packetUpgrade packetType = '5'
	packetNoop    packetType = '6'
)

// recordSeparator separates packets in a polling payload.
const recordSeparator = 0x1e

// ErrInvalidPacket reports a packet or payload that does not follow the
// Engine.IO v4 encoding.
var ErrInvalidPacket = errors.New("engineio: invalid packet")

// Text that is not valid UTF-8: a websocket text frame, a polling payload.
var (
	errInvalidUTF8Frame   = fmt.Errorf("%w: text frame is not valid UTF-8", ErrInvalidPacket)
	errInvalidUTF8Payload = fmt.Errorf("%w: polling payload is not valid UTF-8", ErrInvalidPacket)
)

// packet is one decoded Engine.IO packet.
type packet struct {
	typ    packetType
	data   []byte
	binary bool
}

// decodePacket decodes a packet from a text frame or a polling record.
// Binary messages arrive either as raw websocket binary frames (see
// decodeBinaryFrame) or as "b"-prefixed base64 records in a polling payload.
// The returned data aliases b for text packets.
func decodePacket(b []byte) (packet, error) {
	if len(b) == 0 {
		return packet{}, fmt.Errorf("%w: empty", ErrInvalidPacket)
	}
	if b[0] == 'b' {
		data := make([]byte, base64.StdEncoding.DecodedLen(len(b)-1))
		n, err := base64.StdEncoding.Decode(data, b[1:])
		if err != nil {
			return packet{}, fmt.Errorf("%w: bad base64: %v", ErrInvalidPacket, err)
		}
		return packet{typ: packetMessage, data: data[:n], binary: true}, nil
	}
	t := packetType(b[0])
	if t < packetOpen || t > packetNoop {
		return packet{}, fmt.Errorf("%w: unknown type %q", ErrInvalidPacket, b[0])
	}
	return packet{typ: t, data: b[1:]}, nil
}

// decodePayload splits a polling payload into packets, in order.
func decodePayload(b []byte, fn func(packet) error) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: empty payload", ErrInvalidPacket)
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, recordSeparator)
		rec := b
		if i >= 0 {
			rec, b = b[:i], b[i+1:]
			if len(b) == 0 {
				return fmt.Errorf("%w: trailing separator", ErrInvalidPacket)
			}
		} else {
			b = nil
		}
		p, err := decodePacket(rec)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// appendPollRecord appends the polling encoding of m to dst.
func appendPollRecord(dst []byte, m *Message) []byte {
	if m.binary {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, m.data)
	}
	return append(dst, m.frame...)
}
