// Package fanout merges the optional callback fields of several observer
// structs into one: for each field, nil when no observer sets it, else a
// function calling each observer's in order, under panic recovery.
// Observers change rarely and callbacks are hot, so the merging is done
// once, when the set of observers changes.
package fanout

import (
	"slices"
	"sync"
	"sync/atomic"
)

// guard runs f, passing a panic's value to onPanic.
func guard(onPanic func(any), f func()) {
	defer func() {
		if v := recover(); v != nil {
			onPanic(v)
		}
	}()
	f()
}

// Fan1 merges the one-argument callbacks get selects in list; a callback
// that panics is recovered and its panic value passed to onPanic.
func Fan1[O, A any](list []*O, get func(*O) func(A), onPanic func(any)) func(A) {
	var fs []func(A)
	for _, o := range list {
		if f := get(o); f != nil {
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		return nil
	}
	return func(a A) {
		for _, f := range fs {
			guard(onPanic, func() { f(a) })
		}
	}
}

// Fan2 merges two-argument callbacks.
func Fan2[O, A, B any](list []*O, get func(*O) func(A, B), onPanic func(any)) func(A, B) {
	var fs []func(A, B)
	for _, o := range list {
		if f := get(o); f != nil {
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		return nil
	}
	return func(a A, b B) {
		for _, f := range fs {
			guard(onPanic, func() { f(a, b) })
		}
	}
}

// Fan3 merges three-argument callbacks.
func Fan3[O, A, B, C any](list []*O, get func(*O) func(A, B, C), onPanic func(any)) func(A, B, C) {
	var fs []func(A, B, C)
	for _, o := range list {
		if f := get(o); f != nil {
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		return nil
	}
	return func(a A, b B, c C) {
		for _, f := range fs {
			guard(onPanic, func() { f(a, b, c) })
		}
	}
}

// Set is a list of installed observers and their merged form, for a server
// to embed; its zero value is empty. Add and the function it returns are
// safe for concurrent use; Load is one atomic load.
type Set[O any] struct {
	mu   sync.Mutex // guards list; held while cur is replaced
	list []*O
	cur  atomic.Pointer[O] // the merged observer; nil when list is empty
}

// Load returns the merged observer, or nil when none is installed.
func (s *Set[O]) Load() *O { return s.cur.Load() }

// Add installs a copy of o and returns a function that removes it (calling
// it again does nothing). merge builds the merged observer of a non-empty
// list.
func (s *Set[O]) Add(o *O, merge func([]*O) *O) (remove func()) {
	c := new(O)
	*c = *o
	s.mu.Lock()
	s.list = append(slices.Clip(s.list), c)
	s.cur.Store(merge(s.list))
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.list = slices.DeleteFunc(slices.Clone(s.list), func(x *O) bool { return x == c })
			if len(s.list) == 0 {
				s.cur.Store(nil)
				return
			}
			s.cur.Store(merge(s.list))
		})
	}
}
