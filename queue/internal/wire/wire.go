// Package wire holds the Socket.IO values of the cluster messages, in
// the forms the Node.js adapters write them: packets and arguments as the
// msgpack parser encodes them, broadcast options, room lists, sockets with
// Node.js-shaped handshakes. Package queue's ClusterAdapter messages and
// queue/redisq's formats are built from them.
package wire

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
)

// Opts is the broadcast options' wire form.
type Opts struct {
	// Rooms are the rooms targeted; none: every socket.
	Rooms RoomList `msgpack:"rooms"`
	// Except are the rooms left out.
	Except RoomList `msgpack:"except"`
	// Flags are the broadcast's flags; nil for none.
	Flags *Flags `msgpack:"flags,omitempty"`
}

// Flags is the wire form of a broadcast's flags.
type Flags struct {
	// Volatile: the packet may be dropped.
	Volatile bool `msgpack:"volatile,omitempty"`
	// Compress is the compress flag; nil when not set.
	Compress *bool `msgpack:"compress,omitempty"`
	// Local: this server only.
	Local bool `msgpack:"local,omitempty"`
	// Timeout is the acknowledgement timeout, in milliseconds.
	Timeout float64 `msgpack:"timeout,omitempty"`
}

// ToOpts returns o in its wire form.
func ToOpts(o core.BroadcastOptions) Opts {
	w := Opts{Rooms: RoomList(o.Rooms), Except: RoomList(o.Except)}
	if w.Rooms == nil {
		w.Rooms = RoomList{}
	}
	if w.Except == nil {
		w.Except = RoomList{}
	}
	if o.Volatile || o.Uncompressed || o.Local || o.Timeout > 0 {
		f := &Flags{Volatile: o.Volatile, Local: o.Local, Timeout: float64(o.Timeout.Milliseconds())}
		if o.Uncompressed {
			f.Compress = new(bool)
		}
		w.Flags = f
	}
	return w
}

// Options returns the broadcast options w describes.
func (w Opts) Options() core.BroadcastOptions {
	o := core.BroadcastOptions{Rooms: w.Rooms, Except: w.Except}
	if f := w.Flags; f != nil {
		o.Volatile = f.Volatile
		o.Uncompressed = f.Compress != nil && !*f.Compress
		o.Timeout = time.Duration(f.Timeout * float64(time.Millisecond))
	}
	return o
}

// RoomList is a list of rooms; Node.js rooms may also be numbers, read as
// their decimal text.
type RoomList []string

// DecodeMsgpack implements msgpack.CustomDecoder.
func (r *RoomList) DecodeMsgpack(d *msgpack.Decoder) error {
	n, err := d.DecodeArrayLen()
	if err != nil {
		return err
	}
	if n < 0 {
		*r = nil
		return nil
	}
	out := make(RoomList, 0, min(n, 1024))
	for range n {
		v, err := d.DecodeInterfaceLoose()
		if err != nil {
			return err
		}
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case int64:
			out = append(out, strconv.FormatInt(v, 10))
		case uint64:
			out = append(out, strconv.FormatUint(v, 10))
		case float64:
			out = append(out, strconv.FormatFloat(v, 'f', -1, 64))
		default:
			return fmt.Errorf("room of type %T", v)
		}
	}
	*r = out
	return nil
}

// Socket is a socket in a FETCH_SOCKETS_RESPONSE, its handshake in
// Node.js's form.
type Socket struct {
	// ID is the socket's id.
	ID string `msgpack:"id"`
	// Handshake is the socket's handshake.
	Handshake core.NodeHandshake `msgpack:"handshake"`
	// Rooms are the socket's rooms.
	Rooms RoomList `msgpack:"rooms"`
	// Data is the socket's data as encoded.
	Data msgpack.RawMessage `msgpack:"data"`
}

// SocketOf returns rs in its wire form.
func SocketOf(rs *core.RemoteSocket) (Socket, error) {
	w := Socket{ID: rs.ID, Rooms: RoomList(rs.Rooms), Handshake: rs.Handshake.Node()}
	if w.Rooms == nil {
		w.Rooms = RoomList{}
	}
	var err error
	if w.Data, err = EncodeValue(rs.Data); err != nil {
		return w, fmt.Errorf("socket data: %w", err)
	}
	return w, nil
}

// Remote returns the RemoteSocket of nsp that w describes.
func (w Socket) Remote(nsp *core.Namespace) (*core.RemoteSocket, error) {
	hs, err := w.Handshake.Handshake()
	if err != nil {
		return nil, err
	}
	var data any
	if len(w.Data) > 0 {
		args, err := DecodeArgs(parser.Ack, "/", ArrayOf(w.Data))
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		if data, err = args.Value(0); err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
	}
	return core.NewRemoteSocket(nsp, w.ID, hs, []string(w.Rooms), data), nil
}

// Marshal encodes v in MessagePack like the msgpack parser: json struct
// tags (after msgpack ones), compact integers and floats.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.SetCustomStructTag("json")
	enc.UseCompactInts(true)
	enc.UseCompactFloats(true)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Unmarshal decodes MessagePack into v, with loose interface decoding.
func Unmarshal(b []byte, v any) error {
	dec := msgpack.NewDecoder(bytes.NewReader(b))
	dec.SetCustomStructTag("json")
	dec.UseLooseInterfaceDecoding(true)
	return dec.Decode(v)
}

// EncodePacket encodes out in the socket.io-msgpack-parser form
// {type, data: [event, ...args], nsp, id?}.
func EncodePacket(out parser.Outgoing) (msgpack.RawMessage, error) {
	enc, err := parser.Msgpack.Encode(out)
	if err != nil {
		return nil, err
	}
	if len(enc) != 1 {
		return nil, errors.New("sio/queue: msgpack packet in several messages")
	}
	return enc[0].Data, nil
}

