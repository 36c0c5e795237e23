package queue

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
)

// MessageType is the type of a cluster message (socket.io-adapter's
// ClusterAdapter MessageType); see the package documentation for the data
// each one carries.
type MessageType int

// The message types.
const (
	TypeInitialHeartbeat       MessageType = 1  // a server starts: the others answer with a HEARTBEAT
	TypeHeartbeat              MessageType = 2  // a server is alive
	TypeBroadcast              MessageType = 3  // a broadcast, with acknowledgements when it has a requestId
	TypeSocketsJoin            MessageType = 4  // SocketsJoin
	TypeSocketsLeave           MessageType = 5  // SocketsLeave
	TypeDisconnectSockets      MessageType = 6  // DisconnectSockets
	TypeFetchSockets           MessageType = 7  // a FetchSockets request
	TypeFetchSocketsResponse   MessageType = 8  // the answer to a FETCH_SOCKETS
	TypeServerSideEmit         MessageType = 9  // a server-side event, with acknowledgements when it has a requestId
	TypeServerSideEmitResponse MessageType = 10 // the reply to a SERVER_SIDE_EMIT with a requestId
	TypeBroadcastClientCount   MessageType = 11 // how many clients of a server received a BROADCAST with acknowledgements
	TypeBroadcastAck           MessageType = 12 // one client's acknowledgement of such a BROADCAST
	TypeAdapterClose           MessageType = 13 // a server leaves the cluster
	maxMessageType                         = TypeAdapterClose
)

// emitterUID is the uid of write-only publishers (emitters).
const emitterUID = "emitter"

var typeNames = [...]string{"", "INITIAL_HEARTBEAT", "HEARTBEAT", "BROADCAST", "SOCKETS_JOIN",
	"SOCKETS_LEAVE", "DISCONNECT_SOCKETS", "FETCH_SOCKETS", "FETCH_SOCKETS_RESPONSE",
	"SERVER_SIDE_EMIT", "SERVER_SIDE_EMIT_RESPONSE", "BROADCAST_CLIENT_COUNT", "BROADCAST_ACK",
	"ADAPTER_CLOSE"}

// String returns Node.js's name of the type ("BROADCAST", ...).
func (t MessageType) String() string {
	if t > 0 && t <= maxMessageType {
		return typeNames[t]
	}
	return "type " + strconv.Itoa(int(t))
}

// outMessage is a cluster message to encode: {uid, nsp, type, data?}.
type outMessage struct {
	UID  string      `msgpack:"uid"`
	NSP  string      `msgpack:"nsp"`
	Type MessageType `msgpack:"type"`
	Data any         `msgpack:"data,omitempty"`
}

// inMessage is a decoded cluster message; Data is decoded once the type is
// known.
type inMessage struct {
	UID  string             `msgpack:"uid"`
	NSP  string             `msgpack:"nsp"`
	Type MessageType        `msgpack:"type"`
	Data msgpack.RawMessage `msgpack:"data"`
}

// The data of each message type.
type (
	broadcastData struct {
		Packet    msgpack.RawMessage `msgpack:"packet"`
		Opts      wireOpts           `msgpack:"opts"`
		RequestID string             `msgpack:"requestId,omitempty"`
	}
	roomsData struct { // SOCKETS_JOIN, SOCKETS_LEAVE
		Opts  wireOpts `msgpack:"opts"`
		Rooms roomList `msgpack:"rooms"`
	}
	disconnectData struct {
		Opts  wireOpts `msgpack:"opts"`
		Close bool     `msgpack:"close"`
	}
	fetchData struct {
		Opts      wireOpts `msgpack:"opts"`
		RequestID string   `msgpack:"requestId"`
	}
	fetchResponseData struct {
		RequestID string       `msgpack:"requestId"`
		Sockets   []wireSocket `msgpack:"sockets"`
	}
	serverSideEmitData struct {
		Packet    msgpack.RawMessage `msgpack:"packet"` // [event, ...args]
		RequestID string             `msgpack:"requestId,omitempty"`
	}
	// replyData is SERVER_SIDE_EMIT_RESPONSE and BROADCAST_ACK: packet is
	// the first argument of the reply (what Node.js servers read); args,
	// a sio extension, holds every argument when there are not exactly
	// one.
	replyData struct {
		RequestID string             `msgpack:"requestId"`
		Packet    msgpack.RawMessage `msgpack:"packet"`
		Args      msgpack.RawMessage `msgpack:"args,omitempty"`
	}
	clientCountData struct {
		RequestID   string `msgpack:"requestId"`
		ClientCount int    `msgpack:"clientCount"`
	}
)

// wireOpts is the broadcast options' wire form.
type wireOpts struct {
	Rooms  roomList   `msgpack:"rooms"`
	Except roomList   `msgpack:"except"`
	Flags  *wireFlags `msgpack:"flags,omitempty"`
}

type wireFlags struct {
	Volatile bool    `msgpack:"volatile,omitempty"`
	Compress *bool   `msgpack:"compress,omitempty"`
	Local    bool    `msgpack:"local,omitempty"`
	Timeout  float64 `msgpack:"timeout,omitempty"` // milliseconds
}

