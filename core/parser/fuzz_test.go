package parser

import (
	"encoding/json"
	"errors"
	"testing"
)

// fuzzTarget is a typed decoding target exercising struct, map, slice and
// []byte paths.
type fuzzTarget struct {
	A string         `json:"a"`
	B []byte         `json:"b"`
	C map[string]any `json:"c"`
	D []float64      `json:"d"`
	E any            `json:"e"`
}

// checkPacket exercises every accessor of a decoded packet: none may panic,
// JSON must return valid JSON, and errors must be values.
func checkPacket(t *testing.T, p *Packet) {
	if p.Type > ConnectError {
		t.Fatalf("decoder returned type %v", p.Type)
	}
	if p.Namespace == "" || p.Namespace[0] != '/' {
		t.Fatalf("namespace %q", p.Namespace)
	}
	if p.HasID && p.ID > MaxAckID {
		t.Fatalf("id %d", p.ID)
	}
	for i := range p.Args.Len() {
		_ = p.Args.Raw(i)
		if j, err := p.Args.JSON(i); err == nil && !json.Valid(j) {
			t.Fatalf("JSON(%d) = %q is not valid JSON", i, j)
		}
		_, _ = p.Args.Value(i)
		var a any
		_ = p.Args.Decode(i, &a)
		var s fuzzTarget
		_ = p.Args.Decode(i, &s)
		var b []byte
		_ = p.Args.Decode(i, &b)
		var r json.RawMessage
		if err := p.Args.Decode(i, &r); err == nil && !json.Valid(r) {
			t.Fatalf("RawMessage %q is not valid JSON", r)
		}
		var sl []any
		_ = p.Args.Decode(i, &sl)
	}
	if err := p.Args.Decode(p.Args.Len(), new(any)); !errors.Is(err, ErrNoArgument) {
		t.Fatalf("out of range: %v", err)
	}
}

func FuzzDecodeText(f *testing.F) {
	for _, s := range []string{
		`0`, `0/admin,{"token":"123"}`, `1/admin,`, `2["hello",1]`, `2/admin,12["ev",{"a":1}]`,
		`312[]`, `4{"message":"x","data":{"a":[1]}}`, `2[42]`, `2 ["a" , {"b" : null}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := JSON.NewDecoder(Limits{}).Add(data, false)
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		if p != nil {
			checkPacket(t, p)
		}
	})
}

func FuzzDecodeBinary(f *testing.F) {
	f.Add([]byte(`51-["up",{"_placeholder":true,"num":0}]`), []byte{1, 2, 3}, []byte{}, []byte{})
	f.Add([]byte(`53-/x,9["a",{"k":[{"_placeholder":true,"num":2}]},{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":1}}]`), []byte("a"), []byte("b"), []byte("c"))
	f.Add([]byte(`62-1[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`), []byte("a"), []byte("b"), []byte(""))
	f.Fuzz(func(t *testing.T, head, a0, a1, a2 []byte) {
		d := JSON.NewDecoder(Limits{})
		for i, m := range [][]byte{head, a0, a1, a2} {
			p, err := d.Add(m, i > 0)
			if err != nil {
				if !errors.Is(err, ErrInvalidPacket) {
					t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
				}
				return
			}
			if p != nil {
				checkPacket(t, p)
				return
			}
		}
	})
}

func FuzzDecodeMsgpack(f *testing.F) {
	for _, o := range []Outgoing{
		{Type: Connect, Namespace: "/admin", Args: []any{map[string]any{"token": "123"}}},
		{Type: Event, Event: "hello", Args: []any{1, "a", []byte{1, 2}, map[string]any{"k": []any{true, nil, 1.5}}}},
		{Type: Ack, HasID: true, ID: 7, Args: []any{fuzzTarget{A: "x", B: []byte("y")}}},
		{Type: Disconnect, Namespace: "/x"},
		{Type: ConnectError, Args: []any{map[string]any{"message": "no"}}},
	} {
		enc, err := Msgpack.Encode(o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc[0].Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Msgpack.NewDecoder(Limits{}).Add(data, true)
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		checkPacket(t, p)
	})
}
