package core

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/socketio-go/sio/core/parser"
)

// Args is the lazily decoded argument list of an event or acknowledgement.
// Decode(i, &v) decodes argument i into v; Raw(i) returns it as received.
type Args = parser.Args

// AckFunc, passed as the last argument of an Emit, receives the client's
// acknowledgement, or an error: ErrAckTimeout after a Timeout, or
// ErrNotConnected when the socket disconnects first.
type AckFunc func(reply Args, err error)

// handler is a compiled event handler. call decodes the arguments, runs the
// user function and returns the acknowledgement arguments.
type handler struct {
	call func(ctx context.Context, s *Socket, event string, args Args) ([]any, error)
}

var (
	typeSocket  = reflect.TypeFor[*Socket]()
	typeContext = reflect.TypeFor[context.Context]()
	typeArgs    = reflect.TypeFor[Args]()
	typeError   = reflect.TypeFor[error]()
	typeString  = reflect.TypeFor[string]()
)

// compileHandler turns fn into a handler by reflection. The accepted shapes
// are
//
//	func([ctx context.Context,] s *Socket, [event string,] a A, b B, ...) [(R1, R2, ..., [error])]
//
// where event is present for catch-all handlers (withEvent), each parameter
// after it receives one argument decoded into its type (a missing argument
// leaves the zero value), and a final parameter of type Args receives the
// remaining arguments undecoded. The results become the acknowledgement; a
// non-nil final error is sent as {"error": text} instead.
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
	first := i
	params := make([]reflect.Type, 0, t.NumIn()-first)
	rest := false
	for ; i < t.NumIn(); i++ {
		if t.In(i) == typeArgs {
			if i != t.NumIn()-1 {
				panic(fmt.Errorf("%w: %T: Args must be the last parameter", ErrBadHandler, fn))
			}
			rest = true
			break
		}
		params = append(params, t.In(i))
	}
	nout := t.NumOut()
	withErr := nout > 0 && t.Out(nout-1) == typeError
	if withErr {
		nout--
	}
	return &handler{call: func(ctx context.Context, s *Socket, event string, args Args) ([]any, error) {
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
					return nil, &HandlerError{Event: event, Message: fmt.Sprintf("argument %d: %v", j, err)}
				}
			}
			in = append(in, pv.Elem())
		}
		if rest {
			in = append(in, reflect.ValueOf(args.Slice(len(params))))
		}
		out := v.Call(in)
		if withErr {
			if e := out[nout]; !e.IsNil() {
				return nil, e.Interface().(error)
			}
		}
		if nout == 1 && t.Out(0) == typeArgs {
			return spreadArgs(out[0].Interface().(Args)), nil
		}
		res := make([]any, nout)
		for j := range nout {
			res[j] = out[j].Interface()
		}
		return res, nil
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
	if params > 1 || t.NumOut() > 1 || (t.NumOut() == 1 && t.Out(0) != typeError) {
		panic(fmt.Errorf("%w: %T: a connect handler takes the socket and at most the auth payload, and returns at most an error", ErrBadHandler, fn))
	}
	return h
}

// Handle registers a compile-time typed handler for event on nsp: the first
// argument is decoded into In, and the result becomes the acknowledgement
// (or {"error": text} when err is not nil). ctx is the socket's context,
// cancelled when it disconnects.
func Handle[In, Out any](nsp *Namespace, event string, fn func(ctx context.Context, s *Socket, in In) (Out, error)) {
	nsp.setHandler(event, &handler{call: func(ctx context.Context, s *Socket, ev string, args Args) ([]any, error) {
		var in In
		if args.Len() > 0 {
			if err := args.Decode(0, &in); err != nil {
				return nil, &HandlerError{Event: ev, Message: "argument 0: " + err.Error()}
			}
		}
		out, err := fn(ctx, s, in)
		if err != nil {
			return nil, err
		}
		return []any{out}, nil
	}})
}

// spreadArgs turns received arguments into values to send back unchanged
// (raw JSON when they hold no binary data).
func spreadArgs(a Args) []any {
	res := make([]any, a.Len())
	for i := range res {
		res[i], _ = a.Passthrough(i)
	}
	return res
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