func toWireOpts(o core.BroadcastOptions) wireOpts {
	w := wireOpts{Rooms: roomList(o.Rooms), Except: roomList(o.Except)}
	if w.Rooms == nil {
		w.Rooms = roomList{}
	}
	if w.Except == nil {
		w.Except = roomList{}
	}
	if o.Volatile || o.Uncompressed || o.Local || o.Timeout > 0 {
		f := &wireFlags{Volatile: o.Volatile, Local: o.Local, Timeout: float64(o.Timeout.Milliseconds())}
		if o.Uncompressed {
			f.Compress = new(bool)
		}
		w.Flags = f
	}
	return w
}

func (w wireOpts) options() core.BroadcastOptions {
	o := core.BroadcastOptions{Rooms: w.Rooms, Except: w.Except}
	if f := w.Flags; f != nil {
		o.Volatile = f.Volatile
		o.Uncompressed = f.Compress != nil && !*f.Compress
		o.Timeout = time.Duration(f.Timeout * float64(time.Millisecond))
	}
	return o
}

// roomList is a list of rooms; Node.js rooms may also be numbers, read as
// their decimal text.
type roomList []string

func (r *roomList) DecodeMsgpack(d *msgpack.Decoder) error {
	n, err := d.DecodeArrayLen()
	if err != nil {
		return err
	}
	if n < 0 {
		*r = nil
		return nil
	}
	out := make(roomList, 0, min(n, 1024))
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

// wireSocket is a socket in a FETCH_SOCKETS_RESPONSE.
type wireSocket struct {
	ID        string             `msgpack:"id"`
	Handshake wireHandshake      `msgpack:"handshake"`
	Rooms     roomList           `msgpack:"rooms"`
	Data      msgpack.RawMessage `msgpack:"data"`
}

// wireHandshake is a handshake in Node.js's form.
type wireHandshake struct {
	Headers map[string]any     `msgpack:"headers"`
	Time    string             `msgpack:"time"`
	Address string             `msgpack:"address"`
	XDomain bool               `msgpack:"xdomain"`
	Secure  bool               `msgpack:"secure"`
	Issued  float64            `msgpack:"issued"` // ms since the epoch
	URL     string             `msgpack:"url"`
	Query   map[string]any     `msgpack:"query"`
	Auth    msgpack.RawMessage `msgpack:"auth"`
}

// jsDateLayout is the layout of JavaScript's Date.prototype.toString.
const jsDateLayout = "Mon Jan 02 2006 15:04:05 GMT-0700 (MST)"

func toWireSocket(rs *core.RemoteSocket) (wireSocket, error) {
	hs := rs.Handshake
	w := wireSocket{ID: rs.ID, Rooms: roomList(rs.Rooms)}
	if w.Rooms == nil {
		w.Rooms = roomList{}
	}
	var err error
	if w.Data, err = encodeValue(rs.Data); err != nil {
		return w, fmt.Errorf("socket data: %w", err)
	}
	w.Handshake = wireHandshake{
		Headers: make(map[string]any, len(hs.Headers)),
		Time:    hs.Time.Format(jsDateLayout),
		Address: hs.Address,
		XDomain: hs.Headers.Get("Origin") != "",
		Secure:  hs.Secure,
		Issued:  float64(hs.Time.UnixMilli()),
		URL:     hs.URL,
		Query:   make(map[string]any, len(hs.Query)),
	}
	for k, v := range hs.Headers {
		k = strings.ToLower(k)
		switch {
		case len(v) == 1:
			w.Handshake.Headers[k] = v[0]
		case k == "set-cookie":
			w.Handshake.Headers[k] = v
		case len(v) > 1:
			w.Handshake.Headers[k] = strings.Join(v, ", ")
		}
	}
	for k, v := range hs.Query {
		if len(v) == 1 {
			w.Handshake.Query[k] = v[0]
		} else if len(v) > 1 {
			w.Handshake.Query[k] = v
		}
	}
	var auth any = map[string]any{}
	if hs.Auth.Len() > 0 {
		if auth, err = hs.Auth.Value(0); err != nil {
			return w, fmt.Errorf("auth: %w", err)
		}
	}
	if w.Handshake.Auth, err = encodeValue(auth); err != nil {
		return w, fmt.Errorf("auth: %w", err)
	}
	return w, nil
}

func (w wireSocket) remote(nsp *core.Namespace) (*core.RemoteSocket, error) {
	h := w.Handshake
	hs := core.Handshake{
		Headers: make(http.Header, len(h.Headers)),
		Query:   make(url.Values, len(h.Query)),
		Address: h.Address,
		URL:     h.URL,
		Secure:  h.Secure,
	}
	if h.Issued > 0 {
		hs.Time = time.UnixMilli(int64(h.Issued))
	} else if t, err := time.Parse(jsDateLayout, h.Time); err == nil {
		hs.Time = t
	}
	for k, v := range h.Headers {
		hs.Headers[http.CanonicalHeaderKey(k)] = stringList(v)
	}
	for k, v := range h.Query {
		hs.Query[k] = stringList(v)
	}
	if len(h.Auth) > 0 {
		args, err := decodeArgs(parser.Ack, "/", arrayOf(h.Auth))
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		hs.Auth = args
	}
	var data any
	if len(w.Data) > 0 {
		args, err := decodeArgs(parser.Ack, "/", arrayOf(w.Data))
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		if data, err = args.Value(0); err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
	}
	return core.NewRemoteSocket(nsp, w.ID, hs, []string(w.Rooms), data), nil
}

// stringList reads a header or query value: a string or a list.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case nil:
		return nil
	default:
		return []string{fmt.Sprint(v)}
	}
}

