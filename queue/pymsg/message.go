package pymsg

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/socketio-go/sio/core/parser"
)

// Method is the kind of a message (its "method" field).
type Method string

// The methods of python-socketio's PubSubManager.
const (
	MethodEmit       Method = "emit"
	MethodDisconnect Method = "disconnect"
	MethodEnterRoom  Method = "enter_room"
	MethodLeaveRoom  Method = "leave_room"
	MethodCloseRoom  Method = "close_room"
	MethodCallback   Method = "callback"
)

// ErrInvalidMessage is wrapped by the errors of Decode.
var ErrInvalidMessage = errors.New("sio/pymsg: invalid message")

// Message is one message of python-socketio's pub/sub managers. Which
// fields a method uses:
//
//	emit         Event, Args, Namespace, Rooms (none: every socket), Skip, Callback, HostID
//	disconnect   SID, Namespace, HostID
//	enter_room   SID, Room, Namespace, HostID
//	leave_room   SID, Room, Namespace, HostID
//	close_room   Room, Namespace, HostID
//	callback     HostID (of the server awaiting it), SID, Namespace, ID, Args
type Message struct {
	// Method is the kind of message.
	Method Method
	// HostID is the sender's host id (32 hex characters); for a callback,
	// the host id of the server that awaits it.
	HostID string
	// Namespace is the namespace ("/" when empty).
	Namespace string
	// Event is the name of an emitted event.
	Event string
	// Args are the arguments of an event or the reply of a callback:
	// JSON values (nil, bool, int64 for integers that fit, float64,
	// string, []any, map[string]any), and []byte for binary values of an
	// emit. Encode accepts any value the Socket.IO JSON parser encodes.
	Args []any
	// Data is an emit's data field as Decode read it (Args is derived
	// from it): what python-socketio before 5.15.1 delivers as the one
	// argument. Encode does not use it.
	Data any
	// Rooms are the rooms of an emit (a socket id is a room); none means
	// every socket of the namespace.
	Rooms []string
	// Skip are the socket ids an emit skips (skip_sid). sio's manager
	// also skips the members of rooms listed there.
	Skip []string
	// Callback, on an emit to one socket, asks the server holding it to
	// return the client's acknowledgement with a callback message.
	Callback *Callback
	// SID is the socket id of disconnect, enter_room, leave_room and
	// callback.
	SID string
	// Room is the room of enter_room, leave_room and close_room.
	Room string
	// ID is a callback's acknowledgement id (Callback.ID of the emit).
	ID int64
}

// Callback is the callback field of an emit: [sid, namespace, id].
type Callback struct {
	// SID is the socket id the emit goes to.
	SID string
	// Namespace is the socket's namespace.
	Namespace string
	// ID is the acknowledgement id the sending server awaits.
	ID int64
}

// EncodeOptions adjusts Encode for older python-socketio servers.
type EncodeOptions struct {
	// SingleValue writes the data of an emit with exactly one argument as
	// that value, not as a list: what python-socketio before 5.15.1 (such
	// as Debian's 5.7.2) reads as the event's one argument. Several
	// arguments are still written as a list (such servers read it as one
	// list argument) and binary values are not supported.
	SingleValue bool
}

// Encode returns m as python-socketio (≥ 5.15.1) writes it: a JSON object
// whose data is the list of arguments; binary arguments are replaced by
// placeholders {"_placeholder": true, "num": i} and the data becomes
// [args, base64(attachment 0), ...] with "binary": true (≥ 5.14.2).
func Encode(m Message, opts EncodeOptions) ([]byte, error) {
	ns := m.Namespace
	if ns == "" {
		ns = "/"
	}
	var w jsonObject
	w.str("method", string(m.Method))
	switch m.Method {
	case MethodEmit:
		data, binary, err := encodeArgs(m.Args, opts.SingleValue)
		if err != nil {
			return nil, err
		}
		w.str("event", m.Event)
		w.raw("data", data)
		w.raw("binary", strconv.AppendBool(nil, binary))
		w.str("namespace", ns)
		switch len(m.Rooms) {
		case 0:
			w.raw("room", []byte("null"))
		case 1:
			w.str("room", m.Rooms[0])
		default:
			w.value("room", m.Rooms)
		}
		if len(m.Skip) == 0 {
			w.raw("skip_sid", []byte("null"))
		} else {
			w.value("skip_sid", m.Skip)
		}
		if c := m.Callback; c != nil {
			w.value("callback", []any{c.SID, c.Namespace, c.ID})
		} else {
			w.raw("callback", []byte("null"))
		}
		w.str("host_id", m.HostID)
	case MethodDisconnect:
		w.str("sid", m.SID)
		w.str("namespace", ns)
		w.str("host_id", m.HostID)
	case MethodEnterRoom, MethodLeaveRoom:
		w.str("sid", m.SID)
		w.str("room", m.Room)
		w.str("namespace", ns)
		w.str("host_id", m.HostID)
	case MethodCloseRoom:
		w.str("room", m.Room)
		w.str("namespace", ns)
		w.str("host_id", m.HostID)
	case MethodCallback:
		args := m.Args
		if args == nil {
			args = []any{}
		}
		w.str("host_id", m.HostID)
		w.str("sid", m.SID)
		w.str("namespace", ns)
		w.value("id", m.ID)
		w.value("args", args)
	default:
		return nil, fmt.Errorf("sio/pymsg: unknown method %q", m.Method)
	}
	if w.err != nil {
		return nil, fmt.Errorf("sio/pymsg: encoding a %s message: %w", m.Method, w.err)
	}
	return w.bytes(), nil
}

