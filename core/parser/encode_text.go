package parser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// jsonEncoder is the reusable state of one JSON encoding.
type jsonEncoder struct {
	buf  bytes.Buffer  // the payload being written
	enc  *json.Encoder // writes to buf, HTML escaping off
	att  [][]byte      // binary attachments found so far
	keys []string      // map keys being sorted (a stack, see writeMap)
	// binary tells whether []byte values become attachments (EVENT, ACK)
	// or base64 strings (CONNECT, CONNECT_ERROR).
	binary bool
}

// maxPooledBuffer is the largest buffer kept for reuse.
const maxPooledBuffer = 64 << 10

var jsonEncoderPool = sync.Pool{New: func() any {
	e := &jsonEncoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

func (e *jsonEncoder) release() {
	if e.buf.Cap() > maxPooledBuffer {
		return
	}
	e.buf.Reset()
	clear(e.att)
	e.att = e.att[:0]
	clear(e.keys)
	e.keys = e.keys[:0]
	jsonEncoderPool.Put(e)
}

// checkOutgoing validates the fields every codec writes the same way and
// returns the normalised type and namespace.
func checkOutgoing(p *Outgoing) (PacketType, string, error) {
	typ := p.Type
	switch typ {
	case BinaryEvent:
		typ = Event
	case BinaryAck:
		typ = Ack
	}
	if !typ.Valid() {
		return 0, "", fmt.Errorf("%w: packet type %d", ErrEncode, p.Type)
	}
	nsp := p.Namespace
	if nsp == "" {
		nsp = "/"
	}
	if nsp[0] != '/' || strings.IndexByte(nsp, ',') >= 0 {
		return 0, "", fmt.Errorf("%w: namespace %q", ErrEncode, nsp)
	}
	if p.HasID && p.ID > MaxAckID {
		return 0, "", fmt.Errorf("%w: ack id %d exceeds 2^53-1", ErrEncode, p.ID)
	}
	switch typ {
	case Disconnect:
		if len(p.Args) != 0 {
			return 0, "", fmt.Errorf("%w: DISCONNECT takes no payload", ErrEncode)
		}
	case Connect, ConnectError:
		if len(p.Args) > 1 {
			return 0, "", fmt.Errorf("%w: %v takes at most one payload value", ErrEncode, typ)
		}
	}
	return typ, nsp, nil
}

// isNil reports whether a is nil or a nil map, slice, pointer or
// interface: a CONNECT or CONNECT_ERROR payload that is left out (JSON
// null is not a valid payload).
func isNil(a any) bool {
	if a == nil {
		return true
	}
	switch v := reflect.ValueOf(a); v.Kind() {
	case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return false
}

func encodeJSON(p *Outgoing) (Encoded, error) {
	typ, nsp, err := checkOutgoing(p)
	if err != nil {
		return nil, err
	}
	e := jsonEncoderPool.Get().(*jsonEncoder)
	defer e.release()

	switch typ {
	case Event, Ack:
		e.binary = true
		e.buf.WriteByte('[')
		if typ == Event {
			e.buf.Write(appendJSONString(e.buf.AvailableBuffer(), p.Event))
		}
		for i, a := range p.Args {
			if i > 0 || typ == Event {
				e.buf.WriteByte(',')
			}
			if err := e.writeArg(a, 0); err != nil {
				return nil, fmt.Errorf("%w: argument %d: %w", ErrEncode, i, err)
			}
		}
		e.buf.WriteByte(']')
	case Connect, ConnectError:
		e.binary = false
		if len(p.Args) == 1 && !isNil(p.Args[0]) {
			if err := e.writeArg(p.Args[0], 0); err != nil {
				return nil, fmt.Errorf("%w: payload: %w", ErrEncode, err)
			}
		}
	}

	// Header: <type>[<n>-][<nsp>,][<id>]
	var hdr [64]byte
	h := hdr[:0]
	if n := len(e.att); n > 0 {
		if typ == Event {
			typ = BinaryEvent
		} else {
			typ = BinaryAck
		}
		h = append(h, byte('0'+typ))
		h = strconv.AppendInt(h, int64(n), 10)
		h = append(h, '-')
	} else {
		h = append(h, byte('0'+typ))
	}
	nspLen := 0
	if nsp != "/" {
		nspLen = len(nsp) + 1
	}
	var idb [20]byte
	id := idb[:0]
	if p.HasID {
		id = strconv.AppendUint(id, p.ID, 10)
	}

	// One byte more in front, free for the transport (Message.Frame).
	frame := make([]byte, 1, 1+len(h)+nspLen+len(id)+e.buf.Len())
	text := frame[1:1]
	text = append(text, h...)
	if nspLen > 0 {
		text = append(text, nsp...)
		text = append(text, ',')
	}
	text = append(text, id...)
	text = append(text, e.buf.Bytes()...)

	out := make(Encoded, 1+len(e.att))
	out[0] = Message{Data: text, Frame: frame[:1+len(text)]}
	if len(e.att) > 0 {
		total := 0
		for _, a := range e.att {
			total += len(a)
		}
		all := make([]byte, 0, total)
		for k, a := range e.att {
			start := len(all)
			all = append(all, a...)
			out[1+k] = Message{Data: all[start:len(all):len(all)], Binary: true}
		}
	}
	return out, nil
}

// writeArg writes one value: scalars, []any and map[string]any directly
// (the common shapes of event arguments), byte slices as placeholders,
// other values with encoding/json or, when they hold binary data, with the
// reflection walker.
func (e *jsonEncoder) writeArg(a any, depth int) error {
	if depth > maxWalkDepth {
		return errTooDeep
	}
	b := e.buf.AvailableBuffer()
	switch v := a.(type) {
	case nil:
		b = append(b, "null"...)
	case string:
		b = appendJSONString(b, v)
	case bool:
		b = strconv.AppendBool(b, v)
	case int:
		b = strconv.AppendInt(b, int64(v), 10)
	case int64:
		b = strconv.AppendInt(b, v, 10)
	case int32:
		b = strconv.AppendInt(b, int64(v), 10)
	case uint:
		b = strconv.AppendUint(b, uint64(v), 10)
	case uint64:
		b = strconv.AppendUint(b, v, 10)
	case uint32:
		b = strconv.AppendUint(b, uint64(v), 10)
	case float64:
		var ok bool
		if b, ok = appendJSONFloat(b, v, 64); !ok {
			return &json.UnsupportedValueError{Str: strconv.FormatFloat(v, 'g', -1, 64)}
		}
	case float32:
		var ok bool
		if b, ok = appendJSONFloat(b, float64(v), 32); !ok {
			return &json.UnsupportedValueError{Str: strconv.FormatFloat(float64(v), 'g', -1, 32)}
		}
	case json.RawMessage:
		if v == nil {
			b = append(b, "null"...)
		} else {
			if !json.Valid(v) {
				return fmt.Errorf("invalid json.RawMessage")
			}
			b = append(b, v...)
		}
	case []byte:
		if v == nil || !e.binary {
			return e.encodeJSON(a)
		}
		b = e.appendPlaceholder(b, v)
	case []any:
		if v == nil {
			b = append(b, "null"...)
			break
		}
		e.buf.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			if err := e.writeArg(x, depth+1); err != nil {
				return err
			}
		}
		e.buf.WriteByte(']')
		return nil
	case map[string]any:
		if v == nil {
			b = append(b, "null"...)
			break
		}
		return e.writeMap(v, depth)
	case Args:
		return e.writeArgs(v, depth)
	default:
		if e.binary && hasBinary(a, depth) {
			return e.walkValue(a)
		}
		return e.encodeJSON(a)
	}
	e.buf.Write(b)
	return nil
}

// writeMap writes a map[string]any with sorted keys, as encoding/json does.
// Keys are sorted in e.keys, used as a stack across nested maps.
func (e *jsonEncoder) writeMap(m map[string]any, depth int) error {
	start := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	keys := e.keys[start:]
	slices.Sort(keys)
	e.buf.WriteByte('{')
	for i := range keys {
		k := e.keys[start+i] // e.keys may grow (and move) in nested calls
		if i > 0 {
			e.buf.WriteByte(',')
		}
		b := appendJSONString(e.buf.AvailableBuffer(), k)
		e.buf.Write(append(b, ':'))
		if err := e.writeArg(m[k], depth+1); err != nil {
			e.keys = e.keys[:start]
			return err
		}
	}
	e.buf.WriteByte('}')
	clear(e.keys[start:])
	e.keys = e.keys[:start]
	return nil
}

// encodeJSON writes x with encoding/json.
func (e *jsonEncoder) encodeJSON(x any) error {
	if err := e.enc.Encode(x); err != nil {
		return err
	}
	e.buf.Truncate(e.buf.Len() - 1) // Encode's newline
	return nil
}

// appendPlaceholder records b as the next attachment and appends its
// placeholder.
func (e *jsonEncoder) appendPlaceholder(dst, b []byte) []byte {
	dst = append(dst, `{"_placeholder":true,"num":`...)
	dst = strconv.AppendInt(dst, int64(len(e.att)), 10)
	e.att = append(e.att, b)
	return append(dst, '}')
}
