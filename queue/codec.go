package queue

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// Encoding is how a manager writes its cluster messages. Whatever the
// encoding, a manager reads both: a message whose first byte is '{' is
// JSON, any other is MessagePack (a MessagePack map never starts with
// that byte), as the Node.js adapters tell them apart.
type Encoding int

const (
	// EncodingMsgpack writes every message as one MessagePack map, binary
	// values as bin. It is the zero value, and what the Redis Streams
	// adapter publishes on pub/sub.
	EncodingMsgpack Encoding = iota
	// EncodingJSON writes JSON text, except a message whose data carries
	// binary values (or MessagePack extensions other than timestamps),
	// which is written in MessagePack: what the sharded Redis adapter
	// publishes, and what the Postgres adapter sends with NOTIFY (it moves
	// the MessagePack ones to its attachment table). Timestamps become
	// Date.toJSON text, NaN and infinities null, as JSON.stringify writes
	// them.
	EncodingJSON
)

// String returns "msgpack" or "json".
func (e Encoding) String() string {
	switch e {
	case EncodingMsgpack:
		return "msgpack"
	case EncodingJSON:
		return "json"
	}
	return "encoding " + strconv.Itoa(int(e))
}

// ErrInvalidMessage is wrapped by the errors of SplitMessage, JoinMessage
// and Transcode for input that is not a well-formed cluster message or
// value.
var ErrInvalidMessage = errors.New("sio/queue: invalid message")

// maxDepth bounds the nesting of the values the transcoders walk.
const maxDepth = 1000

// IsJSON reports whether msg, an encoded cluster message (or the data of
// one), is JSON rather than MessagePack: its first byte is '{'.
func IsJSON(msg []byte) bool { return len(msg) > 0 && msg[0] == '{' }

// Transcode returns v, a cluster message or the data of one (an object)
// encoded in JSON or MessagePack, in enc: for EncodingMsgpack always MessagePack; for
// EncodingJSON JSON unless v carries binary values, in which case it
// returns v in MessagePack (check with IsJSON). A JSON object
// {"type":"Buffer","data":[...]} (how JSON.stringify writes a Node.js
// Buffer) stays an object, as Node.js reads it.
func Transcode(v []byte, enc Encoding) ([]byte, error) {
	if IsJSON(v) {
		if enc == EncodingJSON {
			if !json.Valid(v) {
				return nil, fmt.Errorf("%w: malformed JSON", ErrInvalidMessage)
			}
			return v, nil
		}
		return jsonToMsgpack(v)
	}
	if !isMsgpackMap(v) {
		return nil, fmt.Errorf("%w: not a JSON object or MessagePack map", ErrInvalidMessage)
	}
	if enc != EncodingJSON {
		if err := checkMsgpack(v); err != nil {
			return nil, err
		}
		return v, nil
	}
	out, ok, err := msgpackToJSON(v)
	if err != nil {
		return nil, err
	}
	if !ok {
		return v, nil
	}
	return out, nil
}

// isMsgpackMap reports whether b starts with a MessagePack map header.
func isMsgpackMap(b []byte) bool {
	return len(b) > 0 && (msgpcode.IsFixedMap(b[0]) || b[0] == msgpcode.Map16 || b[0] == msgpcode.Map32)
}

// checkMsgpack checks that b is exactly one well-formed MessagePack value
// nested at most maxDepth deep, whose arrays and maps announce no more
// elements than the bytes that follow could hold (MessagePack decoders
// allocate what a header announces).
func checkMsgpack(b []byte) error {
	end, err := scanMsgpack(b)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidMessage, err)
	}
	if end != len(b) {
		return fmt.Errorf("%w: %d bytes after the value", ErrInvalidMessage, len(b)-end)
	}
	return nil
}

