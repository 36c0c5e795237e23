package parser

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// maxWalkDepth bounds the nesting the binary walker follows, like
// encoding/json's cycle detection.
const maxWalkDepth = 1000

var errTooDeep = errors.New("value nested too deeply (cycle?)")

// hasBinary reports whether the value holds a non-nil byte slice that must
// become an attachment. Values too deep to search report true, so that the
// walker reports the cycle.
func hasBinary(a any, depth int) bool {
	if depth > maxWalkDepth {
		return true
	}
	switch v := a.(type) {
	case nil, string, bool, int, int64, int32, uint, uint64, uint32, float64, float32, json.RawMessage:
		return false
	case []byte:
		return v != nil
	case Args:
		return v.hasBinary()
	case []any:
		for _, x := range v {
			if hasBinary(x, depth+1) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, x := range v {
			if hasBinary(x, depth+1) {
				return true
			}
		}
		return false
	}
	rv := reflect.ValueOf(a)
	if !mayHoldBinary(rv.Type()) {
		return false
	}
	return valueHasBinary(rv, depth)
}

func valueHasBinary(v reflect.Value, depth int) bool {
	if depth > maxWalkDepth {
		return true
	}
	t := v.Type()
	if !mayHoldBinary(t) {
		return false
	}
	if t == argsType {
		return !v.CanInterface() || v.Interface().(Args).hasBinary()
	}
	switch t.Kind() {
	case reflect.Interface, reflect.Pointer:
		return !v.IsNil() && valueHasBinary(v.Elem(), depth+1)
	case reflect.Slice:
		if isBinaryType(t) {
			return !v.IsNil()
		}
		fallthrough
	case reflect.Array:
		for i := range v.Len() {
			if valueHasBinary(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if valueHasBinary(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		for _, f := range structFields(t) {
			fv, err := v.FieldByIndexErr(f.index)
			if err == nil && valueHasBinary(fv, depth+1) {
				return true
			}
		}
	}
	return false
}

// walkValue writes a value holding binary data: JSON like encoding/json's,
// with each byte slice replaced by a placeholder.
func (e *jsonEncoder) walkValue(a any) error {
	return e.walk(reflect.ValueOf(a), 0, false)
}

// walk writes v. addr tells whether encoding/json would see v as
// addressable (and so call pointer-receiver MarshalJSON methods): walk may
// copy structs to read their fields, which must not change that.
func (e *jsonEncoder) walk(v reflect.Value, depth int, addr bool) error {
	if depth > maxWalkDepth {
		return errTooDeep
	}
	if !v.IsValid() {
		e.buf.WriteString("null")
		return nil
	}
	if !v.CanInterface() {
		// Promoted through an unexported embedded struct: encoding/json
		// encodes these, so read them the same way (walk keeps every
		// struct it reads fields from addressable).
		if !v.CanAddr() {
			return fmt.Errorf("cannot read unexported value of type %v", v.Type())
		}
		v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	t := v.Type()
	if t == argsType {
		return e.writeArgs(v.Interface().(Args), depth)
	}
	if isMarshaler(t) || !mayHoldBinary(t) {
		x := v.Interface()
		if addr && v.Kind() != reflect.Pointer && v.CanAddr() && isMarshaler(reflect.PointerTo(t)) {
			x = v.Addr().Interface() // as encoding/json does for addressable values
		}
		return e.encodeJSON(x)
	}
	switch t.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			e.buf.WriteString("null")
			return nil
		}
		return e.walk(v.Elem(), depth+1, t.Kind() == reflect.Pointer)
	case reflect.Slice:
		if v.IsNil() {
			e.buf.WriteString("null")
			return nil
		}
		if isBinaryType(t) {
			e.buf.Write(e.appendPlaceholder(e.buf.AvailableBuffer(), v.Bytes()))
			return nil
		}
		fallthrough
	case reflect.Array:
		elemAddr := addr || t.Kind() == reflect.Slice
		e.buf.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			if err := e.walk(v.Index(i), depth+1, elemAddr); err != nil {
				return err
			}
		}
		e.buf.WriteByte(']')
		return nil
	case reflect.Map:
		return e.walkMap(v, depth)
	case reflect.Struct:
		return e.walkStruct(v, depth, addr)
	}
	return e.encodeJSON(v.Interface())
}

func (e *jsonEncoder) walkMap(v reflect.Value, depth int) error {
	if v.IsNil() {
		e.buf.WriteString("null")
		return nil
	}
	type kv struct {
		key string
		val reflect.Value
	}
	kvs := make([]kv, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := mapKeyString(it.Key())
		if err != nil {
			return err
		}
		kvs = append(kvs, kv{k, it.Value()})
	}
	slices.SortFunc(kvs, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	e.buf.WriteByte('{')
	for i, p := range kvs {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		b := appendJSONString(e.buf.AvailableBuffer(), p.key)
		e.buf.Write(append(b, ':'))
		if err := e.walk(p.val, depth+1, false); err != nil {
			return err
		}
	}
	e.buf.WriteByte('}')
	return nil
}

// mapKeyString resolves a map key the way encoding/json does.
func mapKeyString(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := tm.MarshalText()
		return string(b), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", &json.UnsupportedTypeError{Type: k.Type()}
}

func (e *jsonEncoder) walkStruct(v reflect.Value, depth int, addr bool) error {
	if !v.CanAddr() {
		// Keep fields addressable (see walk); costs one copy.
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		v = c
	}
	e.buf.WriteByte('{')
	first := true
	for i := range structFields(v.Type()) {
		f := &structFields(v.Type())[i]
		fv, err := v.FieldByIndexErr(f.index)
		if err != nil {
			continue // through a nil embedded pointer
		}
		if f.omitEmpty && isEmptyValue(fv) || f.omitZero && isZeroValue(fv) {
			continue
		}
		if !first {
			e.buf.WriteByte(',')
		}
		first = false
		e.buf.Write(f.nameJSON)
		if f.quoted {
			if err := e.writeQuoted(fv); err != nil {
				return err
			}
			continue
		}
		if err := e.walk(fv, depth+1, addr); err != nil {
			return err
		}
	}
	e.buf.WriteByte('}')
	return nil
}

// writeQuoted writes a scalar field tagged ",string".
func (e *jsonEncoder) writeQuoted(v reflect.Value) error {
	if !v.CanInterface() {
		v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			e.buf.WriteString("null")
			return nil
		}
		v = v.Elem()
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return err
	}
	e.buf.Write(appendJSONString(e.buf.AvailableBuffer(), string(b)))
	return nil
}

// isEmptyValue is encoding/json's "omitempty" test.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

type isZeroer interface{ IsZero() bool }

var isZeroerType = reflect.TypeFor[isZeroer]()

// isZeroValue is encoding/json's "omitzero" test: an IsZero method when
// the type has one, the zero value otherwise.
func isZeroValue(v reflect.Value) bool {
	t := v.Type()
	switch {
	case t.Implements(isZeroerType):
		if t.Kind() == reflect.Pointer && v.IsNil() {
			return true
		}
		if v.CanInterface() {
			return v.Interface().(isZeroer).IsZero()
		}
	case v.CanAddr() && reflect.PointerTo(t).Implements(isZeroerType) && v.Addr().CanInterface():
		return v.Addr().Interface().(isZeroer).IsZero()
	}
	return v.IsZero()
}
