package redisq

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/socketio-go/sio/queue"
	"github.com/socketio-go/sio/queue/internal/wire"
)

// The request types of the classic format (@socket.io/redis-adapter's
// RequestType).
const (
	reqSockets              = 0 // legacy: the ids of the sockets in rooms
	reqAllRooms             = 1 // the rooms of every server
	reqRemoteJoin           = 2 // SocketsJoin (v8: opts; legacy: one sid)
	reqRemoteLeave          = 3 // SocketsLeave
	reqRemoteDisconnect     = 4 // DisconnectSockets
	reqRemoteFetch          = 5 // FetchSockets
	reqServerSideEmit       = 6 // ServerSideEmit, and its replies
	reqBroadcast            = 7 // a broadcast with acknowledgements (msgpack)
	reqBroadcastClientCount = 8 // the recipients of such a broadcast on one server
	reqBroadcastAck         = 9 // one recipient's acknowledgement (msgpack)
)

// classicRequest is a message on a namespace's request channel, every
// type's fields together (each type sets its own, see the package
// documentation).
type classicRequest struct {
	UID       string             `msgpack:"uid,omitempty"`
	RequestID string             `msgpack:"requestId,omitempty"`
	Type      int                `msgpack:"type"`
	Opts      *wire.Opts         `msgpack:"opts,omitempty"`
	Rooms     wire.RoomList      `msgpack:"rooms,omitempty"`
	Close     bool               `msgpack:"close,omitempty"`
	Data      msgpack.RawMessage `msgpack:"data,omitempty"`   // SERVER_SIDE_EMIT: [event, ...args]
	Packet    msgpack.RawMessage `msgpack:"packet,omitempty"` // BROADCAST: the packet
	SID       string             `msgpack:"sid,omitempty"`    // legacy REMOTE_*: the socket
	Room      string             `msgpack:"room,omitempty"`   // legacy REMOTE_JOIN/LEAVE: the room
	// Corrections, a sio extension on BROADCAST, says the requester
	// takes later BROADCAST_CLIENT_COUNT corrections (a recipient that
	// left without answering): Node.js servers would count each as one
	// more server.
	Corrections bool `msgpack:"corrections,omitempty"`
}

// classicResponse is a message on a response channel as received, every
// type's fields together. Fetch and all-rooms answers have no type.
type classicResponse struct {
	Type        int                `msgpack:"type"`
	RequestID   string             `msgpack:"requestId"`
	Sockets     msgpack.RawMessage `msgpack:"sockets"` // REMOTE_FETCH: [{id, handshake, rooms, data}]
	ClientCount int                `msgpack:"clientCount"`
	Data        msgpack.RawMessage `msgpack:"data"`   // SERVER_SIDE_EMIT reply: its first value
	Packet      msgpack.RawMessage `msgpack:"packet"` // BROADCAST_ACK: the acknowledgement's first value
	Args        msgpack.RawMessage `msgpack:"args"`
	UID         string             `msgpack:"uid"`
}

// The responses this server writes. Args (a sio extension) holds every
// value of a reply that has not exactly one; UID (another) names the
// answering server, so that a sio requester tells a correction from a
// first count.
type (
	fetchResponse struct {
		RequestID string        `msgpack:"requestId"`
		Sockets   []wire.Socket `msgpack:"sockets"`
	}
	idsResponse struct { // SOCKETS (legacy)
		RequestID string   `msgpack:"requestId"`
		Sockets   []string `msgpack:"sockets"`
	}
	roomsResponse struct { // ALL_ROOMS
		RequestID string   `msgpack:"requestId"`
		Rooms     []string `msgpack:"rooms"`
	}
	doneResponse struct { // legacy REMOTE_JOIN, REMOTE_LEAVE, REMOTE_DISCONNECT
		RequestID string `msgpack:"requestId"`
	}
	replyResponse struct { // SERVER_SIDE_EMIT
		Type      int                `msgpack:"type"`
		RequestID string             `msgpack:"requestId"`
		Data      msgpack.RawMessage `msgpack:"data"`
		Args      msgpack.RawMessage `msgpack:"args,omitempty"`
	}
	countResponse struct { // BROADCAST_CLIENT_COUNT
		Type        int    `msgpack:"type"`
		RequestID   string `msgpack:"requestId"`
		ClientCount int    `msgpack:"clientCount"`
		UID         string `msgpack:"uid"`
	}
	ackResponse struct { // BROADCAST_ACK
		Type      int                `msgpack:"type"`
		RequestID string             `msgpack:"requestId"`
		Packet    msgpack.RawMessage `msgpack:"packet"`
		Args      msgpack.RawMessage `msgpack:"args,omitempty"`
		UID       string             `msgpack:"uid"`
	}
)

// classicBroadcast is the broadcast triple [uid, packet, opts].
type classicBroadcast struct {
	_msgpack struct{} `msgpack:",as_array"`
	UID      string
	Packet   msgpack.RawMessage
	Opts     wire.Opts
}

// errNotObject is returned for a request or response that is neither a
// JSON object nor a MessagePack map.
var errNotObject = errors.New("not a JSON object or MessagePack map")

// decodeClassic decodes a request or response, JSON (first byte '{') or
// MessagePack, into v.
func decodeClassic(b []byte, v any) error {
	if queue.IsJSON(b) {
		var err error
		if b, err = queue.Transcode(b, queue.EncodingMsgpack); err != nil {
			return err
		}
	} else if len(b) == 0 || (b[0]&0xf0 != 0x80 && b[0] != 0xde && b[0] != 0xdf) {
		return errNotObject
	}
	if err := wire.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", queue.ErrInvalidMessage, err)
	}
	return nil
}

// encodeJSON encodes v as the Node.js adapter writes its requests and
// responses: JSON text, or MessagePack when v carries binary values
// (JSON.stringify would turn a Buffer into an object; the adapter reads
// both).
func encodeJSON(v any) ([]byte, error) {
	b, err := wire.Marshal(v)
	if err != nil {
		return nil, err
	}
	return queue.Transcode(b, queue.EncodingJSON)
}

// escapeGlob escapes the characters Redis's PSUBSCRIBE patterns treat
// specially, so a namespace named "/a*" matches only its own channels.
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?[]\^`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
