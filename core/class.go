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
//	OnHTTPRequest(s *Socket, ...)                   events "httpRequest" and "http_request"
//
// that is, the name after "On" in lower camel case and in snake case, an
// initialism counting as one word. Event methods take the shapes On
// accepts. A handler set with On, OnConnect or OnDisconnect takes
// precedence over a method, whenever it is set.
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
			onConnect = compileConnectHandler(fn.Interface())
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
// name in lower camel case, and in snake case. Initialisms are words:
// "HTTPRequest" gives "httpRequest" and "http_request".
func methodEvents(name string) []string {
	words := splitWords(name)
	lower := make([]string, len(words))
	for i, w := range words {
		lower[i] = strings.ToLower(w)
	}
	camel := lower[0] + strings.Join(words[1:], "")
	if snake := strings.Join(lower, "_"); snake != camel {
		return []string{camel, snake}
	}
	return []string{camel}
}

// splitWords splits a Go identifier at its word boundaries: before an upper
// case letter that follows a lower case letter or digit, or that starts a
// word after an initialism ("HTTPRequest": "HTTP", "Request").
func splitWords(s string) []string {
	r := []rune(s)
	var words []string
	start := 0
	for i := 1; i < len(r); i++ {
		if !unicode.IsUpper(r[i]) {
			continue
		}
		if !unicode.IsUpper(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1])) {
			words = append(words, string(r[start:i]))
			start = i
		}
	}
	return append(words, string(r[start:]))
}
