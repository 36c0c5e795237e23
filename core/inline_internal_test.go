package core

import (
	"testing"

	"github.com/socketio-go/sio/core/parser"
)

// The CONNECT packet written by hand is the JSON codec's, byte for byte
// (msgpack's, encoded by its codec, writes the keys of a map in any order).
func TestConnectPacketMatchesCodec(t *testing.T) {
	for _, codec := range []parser.Codec{parser.JSON} {
		srv := NewServer(Options{Parser: codec})
		for _, nsp := range []string{"/", "/chat"} {
			for _, pid := range []string{"", "AbC-_09x", "odd\"pid"} {
				for _, id := range []string{"AbC-_09xyzAbC-_09xyz", "<odd id>"} {
					s := &Socket{id: id, nsp: srv.Of(nsp), pid: pid}
					payload := map[string]any{"sid": id}
					if pid != "" {
						payload["pid"] = pid
					}
					enc, err := codec.Encode(parser.Outgoing{Type: parser.Connect, Namespace: nsp, Args: []any{payload}})
					if err != nil {
						t.Fatal(err)
					}
					got := s.connectPacket()
					if len(got) != len(enc) {
						t.Fatalf("%d messages, want %d", len(got), len(enc))
					}
					for i, m := range got {
						if string(m.Data()) != string(enc[i].Data) || m.Binary() != enc[i].Binary {
							t.Errorf("nsp %s pid %q id %q: %q, want %q", nsp, pid, id, m.Data(), enc[i].Data)
						}
					}
				}
			}
		}
	}
}
