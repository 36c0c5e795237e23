package parser

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

var mpEncoderPool = sync.Pool{New: func() any { return newMpEncoder() }}

// mpEncoder is the reusable state of one msgpack encoding.
type mpEncoder struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
}

func newMpEncoder() *mpEncoder {
	e := &mpEncoder{}
	e.enc = msgpack.NewEncoder(&e.buf)
	e.enc.SetCustomStructTag("json")
	e.enc.UseCompactInts(true)
	e.enc.UseCompactFloats(true)
	return e
}

func encodeMsgpack(p *Outgoing) (Encoded, error) {
	typ, nsp, err := checkOutgoing(p)
	if err != nil {
		return nil, err
	}
	e := mpEncoderPool.Get().(*mpEncoder)
	defer func() {
		if e.buf.Cap() <= maxPooledBuffer {
			e.buf.Reset()
			mpEncoderPool.Put(e)
		}
	}()

	args := p.Args
	if (typ == Connect || typ == ConnectError) && len(args) == 1 && isNil(args[0]) {
		args = nil
	}
	hasData := len(args) > 0 || typ == Event || typ == Ack
	n := 2
	if hasData {
		n++
	}
	if p.HasID {
		n++
	}
	b := e.buf.AvailableBuffer()
	b = append(b, 0x80|byte(n))
	b = appendMpStr(b, "type")
	b = append(b, byte(typ))
	if hasData {
		b = appendMpStr(b, "data")
		switch typ {
		case Event:
			b = appendMpArrayHeader(b, 1+len(args))
			b = appendMpStr(b, p.Event)
		case Ack:
			b = appendMpArrayHeader(b, len(args))
		}
	}
	e.buf.Write(b)
	for k, arg := range args {
		if err := e.writeArg(arg, 0); err != nil {
			return nil, fmt.Errorf("%w: argument %d: %w", ErrEncode, k, err)
		}
	}
	b = e.buf.AvailableBuffer()
	b = appendMpStr(b, "nsp")
	b = appendMpStr(b, nsp)
	if p.HasID {
		b = appendMpStr(b, "id")
		b = appendMpUint(b, p.ID)
	}
	e.buf.Write(b)

	out := make([]byte, e.buf.Len())
	copy(out, e.buf.Bytes())
	return Encoded{{Data: out, Binary: true}}, nil
}

// writeArg writes one value. It walks []any and map[string]any itself, so
// that a json.RawMessage or an Args inside them is written as what it
// holds, not as bytes.
func (e *mpEncoder) writeArg(a any, depth int) error {
	if depth > maxWalkDepth {
		return errTooDeep
	}
	b := e.buf.AvailableBuffer()
	switch v := a.(type) {
	case nil:
		b = append(b, 0xc0)
	case string:
		b = appendMpStr(b, v)
	case []byte:
		if v == nil {
			b = append(b, 0xc0)
		} else {
			b = appendMpBin(b, v)
		}
	case bool:
		if v {
			b = append(b, 0xc3)
		} else {
			b = append(b, 0xc2)
		}
	case json.RawMessage:
		return e.writeJSON(v)
	case []any:
		if v == nil {
			b = append(b, 0xc0)
			break
		}
		e.buf.Write(appendMpArrayHeader(b, len(v)))
		for _, x := range v {
			if err := e.writeArg(x, depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		if v == nil {
			b = append(b, 0xc0)
			break
		}
		e.buf.Write(appendMpMapHeader(b, len(v)))
		for k, x := range v {
			e.buf.Write(appendMpStr(e.buf.AvailableBuffer(), k))
			if err := e.writeArg(x, depth+1); err != nil {
				return err
			}
		}
		return nil
	case json.Marshaler:
		if _, ok := a.(msgpack.CustomEncoder); ok {
			return e.enc.Encode(a)
		}
		if _, ok := a.(msgpack.Marshaler); ok {
			return e.enc.Encode(a)
		}
		j, err := v.MarshalJSON()
		if err != nil {
			return err
		}
		return e.writeJSON(j)
	default:
		if tooDeep(a, 0) {
			return errTooDeep
		}
		return e.enc.Encode(a)
	}
	e.buf.Write(b)
	return nil
}

// writeJSON writes a JSON value as msgpack, keeping object key order.
func (e *mpEncoder) writeJSON(j []byte) error {
	if j == nil {
		e.buf.WriteByte(0xc0)
		return nil
	}
	if !json.Valid(j) {
		return fmt.Errorf("invalid JSON")
	}
	b, _, err := jsonToMsgpack(e.buf.AvailableBuffer(), j, skipSpace(j, 0))
	if err != nil {
		return err
	}
	e.buf.Write(b)
	return nil
}

// jsonToMsgpack appends the valid JSON value at j[i] as msgpack and returns
// the offset after it.
func jsonToMsgpack(dst, j []byte, i int) ([]byte, int, error) {
	switch c := j[i]; c {
	case '{', '[':
		var items []span // keys and values alternate for objects
		k := skipSpace(j, i+1)
		for k < len(j) && j[k] != '}' && j[k] != ']' {
			end := skipValue(j, k)
			items = append(items, span{k, end})
			k = skipSpace(j, end)
			if k < len(j) && (j[k] == ',' || j[k] == ':') {
				k = skipSpace(j, k+1)
			}
		}
		if c == '{' {
			dst = appendMpMapHeader(dst, len(items)/2)
		} else {
			dst = appendMpArrayHeader(dst, len(items))
		}
		for _, it := range items {
			var err error
			if dst, _, err = jsonToMsgpack(dst, j[:it.end], it.start); err != nil {
				return nil, 0, err
			}
		}
		return dst, k + 1, nil
	case '"':
		end := skipString(j, i)
		s, ok := simpleString(j[i:end])
		if !ok {
			if err := json.Unmarshal(j[i:end], &s); err != nil {
				return nil, 0, err
			}
		}
		return appendMpStr(dst, s), end, nil
	case 't':
		return append(dst, 0xc3), i + 4, nil
	case 'f':
		return append(dst, 0xc2), i + 5, nil
	case 'n':
		return append(dst, 0xc0), i + 4, nil
	}
	end := skipValue(j, i)
	num := string(j[i:end])
	if v, err := strconv.ParseInt(num, 10, 64); err == nil {
		return appendMpInt(dst, v), end, nil
	}
	if v, err := strconv.ParseUint(num, 10, 64); err == nil {
		return appendMpUint(dst, v), end, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return nil, 0, err
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xcb), math.Float64bits(f)), end, nil
}
