package parser

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"time"
)

// MessagePack value kinds, as far as the codec needs them.
type mpKind uint8

const (
	mpNil mpKind = iota
	mpBool
	mpInt   // signed or unsigned integer
	mpFloat // float32 or float64
	mpStr
	mpBin
	mpArray
	mpMap
	mpExt
)

// mpHead is the header of one MessagePack value.
type mpHead struct {
	kind mpKind
	hdr  int    // header length (bytes before the payload)
	n    uint64 // payload length, or element count (array) / pair count (map)
	// ext type for mpExt; for mpInt/mpFloat/mpBool the value is decoded
	// by mpInt/mpFloat64 from the header bytes.
	ext int8
}

var (
	errMpTruncated = errors.New("truncated msgpack")
	errMpInvalid   = errors.New("invalid msgpack code 0xc1")
	errMpTooDeep   = errors.New("msgpack nested too deeply")
)

// mpMaxDepth bounds msgpack nesting like encoding/json bounds JSON's.
const mpMaxDepth = 10000

// readHead decodes the header of the value at b[i].
func readHead(b []byte, i int) (mpHead, error) {
	if i >= len(b) {
		return mpHead{}, errMpTruncated
	}
	c := b[i]
	rest := len(b) - i - 1
	be := func(n int) (uint64, bool) {
		if rest < n {
			return 0, false
		}
		switch n {
		case 1:
			return uint64(b[i+1]), true
		case 2:
			return uint64(binary.BigEndian.Uint16(b[i+1:])), true
		case 4:
			return uint64(binary.BigEndian.Uint32(b[i+1:])), true
		}
		return binary.BigEndian.Uint64(b[i+1:]), true
	}
	sized := func(kind mpKind, n int) (mpHead, error) {
		v, ok := be(n)
		if !ok {
			return mpHead{}, errMpTruncated
		}
		return mpHead{kind: kind, hdr: 1 + n, n: v}, nil
	}
	fixed := func(kind mpKind, n int) (mpHead, error) {
		if rest < n {
			return mpHead{}, errMpTruncated
		}
		return mpHead{kind: kind, hdr: 1, n: uint64(n)}, nil
	}
	ext := func(n int) (mpHead, error) { // ext 8/16/32: length, type
		v, ok := be(n)
		if !ok || rest < n+1 {
			return mpHead{}, errMpTruncated
		}
		return mpHead{kind: mpExt, hdr: 2 + n, n: v, ext: int8(b[i+1+n])}, nil
	}
	fixext := func(n int) (mpHead, error) {
		if rest < 1 {
			return mpHead{}, errMpTruncated
		}
		return mpHead{kind: mpExt, hdr: 2, n: uint64(n), ext: int8(b[i+1])}, nil
	}
	switch {
	case c <= 0x7f || c >= 0xe0:
		return mpHead{kind: mpInt, hdr: 1}, nil
	case c <= 0x8f:
		return mpHead{kind: mpMap, hdr: 1, n: uint64(c & 0x0f)}, nil
	case c <= 0x9f:
		return mpHead{kind: mpArray, hdr: 1, n: uint64(c & 0x0f)}, nil
	case c <= 0xbf:
		return mpHead{kind: mpStr, hdr: 1, n: uint64(c & 0x1f)}, nil
	}
	switch c {
	case 0xc0:
		return mpHead{kind: mpNil, hdr: 1}, nil
	case 0xc2, 0xc3:
		return mpHead{kind: mpBool, hdr: 1}, nil
	case 0xc4:
		return sized(mpBin, 1)
	case 0xc5:
		return sized(mpBin, 2)
	case 0xc6:
		return sized(mpBin, 4)
	case 0xc7:
		return ext(1)
	case 0xc8:
		return ext(2)
	case 0xc9:
		return ext(4)
	case 0xca:
		return fixed(mpFloat, 4)
	case 0xcb:
		return fixed(mpFloat, 8)
	case 0xcc, 0xd0:
		return fixed(mpInt, 1)
	case 0xcd, 0xd1:
		return fixed(mpInt, 2)
	case 0xce, 0xd2:
		return fixed(mpInt, 4)
	case 0xcf, 0xd3:
		return fixed(mpInt, 8)
	case 0xd4:
		return fixext(1)
	case 0xd5:
		return fixext(2)
	case 0xd6:
		return fixext(4)
	case 0xd7:
		return fixext(8)
	case 0xd8:
		return fixext(16)
	case 0xd9:
		return sized(mpStr, 1)
	case 0xda:
		return sized(mpStr, 2)
	case 0xdb:
		return sized(mpStr, 4)
	case 0xdc:
		return sized(mpArray, 2)
	case 0xdd:
		return sized(mpArray, 4)
	case 0xde:
		return sized(mpMap, 2)
	case 0xdf:
		return sized(mpMap, 4)
	}
	return mpHead{}, errMpInvalid
}

