package parser

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// Args is the lazily decoded payload of a [Packet]: each element is kept in
// its wire form until it is asked for. The zero Args is empty. Args values
// are read-only and safe for concurrent reads.
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

// Values decodes every element with Value.
func (a Args) Values() ([]any, error) {
	n := a.Len()
	out := make([]any, n)
	for i := range n {
		v, err := a.Value(i)
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
// was received, for forwarding arguments (catch-all handlers, relays): the
// raw JSON as a json.RawMessage when the element holds no binary data
// (JSON codec), the decoded value (Value) otherwise.
func (a Args) Passthrough(i int) (any, error) {
	if i < 0 || i >= a.Len() {
		return nil, fmt.Errorf("%w: index %d of %d", ErrNoArgument, i, a.Len())
	}
	if p, ok := a.src.(passthrougher); ok {
		if raw, ok := p.argPassthrough(i); ok {
			return raw, nil
		}
	}
	return a.Value(i)
}

// passthrougher is implemented by sources that can hand out raw JSON.
type passthrougher interface {
	argPassthrough(i int) (json.RawMessage, bool)
}