// encodeArgs returns the data field for args, split as Socket.IO splits a
// binary packet when some are binary.
func encodeArgs(args []any, single bool) (data []byte, binary bool, err error) {
	enc, err := parser.JSON.Encode(parser.Outgoing{Type: parser.Event, Event: "e", Args: args})
	if err != nil {
		return nil, false, err
	}
	text := enc[0].Data
	i := bytes.IndexByte(text, '[')
	if i < 0 {
		return nil, false, errors.New("sio/pymsg: unexpected packet encoding")
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(text[i:], &arr); err != nil || len(arr) == 0 {
		return nil, false, fmt.Errorf("sio/pymsg: unexpected packet encoding: %v", err)
	}
	list := joinRaw(arr[1:])
	if len(enc) == 1 {
		if single && len(arr) == 2 {
			return arr[1], false, nil
		}
		return list, false, nil
	}
	if single {
		return nil, false, errors.New("sio/pymsg: binary arguments need python-socketio ≥ 5.14.2 (SingleValue is set)")
	}
	parts := make([]json.RawMessage, 0, len(enc))
	parts = append(parts, list)
	for _, att := range enc[1:] {
		b := make([]byte, 0, base64.StdEncoding.EncodedLen(len(att.Data))+2)
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, att.Data)
		parts = append(parts, append(b, '"'))
	}
	return joinRaw(parts), true, nil
}

// joinRaw returns the JSON list of the raw values.
func joinRaw(vals []json.RawMessage) []byte {
	n := 2
	for _, v := range vals {
		n += len(v) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, '[')
	for i, v := range vals {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, v...)
	}
	return append(out, ']')
}

// jsonObject writes a JSON object field by field, in order.
type jsonObject struct {
	buf []byte
	err error
}

func (w *jsonObject) key(k string) {
	if len(w.buf) == 0 {
		w.buf = append(w.buf, '{')
	} else {
		w.buf = append(w.buf, ',')
	}
	w.buf = strconv.AppendQuote(w.buf, k) // keys are ASCII identifiers
	w.buf = append(w.buf, ':')
}

func (w *jsonObject) raw(k string, v []byte) {
	w.key(k)
	w.buf = append(w.buf, v...)
}

func (w *jsonObject) str(k, v string) { w.value(k, v) }

func (w *jsonObject) value(k string, v any) {
	b, err := json.Marshal(v)
	if err != nil && w.err == nil {
		w.err = err
	}
	w.raw(k, b)
}

func (w *jsonObject) bytes() []byte { return append(w.buf, '}') }

// inMessage is a message as JSON decodes it; absent fields stay nil.
type inMessage struct {
	Method    string          `json:"method"`
	HostID    *string         `json:"host_id"`
	Namespace *string         `json:"namespace"`
	Event     json.RawMessage `json:"event"`
	Data      json.RawMessage `json:"data"`
	Binary    bool            `json:"binary"`
	Room      json.RawMessage `json:"room"`
	SkipSID   json.RawMessage `json:"skip_sid"`
	Callback  json.RawMessage `json:"callback"`
	SID       json.RawMessage `json:"sid"`
	ID        json.RawMessage `json:"id"`
	Args      json.RawMessage `json:"args"`
}

// Decode reads a message as python-socketio writes it (JSON only, never
// pickle). The data of an emit that is not a list (python-socketio before
// 5.15.1) is one argument; a binary emit's placeholders become []byte.
func Decode(b []byte) (Message, error) {
	var in inMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrInvalidMessage, err)
	}
	m := Message{Method: Method(in.Method), Namespace: "/"}
	if in.HostID != nil {
		m.HostID = *in.HostID
	}
	if in.Namespace != nil && *in.Namespace != "" {
		m.Namespace = *in.Namespace
	}
	var err error
	switch m.Method {
	case MethodEmit:
		if m.Event, err = stringOf(in.Event, "event"); err != nil {
			return m, err
		}
		if m.Args, m.Data, err = decodeData(in.Data, in.Binary); err != nil {
			return m, err
		}
		if m.Rooms, err = stringsOf(in.Room, "room"); err != nil {
			return m, err
		}
		if m.Skip, err = stringsOf(in.SkipSID, "skip_sid"); err != nil {
			return m, err
		}
		if m.Callback, err = callbackOf(in.Callback); err != nil {
			return m, err
		}
	case MethodDisconnect, MethodEnterRoom, MethodLeaveRoom:
		if m.SID, err = stringOf(in.SID, "sid"); err != nil {
			return m, err
		}
		if m.Method != MethodDisconnect {
			m.Room, err = stringOf(in.Room, "room")
		}
	case MethodCloseRoom:
		m.Room, err = stringOf(in.Room, "room")
	case MethodCallback:
		if m.SID, err = stringOf(in.SID, "sid"); err != nil {
			return m, err
		}
		if m.ID, err = intOf(in.ID, "id"); err != nil {
			return m, err
		}
		var args any
		if args, err = decodeJSON(in.Args); err == nil {
			list, ok := args.([]any)
			if !ok && args != nil {
				err = fmt.Errorf("%w: args is not a list", ErrInvalidMessage)
			}
			m.Args = list
		}
	case "":
		err = fmt.Errorf("%w: no method", ErrInvalidMessage)
	default:
		err = fmt.Errorf("%w: unknown method %q", ErrInvalidMessage, in.Method)
	}
	return m, err
}