// payloadLen is the number of bytes after the header for scalar kinds
// (integers and floats carry their value in n bytes after the code byte).
func (h mpHead) payloadLen() uint64 {
	switch h.kind {
	case mpArray, mpMap, mpNil, mpBool:
		return 0
	case mpInt, mpFloat:
		return h.n
	}
	return h.n
}

// mpSkip validates the value at b[i] and returns the offset just after it
// and whether it contains ext values. It never allocates in proportion to
// declared lengths and bounds nesting to mpMaxDepth.
func mpSkip(b []byte, i int) (int, bool, error) {
	var stack []uint64
	pending := uint64(1)
	hasExt := false
	for {
		for pending == 0 {
			if len(stack) == 0 {
				return i, hasExt, nil
			}
			pending = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		}
		pending--
		h, err := readHead(b, i)
		if err != nil {
			return 0, false, err
		}
		i += h.hdr
		left := uint64(len(b) - i)
		switch h.kind {
		case mpArray, mpMap:
			n := h.n
			if h.kind == mpMap {
				n *= 2
			}
			if n > left {
				return 0, false, errMpTruncated
			}
			if n > 0 {
				if len(stack) >= mpMaxDepth {
					return 0, false, errMpTooDeep
				}
				stack = append(stack, pending)
				pending = n
			}
		default:
			if h.kind == mpExt {
				hasExt = true
			}
			if p := h.payloadLen(); p > left {
				return 0, false, errMpTruncated
			} else {
				i += int(p)
			}
		}
	}
}

// mpNumber decodes an integer or float value (header h at b[i]) as a
// float64, the JavaScript view of it.
func mpNumber(b []byte, i int, h mpHead) float64 {
	c := b[i]
	p := b[i+1:]
	switch {
	case c <= 0x7f:
		return float64(c)
	case c >= 0xe0:
		return float64(int8(c))
	}
	switch c {
	case 0xcc:
		return float64(p[0])
	case 0xcd:
		return float64(binary.BigEndian.Uint16(p))
	case 0xce:
		return float64(binary.BigEndian.Uint32(p))
	case 0xcf:
		return float64(binary.BigEndian.Uint64(p))
	case 0xd0:
		return float64(int8(p[0]))
	case 0xd1:
		return float64(int16(binary.BigEndian.Uint16(p)))
	case 0xd2:
		return float64(int32(binary.BigEndian.Uint32(p)))
	case 0xd3:
		return float64(int64(binary.BigEndian.Uint64(p)))
	case 0xca:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(p)))
	case 0xcb:
		return math.Float64frombits(binary.BigEndian.Uint64(p))
	}
	return math.NaN()
}

// mpUint decodes a non-negative integer value that fits MaxAckID (or an
// integral float), for the "type" and "id" fields.
func mpUint(b []byte, i int, h mpHead) (uint64, bool) {
	if h.kind == mpInt && b[i] == 0xcf {
		v := binary.BigEndian.Uint64(b[i+1:])
		return v, v <= MaxAckID
	}
	if h.kind != mpInt && h.kind != mpFloat {
		return 0, false
	}
	f := mpNumber(b, i, h)
	if f < 0 || f > MaxAckID || f != math.Trunc(f) {
		return 0, false
	}
	return uint64(f), true
}

// isUndefined reports whether the value at b[i] is notepack's encoding of
// JavaScript undefined: fixext 1, type 0.
func isUndefined(b []byte, i int) bool {
	return len(b)-i >= 3 && b[i] == 0xd4 && b[i+1] == 0
}

// mpExtValue interprets an ext value the way notepack.io (used by
// socket.io-msgpack-parser) does, plus the MessagePack timestamp type:
// undefined, Date, ArrayBuffer, timestamp, or [type, bytes].
func mpExtValue(b []byte, i int, h mpHead) any {
	data := b[i+h.hdr : i+h.hdr+int(h.n) : i+h.hdr+int(h.n)]
	code := b[i]
	switch {
	case h.ext == 0 && code == 0xd4:
		return nil // undefined
	case h.ext == 0 && code == 0xd7:
		hi := int64(int32(binary.BigEndian.Uint32(data)))
		lo := int64(binary.BigEndian.Uint32(data[4:]))
		return time.UnixMilli(hi*(1<<32) + lo).UTC()
	case h.ext == 0 && code >= 0xc7 && code <= 0xc9:
		return data // ArrayBuffer
	case h.ext == -1:
		if t, ok := mpTimestamp(data); ok {
			return t
		}
	}
	return []any{float64(h.ext), data}
}

