package core

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/socketio-go/sio/core/parser"
)

// Args is the lazily decoded argument list of an event or acknowledgement.
// Decode(i, &v) decodes argument i into v; Raw(i) returns it as received.
type Args = parser.Args

// AckFunc, passed as the last argument of an Emit, receives the client's
// acknowledgement, or an error: ErrAckTimeout after a Timeout, or
// ErrNotConnected when the socket disconnects first.
type AckFunc func(reply Args, err error)

// Ack sends the acknowledgement of the event being handled: a handler
// whose last parameter is an Ack acknowledges by calling it, at once, later
// from another goroutine, or never (the client's ack timeout then fires),
// as a Node.js callback allows. The arguments are sent like an Emit's (an
// Args spreads). It returns ErrAckSent when called again, ErrNotConnected
// after the socket has left, and does nothing when the client asked for no
// acknowledgement.
type Ack func(args ...any) error

// handler is a compiled event handler. call decodes the arguments, runs the
// user function and returns the acknowledgement arguments; a handler that
// takes an Ack (acks) sends its acknowledgement itself, and call's results
// are then empty.
type handler struct {
	call func(ctx context.Context, s *Socket, event string, args Args, ack Ack) ([]any, error)
	acks bool
	// noAuth is what a connect handler receives when the client sent no
	// auth payload: {}, or nothing (the zero value) for a type {} does not
	// decode into.
	noAuth Args
}

var (
	typeSocket  = reflect.TypeFor[*Socket]()
	typeContext = reflect.TypeFor[context.Context]()
	typeArgs    = reflect.TypeFor[Args]()
	typeAck     = reflect.TypeFor[Ack]()
	typeError   = reflect.TypeFor[error]()
	typeString  = reflect.TypeFor[string]()
)

// compileHandler turns fn into a handler by reflection. The accepted shapes
// are
//
//	func([ctx context.Context,] s *Socket, [event string,] a A, b B, ...) [(R1, R2, ..., [error])]
//	func([ctx context.Context,] s *Socket, [event string,] a A, b B, ..., ack Ack) [error]
//
// where event is present for catch-all handlers (withEvent), each parameter
// after it receives one argument decoded into its type (a missing argument
// leaves the zero value), and a final parameter of type Args (before the
// Ack, if any) receives the remaining arguments undecoded. The results
// become the acknowledgement; a non-nil final error is sent as
// {"error": text} instead (with an Ack, unless it was already called).
func compileHandler(fn any, withEvent bool) *handler {
	v := reflect.ValueOf(fn)
	if !v.IsValid() || v.Kind() != reflect.Func || v.IsNil() || v.Type().IsVariadic() {
		panic(fmt.Errorf("%w: %T is not a non-nil, non-variadic func", ErrBadHandler, fn))
	}
	t := v.Type()
	i := 0
	withCtx := t.NumIn() > 0 && t.In(0) == typeContext
	if withCtx {
		i++
	}
	if t.NumIn() <= i || t.In(i) != typeSocket {
		panic(fmt.Errorf("%w: %T: the socket parameter *Socket is missing", ErrBadHandler, fn))
	}
	i++
	if withEvent {
		if t.NumIn() <= i || t.In(i) != typeString {
			panic(fmt.Errorf("%w: %T: a catch-all handler takes the event name (string) after the socket", ErrBadHandler, fn))
		}
		i++
	}
	nin := t.NumIn()
	withAck := nin > i && t.In(nin-1) == typeAck
	if withAck {
		nin--
	}
	params := make([]reflect.Type, 0, nin-i)
	rest := false
	for ; i < nin; i++ {
		switch t.In(i) {
		case typeArgs:
			if i != nin-1 {
				panic(fmt.Errorf("%w: %T: Args must be the last parameter (before an Ack)", ErrBadHandler, fn))
			}
			rest = true
		case typeAck:
			panic(fmt.Errorf("%w: %T: Ack must be the last parameter", ErrBadHandler, fn))
		default:
			params = append(params, t.In(i))
		}
	}
	nout := t.NumOut()
	withErr := nout > 0 && t.Out(nout-1) == typeError
	if withErr {
		nout--
	}
	if withAck && nout > 0 {
		panic(fmt.Errorf("%w: %T: a handler taking an Ack acknowledges through it, and returns at most an error", ErrBadHandler, fn))
	}
	return &handler{acks: withAck, call: func(ctx context.Context, s *Socket, event string, args Args, ack Ack) ([]any, error) {
		in := make([]reflect.Value, 0, t.NumIn())
		if withCtx {
			in = append(in, reflect.ValueOf(ctx))
		}
		in = append(in, reflect.ValueOf(s))
		if withEvent {
			in = append(in, reflect.ValueOf(event))
		}
		for j, pt := range params {
			pv := reflect.New(pt)
			if j < args.Len() {
				if err := args.Decode(j, pv.Interface()); err != nil {
					return nil, &HandlerError{Event: event, Message: fmt.Sprintf("argument %d: %v", j, err), cause: err}
				}
			}
			in = append(in, pv.Elem())
		}
		if rest {
			in = append(in, reflect.ValueOf(args.Slice(len(params))))
		}
		if withAck {
			in = append(in, reflect.ValueOf(ack))
		}
		out := v.Call(in)
		if withErr {
			if e := out[nout]; !e.IsNil() {
				return nil, e.Interface().(error)
			}
		}
		res := make([]any, nout)
		for j := range nout {
			res[j] = out[j].Interface()
		}
		return spread(res), nil
	}}
}

