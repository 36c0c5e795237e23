package redisq

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
	"github.com/socketio-go/sio/queue/internal/wire"
)

// onBroadcast handles a message of the broadcast pattern: another
// server's broadcast, delivered to the local sockets.
func (a *ClassicAdapter) onBroadcast(channel string, msg []byte) {
	if !strings.HasPrefix(channel, a.channel) {
		return
	}
	var b classicBroadcast
	if err := wire.Unmarshal(msg, &b); err != nil {
		a.log.Warn("sio/redisq: dropping undecodable broadcast", "channel", channel, "len", len(msg), "err", err)
		return
	}
	if b.UID == a.m.uid {
		return
	}
	event, args, nsp, err := decodeBroadcastPacket(b.Packet, a.nsp)
	if err != nil {
		a.log.Warn("sio/redisq: dropping invalid broadcast", "from", b.UID, "err", err)
		return
	}
	if nsp != a.nsp.Name() {
		return
	}
	out := parser.Outgoing{Type: parser.Event, Namespace: nsp, Event: event, Args: args}
	a.MemoryAdapter.Broadcast(core.NewPacket(out), b.Opts.Options())
}

// broadcastPacket is a Socket.IO packet in another server's broadcast.
type broadcastPacket struct {
	Type int                `msgpack:"type"`
	Data msgpack.RawMessage `msgpack:"data"`
	NSP  *string            `msgpack:"nsp"`
}

// decodeBroadcastPacket returns the event, arguments and namespace ("/"
// when the packet names none, as Node.js reads it) of a broadcast packet.
func decodeBroadcastPacket(raw msgpack.RawMessage, nsp *core.Namespace) (string, []any, string, error) {
	var in broadcastPacket
	if err := wire.Unmarshal(raw, &in); err != nil {
		return "", nil, "", err
	}
	name := "/"
	if in.NSP != nil {
		name = *in.NSP
	}
	if t := parser.PacketType(in.Type); t != parser.Event && t != parser.BinaryEvent {
		return "", nil, name, errors.New("broadcast packet is not an event")
	}
	if name != nsp.Name() {
		return "", nil, name, nil
	}
	pkt, err := wire.DecodePacket(parser.Event, name, in.Data)
	if err != nil {
		return "", nil, name, err
	}
	args, err := pkt.Args.Values()
	return pkt.Event, args, name, err
}

// onRequest handles a message of the request channel.
func (a *ClassicAdapter) onRequest(_ string, msg []byte) {
	var req classicRequest
	if err := decodeClassic(msg, &req); err != nil {
		a.log.Warn("sio/redisq: dropping undecodable request", "len", len(msg), "err", err)
		return
	}
	if err := a.handleRequest(req); err != nil {
		a.log.Warn("sio/redisq: dropping invalid request", "type", req.Type, "from", req.UID, "err", err)
	}
}

func (a *ClassicAdapter) handleRequest(req classicRequest) error {
	own := req.UID == a.m.uid
	switch req.Type {
	case reqSockets:
		if own || a.requests.Has(req.RequestID) {
			return nil
		}
		ids := a.MemoryAdapter.Sockets(req.Rooms)
		if ids == nil {
			ids = []string{}
		}
		return a.respond(req, idsResponse{RequestID: req.RequestID, Sockets: ids})
	case reqAllRooms:
		if own || a.requests.Has(req.RequestID) {
			return nil
		}
		return a.respond(req, roomsResponse{RequestID: req.RequestID, Rooms: a.MemoryAdapter.Rooms()})
	case reqRemoteJoin, reqRemoteLeave, reqRemoteDisconnect:
		if own {
			return nil // applied when sent
		}
		if req.Opts == nil {
			return a.legacyRemote(req)
		}
		opts := req.Opts.Options()
		switch req.Type {
		case reqRemoteJoin:
			a.MemoryAdapter.AddSockets(opts, req.Rooms)
		case reqRemoteLeave:
			a.MemoryAdapter.DelSockets(opts, req.Rooms)
		default:
			a.MemoryAdapter.DisconnectSockets(opts, req.Close)
		}
		return nil
	case reqRemoteFetch:
		if own || a.requests.Has(req.RequestID) {
			return nil
		}
		var opts core.BroadcastOptions
		if req.Opts != nil {
			opts = req.Opts.Options()
		}
		local, err := a.MemoryAdapter.FetchSockets(context.Background(), opts)
		if err != nil {
			return err
		}
		out := fetchResponse{RequestID: req.RequestID, Sockets: make([]wire.Socket, 0, len(local))}
		for _, rs := range local {
			w, err := wire.SocketOf(rs)
			if err != nil {
				a.log.Warn("sio/redisq: cannot encode socket", "sid", rs.ID, "err", err)
				continue
			}
			out.Sockets = append(out.Sockets, w)
		}
		return a.respond(req, out)
	case reqServerSideEmit:
		if own {
			return nil
		}
		return a.onServerSideEmit(req)
	case reqBroadcast:
		if own || a.requests.Has(req.RequestID) {
			return nil
		}
		return a.onBroadcastWithAck(req)
	}
	return nil // unknown types are ignored, as Node.js does
}

// respond sends the answer to req: on the namespace's response channel,
// or on the requester's own with PublishOnSpecificResponseChannel.
func (a *ClassicAdapter) respond(req classicRequest, resp any) error {
	return a.respondEncoded(req, resp, encodeJSON)
}

func (a *ClassicAdapter) respondEncoded(req classicRequest, resp any, encode func(any) ([]byte, error)) error {
	b, err := encode(resp)
	if err != nil {
		return err
	}
	channel := a.responseChannel
	if a.m.opts.PublishOnSpecificResponseChannel && req.UID != "" {
		channel = a.specificResponseChannel(req.UID)
	}
	_ = a.publish(channel, b)
	return nil
}

