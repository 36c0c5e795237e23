package parser

import (
	"encoding/binary"
	"errors"
	"math"
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
	if h.kind == mpInt {
		v, u, big := mpIntParts(b, i)
		if big {
			return float64(u)
		}
		return float64(v)
	}
	p := b[i+1:]
	switch b[i] {
	case 0xca:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(p)))
	case 0xcb:
		return math.Float64frombits(binary.BigEndian.Uint64(p))
	}
	return math.NaN()
}

// mpIntParts decodes the integer value at b[i]: v, or u when it is a
// uint64 beyond MaxInt64 (big).
func mpIntParts(b []byte, i int) (v int64, u uint64, big bool) {
	c := b[i]
	p := b[i+1:]
	switch {
	case c <= 0x7f:
		return int64(c), 0, false
	case c >= 0xe0:
		return int64(int8(c)), 0, false
	}
	switch c {
	case 0xcc:
		return int64(p[0]), 0, false
	case 0xcd:
		return int64(binary.BigEndian.Uint16(p)), 0, false
	case 0xce:
		return int64(binary.BigEndian.Uint32(p)), 0, false
	case 0xcf:
		u := binary.BigEndian.Uint64(p)
		if u > math.MaxInt64 {
			return 0, u, true
		}
		return int64(u), 0, false
	case 0xd0:
		return int64(int8(p[0])), 0, false
	case 0xd1:
		return int64(int16(binary.BigEndian.Uint16(p))), 0, false
	case 0xd2:
		return int64(int32(binary.BigEndian.Uint32(p))), 0, false
	}
	return int64(binary.BigEndian.Uint64(p)), 0, false // 0xd3
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
