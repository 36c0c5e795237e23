package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// encodeStrings encodes p with the JSON codec and renders the messages for
// comparison: text as is, binary as "<bin:...>".
func encodeStrings(t *testing.T, p Outgoing) []string {
	t.Helper()
	enc, err := JSON.Encode(p)
	if err != nil {
		t.Fatalf("Encode(%+v): %v", p, err)
	}
	out := make([]string, len(enc))
	for i, m := range enc {
		if m.Binary {
			out[i] = "<bin:" + string(m.Data) + ">"
		} else {
			out[i] = string(m.Data)
		}
	}
	return out
}

// The encoding examples of the socket.io-protocol v5 specification.
func TestEncodeSpecExamples(t *testing.T) {
	b := func(s string) []byte { return []byte(s) }
	tests := []struct {
		name string
		p    Outgoing
		want []string
	}{
		{"connect", Outgoing{Type: Connect}, []string{"0"}},
		{"connect sid", Outgoing{Type: Connect, Args: []any{map[string]any{"sid": "wZX3oN0bSVIhsaknAAAI"}}}, []string{`0{"sid":"wZX3oN0bSVIhsaknAAAI"}`}},
		{"connect admin", Outgoing{Type: Connect, Namespace: "/admin"}, []string{"0/admin,"}},
		{"connect admin sid", Outgoing{Type: Connect, Namespace: "/admin", Args: []any{map[string]any{"sid": "oSO0OpakMV_3jnilAAAA"}}}, []string{`0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}`}},
		{"connect_error", Outgoing{Type: ConnectError, Args: []any{map[string]any{"message": "Not authorized"}}}, []string{`4{"message":"Not authorized"}`}},
		{"event", Outgoing{Type: Event, Namespace: "/", Event: "foo"}, []string{`2["foo"]`}},
		{"event admin", Outgoing{Type: Event, Namespace: "/admin", Event: "bar"}, []string{`2/admin,["bar"]`}},
		{"binary event", Outgoing{Type: Event, Event: "baz", Args: []any{[]byte{1, 2, 3, 4}}}, []string{`51-["baz",{"_placeholder":true,"num":0}]`, "<bin:\x01\x02\x03\x04>"}},
		{"binary event admin", Outgoing{Type: Event, Namespace: "/admin", Event: "baz", Args: []any{b("\x01\x02"), b("\x03\x04")}},
			[]string{`52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, "<bin:\x01\x02>", "<bin:\x03\x04>"}},
		{"event ack", Outgoing{Type: Event, Event: "foo", ID: 12, HasID: true}, []string{`212["foo"]`}},
		{"ack empty", Outgoing{Type: Ack, ID: 12, HasID: true}, []string{`312[]`}},
		{"event admin ack", Outgoing{Type: Event, Namespace: "/admin", Event: "foo", ID: 13, HasID: true}, []string{`2/admin,13["foo"]`}},
		{"ack admin", Outgoing{Type: Ack, Namespace: "/admin", ID: 13, HasID: true, Args: []any{"bar"}}, []string{`3/admin,13["bar"]`}},
		{"binary event ack", Outgoing{Type: Event, Event: "foo", ID: 14, HasID: true, Args: []any{b("\x01\x02\x03\x04")}}, []string{`51-14["foo",{"_placeholder":true,"num":0}]`, "<bin:\x01\x02\x03\x04>"}},
		{"ack id 0", Outgoing{Type: Ack, ID: 0, HasID: true, Args: []any{"bar"}}, []string{`30["bar"]`}},
		{"binary ack", Outgoing{Type: Ack, ID: 15, HasID: true, Args: []any{"bar", b("\x01\x02\x03\x04")}}, []string{`61-15["bar",{"_placeholder":true,"num":0}]`, "<bin:\x01\x02\x03\x04>"}},
		{"BinaryEvent type is Event", Outgoing{Type: BinaryEvent, Event: "x", Args: []any{1}}, []string{`2["x",1]`}},
		{"disconnect", Outgoing{Type: Disconnect}, []string{"1"}},
		{"connect nil payload", Outgoing{Type: Connect, Args: []any{nil}}, []string{"0"}},
		{"connect nil map payload", Outgoing{Type: Connect, Args: []any{map[string]any(nil)}}, []string{"0"}},
		{"disconnect admin", Outgoing{Type: Disconnect, Namespace: "/admin"}, []string{"1/admin,"}},
		{"sample session", Outgoing{Type: Event, Event: "hey", Args: []any{"Jude"}}, []string{`2["hey","Jude"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := encodeStrings(t, tt.p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

type Embedded struct {
	Shared string `json:"shared"`
	Blob   []byte `json:"blob,omitempty"`
}

type inner struct {
	Promoted []byte
	Hidden   int `json:"-"`
}

type upload struct {
	Embedded
	inner
	Name     string            `json:"name"`
	Data     []byte            `json:"data"`
	Thumb    []byte            `json:"thumb,omitempty"`
	Parts    [][]byte          `json:"parts"`
	Extra    map[string]any    `json:"extra,omitempty"`
	Size     int64             `json:"size,string"`
	Created  time.Time         `json:"created"`
	Ptr      *upload           `json:"ptr,omitempty"`
	Labels   map[int]string    `json:"labels"`
	Any      any               `json:"any"`
	Skipped  []byte            `json:"-"`
	Dash     string            `json:"-,"`
	Raw      json.RawMessage   `json:"raw"`
	ByName   map[string][]byte `json:"by_name"`
	private  []byte
	Zero     time.Time `json:"zero,omitzero"`
	Nilslice []byte    `json:"nilslice"`
}

func sampleUpload() upload {
	return upload{
		Embedded: Embedded{Shared: "s", Blob: []byte("blob")},
		inner:    inner{Promoted: []byte("promoted"), Hidden: 3},
		Name:     "a<b>&c",
		Data:     []byte("data"),
		Parts:    [][]byte{[]byte("p0"), nil, {}},
		Extra:    map[string]any{"z": []any{1, []byte("deep")}, "a": nil},
		Size:     42,
		Created:  time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		Ptr:      &upload{Name: "child", Data: []byte("child")},
		Labels:   map[int]string{2: "two", 10: "ten"},
		Any:      []byte("any"),
		Skipped:  []byte("skipped"),
		Dash:     "dash",
		Raw:      json.RawMessage(`{"keep":  "me"}`),
		ByName:   map[string][]byte{"b": []byte("B"), "a": []byte("A")},
		private:  []byte("private"),
	}
}

// marshalCompat is what encoding/json writes for v, with HTML escaping off
// as in the codec.
func marshalCompat(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// The binary walker writes what encoding/json writes, except that each
// byte slice is a placeholder: substituting the attachments back as base64
// strings must give encoding/json's output byte for byte.
func TestEncodeWalkerMatchesEncodingJSON(t *testing.T) {
	u := sampleUpload()
	values := []any{
		u, &u, []any{u, "x"}, map[string]any{"u": &u, "b": []byte{0, 255}},
		[]upload{u, {}}, [2][]byte{[]byte("x"), nil}, map[string]upload{"k": u},
		struct {
			A any `json:"a"`
			B *[]byte
		}{A: map[string]any{"x": []byte("y")}, B: &u.Data},
	}
	for i, v := range values {
		enc, err := JSON.Encode(Outgoing{Type: Event, Event: "e", Args: []any{v}})
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if len(enc) < 2 {
			t.Fatalf("%d: no attachments: %q", i, enc[0].Data)
		}
		ps, err := decodeAll(t, JSON, Limits{MaxAttachments: -1}, toMsgs(enc)...)
		if err != nil || len(ps) != 1 {
			t.Fatal(ps, err)
		}
		got, err := ps[0].Args.JSON(0)
		if err != nil {
			t.Fatal(err)
		}
		if want := marshalCompat(t, v); string(got) != want {
			t.Errorf("%d:\ngot  %s\nwant %s\nwire %s", i, got, want, enc[0].Data)
		}
	}
}

func toMsgs(enc Encoded) []msg {
	out := make([]msg, len(enc))
	for i, m := range enc {
		out[i] = msg{string(m.Data), m.Binary}
	}
	return out
}

// Values that cannot hold binary data take the encoding/json fast path;
// the output is encoding/json's.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	type plain struct {
		A int               `json:"a"`
		B string            `json:"b,omitempty"`
		C map[string]string `json:"c"`
		D [3]byte           `json:"d"`
	}
	values := []any{
		nil, "", "héllo\n\"\\\u2028\u2029\x01<&>", "\xff\xfe invalid", 0, -12, int64(math.MaxInt64), uint64(math.MaxUint64),
		int32(5), uint(7), uint32(9), 1.5, 1e21, 1e-7, 0.1, float32(3.25), float32(1e-7), true, false,
		[]int{1, 2}, map[string]int{"b": 1, "a": 2}, plain{A: 1, C: map[string]string{"x": "y"}},
		[]any{1, "a", nil, map[string]any{"k": []any{true}}}, map[string]any{"z": 1, "a": "b"},
		json.Number("12.50"), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), []byte(nil),
	}
	for _, v := range values {
		got := encodeStrings(t, Outgoing{Type: Ack, Args: []any{v}})
		want := "3[" + marshalCompat(t, v) + "]"
		if len(got) != 1 || got[0] != want {
			t.Errorf("%T %v:\ngot  %q\nwant %q", v, v, got, want)
		}
	}
}

func TestEncodeRawMessagePassthrough(t *testing.T) {
	raw := json.RawMessage(`{"z": 1,"a" :[ 2 ]}`)
	got := encodeStrings(t, Outgoing{Type: Event, Event: "e", Args: []any{raw, json.RawMessage(nil)}})
	if want := `2["e",{"z": 1,"a" :[ 2 ]},null]`; got[0] != want {
		t.Errorf("got %s, want %s", got[0], want)
	}
	if _, err := JSON.Encode(Outgoing{Type: Event, Event: "e", Args: []any{json.RawMessage(`{`)}}); !errors.Is(err, ErrEncode) {
		t.Errorf("invalid RawMessage: %v", err)
	}
}

// The encoded messages share no memory with the arguments: changing an
// argument after Encode does not change what is sent.
func TestEncodeOutputIndependent(t *testing.T) {
	data := []byte{1, 2, 3}
	m := map[string]any{"b": data}
	enc, err := JSON.Encode(Outgoing{Type: Event, Event: "e", Args: []any{data, m}})
	if err != nil {
		t.Fatal(err)
	}
	data[0] = 9
	m["b"] = "changed"
	if !bytes.Equal(enc[1].Data, []byte{1, 2, 3}) || !bytes.Equal(enc[2].Data, []byte{1, 2, 3}) {
		t.Errorf("attachments changed: %v %v", enc[1].Data, enc[2].Data)
	}
	if cap(enc[1].Data) != len(enc[1].Data) {
		t.Error("attachment has spare capacity: an append could overwrite its neighbour")
	}
	// A later encoding reuses pooled buffers: the first result is unchanged.
	first := string(enc[0].Data)
	for range 10 {
		if _, err := JSON.Encode(Outgoing{Type: Event, Event: "other", Args: []any{strings.Repeat("x", 100)}}); err != nil {
			t.Fatal(err)
		}
	}
	if string(enc[0].Data) != first {
		t.Errorf("text changed to %q", enc[0].Data)
	}
}

func TestEncodeConnectBinaryIsBase64(t *testing.T) {
	got := encodeStrings(t, Outgoing{Type: Connect, Args: []any{map[string]any{"k": []byte("hi")}}})
	if want := []string{`0{"k":"aGk="}`}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
}

type cyclic struct {
	Next *cyclic
	Data []byte
}

func TestEncodeErrors(t *testing.T) {
	loop := map[string]any{"b": []byte("x")}
	loop["self"] = loop
	c := &cyclic{Data: []byte("x")}
	c.Next = c
	tests := []struct {
		name string
		p    Outgoing
	}{
		{"bad type", Outgoing{Type: 9}},
		{"namespace without slash", Outgoing{Type: Event, Namespace: "admin", Event: "e"}},
		{"namespace with comma", Outgoing{Type: Event, Namespace: "/a,b", Event: "e"}},
		{"ack id too large", Outgoing{Type: Ack, HasID: true, ID: MaxAckID + 1}},
		{"disconnect payload", Outgoing{Type: Disconnect, Args: []any{1}}},
		{"connect two payloads", Outgoing{Type: Connect, Args: []any{1, 2}}},
		{"NaN", Outgoing{Type: Event, Event: "e", Args: []any{math.NaN()}}},
		{"Inf32", Outgoing{Type: Event, Event: "e", Args: []any{float32(math.Inf(1))}}},
		{"chan", Outgoing{Type: Event, Event: "e", Args: []any{make(chan int)}}},
		{"chan beside binary", Outgoing{Type: Event, Event: "e", Args: []any{map[string]any{"b": []byte{1}, "c": make(chan int)}}}},
		{"map cycle", Outgoing{Type: Event, Event: "e", Args: []any{loop}}},
		{"pointer cycle", Outgoing{Type: Event, Event: "e", Args: []any{c}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := JSON.Encode(tt.p); !errors.Is(err, ErrEncode) {
				t.Errorf("JSON: err = %v", err)
			}
			if tt.name == "NaN" || tt.name == "Inf32" {
				return // msgpack can encode these
			}
			if _, err := Msgpack.Encode(tt.p); !errors.Is(err, ErrEncode) {
				t.Errorf("msgpack: err = %v", err)
			}
		})
	}
}

// Encoding then decoding gives back the arguments, for both codecs.
func TestRoundTrip(t *testing.T) {
	type Point struct {
		X, Y int
		Tag  string `json:"tag,omitempty"`
		Img  []byte `json:"img"`
	}
	args := []any{
		"s", 1.5, float64(-3), true, nil,
		map[string]any{"a": []any{"x", 2.0}, "bin": []byte{0, 1, 2}},
		[]byte("top"), []byte{},
		Point{X: 1, Y: 2, Img: []byte("png")},
	}
	for _, c := range []Codec{JSON, Msgpack} {
		t.Run(c.Name(), func(t *testing.T) {
			enc, err := c.Encode(Outgoing{Type: Event, Namespace: "/ns", Event: "ev", ID: 99, HasID: true, Args: args})
			if err != nil {
				t.Fatal(err)
			}
			p := decodeOne(t, c, toMsgs(enc)...)
			if p.Type != Event || p.Namespace != "/ns" || p.Event != "ev" || !p.HasID || p.ID != 99 || p.Args.Len() != len(args) {
				t.Fatalf("packet %+v", p)
			}
			got := mustValues(t, p.Args)
			want := []any{
				"s", 1.5, float64(-3), true, nil,
				map[string]any{"a": []any{"x", 2.0}, "bin": []byte{0, 1, 2}},
				[]byte("top"), []byte{},
				map[string]any{"X": 1.0, "Y": 2.0, "img": []byte("png")},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %#v\nwant %#v", got, want)
			}
			var pt Point
			if err := p.Args.Decode(8, &pt); err != nil || !reflect.DeepEqual(pt, args[8]) {
				t.Errorf("typed %+v %v", pt, err)
			}
			var top []byte
			if err := p.Args.Decode(6, &top); err != nil || string(top) != "top" {
				t.Errorf("[]byte %q %v", top, err)
			}
		})
	}
}

func TestRoundTripPacketTypes(t *testing.T) {
	tests := []Outgoing{
		{Type: Connect},
		{Type: Connect, Namespace: "/a", Args: []any{map[string]any{"token": "t"}}},
		{Type: Disconnect, Namespace: "/a"},
		{Type: ConnectError, Args: []any{map[string]any{"message": "no", "data": map[string]any{"x": 1.0}}}},
		{Type: ConnectError, Args: []any{"legacy"}},
		{Type: Ack, HasID: true, ID: MaxAckID},
		{Type: Ack, HasID: true, ID: 0, Args: []any{[]byte("b")}},
		{Type: Event, Event: "only"},
		{Type: Event, Event: strings.Repeat("é", 100), Args: []any{strings.Repeat("x", 70000)}},
	}
	for _, c := range []Codec{JSON, Msgpack} {
		for _, o := range tests {
			enc, err := c.Encode(o)
			if err != nil {
				t.Fatalf("%s %+v: %v", c.Name(), o, err)
			}
			p := decodeOne(t, c, toMsgs(enc)...)
			nsp := o.Namespace
			if nsp == "" {
				nsp = "/"
			}
			if p.Type != o.Type || p.Namespace != nsp || p.HasID != o.HasID || p.ID != o.ID || p.Event != o.Event || p.Args.Len() != len(o.Args) {
				t.Errorf("%s: %+v decoded as %+v", c.Name(), o, p)
				continue
			}
			for i, a := range o.Args {
				v, err := p.Args.Value(i)
				if err != nil || !reflect.DeepEqual(v, a) {
					t.Errorf("%s %v arg %d: %#v %v", c.Name(), o.Type, i, v, err)
				}
			}
		}
	}
}

type textKey struct{ a, b string }

func (k textKey) MarshalText() ([]byte, error) { return []byte(k.a + "-" + k.b), nil }

type ptrMarshaler struct{ V int }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) { return []byte(`"ptr"`), nil }

type quoted struct {
	N   int     `json:"n,string"`
	S   string  `json:"s,string"`
	P   *int    `json:"p,string"`
	F   float64 `json:"f,string"`
	Bin []byte  `json:"bin"`
}

func TestEncodeWalkerJSONFeatures(t *testing.T) {
	n := 5
	values := []any{
		map[textKey][]byte{{"a", "b"}: []byte("x")},
		struct {
			M ptrMarshaler // addressable in the walker copy: encoding/json calls the pointer method
			B []byte
		}{B: []byte("x")},
		quoted{N: 1, S: `q"x`, P: &n, F: 1.5, Bin: []byte("b")},
		struct {
			Iface fmtStringer `json:"iface"`
			B     []byte
		}{Iface: nil, B: []byte("x")},
	}
	for i, v := range values {
		enc, err := JSON.Encode(Outgoing{Type: Ack, Args: []any{v}})
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		p := decodeOne(t, JSON, toMsgs(enc)...)
		got, _ := p.Args.JSON(0)
		if want := marshalCompat(t, v); string(got) != want {
			t.Errorf("%d:\ngot  %s\nwant %s", i, got, want)
		}
	}
}

type fmtStringer interface{ String() string }

func TestMayHoldBinary(t *testing.T) {
	type rec struct {
		Next *rec
		N    int
	}
	type A struct{ B *struct{ A *A } }
	type withBytes struct {
		Child *withBytes
		D     []byte
	}
	type viaOther struct{ W withBytes }
	tests := []struct {
		v    any
		want bool
	}{
		{1, false}, {"s", false}, {[]int{1}, false}, {map[string]int{}, false}, {rec{}, false}, {A{}, false},
		{[]byte{}, true}, {[]any{}, true}, {map[string]any{}, true}, {withBytes{}, true}, {viaOther{}, true},
		{json.RawMessage{}, false}, {time.Time{}, false}, {[4]byte{}, false}, {&withBytes{}, true},
	}
	for _, tt := range tests {
		if got := mayHoldBinary(reflect.TypeOf(tt.v)); got != tt.want {
			t.Errorf("mayHoldBinary(%T) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