// scanMsgpack returns the end of the MessagePack value at the start of b.
func scanMsgpack(b []byte) (int, error) {
	pending := []uint64{1} // values still to read at each level
	i := 0
	for len(pending) > 0 {
		if pending[len(pending)-1] == 0 {
			pending = pending[:len(pending)-1]
			continue
		}
		pending[len(pending)-1]--
		if i >= len(b) {
			return 0, io.ErrUnexpectedEOF
		}
		c := b[i]
		i++
		var size uint64 // payload bytes after the header
		var elems uint64
		container := false
		uintN := func(n int) (uint64, error) {
			if len(b)-i < n {
				return 0, io.ErrUnexpectedEOF
			}
			var v uint64
			for k := range n {
				v = v<<8 | uint64(b[i+k])
			}
			i += n
			return v, nil
		}
		var err error
		switch {
		case c <= msgpcode.PosFixedNumHigh || c >= msgpcode.NegFixedNumLow,
			c == msgpcode.Nil, c == msgpcode.False, c == msgpcode.True:
		case msgpcode.IsFixedMap(c):
			elems, container = 2*uint64(c&msgpcode.FixedMapMask), true
		case msgpcode.IsFixedArray(c):
			elems, container = uint64(c&msgpcode.FixedArrayMask), true
		case msgpcode.IsFixedString(c):
			size = uint64(c & msgpcode.FixedStrMask)
		case c == msgpcode.Uint8 || c == msgpcode.Int8:
			size = 1
		case c == msgpcode.Uint16 || c == msgpcode.Int16:
			size = 2
		case c == msgpcode.Uint32 || c == msgpcode.Int32 || c == msgpcode.Float:
			size = 4
		case c == msgpcode.Uint64 || c == msgpcode.Int64 || c == msgpcode.Double:
			size = 8
		case c == msgpcode.Str8 || c == msgpcode.Bin8:
			size, err = uintN(1)
		case c == msgpcode.Str16 || c == msgpcode.Bin16:
			size, err = uintN(2)
		case c == msgpcode.Str32 || c == msgpcode.Bin32:
			size, err = uintN(4)
		case c == msgpcode.Array16:
			elems, err = uintN(2)
			container = true
		case c == msgpcode.Array32:
			elems, err = uintN(4)
			container = true
		case c == msgpcode.Map16:
			elems, err = uintN(2)
			elems, container = 2*elems, true
		case c == msgpcode.Map32:
			elems, err = uintN(4)
			elems, container = 2*elems, true
		case msgpcode.IsFixedExt(c):
			size = 1 + 1<<(c-msgpcode.FixExt1) // type, then 1, 2, 4, 8 or 16 bytes
		case c == msgpcode.Ext8:
			size, err = uintN(1)
			size++
		case c == msgpcode.Ext16:
			size, err = uintN(2)
			size++
		case c == msgpcode.Ext32:
			size, err = uintN(4)
			size++
		default:
			return 0, fmt.Errorf("invalid code %#x", c)
		}
		if err != nil {
			return 0, err
		}
		if container {
			if elems > uint64(len(b)-i) {
				return 0, fmt.Errorf("%d elements announced in %d bytes", elems, len(b)-i)
			}
			if len(pending) > maxDepth {
				return 0, errors.New("nested too deep")
			}
			pending = append(pending, elems)
			continue
		}
		if size > uint64(len(b)-i) {
			return 0, io.ErrUnexpectedEOF
		}
		i += int(size)
	}
	return i, nil
}

// decodeMessage decodes an encoded message, JSON or MessagePack.
func decodeMessage(b []byte) (inMessage, error) {
	var m inMessage
	if IsJSON(b) {
		var err error
		if b, err = jsonToMsgpack(b); err != nil {
			return m, err
		}
	} else if err := checkMsgpack(b); err != nil {
		return m, err
	}
	if err := unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%w: %v", ErrInvalidMessage, err)
	}
	return m, nil
}

// encodeMessage encodes m in enc.
func encodeMessage(m outMessage, enc Encoding) ([]byte, error) {
	b, err := marshal(m)
	if err != nil || enc != EncodingJSON {
		return b, err
	}
	if out, ok, err := msgpackToJSON(b); err != nil {
		return nil, err
	} else if ok {
		return out, nil
	}
	return b, nil
}

// Header is the envelope of a cluster message {uid, nsp, type, data}:
// what a Bus needs to route a message without decoding its data.
type Header struct {
	// UID is the sending server's uid ("emitter" for write-only
	// publishers).
	UID string
	// NSP is the namespace's name, with its leading slash.
	NSP string
	// Type is the message type.
	Type MessageType
	// RequestID is data.requestId, empty when the data has none (for
	// SplitMessage only: JoinMessage takes it from the data). A BROADCAST
	// with a requestId wants acknowledgements.
	RequestID string
}

