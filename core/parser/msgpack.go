package parser

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// msgpackDecoder is the msgpack codec's Decoder. It is stateless apart
// from its limits: every packet is one binary message.
type msgpackDecoder struct {
	limits Limits
}

// mpPacket holds a packet and its arguments in one allocation.
type mpPacket struct {
	pkt  Packet
	args msgpackArgs
}

func (d *msgpackDecoder) Reset() {}

func (d *msgpackDecoder) Add(data []byte, binary bool) (*Packet, error) {
	if !binary {
		return nil, errorf(ErrUnexpectedText, "msgpack packets are binary")
	}
	h, err := readHead(data, 0)
	if err != nil || h.kind != mpMap {
		return nil, errorf(ErrInvalidPayload, "packet is not a msgpack map")
	}
	var (
		typ, id            uint64
		hasType, hasID     bool
		nsp                string
		hasNsp             bool
		dataStart, dataEnd = -1, -1
	)
	i := h.hdr
	for range h.n {
		kh, err := readHead(data, i)
		if err != nil {
			return nil, errorf(ErrInvalidPayload, "%v", err)
		}
		var key []byte
		if kh.kind == mpStr {
			if end := i + kh.hdr + int(kh.n); kh.n <= uint64(len(data)) && end <= len(data) {
				key = data[i+kh.hdr : end]
			}
		}
		if i, _, err = mpSkip(data, i); err != nil {
			return nil, errorf(ErrInvalidPayload, "%v", err)
		}
		vs := i
		if i, _, err = mpSkip(data, i); err != nil {
			return nil, errorf(ErrInvalidPayload, "%v", err)
		}
		vh, _ := readHead(data, vs)
		absent := vh.kind == mpNil || isUndefined(data, vs)
		switch string(key) {
		case "type":
			if typ, hasType = mpUint(data, vs, vh); !hasType {
				return nil, errorf(ErrInvalidType, "not an integer")
			}
		case "nsp":
			if vh.kind != mpStr {
				return nil, errorf(ErrInvalidNamespace, "not a string")
			}
			if vh.n > uint64(d.limits.MaxNamespaceLen) {
				return nil, errorf(ErrNamespaceTooLong, "%d bytes", vh.n)
			}
			nsp, hasNsp = string(data[vs+vh.hdr:i]), true
		case "data":
			dataStart, dataEnd = -1, -1
			if !absent {
				dataStart, dataEnd = vs, i
			}
		case "id":
			hasID = false
			if !absent {
				if id, hasID = mpUint(data, vs, vh); !hasID {
					return nil, errorf(ErrInvalidAckID, "not an integer in [0, 2^53-1]")
				}
			}
		}
	}
	if i != len(data) {
		return nil, errorf(ErrInvalidPayload, "%d trailing bytes", len(data)-i)
	}
	if !hasType || typ > uint64(ConnectError) {
		return nil, errorf(ErrInvalidType, "%d", typ)
	}
	if !hasNsp || len(nsp) == 0 || nsp[0] != '/' {
		return nil, errorf(ErrInvalidNamespace, "%q", nsp)
	}

	mp := &mpPacket{}
	p := &mp.pkt
	p.Type, p.Namespace, p.ID, p.HasID = PacketType(typ), nsp, id, hasID
	a := &mp.args
	a.data = data
	a.elems = a.inline[:0]
	var dh mpHead
	if dataStart >= 0 {
		dh, _ = readHead(data, dataStart)
	}
	switch p.Type {
	case Connect, ConnectError:
		if dataStart < 0 {
			break
		}
		if dh.kind != mpMap && (p.Type == Connect || dh.kind != mpStr) {
			return nil, errorf(ErrInvalidPayload, "%v payload must be an object", p.Type)
		}
		_, ext, _ := mpSkip(data, dataStart)
		a.elems = append(a.elems, mpElem{span{dataStart, dataEnd}, ext})
	case Disconnect:
		if dataStart >= 0 {
			return nil, errorf(ErrInvalidPayload, "DISCONNECT has a payload")
		}
	case Event, Ack:
		if dataStart < 0 || dh.kind != mpArray {
			return nil, errorf(ErrInvalidPayload, "%v payload must be an array", p.Type)
		}
		j := dataStart + dh.hdr
		for range dh.n {
			end, ext, _ := mpSkip(data, j)
			a.elems = append(a.elems, mpElem{span{j, end}, ext})
			j = end
		}
		if p.Type == Event {
			if len(a.elems) == 0 {
				return nil, errorf(ErrInvalidEventName, "missing")
			}
			name, err := mpEventName(data, a.elems[0].start)
			if err != nil {
				return nil, err
			}
			if len(name) > d.limits.MaxEventNameLen {
				return nil, errorf(ErrEventNameTooLong, "%d bytes", len(name))
			}
			p.Event = name
			a.elems = a.elems[1:]
		}
	}
	if len(a.elems) > 0 {
		p.Args = Args{src: a}
	}
	return p, nil
}

