package core

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"

	"github.com/socketio-go/sio/core/parser"
)

// RegisterNamespace registers the methods of v, a pointer to a struct, as
// the handlers of namespace name (python-socketio's class-based
// namespaces), and returns the namespace.
//
// Method names map to events this way:
//
//	OnConnect(s *Socket[, auth A]) error                the connect handler
//	OnDisconnect(s *Socket, reason DisconnectReason)     the disconnect handler
//	OnDisconnecting(s *Socket, reason DisconnectReason)  the disconnecting handler
//	OnChatMessage(s *Socket, ...)                       events "chatMessage" and "chat_message"
//	OnPing(s *Socket, ...)                              event "ping"
//	OnHTTPRequest(s *Socket, ...)                       events "httpRequest" and "http_request"
//
// that is, the name after "On" in lower camel case and in snake case, an
// initialism counting as one word. Event methods take the shapes On
// accepts; a method whose event name is reserved (OnConnectError,
// OnNewListener ...) panics with ErrBadHandler. A handler set with On,
// OnConnect or OnDisconnect takes precedence over a method, whenever it is
// set.
//
// When the struct embeds *Namespace, that field is set to the namespace, so
// the methods can use the namespace's Emit, To, EnterRoom, Session and the
// rest, bound to it. For the catch-all namespace "*", each namespace it
// serves gets its own shallow copy of the struct, whose embedded
// *Namespace is that namespace: an Emit from a method reaches the
// namespace of the socket being served (keep state shared across
// namespaces behind pointers); v itself keeps Of("*").
func (s *Server) RegisterNamespace(name string, v any) *Namespace {
	nsp := s.Of(name)
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic(fmt.Errorf("%w: RegisterNamespace needs a pointer to a struct, got %T", ErrBadHandler, v))
	}
	c := &classNamespace{proto: rv, fixed: compileClass(rv, nsp)}
	if nsp.match != nil {
		c.copies = make(map[*Namespace]*classHandlers)
	}
	nsp.hmu.Lock()
	nsp.class = c
	nsp.hmu.Unlock()
	return nsp
}

// classNamespace is a struct registered with RegisterNamespace.
type classNamespace struct {
	proto reflect.Value  // the registered pointer
	fixed *classHandlers // its methods, bound to proto

	// For a parent namespace: a copy of the struct per namespace served.
	mu     sync.Mutex // guards copies
	copies map[*Namespace]*classHandlers
}

// classHandlers are the compiled methods of one struct.
type classHandlers struct {
	events          map[string]*handler
	onConnect       *handler
	onDisconnect    func(*Socket, DisconnectReason)
	onDisconnecting func(*Socket, DisconnectReason)
}

// handlers returns the methods that serve the sockets of target.
func (c *classNamespace) handlers(target *Namespace) *classHandlers {
	if c == nil {
		return nil
	}
	if c.copies == nil || target == nil {
		return c.fixed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.copies[target]
	if h == nil {
		cp := reflect.New(c.proto.Elem().Type())
		cp.Elem().Set(c.proto.Elem())
		h = compileClass(cp, target)
		c.copies[target] = h
	}
	return h
}

// forget drops the copy made for target, a namespace that is gone.
func (c *classNamespace) forget(target *Namespace) {
	if c == nil || c.copies == nil {
		return
	}
	c.mu.Lock()
	delete(c.copies, target)
	c.mu.Unlock()
}

// compileClass sets the embedded *Namespace field of the struct rv points
// to, and compiles its On<Event> methods.
func compileClass(rv reflect.Value, nsp *Namespace) *classHandlers {
	st := rv.Elem()
	for i := range st.NumField() {
		f := st.Type().Field(i)
		if f.Anonymous && f.Type == reflect.TypeFor[*Namespace]() && st.Field(i).CanSet() {
			st.Field(i).Set(reflect.ValueOf(nsp))
		}
	}
	nsType := reflect.TypeFor[*Namespace]()
	c := &classHandlers{events: make(map[string]*handler)}
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
			c.onConnect = compileConnectHandler(fn.Interface())
		case "OnDisconnect", "OnDisconnecting":
			f, ok := fn.Interface().(func(*Socket, DisconnectReason))
			if !ok {
				panic(fmt.Errorf("%w: %s must be func(*Socket, DisconnectReason), got %s", ErrBadHandler, m.Name, fn.Type()))
			}
			if m.Name == "OnDisconnect" {
				c.onDisconnect = f
			} else {
				c.onDisconnecting = f
			}
		default:
			h := compileHandler(fn.Interface(), false)
			for _, ev := range methodEvents(m.Name[2:]) {
				if parser.IsReservedEvent(ev) {
					panic(fmt.Errorf("%w: method %s: %q is a reserved event name", ErrBadHandler, m.Name, ev))
				}
				c.events[ev] = h
			}
		}
	}
	return c
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