// decodeData returns an emit's arguments and its data value.
func decodeData(raw json.RawMessage, binary bool) ([]any, any, error) {
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, nil, err
	}
	list, isList := v.([]any)
	if !binary {
		if !isList {
			return []any{v}, v, nil
		}
		return slices.Clone(list), v, nil
	}
	if !isList || len(list) == 0 {
		return nil, nil, fmt.Errorf("%w: binary data is not [args, attachments...]", ErrInvalidMessage)
	}
	args, ok := list[0].([]any)
	if !ok {
		return nil, nil, fmt.Errorf("%w: binary data's first element is not a list", ErrInvalidMessage)
	}
	atts := make([][]byte, len(list)-1)
	for i, a := range list[1:] {
		s, ok := a.(string)
		if !ok {
			return nil, nil, fmt.Errorf("%w: attachment %d is not a string", ErrInvalidMessage, i)
		}
		if atts[i], err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, nil, fmt.Errorf("%w: attachment %d: %v", ErrInvalidMessage, i, err)
		}
	}
	for i := range args {
		if args[i], err = fillPlaceholders(args[i], atts, 0); err != nil {
			return nil, nil, err
		}
	}
	return args, slices.Clone(args), nil
}

// maxDepth bounds the nesting of the values Decode walks.
const maxDepth = 1000

// fillPlaceholders replaces the placeholders in v by their attachments.
func fillPlaceholders(v any, atts [][]byte, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: nested too deep", ErrInvalidMessage)
	}
	switch v := v.(type) {
	case []any:
		for i := range v {
			var err error
			if v[i], err = fillPlaceholders(v[i], atts, depth+1); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		if p, _ := v["_placeholder"].(bool); p && len(v) == 2 {
			n, ok := v["num"].(int64)
			if !ok || n < 0 || n >= int64(len(atts)) {
				return nil, fmt.Errorf("%w: placeholder %v without attachment", ErrInvalidMessage, v["num"])
			}
			return atts[n], nil
		}
		for k, e := range v {
			var err error
			if v[k], err = fillPlaceholders(e, atts, depth+1); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// decodeJSON decodes raw into Go values, integers as int64 when they
// fit; absent means nil.
func decodeJSON(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMessage, err)
	}
	return numbers(v, 0)
}

func numbers(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: nested too deep", ErrInvalidMessage)
	}
	var err error
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i, nil
		}
		f, _ := strconv.ParseFloat(string(v), 64)
		return f, nil
	case []any:
		for i := range v {
			if v[i], err = numbers(v[i], depth+1); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for k, e := range v {
			if v[k], err = numbers(e, depth+1); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

func stringOf(raw json.RawMessage, field string) (string, error) {
	v, err := decodeJSON(raw)
	if err != nil {
		return "", err
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", fmt.Errorf("%w: %s is not a string", ErrInvalidMessage, field)
}

// stringsOf reads null, a string, or a list of strings.
func stringsOf(raw json.RawMessage, field string) ([]string, error) {
	v, err := decodeJSON(raw)
	if err != nil || v == nil {
		return nil, err
	}
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%w: %s holds a %T", ErrInvalidMessage, field, e)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s is a %T", ErrInvalidMessage, field, v)
}

func intOf(raw json.RawMessage, field string) (int64, error) {
	v, err := decodeJSON(raw)
	if err != nil {
		return 0, err
	}
	if i, ok := v.(int64); ok {
		return i, nil
	}
	return 0, fmt.Errorf("%w: %s is not an integer", ErrInvalidMessage, field)
}

// callbackOf reads null or [sid, namespace, id].
func callbackOf(raw json.RawMessage) (*Callback, error) {
	v, err := decodeJSON(raw)
	if err != nil || v == nil {
		return nil, err
	}
	l, ok := v.([]any)
	if !ok || len(l) != 3 {
		return nil, nil // python ignores a callback that is not a triple
	}
	sid, ok1 := l[0].(string)
	ns, ok2 := l[1].(string)
	id, ok3 := l[2].(int64)
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("%w: callback is not [sid, namespace, id]", ErrInvalidMessage)
	}
	return &Callback{SID: sid, Namespace: ns, ID: id}, nil
}
