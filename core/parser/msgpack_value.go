package parser

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strconv"
	"time"
)

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
// []byte for binary data (sharing b). With exact, integers are int64 or
// uint64 rather than float64. It returns the offset after it.
func mpToAny(b []byte, i int, exact bool) (any, int, error) {
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
		if exact && h.kind == mpInt {
			return mpInteger(b, i), next + int(h.n), nil
		}
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
			if v, next, err = mpToAny(b, next, exact); err != nil {
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
			if v, next, err = mpToAny(b, next, exact); err != nil {
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

// mpInteger returns the integer at b[i] as an int64, or a uint64 when it
// does not fit.
func mpInteger(b []byte, i int) any {
	v, u, big := mpIntParts(b, i)
	if big {
		return u
	}
	return v
}

// mpHasBinary reports whether the valid value b holds binary data: bin,
// or an ArrayBuffer ext.
func mpHasBinary(b []byte) bool {
	for i := 0; i < len(b); {
		h, err := readHead(b, i)
		if err != nil {
			return false
		}
		switch h.kind {
		case mpBin:
			return true
		case mpExt:
			if _, ok := mpExtValue(b, i, h).([]byte); ok {
				return true
			}
		case mpArray, mpMap:
			i += h.hdr
			continue
		}
		i += h.hdr + int(h.payloadLen())
	}
	return false
}