// marshal encodes v in MessagePack like the msgpack parser: json struct
// tags (after msgpack ones), compact integers and floats.
func marshal(v any) ([]byte, error) {
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

// unmarshal decodes MessagePack into v, with loose interface decoding.
func unmarshal(b []byte, v any) error {
	dec := msgpack.NewDecoder(bytes.NewReader(b))
	dec.SetCustomStructTag("json")
	dec.UseLooseInterfaceDecoding(true)
	return dec.Decode(v)
}

// encodePacket encodes out in the socket.io-msgpack-parser form
// {type, data: [event, ...args], nsp, id?}.
func encodePacket(out parser.Outgoing) (msgpack.RawMessage, error) {
	enc, err := parser.Msgpack.Encode(out)
	if err != nil {
		return nil, err
	}
	if len(enc) != 1 {
		return nil, errors.New("sio/queue: msgpack packet in several messages")
	}
	return enc[0].Data, nil
}

// mapField returns the raw value of key in the msgpack map b.
func mapField(b []byte, key string) (msgpack.RawMessage, error) {
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

// encodeEvent returns [event, ...args] in msgpack, the arguments encoded as
// the msgpack parser encodes them.
func encodeEvent(event string, args []any) (msgpack.RawMessage, error) {
	b, err := encodePacket(parser.Outgoing{Type: parser.Event, Event: event, Args: args})
	if err != nil {
		return nil, err
	}
	return mapField(b, "data")
}

// encodeValues returns vals as a msgpack array, encoded as the msgpack
// parser encodes arguments.
func encodeValues(vals []any) (msgpack.RawMessage, error) {
	b, err := encodePacket(parser.Outgoing{Type: parser.Ack, Args: vals})
	if err != nil {
		return nil, err
	}
	return mapField(b, "data")
}

// encodeValue returns v in msgpack, encoded as the msgpack parser encodes
// an argument.
func encodeValue(v any) (msgpack.RawMessage, error) {
	arr, err := encodeValues([]any{v})
	if err != nil {
		return nil, err
	}
	return arr[1:], nil // after the fixarray header 0x91
}

// arrayOf returns a msgpack array of the raw values.
func arrayOf(vals ...msgpack.RawMessage) msgpack.RawMessage {
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

// wirePacket is a packet rebuilt for the msgpack parser's decoder.
type wirePacket struct {
	Type int                `msgpack:"type"`
	Nsp  string             `msgpack:"nsp"`
	Data msgpack.RawMessage `msgpack:"data"`
}

// inPacket is a Socket.IO packet as another server published it.
type inPacket struct {
	Type int                `msgpack:"type"`
	Data msgpack.RawMessage `msgpack:"data"`
}

// decodeArgs decodes data, a msgpack array, as the payload of a packet of
// type typ (Event: [event, ...args]; Ack: [...args]) with the msgpack
// parser, which gives the lazily decoded Args the handlers expect.
func decodeArgs(typ parser.PacketType, nsp string, data msgpack.RawMessage) (core.Args, error) {
	p, err := decodePacket(typ, nsp, data)
	if err != nil {
		return core.Args{}, err
	}
	return p.Args, nil
}

func decodePacket(typ parser.PacketType, nsp string, data msgpack.RawMessage) (*parser.Packet, error) {
	b, err := marshal(wirePacket{Type: int(typ), Nsp: nsp, Data: data})
	if err != nil {
		return nil, err
	}
	return parser.Msgpack.NewDecoder(parser.Limits{}).Add(b, true)
}

// replyOf returns the wire form of reply: its first value, and all of them
// when there are not exactly one.
func replyOf(requestID string, reply []any) (replyData, error) {
	d := replyData{RequestID: requestID}
	all, err := encodeValues(reply)
	if err != nil {
		return d, err
	}
	if len(reply) != 1 {
		d.Args = all
	}
	d.Packet, err = firstElement(all)
	return d, err
}

// firstElement returns the first element of the msgpack array arr.
func firstElement(arr []byte) (msgpack.RawMessage, error) {
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

// args returns the reply's arguments.
func (d replyData) args() (core.Args, error) {
	if len(d.Args) > 0 {
		return decodeArgs(parser.Ack, "/", d.Args)
	}
	p := d.Packet
	if len(p) == 0 {
		p = msgpack.RawMessage{0xc0}
	}
	return decodeArgs(parser.Ack, "/", arrayOf(p))
}
