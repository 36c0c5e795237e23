package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// msg is one Engine.IO message in tests.
type msg struct {
	data   string
	binary bool
}

func text(s string) msg { return msg{s, false} }
func bin(s string) msg  { return msg{s, true} }

// decodeAll feeds msgs to a fresh decoder and returns the packets it
// completed and the first error.
func decodeAll(t *testing.T, c Codec, l Limits, msgs ...msg) ([]*Packet, error) {
	t.Helper()
	d := c.NewDecoder(l)
	var out []*Packet
	for _, m := range msgs {
		p, err := d.Add([]byte(m.data), m.binary)
		if err != nil {
			return out, err
		}
		if p != nil {
			out = append(out, p)
		}
	}
	return out, nil
}

func decodeOne(t *testing.T, c Codec, msgs ...msg) *Packet {
	t.Helper()
	ps, err := decodeAll(t, c, Limits{}, msgs...)
	if err != nil {
		t.Fatalf("decode %v: %v", msgs, err)
	}
	if len(ps) != 1 {
		t.Fatalf("decode %v: got %d packets, want 1", msgs, len(ps))
	}
	return ps[0]
}

// mustValues decodes every element with Value.
func mustValues(t *testing.T, a Args) []any {
	t.Helper()
	out := make([]any, a.Len())
	for i := range out {
		v, err := a.Value(i)
		if err != nil {
			t.Fatalf("Value(%d): %v", i, err)
		}
		out[i] = v
	}
	return out
}