// SplitMessage returns the envelope of msg and its data encoded alone in
// msg's encoding (JSON text or MessagePack), nil when msg has none, as the
// Redis Streams adapter stores a message in the fields of a stream entry.
// JoinMessage is its inverse.
func SplitMessage(msg []byte) (Header, []byte, error) {
	if IsJSON(msg) {
		var m struct {
			UID  string          `json:"uid"`
			NSP  string          `json:"nsp"`
			Type json.Number     `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(msg, &m); err != nil {
			return Header{}, nil, fmt.Errorf("%w: %v", ErrInvalidMessage, err)
		}
		t, err := strconv.Atoi(m.Type.String())
		if err != nil {
			return Header{}, nil, fmt.Errorf("%w: type %q", ErrInvalidMessage, m.Type)
		}
		h := Header{UID: m.UID, NSP: m.NSP, Type: MessageType(t)}
		if len(m.Data) == 0 || string(m.Data) == "null" {
			return h, nil, nil
		}
		if !IsJSON(m.Data) {
			return Header{}, nil, fmt.Errorf("%w: data is not an object", ErrInvalidMessage)
		}
		var d struct {
			RequestID any `json:"requestId"`
		}
		if json.Unmarshal(m.Data, &d) == nil {
			h.RequestID, _ = d.RequestID.(string)
		}
		return h, m.Data, nil
	}
	m, err := decodeMessage(msg)
	if err != nil {
		return Header{}, nil, err
	}
	h := Header{UID: m.UID, NSP: m.NSP, Type: m.Type}
	if len(m.Data) == 0 || (len(m.Data) == 1 && m.Data[0] == msgpcode.Nil) {
		return h, nil, nil
	}
	if !isMsgpackMap(m.Data) {
		return Header{}, nil, fmt.Errorf("%w: data is not a map", ErrInvalidMessage)
	}
	if raw, err := mapField(m.Data, "requestId"); err == nil {
		var id any
		if unmarshal(raw, &id) == nil {
			h.RequestID, _ = id.(string)
		}
	}
	return h, m.Data, nil
}

// JoinMessage returns the cluster message with h's uid, nsp and type and
// data (a JSON object or a MessagePack map, or nil for none), in data's
// encoding (MessagePack when data is nil). h.RequestID is not used.
func JoinMessage(h Header, data []byte) ([]byte, error) {
	if len(data) > 0 {
		if _, err := Transcode(data, EncodingMsgpack); err != nil {
			return nil, err
		}
	}
	if IsJSON(data) {
		out := append([]byte(`{"uid":`), appendJSONString(nil, h.UID)...)
		out = append(out, `,"nsp":`...)
		out = appendJSONString(out, h.NSP)
		out = append(out, `,"type":`...)
		out = strconv.AppendInt(out, int64(h.Type), 10)
		out = append(out, `,"data":`...)
		out = append(out, data...)
		return append(out, '}'), nil
	}
	return marshal(outMessage{UID: h.UID, NSP: h.NSP, Type: h.Type, Data: msgpack.RawMessage(data)})
}

// jsonToMsgpack transcodes one JSON value to MessagePack: integers that
// fit in 64 bits as integers, other numbers as float64, as notepack and
// @msgpack/msgpack encode a JavaScript value, and the members of each
// object in their order (JSON.parse keeps it).
func jsonToMsgpack(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeJSONOrdered(dec, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMessage, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON value", ErrInvalidMessage)
	}
	var buf bytes.Buffer
	buf.Grow(len(b))
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	if err := encodeJSONValue(enc, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// jsonMember is a member of a JSON object, in jsonObject's order.
type jsonMember struct {
	key   string
	value any
}

// jsonObject is a JSON object with its members in their order.
type jsonObject []jsonMember

// decodeJSONOrdered reads the next JSON value from dec: objects as
// jsonObject, arrays as []any, numbers as json.Number.
func decodeJSONOrdered(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		obj := jsonObject{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeJSONOrdered(dec, depth+1)
			if err != nil {
				return nil, err
			}
			obj = append(obj, jsonMember{key: k.(string), value: v}) // json.Decoder gives keys as strings
		}
		_, err = dec.Token() // '}'
		return obj, err
	case '[':
		arr := []any{}
		for dec.More() {
			v, err := decodeJSONOrdered(dec, depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err = dec.Token() // ']'
		return arr, err
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

func encodeJSONValue(enc *msgpack.Encoder, v any) error {
	switch v := v.(type) {
	case nil:
		return enc.EncodeNil()
	case bool:
		return enc.EncodeBool(v)
	case string:
		return enc.EncodeString(v)
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return enc.EncodeInt(i)
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("%w: number %s", ErrInvalidMessage, v)
		}
		return enc.EncodeFloat64(f)
	case []any:
		if err := enc.EncodeArrayLen(len(v)); err != nil {
			return err
		}
		for _, e := range v {
			if err := encodeJSONValue(enc, e); err != nil {
				return err
			}
		}
		return nil
	case jsonObject:
		if err := enc.EncodeMapLen(len(v)); err != nil {
			return err
		}
		for _, m := range v {
			if err := enc.EncodeString(m.key); err != nil {
				return err
			}
			if err := encodeJSONValue(enc, m.value); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%w: JSON value of type %T", ErrInvalidMessage, v)
}

// msgpackToJSON transcodes one MessagePack value to JSON as
// JSON.stringify writes the value notepack decodes it to. It returns
// false when the value holds binary (bin, or an extension other than the
// timestamp): it has no JSON form.
func msgpackToJSON(b []byte) ([]byte, bool, error) {
	if err := checkMsgpack(b); err != nil {
		return nil, false, err
	}
	r := bytes.NewReader(b)
	w := mpJSONWriter{dec: msgpack.NewDecoder(r), out: make([]byte, 0, len(b)+len(b)/4)}
	ok, err := w.value(0)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrInvalidMessage, err)
	}
	if !ok {
		return nil, false, nil
	}
	if r.Len() != 0 {
		return nil, false, fmt.Errorf("%w: %d bytes after the value", ErrInvalidMessage, r.Len())
	}
	return w.out, true, nil
}

type mpJSONWriter struct {
	dec *msgpack.Decoder
	out []byte
}

// value writes the next value; false means binary.
func (w *mpJSONWriter) value(depth int) (bool, error) {
	if depth > maxDepth {
		return false, errors.New("nested too deep")
	}
	c, err := w.dec.PeekCode()
	if err != nil {
		return false, err
	}
	switch {
	case msgpcode.IsBin(c):
		return false, nil
	case msgpcode.IsExt(c):
		raw, err := w.dec.DecodeRaw()
		if err != nil {
			return false, err
		}
		id, _, err := msgpack.NewDecoder(bytes.NewReader(raw)).DecodeExtHeader()
		if err != nil || id != -1 {
			return false, err
		}
		var t time.Time
		if err := msgpack.Unmarshal(raw, &t); err != nil {
			return false, err
		}
		w.out = appendJSONString(w.out, t.UTC().Format("2006-01-02T15:04:05.000Z"))
		return true, nil
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		n, err := w.dec.DecodeMapLen()
		if err != nil {
			return false, err
		}
		w.out = append(w.out, '{')
		for i := range n {
			if i > 0 {
				w.out = append(w.out, ',')
			}
			k, err := w.key()
			if err != nil {
				return false, err
			}
			w.out = appendJSONString(w.out, k)
			w.out = append(w.out, ':')
			if ok, err := w.value(depth + 1); !ok || err != nil {
				return ok, err
			}
		}
		w.out = append(w.out, '}')
		return true, nil
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		n, err := w.dec.DecodeArrayLen()
		if err != nil {
			return false, err
		}
		w.out = append(w.out, '[')
		for i := range n {
			if i > 0 {
				w.out = append(w.out, ',')
			}
			if ok, err := w.value(depth + 1); !ok || err != nil {
				return ok, err
			}
		}
		w.out = append(w.out, ']')
		return true, nil
	}
	v, err := w.dec.DecodeInterfaceLoose()
	if err != nil {
		return false, err
	}
	switch v := v.(type) {
	case nil:
		w.out = append(w.out, "null"...)
	case bool:
		w.out = strconv.AppendBool(w.out, v)
	case int64:
		w.out = strconv.AppendInt(w.out, v, 10)
	case uint64:
		w.out = strconv.AppendUint(w.out, v, 10)
	case float32:
		w.out = appendJSONNumber(w.out, float64(v))
	case float64:
		w.out = appendJSONNumber(w.out, v)
	case string:
		w.out = appendJSONString(w.out, v)
	default:
		return false, fmt.Errorf("unexpected %T", v)
	}
	return true, nil
}

// key reads a map key: a string, or another scalar written as its text,
// as a JavaScript object's keys are.
func (w *mpJSONWriter) key() (string, error) {
	c, err := w.dec.PeekCode()
	if err != nil {
		return "", err
	}
	if msgpcode.IsString(c) {
		return w.dec.DecodeString()
	}
	if msgpcode.IsBin(c) || msgpcode.IsExt(c) || msgpcode.IsFixedMap(c) || msgpcode.IsFixedArray(c) ||
		c == msgpcode.Map16 || c == msgpcode.Map32 || c == msgpcode.Array16 || c == msgpcode.Array32 {
		return "", fmt.Errorf("map key of code %#x", c)
	}
	v, err := w.dec.DecodeInterfaceLoose()
	if err != nil {
		return "", err
	}
	switch v := v.(type) {
	case nil, bool, int64, uint64, float32, float64:
		return fmt.Sprint(v), nil
	}
	return "", fmt.Errorf("map key of type %T", v)
}

// appendJSONNumber writes f as JSON.stringify does (NaN and infinities are
// null).
func appendJSONNumber(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	b, _ := json.Marshal(f) // ES6 number formatting; cannot fail for a finite float
	return append(dst, b...)
}

// appendJSONString writes s as a JSON string, escaped as JSON.stringify
// escapes it (invalid UTF-8 becomes U+FFFD).
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\ufffd"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