func mpEventName(b []byte, i int) (string, error) {
	h, _ := readHead(b, i)
	switch h.kind {
	case mpStr:
		return string(b[i+h.hdr : i+h.hdr+int(h.n)]), nil
	case mpInt, mpFloat:
		return jsNumberString(mpNumber(b, i, h)), nil
	}
	return "", errorf(ErrInvalidEventName, "not a string")
}

// mpElem is one element of a msgpack payload.
type mpElem struct {
	span
	ext bool // contains ext values (see mpNormalize)
}

// msgpackArgs is the argSource of the msgpack codec.
type msgpackArgs struct {
	data   []byte
	elems  []mpElem
	inline [4]mpElem
}

func (a *msgpackArgs) argLen() int { return len(a.elems) }

func (a *msgpackArgs) argRaw(i int) []byte {
	e := a.elems[i]
	return a.data[e.start:e.end:e.end]
}

var (
	mpUnmarshalerType    = reflect.TypeFor[msgpack.Unmarshaler]()
	mpCustomDecoderType  = reflect.TypeFor[msgpack.CustomDecoder]()
	mpDecoderPool        = sync.Pool{New: func() any { return newMpDecoder() }}
	mpEncoderPool        = sync.Pool{New: func() any { return newMpEncoder() }}
	jsonUnmarshalerPtrOK = func(t reflect.Type) bool {
		return t.Implements(unmarshalType) && !t.Implements(mpUnmarshalerType) && !t.Implements(mpCustomDecoderType)
	}
)

type mpDecoder struct {
	r   bytes.Reader
	dec *msgpack.Decoder
}

func newMpDecoder() *mpDecoder {
	d := &mpDecoder{}
	d.dec = msgpack.NewDecoder(&d.r)
	d.dec.SetCustomStructTag("json")
	d.dec.UseLooseInterfaceDecoding(true)
	return d
}

func (a *msgpackArgs) argDecode(i int, v any) error {
	pt := reflect.TypeOf(v)
	switch pt.Elem() {
	case anyType, anySliceType, anyMapType:
		x, err := a.argValue(i)
		if err != nil {
			return err
		}
		return assignAny(v, x)
	}
	if jsonUnmarshalerPtrOK(pt) {
		b, err := a.argJSON(i)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, v)
	}
	raw := a.argRaw(i)
	if a.elems[i].ext {
		raw = mpNormalize(raw)
	}
	d := mpDecoderPool.Get().(*mpDecoder)
	d.r.Reset(raw)
	d.dec.ResetReader(&d.r)
	err := d.dec.Decode(v)
	d.r.Reset(nil)
	d.dec.ResetReader(&d.r)
	mpDecoderPool.Put(d)
	return err
}

func (a *msgpackArgs) argValue(i int) (any, error) {
	e := a.elems[i]
	x, _, err := mpToAny(a.data[:e.end], e.start)
	return x, err
}

func (a *msgpackArgs) argJSON(i int) ([]byte, error) {
	e := a.elems[i]
	out, _, err := mpToJSON(nil, a.data[:e.end], e.start)
	return out, err
}

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

	hasData := len(p.Args) > 0 || typ == Event || typ == Ack
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
			b = appendMpArrayHeader(b, 1+len(p.Args))
			b = appendMpStr(b, p.Event)
		case Ack:
			b = appendMpArrayHeader(b, len(p.Args))
		}
	}
	e.buf.Write(b)
	for k, arg := range p.Args {
		if err := e.writeArg(arg); err != nil {
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

func (e *mpEncoder) writeArg(a any) error {
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
			n := len(items) / 2
			switch {
			case n < 16:
				dst = append(dst, 0x80|byte(n))
			case n < 1<<16:
				dst = binary.BigEndian.AppendUint16(append(dst, 0xde), uint16(n))
			default:
				dst = binary.BigEndian.AppendUint32(append(dst, 0xdf), uint32(n))
			}
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
