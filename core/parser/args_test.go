package parser

import (
	"encoding/json"
	"errors"
	"reflect"
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
