package parser

import (
	"testing"
)

type benchMsg struct {
	User string   `json:"user"`
	Text string   `json:"text"`
	Tags []string `json:"tags"`
	TS   int64    `json:"ts"`
}

var (
	benchSimple = Outgoing{Type: Event, Namespace: "/", Event: "chat", Args: []any{"hello world", 42}}
	benchStruct = Outgoing{Type: Event, Namespace: "/chat", Event: "message", Args: []any{
		benchMsg{User: "ann", Text: "hello everyone, how are you?", Tags: []string{"a", "b"}, TS: 1700000000000},
	}}
	benchMap = Outgoing{Type: Event, Event: "state", Args: []any{
		map[string]any{"x": 1.5, "y": -2, "name": "player", "alive": true},
	}}
	benchBinary = Outgoing{Type: Event, Event: "upload", Args: []any{
		map[string]any{"name": "a.png", "data": make([]byte, 1024)},
	}}
)

func benchEncode(b *testing.B, c Codec, o Outgoing) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeEventSimple_JSON(b *testing.B)    { benchEncode(b, JSON, benchSimple) }
func BenchmarkEncodeEventSimple_Msgpack(b *testing.B) { benchEncode(b, Msgpack, benchSimple) }
func BenchmarkEncodeEventStruct_JSON(b *testing.B)    { benchEncode(b, JSON, benchStruct) }
func BenchmarkEncodeEventStruct_Msgpack(b *testing.B) { benchEncode(b, Msgpack, benchStruct) }
func BenchmarkEncodeEventMap_JSON(b *testing.B)       { benchEncode(b, JSON, benchMap) }
func BenchmarkEncodeEventMap_Msgpack(b *testing.B)    { benchEncode(b, Msgpack, benchMap) }
func BenchmarkEncodeBinary1K_JSON(b *testing.B)       { benchEncode(b, JSON, benchBinary) }
func BenchmarkEncodeBinary1K_Msgpack(b *testing.B)    { benchEncode(b, Msgpack, benchBinary) }

// benchDecode decodes the encoding of o and decodes its first argument
// into a fresh *T.
func benchDecode[T any](b *testing.B, c Codec, o Outgoing) {
	enc, err := c.Encode(o)
	if err != nil {
		b.Fatal(err)
	}
	d := c.NewDecoder(Limits{})
	b.ReportAllocs()
	for b.Loop() {
		var p *Packet
		for _, m := range enc {
			if p, err = d.Add(m.Data, m.Binary); err != nil {
				b.Fatal(err)
			}
		}
		var v T
		if err := p.Args.Decode(0, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeEventSimple_JSON(b *testing.B)    { benchDecode[string](b, JSON, benchSimple) }
func BenchmarkDecodeEventSimple_Msgpack(b *testing.B) { benchDecode[string](b, Msgpack, benchSimple) }
func BenchmarkDecodeEventStruct_JSON(b *testing.B)    { benchDecode[benchMsg](b, JSON, benchStruct) }
func BenchmarkDecodeEventStruct_Msgpack(b *testing.B) { benchDecode[benchMsg](b, Msgpack, benchStruct) }
func BenchmarkDecodeEventAny_JSON(b *testing.B)       { benchDecode[any](b, JSON, benchMap) }
func BenchmarkDecodeEventAny_Msgpack(b *testing.B)    { benchDecode[any](b, Msgpack, benchMap) }

type benchUpload struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

func BenchmarkDecodeBinary1K_JSON(b *testing.B)    { benchDecode[benchUpload](b, JSON, benchBinary) }
func BenchmarkDecodeBinary1K_Msgpack(b *testing.B) { benchDecode[benchUpload](b, Msgpack, benchBinary) }
