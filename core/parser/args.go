package parser

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/vmihailenco/msgpack/v5"
)

// Args is the lazily decoded payload of a [Packet]: each element is kept in
// its wire form until it is asked for. The zero Args is empty. Args values
// are read-only and safe for concurrent reads.
//
// An Args encodes as the array of its elements: to JSON with
// encoding/json (binary data as base64 strings), and, nested in a value
// that a [Codec] encodes, with binary data kept binary, as the client
// sent it.
type Args struct {
	src argSource
}

// argSource is the codec-specific storage behind Args. Indexes are checked
// by Args before they reach it.
type argSource interface {
	argLen() int
	argRaw(i int) []byte
	argDecode(i int, v any) error
	argValue(i int) (any, error)
	argJSON(i int) ([]byte, error)
	// argBinary reports whether element i holds binary data (or values
	// JSON does not carry, such as msgpack's Date).
	argBinary(i int) bool
	// argExact decodes element i like argValue, integers as int64 or
	// uint64 (json.Number beyond 64 bits).
	argExact(i int) (any, error)
}

// Len returns the number of elements.
func (a Args) Len() int {
	if a.src == nil {
		return 0
	}
	return a.src.argLen()
}

// Raw returns element i exactly as received, in the codec's encoding: JSON
// text (with its {"_placeholder":true,"num":N} objects, key order and
// spacing untouched) for the JSON codec, MessagePack bytes for msgpack.
// It returns nil when i is out of range. The bytes must not be modified.
func (a Args) Raw(i int) []byte {
	if i < 0 || i >= a.Len() {
		return nil
	}
	return a.src.argRaw(i)
}

// Decode decodes element i into v, which must be a non-nil pointer.
//
//   - *[]byte receives a binary value (attachment or msgpack bin) at the
//     top level; []byte fields and elements receive binary values at any
//     depth. The bytes may be shared with the packet: do not modify them.
//   - *any (and *[]any, *map[string]any) receives the encoding/json types
//     (float64, string, bool, nil, []any, map[string]any) with []byte for
//     binary values, for both codecs.
//   - Other types are decoded by encoding/json (JSON codec) or by msgpack
//     using the json struct tags (msgpack codec). Binary values met by
//     non-[]byte targets decode as their base64 string with the JSON codec.
//   - A type implementing json.Unmarshaler (json.RawMessage included)
//     always receives JSON, also from the msgpack codec.
//
// It returns an error wrapping ErrNoArgument when i is out of range.
func (a Args) Decode(i int, v any) error {
	if i < 0 || i >= a.Len() {
		return fmt.Errorf("%w: index %d of %d", ErrNoArgument, i, a.Len())
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &json.InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	if err := a.src.argDecode(i, v); err != nil {
		return fmt.Errorf("sio/parser: argument %d: %w", i, err)
	}
	return nil
}

// Value decodes element i into the encoding/json types, with []byte for
// binary values (like Decode into *any).
func (a Args) Value(i int) (any, error) {
	if i < 0 || i >= a.Len() {
		return nil, fmt.Errorf("%w: index %d of %d", ErrNoArgument, i, a.Len())
	}
	v, err := a.src.argValue(i)
	if err != nil {
		return nil, fmt.Errorf("sio/parser: argument %d: %w", i, err)
	}
	return v, nil
}

// Values returns every element in a form that [Codec.Encode] writes back
// as it was received (see Passthrough): nothing is rounded (integers
// beyond 2^53 stay exact) and object keys keep their order. It is the way
// to forward arguments; Value decodes one for inspection.
func (a Args) Values() ([]any, error) {
	n := a.Len()
	out := make([]any, n)
	for i := range n {
		v, err := a.Passthrough(i)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// JSON returns element i as self-contained JSON, whatever the codec: the
// raw text when it holds no binary data, otherwise a re-encoding in which
// binary values are base64 strings (as encoding/json writes []byte).
func (a Args) JSON(i int) (json.RawMessage, error) {
	if i < 0 || i >= a.Len() {
		return nil, fmt.Errorf("%w: index %d of %d", ErrNoArgument, i, a.Len())
	}
	b, err := a.src.argJSON(i)
	if err != nil {
		return nil, fmt.Errorf("sio/parser: argument %d: %w", i, err)
	}
	return b, nil
}

// Passthrough returns element i in a form [Codec.Encode] writes back as it
// was received, for forwarding arguments (catch-all handlers, relays):
// a json.RawMessage of its JSON when it holds no binary data (the raw text
// with the JSON codec), else its decoded value with []byte for binary data
// (time.Time and nil for msgpack's Date and undefined) and exact numbers
// (int64 or uint64 for integers, float64 for the others, json.Number
// beyond 64 bits); only the key order of objects holding binary data is
// lost.
func (a Args) Passthrough(i int) (any, error) {
	if i < 0 || i >= a.Len() {
		return nil, fmt.Errorf("%w: index %d of %d", ErrNoArgument, i, a.Len())
	}
	var v any
	var err error
	if a.src.argBinary(i) {
		v, err = a.src.argExact(i)
	} else {
		var b []byte
		b, err = a.src.argJSON(i)
		v = json.RawMessage(b)
	}
	if err != nil {
		return nil, fmt.Errorf("sio/parser: argument %d: %w", i, err)
	}
	return v, nil
}

// hasBinary reports whether an element holds binary data.
func (a Args) hasBinary() bool {
	for i := range a.Len() {
		if a.src.argBinary(i) {
			return true
		}
	}
	return false
}

// MarshalJSON encodes the elements as a JSON array, with JSON's rules for
// binary data (base64 strings); raw elements are kept byte for byte
// (encoding/json then compacts the spacing, as it does for every
// json.Marshaler).
func (a Args) MarshalJSON() ([]byte, error) {
	out := []byte{'['}
	for i := range a.Len() {
		if i > 0 {
			out = append(out, ',')
		}
		b, err := a.JSON(i)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return append(out, ']'), nil
}

// String returns the elements as JSON (see MarshalJSON).
func (a Args) String() string {
	b, err := a.MarshalJSON()
	if err != nil {
		return "Args(" + err.Error() + ")"
	}
	return string(b)
}

// EncodeMsgpack encodes the elements as a MessagePack array, binary data as
// bin (msgpack.CustomEncoder, for Args nested in values msgpack encodes).
func (a Args) EncodeMsgpack(enc *msgpack.Encoder) error {
	if err := enc.EncodeArrayLen(a.Len()); err != nil {
		return err
	}
	mp, raw := a.msgpackSource()
	for i := range a.Len() {
		if raw {
			if err := enc.Encode(msgpack.RawMessage(mp.argRaw(i))); err != nil {
				return err
			}
			continue
		}
		v, err := a.Passthrough(i)
		if err != nil {
			return err
		}
		if j, ok := v.(json.RawMessage); ok {
			b, _, err := jsonToMsgpack(nil, j, skipSpace(j, 0))
			if err != nil {
				return err
			}
			v = msgpack.RawMessage(b)
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}

// msgpackSource returns the source of a when its elements are stored as
// msgpack (read with argRaw, whatever the offset), and whether they are.
func (a Args) msgpackSource() (argSource, bool) {
	switch s := a.src.(type) {
	case *msgpackArgs:
		return s, true
	case offsetSource:
		if _, ok := s.src.(*msgpackArgs); ok {
			return s, true
		}
	}
	return nil, false
}
