package queue

import (
	"errors"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
)

// The decoded data of the messages from other servers, as decodeData
// returns it (with roomsData, disconnectData, fetchData and
// clientCountData).
type (
	inBroadcast struct {
		event     string
		args      []any
		opts      core.BroadcastOptions
		requestID string
	}
	inFetchResponse struct {
		requestID string
		sockets   []*core.RemoteSocket
	}
	inServerSideEmit struct {
		event     string
		args      core.Args
		requestID string
	}
	inReply struct { // SERVER_SIDE_EMIT_RESPONSE, BROADCAST_ACK
		requestID string
		args      core.Args
	}
)

// errUnknownType is returned for a message type decodeData does not know.
var errUnknownType = errors.New("unknown message type")

// decodeData decodes the data of m, a message for the namespace nsp, by
// its type; nil for the types without data.
func decodeData(m inMessage, nsp *core.Namespace) (any, error) {
	switch m.Type {
	case TypeInitialHeartbeat, TypeHeartbeat, TypeAdapterClose:
		return nil, nil
	case TypeBroadcast:
		var d broadcastData
		if err := unmarshal(m.Data, &d); err != nil {
			return nil, err
		}
		var in inPacket
		if err := unmarshal(d.Packet, &in); err != nil {
			return nil, err
		}
		typ := parser.PacketType(in.Type)
		if typ == parser.BinaryEvent {
			typ = parser.Event
		}
		if typ != parser.Event {
			return nil, errors.New("broadcast packet is not an event")
		}
		pkt, err := decodePacket(typ, nsp.Name(), in.Data)
		if err != nil {
			return nil, err
		}
		args, err := pkt.Args.Values()
		if err != nil {
			return nil, err
		}
		return inBroadcast{event: pkt.Event, args: args, opts: d.Opts.Options(), requestID: d.RequestID}, nil
	case TypeSocketsJoin, TypeSocketsLeave:
		var d roomsData
		err := unmarshal(m.Data, &d)
		return d, err
	case TypeDisconnectSockets:
		var d disconnectData
		err := unmarshal(m.Data, &d)
		return d, err
	case TypeFetchSockets:
		var d fetchData
		err := unmarshal(m.Data, &d)
		return d, err
	case TypeFetchSocketsResponse:
		var d fetchResponseData
		if err := unmarshal(m.Data, &d); err != nil {
			return nil, err
		}
		out := inFetchResponse{requestID: d.RequestID, sockets: make([]*core.RemoteSocket, 0, len(d.Sockets))}
		for _, w := range d.Sockets {
			rs, err := w.Remote(nsp)
			if err != nil {
				return nil, err
			}
			out.sockets = append(out.sockets, rs)
		}
		return out, nil
	case TypeServerSideEmit:
		var d serverSideEmitData
		if err := unmarshal(m.Data, &d); err != nil {
			return nil, err
		}
		pkt, err := decodePacket(parser.Event, nsp.Name(), d.Packet)
		if err != nil {
			return nil, err
		}
		return inServerSideEmit{event: pkt.Event, args: pkt.Args, requestID: d.RequestID}, nil
	case TypeServerSideEmitResponse, TypeBroadcastAck:
		var d replyData
		if err := unmarshal(m.Data, &d); err != nil {
			return nil, err
		}
		args, err := d.args()
		return inReply{requestID: d.RequestID, args: args}, err
	case TypeBroadcastClientCount:
		var d clientCountData
		err := unmarshal(m.Data, &d)
		return d, err
	}
	return nil, errUnknownType
}
