package parser

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// jsonArgs is the argSource of the JSON codec: the payload text, the spans
// of its elements and, for binary packets, the attachments and the
// placeholders that refer to them.
type jsonArgs struct {
	data   []byte
	elems  []span
	inline [4]span
	att    [][]byte      // attachments, in order (binary packets only)
	phs    []placeholder // outermost placeholders, in order
}

func (a *jsonArgs) argLen() int { return len(a.elems) }

func (a *jsonArgs) argRaw(i int) []byte {
	e := a.elems[i]
	return a.data[e.start:e.end:e.end]
}

// placeholders returns the placeholders inside element i.
func (a *jsonArgs) placeholders(i int) []placeholder {
	if len(a.phs) == 0 {
		return nil
	}
	e := a.elems[i]
	lo := sort.Search(len(a.phs), func(k int) bool { return a.phs[k].start >= e.start })
	hi := lo
	for hi < len(a.phs) && a.phs[hi].end <= e.end {
		hi++
	}
	return a.phs[lo:hi]
}

var (
	bytesType     = reflect.TypeFor[[]byte]()
	anyType       = reflect.TypeFor[any]()
	anySliceType  = reflect.TypeFor[[]any]()
	anyMapType    = reflect.TypeFor[map[string]any]()
	unmarshalType = reflect.TypeFor[json.Unmarshaler]()
)

func (a *jsonArgs) argDecode(i int, v any) error {
	phs := a.placeholders(i)
	if len(phs) == 0 {
		return json.Unmarshal(a.argRaw(i), v)
	}
	target := reflect.TypeOf(v).Elem()
	if !reflect.PointerTo(target).Implements(unmarshalType) {
		switch target {
		case bytesType:
			if whole := a.elems[i]; len(phs) == 1 && phs[0].span == whole {
				*(v.(*[]byte)) = a.att[phs[0].num]
				return nil
			}
		case anyType, anySliceType, anyMapType:
			x, err := a.argValue(i)
			if err != nil {
				return err
			}
			return assignAny(v, x)
		}
	}
	return json.Unmarshal(a.substituted(i, phs), v)
}

// assignAny stores x, the result of argValue, in *v (a *any, *[]any or
// *map[string]any), reporting a type mismatch like encoding/json would.
func assignAny(v any, x any) error {
	switch p := v.(type) {
	case *any:
		*p = x
		return nil
	case *[]any:
		if x == nil {
			*p = nil
			return nil
		}
		if s, ok := x.([]any); ok {
			*p = s
			return nil
		}
	case *map[string]any:
		if x == nil {
			*p = nil
			return nil
		}
		if m, ok := x.(map[string]any); ok {
			*p = m
			return nil
		}
	}
	return &json.UnmarshalTypeError{Value: fmt.Sprintf("%T", x), Type: reflect.TypeOf(v).Elem()}
}

// substituted returns element i with each placeholder replaced by the
// base64 JSON string of its attachment, so that []byte targets decode
// naturally with encoding/json.
func (a *jsonArgs) substituted(i int, phs []placeholder) []byte {
	e := a.elems[i]
	n := e.end - e.start
	for _, ph := range phs {
		n += base64.StdEncoding.EncodedLen(len(a.att[ph.num])) + 2 - (ph.end - ph.start)
	}
	out := make([]byte, 0, n)
	pos := e.start
	for _, ph := range phs {
		out = append(out, a.data[pos:ph.start]...)
		out = append(out, '"')
		out = base64.StdEncoding.AppendEncode(out, a.att[ph.num])
		out = append(out, '"')
		pos = ph.end
	}
	return append(out, a.data[pos:e.end]...)
}

func (a *jsonArgs) argValue(i int) (any, error) {
	var x any
	if err := json.Unmarshal(a.argRaw(i), &x); err != nil {
		return nil, err
	}
	if len(a.placeholders(i)) == 0 {
		return x, nil
	}
	return reconstruct(x, a.att)
}

// reconstruct replaces the placeholder objects in x with their attachments,
// like socket.io-parser's reconstructPacket.
func reconstruct(x any, att [][]byte) (any, error) {
	switch v := x.(type) {
	case []any:
		for k, e := range v {
			r, err := reconstruct(e, att)
			if err != nil {
				return nil, err
			}
			v[k] = r
		}
	case map[string]any:
		if v["_placeholder"] == true {
			f, ok := v["num"].(float64)
			if !ok || f < 0 || f >= float64(len(att)) || f != float64(int(f)) {
				return nil, errorf(ErrInvalidAttachments, "placeholder num %v", v["num"])
			}
			return att[int(f)], nil
		}
		for k, e := range v {
			r, err := reconstruct(e, att)
			if err != nil {
				return nil, err
			}
			v[k] = r
		}
	}
	return x, nil
}

func (a *jsonArgs) argJSON(i int) ([]byte, error) {
	if phs := a.placeholders(i); len(phs) > 0 {
		return a.substituted(i, phs), nil
	}
	return a.argRaw(i), nil
}

func (a *jsonArgs) argBinary(i int) bool { return len(a.placeholders(i)) > 0 }

// argExact decodes element i like argValue, numbers as exactNumber does.
func (a *jsonArgs) argExact(i int) (any, error) {
	d := json.NewDecoder(bytes.NewReader(a.argRaw(i)))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return nil, err
	}
	x = exactNumbers(x)
	if len(a.placeholders(i)) == 0 {
		return x, nil
	}
	return reconstruct(x, a.att)
}

// exactNumbers replaces the json.Number values in x with int64 or uint64
// for integers that fit, float64 for other numbers that float64 holds, and
// leaves the rest (larger integers, out-of-range floats) as json.Number.
// The placeholders' "num" become float64, as reconstruct expects.
func exactNumbers(x any) any {
	switch v := x.(type) {
	case json.Number:
		s := string(v)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return n
		}
		if !strings.ContainsAny(s, ".eE") {
			return v // an integer beyond 64 bits
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
		return v
	case []any:
		for k, e := range v {
			v[k] = exactNumbers(e)
		}
	case map[string]any:
		if v["_placeholder"] == true {
			if n, ok := v["num"].(json.Number); ok {
				if f, err := n.Float64(); err == nil {
					v["num"] = f
				}
			}
			return v
		}
		for k, e := range v {
			v[k] = exactNumbers(e)
		}
	}
	return x
}
