package queue

import (
	"strconv"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/queue/internal/wire"
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

// The Socket.IO values of the messages (package wire, shared with the
// other wire formats of sio's brokers).
type (
	wireOpts   = wire.Opts
	wireFlags  = wire.Flags
	roomList   = wire.RoomList
	wireSocket = wire.Socket
	wirePacket = wire.Packet
	inPacket   = wire.InPacket
)

var (
	toWireOpts   = wire.ToOpts
	toWireSocket = wire.SocketOf
	marshal      = wire.Marshal
	unmarshal    = wire.Unmarshal
	encodePacket = wire.EncodePacket
	mapField     = wire.MapField
	encodeEvent  = wire.EncodeEvent
	encodeValues = wire.EncodeValues
	encodeValue  = wire.EncodeValue
	arrayOf      = wire.ArrayOf
	decodeArgs   = wire.DecodeArgs
	decodePacket = wire.DecodePacket
	firstElement = wire.FirstElement
)

// replyOf returns the wire form of reply: its first value, and all of them
// when there are not exactly one.
func replyOf(requestID string, reply []any) (replyData, error) {
	d := replyData{RequestID: requestID}
	var err error
	d.Packet, d.Args, err = wire.Reply(reply)
	return d, err
}

// args returns the reply's arguments.
func (d replyData) args() (core.Args, error) { return wire.ReplyArgs(d.Packet, d.Args) }
