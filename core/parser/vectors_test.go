package parser

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"
)

// nodeVector is one packet encoded by the JavaScript reference parsers (see
// testdata/gen_node_vectors.js).
type nodeVector struct {
	Name   string `json:"name"`
	Codec  string `json:"codec"`
	Packet struct {
		Type int    `json:"type"`
		Nsp  string `json:"nsp"`
		Data any    `json:"data"`
		ID   *int64 `json:"id"`
	} `json:"packet"`
	Messages []struct {
		Text *string `json:"text"`
		Bin  *string `json:"bin"`
	} `json:"messages"`
}

// fromShown turns the generator's JSON view back into Go values:
// {"$bin":hex} is a Buffer, {"$date":ms} a Date.
func fromShown(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromShown(e)
		}
		return out
	case map[string]any:
		if h, ok := x["$bin"].(string); ok && len(x) == 1 {
			b, _ := hex.DecodeString(h)
			return b
		}
		if ms, ok := x["$date"].(float64); ok && len(x) == 1 {
			return time.UnixMilli(int64(ms)).UTC()
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = fromShown(e)
		}
		return out
	}
	return v
}

// unsortedKeys lists the vectors whose JavaScript objects have keys out of
// sorted order: Go's map encoding sorts them, so only their meaning is
// compared.
var unsortedKeys = map[string]bool{"connect_error": true, "event args": true}

func TestNodeVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/node_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		var v nodeVector
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		t.Run(v.Codec+"/"+v.Name, func(t *testing.T) {
			codec := JSON
			if v.Codec == "msgpack" {
				codec = Msgpack
			}
			var msgs []msg
			for _, m := range v.Messages {
				if m.Text != nil {
					msgs = append(msgs, text(*m.Text))
				} else {
					b, _ := hex.DecodeString(*m.Bin)
					msgs = append(msgs, bin(string(b)))
				}
			}
			typ := PacketType(v.Packet.Type)
			data := fromShown(v.Packet.Data)
			var event string
			var args []any
			switch typ {
			case Event:
				all := data.([]any)
				event, args = all[0].(string), all[1:]
			case Ack:
				args = data.([]any)
			default:
				if data != nil {
					args = []any{data}
				}
			}

			// Decode what JavaScript encoded.
			p := decodeOne(t, codec, msgs...)
			if p.Type != typ || p.Namespace != v.Packet.Nsp || p.Event != event ||
				p.HasID != (v.Packet.ID != nil) || v.Packet.ID != nil && p.ID != uint64(*v.Packet.ID) {
				t.Fatalf("decoded %+v", p)
			}
			got := mustValues(t, p.Args)
			if len(got) != 0 || len(args) != 0 {
				if !reflect.DeepEqual(got, args) {
					t.Fatalf("args\ngot  %#v\nwant %#v", got, args)
				}
			}

			// Encode the same packet in Go.
			o := Outgoing{Type: typ, Namespace: v.Packet.Nsp, Event: event, Args: args}
			if v.Packet.ID != nil {
				o.ID, o.HasID = uint64(*v.Packet.ID), true
			}
			enc, err := codec.Encode(o)
			if err != nil {
				t.Fatal(err)
			}
			if codec == JSON && !unsortedKeys[v.Name] {
				// Byte for byte what socket.io-parser writes.
				if len(enc) != len(msgs) {
					t.Fatalf("%d messages, want %d", len(enc), len(msgs))
				}
				for i, m := range enc {
					if string(m.Data) != msgs[i].data || m.Binary != msgs[i].binary {
						t.Errorf("message %d = %q (binary %v), want %q", i, m.Data, m.Binary, msgs[i].data)
					}
				}
			}
			if v.Name == "msgpack client extras" {
				return // a Go time.Time is sent as its JSON string, not as a Date
			}
			back := decodeOne(t, codec, toMsgs(enc)...)
			if gotBack := mustValues(t, back.Args); (len(gotBack) != 0 || len(args) != 0) && !reflect.DeepEqual(gotBack, args) {
				t.Errorf("re-encoded args %#v", gotBack)
			}
		})
	}
}