// legacyRemote handles a REMOTE_JOIN, REMOTE_LEAVE or REMOTE_DISCONNECT of
// one socket (the form before @socket.io/redis-adapter 8): the server
// that has the socket applies it and answers.
func (a *ClassicAdapter) legacyRemote(req classicRequest) error {
	s := a.nsp.Socket(req.SID)
	if s == nil {
		return nil
	}
	switch req.Type {
	case reqRemoteJoin:
		s.Join(req.Room)
	case reqRemoteLeave:
		s.Leave(req.Room)
	default:
		s.Disconnect(req.Close)
	}
	return a.respond(req, doneResponse{RequestID: req.RequestID})
}

// onServerSideEmit runs the handler of another server's server-side event
// and replies (with its first value, on the namespace's response channel,
// as Node.js does) when asked to.
func (a *ClassicAdapter) onServerSideEmit(req classicRequest) error {
	pkt, err := wire.DecodePacket(parser.Event, a.nsp.Name(), req.Data)
	if err != nil {
		return err
	}
	reply, ok := a.nsp.HandleServerSideEmit(pkt.Event, pkt.Args)
	if !ok {
		a.log.Debug("sio/redisq: no handler for server-side event", "event", pkt.Event)
		return nil
	}
	if req.RequestID == "" {
		return nil
	}
	first, all, err := wire.Reply(reply)
	if err != nil {
		a.log.Error("sio/redisq: cannot encode server-side event reply", "event", pkt.Event, "err", err)
		first, all, _ = wire.Reply(nil)
	}
	b, err := encodeJSON(replyResponse{Type: reqServerSideEmit, RequestID: req.RequestID, Data: first, Args: all})
	if err != nil {
		return err
	}
	_ = a.publish(a.responseChannel, b)
	return nil
}

// onBroadcastWithAck delivers another server's broadcast with
// acknowledgements to the local sockets, then reports their number
// (JSON) and relays each acknowledgement (MessagePack), as Node.js does.
func (a *ClassicAdapter) onBroadcastWithAck(req classicRequest) error {
	event, args, nsp, err := decodeBroadcastPacket(req.Packet, a.nsp)
	if err != nil || nsp != a.nsp.Name() {
		return err
	}
	var opts core.BroadcastOptions
	if req.Opts != nil {
		opts = req.Opts.Options()
	}
	out := parser.Outgoing{Type: parser.Event, Namespace: nsp, Event: event, Args: args, ID: a.nsp.NextAckID(), HasID: true}
	var counted atomic.Bool
	a.MemoryAdapter.BroadcastWithAck(core.NewPacket(out), opts,
		func(n int) {
			if counted.Swap(true) && !req.Corrections {
				return // a Node.js requester would take a correction for one more server
			}
			_ = a.respond(req, countResponse{Type: reqBroadcastClientCount, RequestID: req.RequestID, ClientCount: n, UID: a.m.uid})
		},
		func(reply core.Args) {
			vals, err := reply.Values()
			if err != nil {
				a.log.Warn("sio/redisq: cannot forward acknowledgement", "err", err)
			}
			first, all, err := wire.Reply(vals)
			if err != nil {
				a.log.Warn("sio/redisq: cannot forward acknowledgement", "err", err)
				first, all, _ = wire.Reply(nil)
			}
			_ = a.respondEncoded(req, ackResponse{Type: reqBroadcastAck, RequestID: req.RequestID, Packet: first, Args: all, UID: a.m.uid}, wire.Marshal)
		})
	return nil
}

// onResponse handles a message of a response channel: an answer to one
// of this server's requests (others are ignored).
func (a *ClassicAdapter) onResponse(_ string, msg []byte) {
	var resp classicResponse
	if err := decodeClassic(msg, &resp); err != nil {
		a.log.Warn("sio/redisq: dropping undecodable response", "len", len(msg), "err", err)
		return
	}
	if resp.RequestID == "" || !a.requests.Has(resp.RequestID) {
		return
	}
	switch resp.Type {
	case reqServerSideEmit:
		args, err := wire.ReplyArgs(resp.Data, resp.Args)
		if err != nil {
			a.log.Warn("sio/redisq: dropping invalid server-side event reply", "err", err)
			return
		}
		a.requests.Reply(resp.RequestID, resp.UID, args)
	case reqBroadcastClientCount:
		a.requests.Count(resp.RequestID, resp.UID, resp.ClientCount)
	case reqBroadcastAck:
		args, err := wire.ReplyArgs(resp.Packet, resp.Args)
		if err != nil {
			a.log.Warn("sio/redisq: dropping invalid acknowledgement", "err", err)
			return
		}
		a.requests.Ack(resp.RequestID, resp.UID, args)
	default: // REMOTE_FETCH
		var sockets []wire.Socket
		if len(resp.Sockets) > 0 {
			if err := wire.Unmarshal(resp.Sockets, &sockets); err != nil {
				a.log.Warn("sio/redisq: dropping invalid fetch answer", "err", err)
				return
			}
		}
		list := make([]*core.RemoteSocket, 0, len(sockets))
		for _, w := range sockets {
			rs, err := w.Remote(a.nsp)
			if err != nil {
				a.log.Warn("sio/redisq: dropping invalid socket of a fetch answer", "sid", w.ID, "err", err)
				continue
			}
			list = append(list, rs)
		}
		a.requests.Sockets(resp.RequestID, resp.UID, list)
	}
}