// compileConnectHandler compiles a connect handler: one of the shapes
//
//	func([ctx context.Context,] s *Socket[, auth A]) [error]
func compileConnectHandler(fn any) *handler {
	h := compileHandler(fn, false)
	t := reflect.TypeOf(fn)
	params := t.NumIn() - 1 // the socket
	if t.In(0) == typeContext {
		params--
	}
	if h.acks || params > 1 || t.NumOut() > 1 || (t.NumOut() == 1 && t.Out(0) != typeError) {
		panic(fmt.Errorf("%w: %T: a connect handler takes the socket and at most the auth payload, and returns at most an error", ErrBadHandler, fn))
	}
	if params == 1 && noAuth.Decode(0, reflect.New(t.In(t.NumIn()-1)).Interface()) == nil {
		h.noAuth = noAuth
	}
	return h
}

// Handle registers a compile-time typed handler for event on nsp: the first
// argument is decoded into In, and the result becomes the acknowledgement
// (or {"error": text} when err is not nil). ctx is the socket's context,
// cancelled when it disconnects.
func Handle[In, Out any](nsp *Namespace, event string, fn func(ctx context.Context, s *Socket, in In) (Out, error)) {
	nsp.setHandler(event, &handler{call: func(ctx context.Context, s *Socket, ev string, args Args, _ Ack) ([]any, error) {
		var in In
		if args.Len() > 0 {
			if err := args.Decode(0, &in); err != nil {
				return nil, &HandlerError{Event: ev, Message: "argument 0: " + err.Error(), cause: err}
			}
		}
		out, err := fn(ctx, s, in)
		if err != nil {
			return nil, err
		}
		return spread([]any{out}), nil
	}})
}

// spread returns args with each Args value replaced by the arguments it
// holds, in a form sent back as received (see Args.Passthrough): emitting
// or acknowledging with an Args relays it. args itself is returned when it
// holds no Args.
func spread(args []any) []any {
	n := -1
	for i, a := range args {
		if _, ok := a.(Args); ok {
			n = i
			break
		}
	}
	if n < 0 {
		return args
	}
	out := slices.Clone(args[:n])
	for _, a := range args[n:] {
		r, ok := a.(Args)
		if !ok {
			out = append(out, a)
			continue
		}
		for i := range r.Len() {
			v, _ := r.Passthrough(i)
			out = append(out, v)
		}
	}
	return out
}

// ackError is the acknowledgement sent for a failed handler.
func ackError(err error) []any {
	msg := err.Error()
	var he *HandlerError
	if errors.As(err, &he) {
		msg = he.Message
	}
	return []any{map[string]string{"error": msg}}
}

// noAuth is the auth payload connect handlers receive when the client sent
// none: an empty object, as Node.js reports it, so a map parameter gets an
// empty map and a struct its zero value.
var noAuth, _ = argsOf(map[string]any{})

// panicStack returns the stack of a recovered panic, one "function
// (file:line)" entry per frame from the panicking one, so a log handler can
// print it one frame per line.
func panicStack() []string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs) // past runtime.Callers, panicStack and the deferred func
	frames := runtime.CallersFrames(pcs[:n])
	var out []string
	for {
		f, more := frames.Next()
		if f.Function != "" && !strings.HasPrefix(f.Function, "runtime.") {
			out = append(out, f.Function+" ("+f.File+":"+strconv.Itoa(f.Line)+")")
		}
		if !more {
			return out
		}
	}
}
