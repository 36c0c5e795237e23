package parser

import (
	"reflect"
	"sync"
)

// mayCycleCache maps reflect.Type to bool.
var mayCycleCache sync.Map

// mayCycle reports whether values of type t can nest without bound (and so
// form a cycle): t reaches an interface or itself through pointers, slices,
// maps or struct fields. msgpack's encoder does not detect cycles (it would
// overflow the stack), so such values get a bounded depth check first.
func mayCycle(t reflect.Type) bool {
	if v, ok := mayCycleCache.Load(t); ok {
		return v.(bool)
	}
	r := computeMayCycle(t, map[reflect.Type]bool{})
	mayCycleCache.Store(t, r)
	return r
}

// computeMayCycle searches from t; onPath holds the types on the current
// path (a type met again on it is recursive).
func computeMayCycle(t reflect.Type, onPath map[reflect.Type]bool) bool {
	if onPath[t] {
		return true
	}
	onPath[t] = true
	defer delete(onPath, t)
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return computeMayCycle(t.Elem(), onPath)
	case reflect.Map:
		return computeMayCycle(t.Key(), onPath) || computeMayCycle(t.Elem(), onPath)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); (f.IsExported() || f.Anonymous) && computeMayCycle(f.Type, onPath) {
				return true
			}
		}
	}
	return false
}

// tooDeep reports whether a nests deeper than maxWalkDepth (a cycle, in
// practice). It is cheap for the common shapes and for types that cannot
// nest without bound.
func tooDeep(a any, depth int) bool {
	if depth > maxWalkDepth {
		return true
	}
	switch v := a.(type) {
	case nil, string, bool, int, int64, int32, uint, uint64, uint32, float64, float32, []byte:
		return false
	case []any:
		for _, x := range v {
			if tooDeep(x, depth+1) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, x := range v {
			if tooDeep(x, depth+1) {
				return true
			}
		}
		return false
	}
	rv := reflect.ValueOf(a)
	if !mayCycle(rv.Type()) {
		return false
	}
	return valueTooDeep(rv, depth)
}

func valueTooDeep(v reflect.Value, depth int) bool {
	if depth > maxWalkDepth {
		return true
	}
	if !mayCycle(v.Type()) {
		return false
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		return !v.IsNil() && valueTooDeep(v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if valueTooDeep(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if valueTooDeep(it.Key(), depth+1) || valueTooDeep(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if f := t.Field(i); (f.IsExported() || f.Anonymous) && valueTooDeep(v.Field(i), depth+1) {
				return true
			}
		}
	}
	return false
}
