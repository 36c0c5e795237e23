package parser

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
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
			if IsReservedEvent(name) {
				return nil, errorf(ErrReservedEventName, "%q", name)
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
	if !pt.Implements(mpUnmarshalerType) && !pt.Implements(mpCustomDecoderType) {
		if done, err := decodeMpNumber(raw, reflect.ValueOf(v).Elem()); done {
			return err
		}
	}
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
	x, _, err := mpToAny(a.data[:e.end], e.start, false)
	return x, err
}

// argBinary also reports ext values (Date, undefined), which JSON cannot
// carry either.
func (a *msgpackArgs) argBinary(i int) bool { return a.elems[i].ext || mpHasBinary(a.argRaw(i)) }

func (a *msgpackArgs) argExact(i int) (any, error) {
	e := a.elems[i]
	x, _, err := mpToAny(a.data[:e.end], e.start, true)
	return x, err
}

func (a *msgpackArgs) argJSON(i int) ([]byte, error) {
	e := a.elems[i]
	out, _, err := mpToJSON(nil, a.data[:e.end], e.start)
	return out, err
}

// decodeMpNumber decodes a top-level number into a numeric target with
// encoding/json's checks (msgpack's decoder silently wraps out-of-range
// values). It reports false when raw is not a number or the target is not
// an integer or float32 kind, leaving the work to msgpack.
func decodeMpNumber(raw []byte, dst reflect.Value) (bool, error) {
	kind := dst.Kind()
	isInt := kind >= reflect.Int && kind <= reflect.Int64
	isUint := kind >= reflect.Uint && kind <= reflect.Uintptr
	if !isInt && !isUint && kind != reflect.Float32 {
		return false, nil
	}
	h, err := readHead(raw, 0)
	if err != nil || (h.kind != mpInt && h.kind != mpFloat) {
		return false, nil
	}
	f := mpNumber(raw, 0, h)
	errRange := &json.UnmarshalTypeError{Value: "number " + strconv.FormatFloat(f, 'g', -1, 64), Type: dst.Type()}
	switch {
	case kind == reflect.Float32:
		if math.Abs(f) > math.MaxFloat32 {
			return true, errRange
		}
		dst.SetFloat(f)
	case h.kind == mpInt && raw[0] == 0xcf: // uint64: exact
		u := binary.BigEndian.Uint64(raw[1:])
		if isInt && (u > math.MaxInt64 || dst.OverflowInt(int64(u))) || isUint && dst.OverflowUint(u) {
			return true, errRange
		}
		if isInt {
			dst.SetInt(int64(u))
		} else {
			dst.SetUint(u)
		}
	case h.kind == mpInt && raw[0] == 0xd3: // int64: exact
		n := int64(binary.BigEndian.Uint64(raw[1:]))
		if isInt && dst.OverflowInt(n) || isUint && (n < 0 || dst.OverflowUint(uint64(n))) {
			return true, errRange
		}
		if isInt {
			dst.SetInt(n)
		} else {
			dst.SetUint(uint64(n))
		}
	default:
		if f != math.Trunc(f) || math.IsInf(f, 0) {
			return true, errRange
		}
		if isInt {
			if f < math.MinInt64 || f >= math.MaxInt64 || dst.OverflowInt(int64(f)) {
				return true, errRange
			}
			dst.SetInt(int64(f))
		} else {
			if f < 0 || f >= math.MaxUint64 || dst.OverflowUint(uint64(f)) {
				return true, errRange
			}
			dst.SetUint(uint64(f))
		}
	}
	return true, nil
}