// mpTimestamp decodes the MessagePack timestamp extension (type -1).
func mpTimestamp(d []byte) (time.Time, bool) {
	switch len(d) {
	case 4:
		return time.Unix(int64(binary.BigEndian.Uint32(d)), 0).UTC(), true
	case 8:
		v := binary.BigEndian.Uint64(d)
		return time.Unix(int64(v&(1<<34-1)), int64(v>>34)).UTC(), true
	case 12:
		return time.Unix(int64(binary.BigEndian.Uint64(d[4:])), int64(binary.BigEndian.Uint32(d))).UTC(), true
	}
	return time.Time{}, false
}

// mpToAny converts the valid value at b[i] into encoding/json types, with
// []byte for binary data (sharing b). It returns the offset after it.
func mpToAny(b []byte, i int) (any, int, error) {
	h, err := readHead(b, i)
	if err != nil {
		return nil, 0, err
	}
	next := i + h.hdr
	switch h.kind {
	case mpNil:
		return nil, next, nil
	case mpBool:
		return b[i] == 0xc3, next, nil
	case mpInt, mpFloat:
		return mpNumber(b, i, h), next + int(h.n), nil
	case mpStr:
		end := next + int(h.n)
		return string(b[next:end]), end, nil
	case mpBin:
		end := next + int(h.n)
		return b[next:end:end], end, nil
	case mpExt:
		return mpExtValue(b, i, h), next + int(h.n), nil
	case mpArray:
		out := make([]any, h.n)
		for k := range out {
			var v any
			if v, next, err = mpToAny(b, next); err != nil {
				return nil, 0, err
			}
			out[k] = v
		}
		return out, next, nil
	case mpMap:
		out := make(map[string]any, h.n)
		for range h.n {
			var k string
			if k, next, err = mpKey(b, next); err != nil {
				return nil, 0, err
			}
			var v any
			if v, next, err = mpToAny(b, next); err != nil {
				return nil, 0, err
			}
			out[k] = v
		}
		return out, next, nil
	}
	return nil, 0, errMpInvalid
}

// mpKey decodes a map key as JavaScript would see it: a string, or a number
// in its string form.
func mpKey(b []byte, i int) (string, int, error) {
	h, err := readHead(b, i)
	if err != nil {
		return "", 0, err
	}
	next := i + h.hdr
	switch h.kind {
	case mpStr:
		end := next + int(h.n)
		return string(b[next:end]), end, nil
	case mpInt, mpFloat:
		return jsNumberString(mpNumber(b, i, h)), next + int(h.n), nil
	}
	return "", 0, errors.New("msgpack map key is not a string")
}

