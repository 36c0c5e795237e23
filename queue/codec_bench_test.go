package queue

import (
	"testing"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
)

// BenchmarkCodec encodes and decodes a broadcast as the manager does, in
// each encoding.
func BenchmarkCodec(b *testing.B) {
	nsp := testNamespace(b)
	pkt, err := encodePacket(parser.Outgoing{Type: parser.Event, Namespace: "/", Event: "chat",
		Args: []any{map[string]any{"user": "alice", "text": "hello, world", "n": 42}}})
	if err != nil {
		b.Fatal(err)
	}
	m := outMessage{UID: "0123456789abcdef", NSP: "/", Type: TypeBroadcast,
		Data: broadcastData{Packet: pkt, Opts: toWireOpts(core.BroadcastOptions{Rooms: []string{"room"}})}}
	for _, enc := range []Encoding{EncodingMsgpack, EncodingJSON} {
		msg, err := encodeMessage(m, enc)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("encode/"+enc.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := encodeMessage(m, enc); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("decode/"+enc.String(), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				in, err := decodeMessage(msg)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := decodeData(in, nsp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
