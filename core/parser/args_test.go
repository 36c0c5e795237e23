package parser

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestArgsSlice(t *testing.T) {
	p := decodeOne(t, JSON, text(`51-["e","a",{"_placeholder":true,"num":0},3]`), bin("B"))
	s := p.Args.Slice(1)
	if s.Len() != 2 || string(s.Raw(0)) != `{"_placeholder":true,"num":0}` {
		t.Fatalf("Slice(1): len %d raw %s", s.Len(), s.Raw(0))
	}
	var b []byte
	if err := s.Decode(0, &b); err != nil || string(b) != "B" {
		t.Errorf("Decode = %q %v", b, err)
	}
	if v, _ := s.Value(1); v != 3.0 {
		t.Errorf("Value = %v", v)
	}
	if j, _ := s.JSON(0); string(j) != `"Qg=="` {
		t.Errorf("JSON = %s", j)
	}
	if p.Args.Slice(0).Len() != 3 || p.Args.Slice(3).Len() != 0 || p.Args.Slice(9).Len() != 0 {
		t.Error("Slice bounds")
	}
}

// Passthrough values re-encode to what was received: raw JSON verbatim,
// binary elements as attachments again.
func TestArgsPassthrough(t *testing.T) {
	p := decodeOne(t, JSON, text(`51-["e",{"z":1, "a":2},{"_placeholder":true,"num":0}]`), bin("B"))
	var fwd []any
	for i := range p.Args.Len() {
		v, err := p.Args.Passthrough(i)
		if err != nil {
			t.Fatal(err)
		}
		fwd = append(fwd, v)
	}
	if _, ok := fwd[0].(json.RawMessage); !ok {
		t.Errorf("element 0 is %T, want json.RawMessage", fwd[0])
	}
	if s, _ := p.Args.Slice(1).Passthrough(0); !reflect.DeepEqual(s, []byte("B")) {
		t.Errorf("sliced passthrough = %#v", s)
	}
	got := encodeStrings(t, Outgoing{Type: Event, Event: "e", Args: fwd})
	want := []string{`51-["e",{"z":1, "a":2},{"_placeholder":true,"num":0}]`, "<bin:B>"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
	if _, err := p.Args.Passthrough(5); !errors.Is(err, ErrNoArgument) {
		t.Errorf("out of range: %v", err)
	}
	// msgpack: the decoded value.
	enc, _ := Msgpack.Encode(Outgoing{Type: Ack, Args: []any{map[string]any{"k": []byte("v")}}})
	mp := decodeOne(t, Msgpack, toMsgs(enc)...)
	if v, err := mp.Args.Passthrough(0); err != nil || !reflect.DeepEqual(v, map[string]any{"k": []byte("v")}) {
		t.Errorf("msgpack passthrough = %#v %v", v, err)
	}
}

// Encoders and decoded Args are used from many goroutines (broadcast, the
// handlers of one packet): run under -race.
func TestConcurrentUse(t *testing.T) {
	type S struct {
		A []byte `json:"a"`
		B any    `json:"b"`
	}
	out := Outgoing{Type: Event, Event: "e", Args: []any{S{A: []byte("x"), B: map[string]any{"k": []byte("y")}}, map[string]any{"z": 1}}}
	enc, err := JSON.Encode(out)
	if err != nil {
		t.Fatal(err)
	}
	p := decodeOne(t, JSON, toMsgs(enc)...)
	done := make(chan error)
	for g := range 8 {
		go func() {
			var err error
			for range 200 {
				c := JSON
				if g%2 == 1 {
					c = Msgpack
				}
				if _, e := c.Encode(out); e != nil {
					err = e
				}
				var s S
				if e := p.Args.Decode(0, &s); e != nil || string(s.A) != "x" {
					err = e
				}
				if _, e := p.Args.Value(1); e != nil {
					err = e
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// An Args encodes to JSON as its elements: raw text byte for byte, binary
// as base64 strings; String is that text.
func TestArgsMarshalJSON(t *testing.T) {
	p := decodeOne(t, JSON, text(`51-["e",{"z":1, "a":12345678901234567890},{"_placeholder":true,"num":0},"s"]`), bin("B"))
	want := `[{"z":1, "a":12345678901234567890},"Qg==","s"]`
	b, err := p.Args.MarshalJSON()
	if err != nil || string(b) != want {
		t.Errorf("MarshalJSON = %s, %v; want %s", b, err, want)
	}
	// encoding/json compacts what MarshalJSON returns.
	if b, _ := json.Marshal(p.Args); string(b) != `[{"z":1,"a":12345678901234567890},"Qg==","s"]` {
		t.Errorf("json.Marshal = %s", b)
	}
	if s := p.Args.String(); s != want {
		t.Errorf("String = %s", s)
	}
	if b, _ := json.Marshal(map[string]any{"args": p.Args.Slice(2)}); string(b) != `{"args":["s"]}` {
		t.Errorf("nested: %s", b)
	}
	if s := (Args{}).String(); s != `[]` {
		t.Errorf("empty: %s", s)
	}
	enc, _ := Msgpack.Encode(Outgoing{Type: Ack, Args: []any{map[string]any{"k": []byte("v")}, 1.5}})
	mp := decodeOne(t, Msgpack, toMsgs(enc)...)
	if s := mp.Args.String(); s != `[{"k":"dg=="},1.5]` {
		t.Errorf("msgpack: %s", s)
	}
}

// Values keeps every element exact: integers beyond 2^53, key order, and
// binary data, with both codecs; encoded again, they are what was received.
func TestArgsValuesExact(t *testing.T) {
	const big = `{"z":9007199254740993,"a":[1.5,-7]}`
	p := decodeOne(t, JSON, text(`51-["e",`+big+`,{"n":18446744073709551615,"b":{"_placeholder":true,"num":0}}]`), bin("B"))
	vals, err := p.Args.Values()
	if err != nil {
		t.Fatal(err)
	}
	if raw, ok := vals[0].(json.RawMessage); !ok || string(raw) != big {
		t.Errorf("element 0 = %#v, want the raw text", vals[0])
	}
	if want := map[string]any{"n": uint64(18446744073709551615), "b": []byte("B")}; !reflect.DeepEqual(vals[1], want) {
		t.Errorf("element 1 = %#v, want %#v", vals[1], want)
	}
	got := encodeStrings(t, Outgoing{Type: Event, Event: "e", Args: vals})
	if want := []string{`51-["e",` + big + `,{"b":{"_placeholder":true,"num":0},"n":18446744073709551615}]`, "<bin:B>"}; !reflect.DeepEqual(got, want) {
		t.Errorf("re-encoded %q, want %q", got, want)
	}

	enc, _ := Msgpack.Encode(Outgoing{Type: Ack, Args: []any{json.RawMessage(big), map[string]any{"x": []any{int64(-1) << 60, []byte{1}}}}})
	mp := decodeOne(t, Msgpack, toMsgs(enc)...)
	mvals, err := mp.Args.Values()
	if err != nil {
		t.Fatal(err)
	}
	if raw, ok := mvals[0].(json.RawMessage); !ok || string(raw) != `{"z":9007199254740993,"a":[1.5,-7]}` {
		t.Errorf("msgpack element 0 = %#v", mvals[0])
	}
	if want := map[string]any{"x": []any{int64(-1) << 60, []byte{1}}}; !reflect.DeepEqual(mvals[1], want) {
		t.Errorf("msgpack element 1 = %#v, want %#v", mvals[1], want)
	}
	again, _ := Msgpack.Encode(Outgoing{Type: Ack, Args: mvals})
	if !reflect.DeepEqual(again, enc) {
		t.Errorf("msgpack re-encoded % x\nwant % x", again[0].Data, enc[0].Data)
	}
}

// An Args nested in an encoded value is written as the array of its
// elements, binary data kept binary (attachments, msgpack bin).
func TestArgsNested(t *testing.T) {
	p := decodeOne(t, JSON, text(`51-["e",{"b":2, "a":1},{"_placeholder":true,"num":0}]`), bin("B"))
	type wrap struct {
		Args Args `json:"args"`
	}
	for _, v := range []any{p.Args, map[string]any{"args": p.Args}, wrap{p.Args}, &wrap{p.Args}, []any{p.Args}} {
		got := encodeStrings(t, Outgoing{Type: Event, Event: "relay", Args: []any{v}})
		if len(got) != 2 || got[1] != "<bin:B>" || !strings.Contains(got[0], `[{"b":2, "a":1},{"_placeholder":true,"num":0}]`) {
			t.Errorf("%T: %q", v, got)
		}
		enc, err := Msgpack.Encode(Outgoing{Type: Event, Event: "relay", Args: []any{v}})
		if err != nil {
			t.Fatalf("%T msgpack: %v", v, err)
		}
		mp := decodeOne(t, Msgpack, toMsgs(enc)...)
		j, _ := mp.Args.JSON(0)
		if !strings.Contains(string(j), `[{"b":2,"a":1},"Qg=="]`) {
			t.Errorf("%T msgpack: %s", v, j)
		}
		var x any
		_ = mp.Args.Decode(0, &x)
		if !strings.Contains(fmt.Sprintf("%#v", x), `[]uint8{0x42}`) {
			t.Errorf("%T msgpack: binary not kept: %#v", v, x)
		}
	}
}