// MapField returns the raw value of key in the msgpack map b.
func MapField(b []byte, key string) (msgpack.RawMessage, error) {
	dec := msgpack.NewDecoder(bytes.NewReader(b))
	n, err := dec.DecodeMapLen()
	if err != nil {
		return nil, err
	}
	for range n {
		k, err := dec.DecodeString()
		if err != nil {
			return nil, err
		}
		if k == key {
			return dec.DecodeRaw()
		}
		if err := dec.Skip(); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no %q field", key)
}

// EncodeEvent returns [event, ...args] in msgpack, the arguments encoded as
// the msgpack parser encodes them.
func EncodeEvent(event string, args []any) (msgpack.RawMessage, error) {
	b, err := EncodePacket(parser.Outgoing{Type: parser.Event, Event: event, Args: args})
	if err != nil {
		return nil, err
	}
	return MapField(b, "data")
}

// EncodeValues returns vals as a msgpack array, encoded as the msgpack
// parser encodes arguments.
func EncodeValues(vals []any) (msgpack.RawMessage, error) {
	b, err := EncodePacket(parser.Outgoing{Type: parser.Ack, Args: vals})
	if err != nil {
		return nil, err
	}
	return MapField(b, "data")
}

// EncodeValue returns v in msgpack, encoded as the msgpack parser encodes
// an argument.
func EncodeValue(v any) (msgpack.RawMessage, error) {
	arr, err := EncodeValues([]any{v})
	if err != nil {
		return nil, err
	}
	return arr[1:], nil // after the fixarray header 0x91
}

// ArrayOf returns a msgpack array of the raw values.
func ArrayOf(vals ...msgpack.RawMessage) msgpack.RawMessage {
	n := 1
	for _, v := range vals {
		n += len(v)
	}
	out := make([]byte, 0, n+4)
	switch {
	case len(vals) < 16:
		out = append(out, 0x90|byte(len(vals)))
	case len(vals) < 1<<16:
		out = append(out, 0xdc, byte(len(vals)>>8), byte(len(vals)))
	default:
		l := len(vals)
		out = append(out, 0xdd, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
	}
	for _, v := range vals {
		out = append(out, v...)
	}
	return out
}

// Packet is a packet rebuilt for the msgpack parser's decoder.
type Packet struct {
	// Type is the Socket.IO packet type.
	Type int `msgpack:"type"`
	// Nsp is the namespace.
	Nsp string `msgpack:"nsp"`
	// Data is the packet's payload as encoded.
	Data msgpack.RawMessage `msgpack:"data"`
}

// InPacket is a Socket.IO packet as another server published it.
type InPacket struct {
	// Type is the Socket.IO packet type.
	Type int `msgpack:"type"`
	// Data is the packet's payload as encoded.
	Data msgpack.RawMessage `msgpack:"data"`
}

// DecodeArgs decodes data, a msgpack array, as the payload of a packet of
// type typ (Event: [event, ...args]; Ack: [...args]) with the msgpack
// parser, which gives the lazily decoded Args the handlers expect.
func DecodeArgs(typ parser.PacketType, nsp string, data msgpack.RawMessage) (core.Args, error) {
	p, err := DecodePacket(typ, nsp, data)
	if err != nil {
		return core.Args{}, err
	}
	return p.Args, nil
}

// DecodePacket decodes data, a msgpack array, as the payload of a packet
// of type typ with the msgpack parser.
func DecodePacket(typ parser.PacketType, nsp string, data msgpack.RawMessage) (*parser.Packet, error) {
	b, err := Marshal(Packet{Type: int(typ), Nsp: nsp, Data: data})
	if err != nil {
		return nil, err
	}
	return parser.Msgpack.NewDecoder(parser.Limits{}).Add(b, true)
}

// FirstElement returns the first element of the msgpack array arr.
func FirstElement(arr []byte) (msgpack.RawMessage, error) {
	dec := msgpack.NewDecoder(bytes.NewReader(arr))
	n, err := dec.DecodeArrayLen()
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return msgpack.RawMessage{0xc0}, nil
	}
	return dec.DecodeRaw()
}

// Reply returns the wire form of a reply's values: the first (nil when
// there is none), as Node.js servers read a reply, and, when there are
// not exactly one, all of them as an array.
func Reply(vals []any) (first, all msgpack.RawMessage, err error) {
	arr, err := EncodeValues(vals)
	if err != nil {
		return nil, nil, err
	}
	if len(vals) != 1 {
		all = arr
	}
	first, err = FirstElement(arr)
	return first, all, err
}

// ReplyArgs returns the arguments of a reply in its wire form: all when
// set, else the single value first (nil when empty).
func ReplyArgs(first, all msgpack.RawMessage) (core.Args, error) {
	if len(all) > 0 {
		return DecodeArgs(parser.Ack, "/", all)
	}
	if len(first) == 0 {
		first = msgpack.RawMessage{0xc0}
	}
	return DecodeArgs(parser.Ack, "/", ArrayOf(first))
}

// OnlyLocal reports whether an operation with opts concerns this server
// only, so that a cluster adapter need not publish it: Local, or rooms
// that are all ids of local sockets (a socket emitting to itself, a
// RemoteSocket of this server). This assumes no socket of another server
// joins a room named after a local socket's id.
func OnlyLocal(nsp *core.Namespace, opts core.BroadcastOptions) bool {
	if opts.Local {
		return true
	}
	if len(opts.Rooms) == 0 {
		return false
	}
	for _, r := range opts.Rooms {
		if nsp.Socket(r) == nil {
			return false
		}
	}
	return true
}
