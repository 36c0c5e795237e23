package parser

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// mp builds a msgpack packet from a map, with msgpack's own encoder, so the
// invalid-input table reads like the JavaScript objects.
func mp(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMsgpackEncodeBytes(t *testing.T) {
	enc, err := Msgpack.Encode(Outgoing{Type: Event, Event: "hi", Args: []any{1, []byte{7}}})
	if err != nil {
		t.Fatal(err)
	}
	// {"type":2,"data":["hi",1,<bin 07>],"nsp":"/"}
	want := "83" + "a474797065" + "02" + "a464617461" + "93" + "a26869" + "01" + "c40107" + "a36e7370" + "a12f"
	if len(enc) != 1 || !enc[0].Binary || hex.EncodeToString(enc[0].Data) != want {
		t.Errorf("got %x, want %s", enc[0].Data, want)
	}
	enc, err = Msgpack.Encode(Outgoing{Type: Ack, Namespace: "/a", ID: 300, HasID: true})
	if err != nil {
		t.Fatal(err)
	}
	// {"type":3,"data":[],"nsp":"/a","id":300}
	want = "84" + "a474797065" + "03" + "a464617461" + "90" + "a36e7370" + "a22f61" + "a26964" + "cd012c"
	if hex.EncodeToString(enc[0].Data) != want {
		t.Errorf("got %x, want %s", enc[0].Data, want)
	}
}

func TestMsgpackDecodeInvalid(t *testing.T) {
	ev := func(extra map[string]any) []byte {
		m := map[string]any{"type": 2, "nsp": "/", "data": []any{"e"}}
		for k, v := range extra {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return mp(t, m)
	}
	valid := ev(nil)
	tests := []struct {
		name   string
		data   []byte
		binary bool
		limits Limits
		want   error
	}{
		{"text message", valid, false, Limits{}, ErrUnexpectedText},
		{"empty", nil, true, Limits{}, ErrInvalidPayload},
		{"not a map", mp(t, []any{2, "/"}), true, Limits{}, ErrInvalidPayload},
		{"type missing", ev(map[string]any{"type": nil}), true, Limits{}, ErrInvalidType},
		{"type 5", ev(map[string]any{"type": 5}), true, Limits{}, ErrInvalidType},
		{"type negative", ev(map[string]any{"type": -1}), true, Limits{}, ErrInvalidType},
		{"type string", ev(map[string]any{"type": "2"}), true, Limits{}, ErrInvalidType},
		{"type fraction", ev(map[string]any{"type": 2.5}), true, Limits{}, ErrInvalidType},
		{"nsp missing", ev(map[string]any{"nsp": nil}), true, Limits{}, ErrInvalidNamespace},
		{"nsp number", ev(map[string]any{"nsp": 1}), true, Limits{}, ErrInvalidNamespace},
		{"nsp without slash", ev(map[string]any{"nsp": "admin"}), true, Limits{}, ErrInvalidNamespace},
		{"nsp too long", ev(map[string]any{"nsp": "/abcd"}), true, Limits{MaxNamespaceLen: 4}, ErrNamespaceTooLong},
		{"event data missing", ev(map[string]any{"data": nil}), true, Limits{}, ErrInvalidPayload},
		{"event data map", ev(map[string]any{"data": map[string]any{}}), true, Limits{}, ErrInvalidPayload},
		{"event data empty", ev(map[string]any{"data": []any{}}), true, Limits{}, ErrInvalidEventName},
		{"event name map", ev(map[string]any{"data": []any{map[string]any{}}}), true, Limits{}, ErrInvalidEventName},
		{"event name bin", ev(map[string]any{"data": []any{[]byte("e")}}), true, Limits{}, ErrInvalidEventName},
		{"event name too long", ev(map[string]any{"data": []any{"long"}}), true, Limits{MaxEventNameLen: 3}, ErrEventNameTooLong},
		{"ack data missing", ev(map[string]any{"type": 3, "data": nil}), true, Limits{}, ErrInvalidPayload},
		{"id negative", ev(map[string]any{"id": -1}), true, Limits{}, ErrInvalidAckID},
		{"id string", ev(map[string]any{"id": "1"}), true, Limits{}, ErrInvalidAckID},
		{"id too big", ev(map[string]any{"id": uint64(1 << 53)}), true, Limits{}, ErrInvalidAckID},
		{"id fraction", ev(map[string]any{"id": 1.5}), true, Limits{}, ErrInvalidAckID},
		{"connect array", mp(t, map[string]any{"type": 0, "nsp": "/", "data": []any{}}), true, Limits{}, ErrInvalidPayload},
		{"connect string", mp(t, map[string]any{"type": 0, "nsp": "/", "data": "x"}), true, Limits{}, ErrInvalidPayload},
		{"connect_error number", mp(t, map[string]any{"type": 4, "nsp": "/", "data": 1}), true, Limits{}, ErrInvalidPayload},
		{"disconnect data", mp(t, map[string]any{"type": 1, "nsp": "/", "data": map[string]any{}}), true, Limits{}, ErrInvalidPayload},
		{"trailing bytes", append(append([]byte{}, valid...), 0xc0), true, Limits{}, ErrInvalidPayload},
		{"truncated", valid[:len(valid)-1], true, Limits{}, ErrInvalidPayload},
		{"reserved code", []byte{0x81, 0xa4, 't', 'y', 'p', 'e', 0xc1}, true, Limits{}, ErrInvalidPayload},
		{"huge array length", []byte("\x83\xa4type\x02\xa3nsp\xa1/\xa4data\xdd\xff\xff\xff\xff"), true, Limits{}, ErrInvalidPayload},
		{"huge str length", []byte("\x83\xa4type\x02\xa3nsp\xdb\xff\xff\xff\xff"), true, Limits{}, ErrInvalidPayload},
		{"too deep", append([]byte("\x83\xa4type\x02\xa3nsp\xa1/\xa4data\x92\xa1e"), []byte(strings.Repeat("\x91", mpMaxDepth+1)+"\xc0")...), true, Limits{}, ErrInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Msgpack.NewDecoder(tt.limits).Add(tt.data, tt.binary)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestMsgpackDecodeLenient(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		id   int64
	}{
		{"id nil", mp(t, map[string]any{"type": 2, "nsp": "/", "data": []any{"e"}, "id": nil}), -1},
		{"id undefined", []byte("\x84\xa4type\x02\xa3nsp\xa1/\xa4data\x91\xa1e\xa2id\xd4\x00\x00"), -1},
		{"id float", mp(t, map[string]any{"type": 2, "nsp": "/", "data": []any{"e"}, "id": 4.0}), 4},
		{"unknown keys", mp(t, map[any]any{"type": 2, "nsp": "/", "data": []any{"e"}, "options": map[string]any{"compress": true}, 1: 2}), -1},
		{"type uint64", []byte("\x83\xa4type\xcf\x00\x00\x00\x00\x00\x00\x00\x02\xa3nsp\xa1/\xa4data\x91\xa1e"), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Msgpack.NewDecoder(Limits{}).Add(tt.data, true)
			if err != nil {
				t.Fatal(err)
			}
			if p.Event != "e" || p.HasID != (tt.id >= 0) || tt.id >= 0 && p.ID != uint64(tt.id) {
				t.Errorf("packet %+v", p)
			}
		})
	}
	// CONNECT with a nil payload has no auth.
	p, err := Msgpack.NewDecoder(Limits{}).Add(mp(t, map[string]any{"type": 0, "nsp": "/", "data": nil}), true)
	if err != nil || p.Args.Len() != 0 {
		t.Errorf("connect nil data: %+v %v", p, err)
	}
}

// Arguments decode into typed values through msgpack with the json struct
// tags, and what the JavaScript client sends besides Buffers (ArrayBuffer,
// undefined, Date) decodes too.
func TestMsgpackDecodeTyped(t *testing.T) {
	type Doc struct {
		Name    string         `json:"name"`
		Data    []byte         `json:"data"`
		Missing *int           `json:"missing"`
		When    time.Time      `json:"when"`
		Nested  map[string]any `json:"nested"`
		Ignored string         `json:"-"`
		Count   int            `json:"count,omitempty"`
	}
	// {"type":2,"nsp":"/","data":["e",{"name":"n","data":<ArrayBuffer 0102>,"missing":undefined,"when":<Date 86400000>,"nested":{"k":1},"Ignored":"x","count":3}]}
	raw := []byte("\x83\xa4type\x02\xa3nsp\xa1/\xa4data\x92\xa1e" +
		"\x87\xa4name\xa1n\xa4data\xc7\x02\x00\x01\x02\xa7missing\xd4\x00\x00\xa4when\xd7\x00\x00\x00\x00\x00\x05\x26\x5c\x00" +
		"\xa6nested\x81\xa1k\x01\xa7Ignored\xa1x\xa5count\x03")
	p, err := Msgpack.NewDecoder(Limits{}).Add(raw, true)
	if err != nil {
		t.Fatal(err)
	}
	var d Doc
	if err := p.Args.Decode(0, &d); err != nil {
		t.Fatal(err)
	}
	want := Doc{Name: "n", Data: []byte{1, 2}, When: time.UnixMilli(86400000), Nested: map[string]any{"k": int64(1)}, Count: 3}
	if !d.When.Equal(want.When) {
		t.Errorf("When = %v", d.When)
	}
	d.When = want.When
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got  %#v\nwant %#v", d, want)
	}
	v, err := p.Args.Value(0)
	if err != nil {
		t.Fatal(err)
	}
	wantAny := map[string]any{"name": "n", "data": []byte{1, 2}, "missing": nil, "when": time.UnixMilli(86400000).UTC(),
		"nested": map[string]any{"k": 1.0}, "Ignored": "x", "count": 3.0}
	if !reflect.DeepEqual(v, wantAny) {
		t.Errorf("Value = %#v", v)
	}
	j, err := p.Args.JSON(0)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"name":"n","data":"AQI=","missing":null,"when":"1970-01-02T00:00:00Z","nested":{"k":1},"Ignored":"x","count":3}`
	if string(j) != wantJSON {
		t.Errorf("JSON = %s", j)
	}
	var rm json.RawMessage // json.Unmarshaler targets get JSON
	if err := p.Args.Decode(0, &rm); err != nil || string(rm) != wantJSON {
		t.Errorf("RawMessage = %s, %v", rm, err)
	}
	if !bytes.HasPrefix(p.Args.Raw(0), []byte("\x87\xa4name")) {
		t.Errorf("Raw = %x", p.Args.Raw(0))
	}
}

type jsonOnly struct{ V int }

func (j jsonOnly) MarshalJSON() ([]byte, error) {
	return []byte(`{"v":` + string(rune('0'+j.V)) + `,"a":[1,-2,1.5,"s",null,true]}`), nil
}

func TestMsgpackEncodeJSONValues(t *testing.T) {
	args := []any{
		json.RawMessage(`{"z":1,"a":{"y":2,"b":[]}}`),
		jsonOnly{V: 4},
		time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC),
		json.RawMessage(nil),
	}
	enc, err := Msgpack.Encode(Outgoing{Type: Ack, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	p := decodeOne(t, Msgpack, toMsgs(enc)...)
	want := []string{`{"z":1,"a":{"y":2,"b":[]}}`, `{"v":4,"a":[1,-2,1.5,"s",null,true]}`, `"2020-01-02T03:04:05Z"`, `null`}
	for i, w := range want {
		if j, err := p.Args.JSON(i); err != nil || string(j) != w {
			t.Errorf("arg %d: %s %v, want %s", i, j, err, w)
		}
	}
	if _, err := Msgpack.Encode(Outgoing{Type: Ack, Args: []any{json.RawMessage(`{`)}}); !errors.Is(err, ErrEncode) {
		t.Errorf("invalid RawMessage: %v", err)
	}
}

func TestMsgpackEncodeStructTags(t *testing.T) {
	type S struct {
		A    int    `json:"a"`
		B    string `json:"b,omitempty"`
		Skip int    `json:"-"`
		Bin  []byte `json:"bin"`
	}
	enc, err := Msgpack.Encode(Outgoing{Type: Event, Event: "e", Args: []any{S{A: 1, Skip: 2, Bin: []byte("x")}}})
	if err != nil {
		t.Fatal(err)
	}
	p := decodeOne(t, Msgpack, toMsgs(enc)...)
	v, _ := p.Args.Value(0)
	if want := map[string]any{"a": 1.0, "bin": []byte("x")}; !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v", v)
	}
}

// Top-level numbers get encoding/json's range checks with msgpack too.
func TestMsgpackDecodeNumbers(t *testing.T) {
	enc, err := Msgpack.Encode(Outgoing{Type: Ack, Args: []any{1, 1.5, 300, -1, uint64(1 << 63), int64(-1 << 62), 1e300}})
	if err != nil {
		t.Fatal(err)
	}
	p := decodeOne(t, Msgpack, toMsgs(enc)...)
	var (
		i   int
		f   float64
		u8  uint8
		u   uint
		u64 uint64
		i64 int64
		i8  int8
		f32 float32
	)
	ok := []struct {
		i int
		v any
	}{{0, &i}, {0, &f}, {1, &f}, {0, &u8}, {4, &u64}, {5, &i64}, {2, &i}, {0, &f32}}
	for _, c := range ok {
		if err := p.Args.Decode(c.i, c.v); err != nil {
			t.Errorf("Decode(%d, %T): %v", c.i, c.v, err)
		}
	}
	if i != 300 || f != 1.5 || u8 != 1 || u64 != 1<<63 || i64 != -1<<62 || f32 != 1 {
		t.Errorf("got %v %v %v %v %v %v", i, f, u8, u64, i64, f32)
	}
	bad := []struct {
		i int
		v any
	}{{1, &i}, {2, &u8}, {3, &u}, {4, &i64}, {5, &u64}, {2, &i8}, {6, &f32}, {6, &i}}
	for _, c := range bad {
		if err := p.Args.Decode(c.i, c.v); err == nil {
			t.Errorf("Decode(%d, %T): no error", c.i, c.v)
		}
	}
}

func TestMsgpackConnectNilPayload(t *testing.T) {
	enc, err := Msgpack.Encode(Outgoing{Type: Connect, Args: []any{(*struct{})(nil)}})
	if err != nil {
		t.Fatal(err)
	}
	p := decodeOne(t, Msgpack, toMsgs(enc)...)
	if p.Type != Connect || p.Args.Len() != 0 {
		t.Errorf("packet %+v", p)
	}
}

// A json.RawMessage inside []any and map[string]any values is written as
// the JSON it holds (as a forwarded argument, Args.Passthrough), not as bin.
func TestMsgpackNestedRawJSON(t *testing.T) {
	raw := json.RawMessage(`{"z":1,"a":[2,"x"]}`)
	enc, err := Msgpack.Encode(Outgoing{Type: Event, Event: "e", Args: []any{[]any{"k", raw}, map[string]any{"v": raw}}})
	if err != nil {
		t.Fatal(err)
	}
	p := decodeOne(t, Msgpack, toMsgs(enc)...)
	for i, want := range []string{`["k",{"z":1,"a":[2,"x"]}]`, `{"v":{"z":1,"a":[2,"x"]}}`} {
		if j, _ := p.Args.JSON(i); string(j) != want {
			t.Errorf("argument %d: %s, want %s", i, j, want)
		}
	}
}
