package core

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"
)

// RegisterNamespace registers the methods of v, a pointer to a struct, as
// the handlers of namespace name (python-socketio's class-based
// namespaces), and returns the namespace.
//
// Method names map to events this way:
//
//	OnConnect(s *Socket[, auth A]) error            the connect handler
//	OnDisconnect(s *Socket, reason DisconnectReason) the disconnect handler
//	OnChatMessage(s *Socket, ...)                   events "chatMessage" and "chat_message"
//	OnPing(s *Socket, ...)                          event "ping"
//
// that is, the name after "On" with its first letter lowered, and the same
// in snake case. Event methods take the shapes On accepts. A handler set
// with On, OnConnect or OnDisconnect takes precedence over a method.
//
// When the struct embeds *Namespace, that field is set to the namespace, so
// the methods can use the namespace's Emit, To, EnterRoom, Session and the
// rest, bound to it.
func (s *Server) RegisterNamespace(name string, v any) *Namespace {
	nsp := s.Of(name)
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic(fmt.Errorf("%w: RegisterNamespace needs a pointer to a struct, got %T", ErrBadHandler, v))
	}
	st := rv.Elem()
	for i := range st.NumField() {
		f := st.Type().Field(i)
		if f.Anonymous && f.Type == reflect.TypeFor[*Namespace]() && st.Field(i).CanSet() {
			st.Field(i).Set(reflect.ValueOf(nsp))
		}
	}
	nsType := reflect.TypeFor[*Namespace]()
	class := make(map[string]*handler)
	var onConnect *handler
	var onDisconnect func(*Socket, DisconnectReason)
	for i := range rv.NumMethod() {
		m := rv.Type().Method(i)
		if !strings.HasPrefix(m.Name, "On") || len(m.Name) <= 2 {
			continue
		}
		fn := rv.Method(i)
		if _, promoted := nsType.MethodByName(m.Name); promoted && !takesSocket(fn.Type()) {
			continue // a method of the embedded *Namespace
		}
		switch m.Name {
		case "OnConnect":
			onConnect = compileHandler(fn.Interface(), false)
		case "OnDisconnect":
			f, ok := fn.Interface().(func(*Socket, DisconnectReason))
			if !ok {
				panic(fmt.Errorf("%w: OnDisconnect must be func(*Socket, DisconnectReason), got %s", ErrBadHandler, fn.Type()))
			}
			onDisconnect = f
		default:
			h := compileHandler(fn.Interface(), false)
			for _, ev := range methodEvents(m.Name[2:]) {
				class[ev] = h
			}
		}
	}
	nsp.hmu.Lock()
	defer nsp.hmu.Unlock()
	nsp.class = class
	if nsp.onConnect == nil {
		nsp.onConnect = onConnect
	}
	if nsp.onDisconnect == nil {
		nsp.onDisconnect = onDisconnect
	}
	return nsp
}

func takesSocket(t reflect.Type) bool {
	for i := range min(t.NumIn(), 2) {
		if t.In(i) == typeSocket {
			return true
		}
	}
	return false
}

// methodEvents returns the event names of a method named "On"+name: the
// name with its first letter lowered, and its snake-case form.
func methodEvents(name string) []string {
	r := []rune(name)
	r[0] = unicode.ToLower(r[0])
	camel := string(r)
	var b strings.Builder
	for i, c := range name {
		if unicode.IsUpper(c) {
			if i > 0 {
				b.WriteByte('_')
			}
			c = unicode.ToLower(c)
		}
		b.WriteRune(c)
	}
	if snake := b.String(); snake != camel {
		return []string{camel, snake}
	}
	return []string{camel}
}