// mpToJSON appends the valid value at b[i] as JSON (binary data as base64
// strings, map order preserved) and returns the offset after it.
func mpToJSON(dst, b []byte, i int) ([]byte, int, error) {
	h, err := readHead(b, i)
	if err != nil {
		return nil, 0, err
	}
	next := i + h.hdr
	switch h.kind {
	case mpNil:
		return append(dst, "null"...), next, nil
	case mpBool:
		return strconv.AppendBool(dst, b[i] == 0xc3), next, nil
	case mpInt, mpFloat:
		if h.kind == mpInt && b[i] == 0xcf {
			dst = strconv.AppendUint(dst, binary.BigEndian.Uint64(b[i+1:]), 10)
		} else if h.kind == mpInt && b[i] == 0xd3 {
			dst = strconv.AppendInt(dst, int64(binary.BigEndian.Uint64(b[i+1:])), 10)
		} else {
			var ok bool
			if dst, ok = appendJSONFloat(dst, mpNumber(b, i, h), 64); !ok {
				dst = append(dst, "null"...) // as JSON.stringify does
			}
		}
		return dst, next + int(h.n), nil
	case mpStr:
		end := next + int(h.n)
		return appendJSONString(dst, string(b[next:end])), end, nil
	case mpBin:
		end := next + int(h.n)
		return appendBase64String(dst, b[next:end]), end, nil
	case mpExt:
		switch v := mpExtValue(b, i, h).(type) {
		case nil:
			dst = append(dst, "null"...)
		case []byte:
			dst = appendBase64String(dst, v)
		case time.Time:
			dst = append(dst, '"')
			dst = v.AppendFormat(dst, time.RFC3339Nano)
			dst = append(dst, '"')
		case []any:
			dst = append(dst, '[')
			dst = strconv.AppendInt(dst, int64(h.ext), 10)
			dst = append(dst, ',')
			dst = appendBase64String(dst, v[1].([]byte))
			dst = append(dst, ']')
		}
		return dst, next + int(h.n), nil
	case mpArray:
		dst = append(dst, '[')
		for k := range h.n {
			if k > 0 {
				dst = append(dst, ',')
			}
			if dst, next, err = mpToJSON(dst, b, next); err != nil {
				return nil, 0, err
			}
		}
		return append(dst, ']'), next, nil
	case mpMap:
		dst = append(dst, '{')
		for k := range h.n {
			if k > 0 {
				dst = append(dst, ',')
			}
			var key string
			if key, next, err = mpKey(b, next); err != nil {
				return nil, 0, err
			}
			dst = append(appendJSONString(dst, key), ':')
			if dst, next, err = mpToJSON(dst, b, next); err != nil {
				return nil, 0, err
			}
		}
		return append(dst, '}'), next, nil
	}
	return nil, 0, errMpInvalid
}

func appendBase64String(dst, data []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, data)
	return append(dst, '"')
}

// mpNormalize rewrites notepack.io's ext values into what msgpack's Go
// decoder understands: undefined becomes nil, ArrayBuffer (ext type 0)
// becomes bin, Date becomes a timestamp. b must be valid.
func mpNormalize(b []byte) []byte {
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		h, err := readHead(b, i)
		if err != nil {
			return append(out, b[i:]...)
		}
		end := i + h.hdr + int(h.payloadLen())
		if h.kind == mpArray || h.kind == mpMap {
			end = i + h.hdr
		}
		if h.kind == mpExt {
			switch v := mpExtValue(b, i, h).(type) {
			case nil:
				out = append(out, 0xc0)
			case []byte:
				out = appendMpBin(out, v)
			case time.Time:
				out = append(out, 0xc7, 12, 0xff)
				out = binary.BigEndian.AppendUint32(out, uint32(v.Nanosecond()))
				out = binary.BigEndian.AppendUint64(out, uint64(v.Unix()))
			default:
				out = append(out, b[i:end]...)
			}
		} else {
			out = append(out, b[i:end]...)
		}
		i = end
	}
	return out
}

func appendMpBin(dst, data []byte) []byte {
	switch n := len(data); {
	case n < 1<<8:
		dst = append(dst, 0xc4, byte(n))
	case n < 1<<16:
		dst = append(dst, 0xc5)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 0xc6)
		dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	}
	return append(dst, data...)
}

func appendMpStr(dst []byte, s string) []byte {
	switch n := len(s); {
	case n < 32:
		dst = append(dst, 0xa0|byte(n))
	case n < 1<<8:
		dst = append(dst, 0xd9, byte(n))
	case n < 1<<16:
		dst = append(dst, 0xda)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 0xdb)
		dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	}
	return append(dst, s...)
}

func appendMpUint(dst []byte, v uint64) []byte {
	switch {
	case v < 0x80:
		return append(dst, byte(v))
	case v < 1<<8:
		return append(dst, 0xcc, byte(v))
	case v < 1<<16:
		return binary.BigEndian.AppendUint16(append(dst, 0xcd), uint16(v))
	case v < 1<<32:
		return binary.BigEndian.AppendUint32(append(dst, 0xce), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xcf), v)
}

func appendMpArrayHeader(dst []byte, n int) []byte {
	switch {
	case n < 16:
		return append(dst, 0x90|byte(n))
	case n < 1<<16:
		return binary.BigEndian.AppendUint16(append(dst, 0xdc), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(dst, 0xdd), uint32(n))
}

func appendMpInt(dst []byte, v int64) []byte {
	switch {
	case v >= 0:
		return appendMpUint(dst, uint64(v))
	case v >= -32:
		return append(dst, byte(v))
	case v >= math.MinInt8:
		return append(dst, 0xd0, byte(v))
	case v >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(dst, 0xd1), uint16(v))
	case v >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(dst, 0xd2), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xd3), uint64(v))
}