// The examples of the socket.io-protocol v5 specification ("Packet
// encoding"), decoded.
func TestDecodeSpecExamples(t *testing.T) {
	b4 := []byte{1, 2, 3, 4}
	tests := []struct {
		name  string
		msgs  []msg
		typ   PacketType
		nsp   string
		id    int64 // -1: none
		event string
		args  []any
	}{
		{"connect main", []msg{text("0")}, Connect, "/", -1, "", nil},
		{"connect sid", []msg{text(`0{"sid":"wZX3oN0bSVIhsaknAAAI"}`)}, Connect, "/", -1, "", []any{map[string]any{"sid": "wZX3oN0bSVIhsaknAAAI"}}},
		{"connect admin", []msg{text("0/admin,")}, Connect, "/admin", -1, "", nil},
		{"connect admin no comma", []msg{text("0/admin")}, Connect, "/admin", -1, "", nil},
		{"connect admin sid", []msg{text(`0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}`)}, Connect, "/admin", -1, "", []any{map[string]any{"sid": "oSO0OpakMV_3jnilAAAA"}}},
		{"connect auth", []msg{text(`0/admin,{"token":"123"}`)}, Connect, "/admin", -1, "", []any{map[string]any{"token": "123"}}},
		{"connect_error", []msg{text(`4{"message":"Not authorized"}`)}, ConnectError, "/", -1, "", []any{map[string]any{"message": "Not authorized"}}},
		{"connect_error string", []msg{text(`4"Not authorized"`)}, ConnectError, "/", -1, "", []any{"Not authorized"}},
		{"event", []msg{text(`2["foo"]`)}, Event, "/", -1, "foo", nil},
		{"event admin", []msg{text(`2/admin,["bar"]`)}, Event, "/admin", -1, "bar", nil},
		{"binary event", []msg{text(`51-["baz",{"_placeholder":true,"num":0}]`), bin("\x01\x02\x03\x04")}, Event, "/", -1, "baz", []any{b4}},
		{"binary event admin", []msg{text(`52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), bin("\x01\x02"), bin("\x03\x04")},
			Event, "/admin", -1, "baz", []any{[]byte{1, 2}, []byte{3, 4}}},
		{"event ack", []msg{text(`212["foo"]`)}, Event, "/", 12, "foo", nil},
		{"ack empty", []msg{text(`312[]`)}, Ack, "/", 12, "", nil},
		{"event admin ack", []msg{text(`2/admin,13["foo"]`)}, Event, "/admin", 13, "foo", nil},
		{"ack admin", []msg{text(`3/admin,13["bar"]`)}, Ack, "/admin", 13, "", []any{"bar"}},
		{"binary event ack", []msg{text(`51-14["foo",{"_placeholder":true,"num":0}]`), bin("\x01\x02\x03\x04")}, Event, "/", 14, "foo", []any{b4}},
		{"ack 14", []msg{text(`314["bar"]`)}, Ack, "/", 14, "", []any{"bar"}},
		{"binary ack", []msg{text(`61-15["bar",{"_placeholder":true,"num":0}]`), bin("\x01\x02\x03\x04")}, Ack, "/", 15, "", []any{"bar", b4}},
		{"disconnect", []msg{text("1")}, Disconnect, "/", -1, "", nil},
		{"disconnect admin", []msg{text("1/admin,")}, Disconnect, "/admin", -1, "", nil},
		{"brief example", []msg{text(`2/admin,12["ev",{"a":1}]`)}, Event, "/admin", 12, "ev", []any{map[string]any{"a": float64(1)}}},
		{"numeric event name", []msg{text(`2[42,"x"]`)}, Event, "/", -1, "42", []any{"x"}},
		{"escaped event name", []msg{text(`2["caf\u00e9\n"]`)}, Event, "/", -1, "café\n", nil},
		{"max safe ack id", []msg{text(`29007199254740991["a"]`)}, Event, "/", 9007199254740991, "a", nil},
		{"whitespace payload", []msg{text("2 [ \"a\" , 1 ]")}, Event, "/", -1, "a", []any{float64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := decodeOne(t, JSON, tt.msgs...)
			if p.Type != tt.typ || p.Namespace != tt.nsp || p.Event != tt.event {
				t.Errorf("got type %v nsp %q event %q, want %v %q %q", p.Type, p.Namespace, p.Event, tt.typ, tt.nsp, tt.event)
			}
			if tt.id < 0 && p.HasID || tt.id >= 0 && (!p.HasID || p.ID != uint64(tt.id)) {
				t.Errorf("got id %d (%v), want %d", p.ID, p.HasID, tt.id)
			}
			got := mustValues(t, p.Args)
			if len(got) == 0 && len(tt.args) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.args) {
				t.Errorf("args = %#v, want %#v", got, tt.args)
			}
		})
	}
}

// Inputs the reference decoder rejects (and a few it accepts that the
// specification forbids): each must fail with the right sentinel, never
// panic.
func TestDecodeInvalid(t *testing.T) {
	tests := []struct {
		name string
		msgs []msg
		want error
	}{
		{"empty", []msg{text("")}, ErrInvalidType},
		{"type 7", []msg{text("7")}, ErrInvalidType},
		{"type letter", []msg{text(`a["x"]`)}, ErrInvalidType},
		{"attachments missing dash", []msg{text(`51["a"]`)}, ErrInvalidAttachments},
		{"attachments empty", []msg{text(`5-["a"]`)}, ErrInvalidAttachments},
		{"attachments zero", []msg{text(`50-["a"]`)}, ErrInvalidAttachments},
		{"attachments not a number", []msg{text(`5x-["a"]`)}, ErrInvalidAttachments},
		{"attachments too many", []msg{text(`511-["a"]`)}, ErrTooManyAttachments},
		{"attachments huge", []msg{text(`599999999999999999999999-["a"]`)}, ErrTooManyAttachments},
		{"ack id overflow", []msg{text(`29007199254740992["a"]`)}, ErrInvalidAckID},
		{"ack id huge", []msg{text(`2999999999999999999999999["a"]`)}, ErrInvalidAckID},
		{"event no payload", []msg{text("2")}, ErrInvalidPayload},
		{"event ns no payload", []msg{text("2/admin,")}, ErrInvalidPayload},
		{"event no comma", []msg{text(`2/admin["a"]`)}, ErrInvalidPayload},
		{"event empty array", []msg{text("2[]")}, ErrInvalidEventName},
		{"event object", []msg{text(`2{"a":1}`)}, ErrInvalidPayload},
		{"event string", []msg{text(`2"a"`)}, ErrInvalidPayload},
		{"event name object", []msg{text(`2[{"a":1}]`)}, ErrInvalidEventName},
		{"event name null", []msg{text(`2[null]`)}, ErrInvalidEventName},
		{"event name array", []msg{text(`2[["a"]]`)}, ErrInvalidEventName},
		{"event bad json", []msg{text(`2["a",]`)}, ErrInvalidPayload},
		{"event trailing", []msg{text(`2["a"]x`)}, ErrInvalidPayload},
		{"event two values", []msg{text(`2["a"]["b"]`)}, ErrInvalidPayload},
		{"ack no payload", []msg{text("3")}, ErrInvalidPayload},
		{"ack id no payload", []msg{text("312")}, ErrInvalidPayload},
		{"ack object", []msg{text(`3{}`)}, ErrInvalidPayload},
		{"connect array", []msg{text(`0["a"]`)}, ErrInvalidPayload},
		{"connect string", []msg{text(`0"a"`)}, ErrInvalidPayload},
		{"connect number", []msg{text(`0-1`)}, ErrInvalidPayload},
		{"connect bad json", []msg{text(`0{"a"}`)}, ErrInvalidPayload},
		{"connect_error array", []msg{text(`4[]`)}, ErrInvalidPayload},
		{"disconnect payload", []msg{text(`1{}`)}, ErrInvalidPayload},
		{"disconnect id", []msg{text(`1/a,1x`)}, ErrInvalidPayload},
		{"binary without packet", []msg{bin("\x01")}, ErrUnexpectedBinary},
		{"text during attachments", []msg{text(`51-["a",{"_placeholder":true,"num":0}]`), text(`2["b"]`)}, ErrUnexpectedText},
		{"placeholder num out of range", []msg{text(`51-["a",{"_placeholder":true,"num":1}]`)}, ErrInvalidAttachments},
		{"placeholder num negative", []msg{text(`51-["a",{"_placeholder":true,"num":-1}]`)}, ErrInvalidAttachments},
		{"placeholder num fraction", []msg{text(`52-["a",{"_placeholder":true,"num":0.5}]`)}, ErrInvalidAttachments},
		{"placeholder num string", []msg{text(`51-["a",{"_placeholder":true,"num":"0"}]`)}, ErrInvalidAttachments},
		{"placeholder num missing", []msg{text(`51-["a",{"_placeholder":true}]`)}, ErrInvalidAttachments},
		{"placeholder nested bad", []msg{text(`51-["a",{"x":[{"_placeholder":true,"num":3}]}]`)}, ErrInvalidAttachments},
		{"placeholder escaped key", []msg{text(`51-["a",{"\u005fplaceholder":true,"n\u0075m":9}]`)}, ErrInvalidAttachments},
		{"binary event name placeholder", []msg{text(`51-[{"_placeholder":true,"num":0}]`)}, ErrInvalidEventName},
		{"binary event no payload", []msg{text(`51-`)}, ErrInvalidPayload},
		{"binary connect", []msg{text(`0{"_placeholder":true,"num":0}`), bin("x")}, ErrUnexpectedBinary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := decodeAll(t, JSON, Limits{}, tt.msgs...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v (packets %v)", err, tt.want, ps)
			}
			if !errors.Is(err, ErrInvalidPacket) {
				t.Errorf("err %v does not wrap ErrInvalidPacket", err)
			}
		})
	}
}

func TestDecodeRecoversAfterError(t *testing.T) {
	d := JSON.NewDecoder(Limits{})
	if _, err := d.Add([]byte(`51-["a",{"_placeholder":true,"num":0}]`), false); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Add([]byte(`2["b"]`), false); !errors.Is(err, ErrUnexpectedText) {
		t.Fatalf("err = %v", err)
	}
	p, err := d.Add([]byte(`2["c"]`), false)
	if err != nil || p == nil || p.Event != "c" {
		t.Fatalf("after reset: %v %v", p, err)
	}
	// Reset drops a pending binary packet.
	if p, err := d.Add([]byte(`51-["a",{"_placeholder":true,"num":0}]`), false); p != nil || err != nil {
		t.Fatal(p, err)
	}
	d.Reset()
	if _, err := d.Add([]byte("x"), true); !errors.Is(err, ErrUnexpectedBinary) {
		t.Fatalf("err = %v", err)
	}
}

func TestDecodeLimits(t *testing.T) {
	long := strings.Repeat("e", 40)
	tests := []struct {
		name   string
		limits Limits
		in     string
		want   error
	}{
		{"event name at limit", Limits{MaxEventNameLen: 40}, `2["` + long + `"]`, nil},
		{"event name over limit", Limits{MaxEventNameLen: 39}, `2["` + long + `"]`, ErrEventNameTooLong},
		{"event name unlimited", Limits{MaxEventNameLen: -1}, `2["` + strings.Repeat(long, 100) + `"]`, nil},
		{"event name default", Limits{}, `2["` + strings.Repeat("x", DefaultMaxEventNameLen+1) + `"]`, ErrEventNameTooLong},
		{"namespace at limit", Limits{MaxNamespaceLen: 4}, `2/abc,["a"]`, nil},
		{"namespace over limit", Limits{MaxNamespaceLen: 3}, `2/abc,["a"]`, ErrNamespaceTooLong},
		{"namespace default", Limits{}, "0/" + strings.Repeat("n", DefaultMaxNamespaceLen) + ",", ErrNamespaceTooLong},
		{"attachments at limit", Limits{MaxAttachments: 2}, `52-["a"]`, nil},
		{"attachments over limit", Limits{MaxAttachments: 2}, `53-["a"]`, ErrTooManyAttachments},
		{"attachments default", Limits{}, `510-["a"]`, nil},
		{"attachments unlimited", Limits{MaxAttachments: -1}, `5100-["a"]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := JSON.NewDecoder(tt.limits).Add([]byte(tt.in), false)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// A BINARY_EVENT is only returned once all its attachments arrived, and
// they are matched to placeholders at any depth, in num order (not in
// document order).
func TestDecodeBinaryNested(t *testing.T) {
	d := JSON.NewDecoder(Limits{})
	steps := []msg{
		text(`53-/up,7["upload",{"meta":{"name":"a.png","parts":[{"_placeholder":true,"num":2},{"_placeholder":true,"num":0}]}},"x",{"_placeholder":true,"num":1}]`),
		bin("zero"), bin("one"), bin("two"),
	}
	for i, m := range steps {
		p, err := d.Add([]byte(m.data), m.binary)
		if err != nil {
			t.Fatal(err)
		}
		if (p != nil) != (i == len(steps)-1) {
			t.Fatalf("step %d: packet %v", i, p)
		}
		if p == nil {
			continue
		}
		if p.Type != Event || p.Namespace != "/up" || p.ID != 7 || p.Event != "upload" || p.Args.Len() != 3 {
			t.Fatalf("packet %+v", p)
		}
		// typed
		type Meta struct {
			Name  string   `json:"name"`
			Parts [][]byte `json:"parts"`
		}
		var doc struct {
			Meta Meta `json:"meta"`
		}
		if err := p.Args.Decode(0, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Meta.Name != "a.png" || string(doc.Meta.Parts[0]) != "two" || string(doc.Meta.Parts[1]) != "zero" {
			t.Errorf("typed = %+v", doc)
		}
		// any
		var v any
		if err := p.Args.Decode(0, &v); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"meta": map[string]any{"name": "a.png", "parts": []any{[]byte("two"), []byte("zero")}}}
		if !reflect.DeepEqual(v, want) {
			t.Errorf("any = %#v", v)
		}
		var m map[string]any
		if err := p.Args.Decode(0, &m); err != nil || !reflect.DeepEqual(m, want) {
			t.Errorf("map = %#v, %v", m, err)
		}
		// top-level []byte, directly and through *any / []any
		var b []byte
		if err := p.Args.Decode(2, &b); err != nil || string(b) != "one" {
			t.Errorf("[]byte = %q, %v", b, err)
		}
		var s string
		if err := p.Args.Decode(1, &s); err != nil || s != "x" {
			t.Errorf("string = %q, %v", s, err)
		}
		var str string // a binary value into a string target: base64
		if err := p.Args.Decode(2, &str); err != nil || str != "b25l" {
			t.Errorf("binary into string = %q, %v", str, err)
		}
		// Raw keeps the placeholders, JSON substitutes base64.
		if got := string(p.Args.Raw(2)); got != `{"_placeholder":true,"num":1}` {
			t.Errorf("Raw = %s", got)
		}
		if got, _ := p.Args.JSON(2); string(got) != `"b25l"` {
			t.Errorf("JSON = %s", got)
		}
		var raw json.RawMessage
		if err := p.Args.Decode(0, &raw); err != nil || !bytes.Contains(raw, []byte(`"dHdv"`)) {
			t.Errorf("RawMessage = %s, %v", raw, err)
		}
	}
}

// Placeholders only mean something in BINARY_EVENT/BINARY_ACK packets; a
// plain EVENT keeps such objects as they are.
func TestDecodePlaceholderInPlainEvent(t *testing.T) {
	p := decodeOne(t, JSON, text(`2["a",{"_placeholder":true,"num":0}]`))
	v, err := p.Args.Value(0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v, map[string]any{"_placeholder": true, "num": float64(0)}) {
		t.Errorf("got %#v", v)
	}
}

// Placeholder semantics follow JSON.parse: escaped keys count, the last of
// duplicate keys wins, an outer placeholder replaces everything inside it.
func TestDecodePlaceholderEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		arg  string
		want any
	}{
		{"escaped key", `{"\u005fplaceholder":true,"num":0}`, []byte("A")},
		{"extra keys", `{"num":0,"x":1,"_placeholder":true}`, []byte("A")},
		{"duplicate false wins", `{"_placeholder":true,"num":0,"_placeholder":false}`, map[string]any{"_placeholder": false, "num": float64(0)}},
		{"duplicate num", `{"_placeholder":true,"num":5,"num":1}`, []byte("B")},
		{"not true", `{"_placeholder":"true","num":0}`, map[string]any{"_placeholder": "true", "num": float64(0)}},
		{"outer wins", `{"_placeholder":true,"num":1,"x":{"_placeholder":true,"num":0}}`, []byte("B")},
		{"num 1.0", `{"_placeholder":true,"num":1.0}`, []byte("B")},
		{"whitespace", `{ "_placeholder" : true , "num" : 0 }`, []byte("A")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := decodeOne(t, JSON, text(`52-["e",`+tt.arg+`]`), bin("A"), bin("B"))
			v, err := p.Args.Value(0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(v, tt.want) {
				t.Errorf("Value = %#v, want %#v", v, tt.want)
			}
			// The typed path agrees with the any path.
			if b, ok := tt.want.([]byte); ok {
				var got []byte
				if err := p.Args.Decode(0, &got); err != nil || !bytes.Equal(got, b) {
					t.Errorf("Decode []byte = %q, %v", got, err)
				}
			}
		})
	}
}

// Raw arguments are the received bytes: key order, spacing and number
// spelling untouched.
func TestDecodeRawKeepsBytes(t *testing.T) {
	in := `2["ev", {"z":1,  "a":{"y":2,"b":3}} ,[3,1,2],1.50,"\u00e9"]`
	p := decodeOne(t, JSON, text(in))
	want := []string{`{"z":1,  "a":{"y":2,"b":3}}`, `[3,1,2]`, `1.50`, `"\u00e9"`}
	if p.Args.Len() != len(want) {
		t.Fatalf("len %d", p.Args.Len())
	}
	for i, w := range want {
		if got := string(p.Args.Raw(i)); got != w {
			t.Errorf("Raw(%d) = %s, want %s", i, got, w)
		}
		if got, _ := p.Args.JSON(i); string(got) != w {
			t.Errorf("JSON(%d) = %s, want %s", i, got, w)
		}
	}
	if p.Args.Raw(-1) != nil || p.Args.Raw(4) != nil {
		t.Error("Raw out of range is not nil")
	}
}

func TestDecodeTyped(t *testing.T) {
	type Chat struct {
		User  string   `json:"user"`
		Text  string   `json:"text"`
		Tags  []string `json:"tags,omitempty"`
		Count int      `json:"n"`
	}
	p := decodeOne(t, JSON, text(`2/chat,3["msg",{"user":"ann","text":"hi","n":2},7,"s",true,null,{"k":[1,2]}]`))
	var c Chat
	var n int
	var s string
	var b bool
	var ptr *Chat
	var m map[string][]int
	for i, v := range []any{&c, &n, &s, &b, &ptr, &m} {
		if err := p.Args.Decode(i, v); err != nil {
			t.Fatalf("Decode(%d): %v", i, err)
		}
	}
	if !reflect.DeepEqual(c, Chat{User: "ann", Text: "hi", Count: 2}) || n != 7 || s != "s" || !b || ptr != nil || !reflect.DeepEqual(m, map[string][]int{"k": {1, 2}}) {
		t.Errorf("got %+v %v %q %v %v %v", c, n, s, b, ptr, m)
	}
	if err := p.Args.Decode(0, &n); err == nil {
		t.Error("object into int: no error")
	}
	if err := p.Args.Decode(6, &n); !errors.Is(err, ErrNoArgument) {
		t.Errorf("out of range: %v", err)
	}
	if err := p.Args.Decode(0, c); err == nil {
		t.Error("non-pointer: no error")
	}
	if _, err := p.Args.Value(9); !errors.Is(err, ErrNoArgument) {
		t.Errorf("Value out of range: %v", err)
	}
	if _, err := p.Args.JSON(9); !errors.Is(err, ErrNoArgument) {
		t.Errorf("JSON out of range: %v", err)
	}
	var zero Args
	if zero.Len() != 0 || zero.Raw(0) != nil {
		t.Error("zero Args not empty")
	}
}

func TestPacketTypeString(t *testing.T) {
	if BinaryAck.String() != "BINARY_ACK" || PacketType(9).String() != "PacketType(9)" || PacketType(9).Valid() {
		t.Error("PacketType String/Valid")
	}
}

func TestJSNumberString(t *testing.T) {
	for f, want := range map[float64]string{0: "0", 1: "1", -2.5: "-2.5", 1e21: "1e+21", 1e-7: "1e-7", 123456789012: "123456789012", 0.000001: "0.000001"} {
		if got := jsNumberString(f); got != want {
			t.Errorf("jsNumberString(%v) = %q, want %q", f, got, want)
		}
	}
}

// TestDecodeReservedEventName checks that an EVENT named like one of the
// APIs' own events is invalid, with both codecs (socket.io-parser's
// isPayloadValid), while other packets and names pass.
func TestDecodeReservedEventName(t *testing.T) {
	for _, codec := range []Codec{JSON, Msgpack} {
		for _, name := range append(ReservedEvents(), "connected", "Connect", "message") {
			enc, err := codec.Encode(Outgoing{Type: Event, Namespace: "/x", Event: name, Args: []any{1}})
			if err != nil {
				t.Fatal(err)
			}
			d := codec.NewDecoder(Limits{})
			_, err = d.Add(enc[0].Data, enc[0].Binary)
			if want := IsReservedEvent(name); errors.Is(err, ErrReservedEventName) != want || (err == nil) == want {
				t.Errorf("%s %q: %v, want reserved=%v", codec.Name(), name, err, want)
			}
			if err != nil && !errors.Is(err, ErrInvalidPacket) {
				t.Errorf("%s %q: %v does not wrap ErrInvalidPacket", codec.Name(), name, err)
			}
		}
	}
}
