package pymsg_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/socketio-go/sio/queue/pymsg"
)

// jsonEqual compares two JSON texts as values.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestEncode: each method is written with python-socketio's fields; an
// emit's data is the list of arguments, binary ones split into
// placeholders and base64 attachments (python ≥ 5.14.2/5.15.1).
func TestEncode(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    pymsg.Message
		opts pymsg.EncodeOptions
		want string
	}{
		{"emit to all", pymsg.Message{Method: pymsg.MethodEmit, Event: "hi", Args: []any{"a", 1}, HostID: "h"},
			pymsg.EncodeOptions{},
			`{"method":"emit","event":"hi","data":["a",1],"binary":false,"namespace":"/","room":null,"skip_sid":null,"callback":null,"host_id":"h"}`},
		{"emit to a room, skipping, with a callback", pymsg.Message{Method: pymsg.MethodEmit, Event: "hi", Namespace: "/chat",
			Rooms: []string{"r"}, Skip: []string{"s1"}, Callback: &pymsg.Callback{SID: "r", Namespace: "/chat", ID: 7}, HostID: "h"},
			pymsg.EncodeOptions{},
			`{"method":"emit","event":"hi","data":[],"binary":false,"namespace":"/chat","room":"r","skip_sid":["s1"],"callback":["r","/chat",7],"host_id":"h"}`},
		{"emit to rooms with binary", pymsg.Message{Method: pymsg.MethodEmit, Event: "b", Rooms: []string{"a", "b"},
			Args: []any{[]byte{1, 2}, map[string]any{"x": []byte("hi")}}, HostID: "h"},
			pymsg.EncodeOptions{},
			`{"method":"emit","event":"b","data":[[{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}],"AQI=","aGk="],"binary":true,"namespace":"/","room":["a","b"],"skip_sid":null,"callback":null,"host_id":"h"}`},
		{"single value for python < 5.15.1", pymsg.Message{Method: pymsg.MethodEmit, Event: "one", Args: []any{[]int{1, 2}}, HostID: "h"},
			pymsg.EncodeOptions{SingleValue: true},
			`{"method":"emit","event":"one","data":[1,2],"binary":false,"namespace":"/","room":null,"skip_sid":null,"callback":null,"host_id":"h"}`},
		{"disconnect", pymsg.Message{Method: pymsg.MethodDisconnect, SID: "s", HostID: "h"}, pymsg.EncodeOptions{},
			`{"method":"disconnect","sid":"s","namespace":"/","host_id":"h"}`},
		{"enter_room", pymsg.Message{Method: pymsg.MethodEnterRoom, SID: "s", Room: "r", HostID: "h"}, pymsg.EncodeOptions{},
			`{"method":"enter_room","sid":"s","room":"r","namespace":"/","host_id":"h"}`},
		{"leave_room", pymsg.Message{Method: pymsg.MethodLeaveRoom, SID: "s", Room: "r", HostID: "h"}, pymsg.EncodeOptions{},
			`{"method":"leave_room","sid":"s","room":"r","namespace":"/","host_id":"h"}`},
		{"close_room", pymsg.Message{Method: pymsg.MethodCloseRoom, Room: "r", HostID: "h"}, pymsg.EncodeOptions{},
			`{"method":"close_room","room":"r","namespace":"/","host_id":"h"}`},
		{"callback", pymsg.Message{Method: pymsg.MethodCallback, HostID: "a", SID: "s", ID: 3, Args: []any{"ok", 2}}, pymsg.EncodeOptions{},
			`{"method":"callback","host_id":"a","sid":"s","namespace":"/","id":3,"args":["ok",2]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := pymsg.Encode(tc.m, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			jsonEqual(t, b, tc.want)
		})
	}
	if _, err := pymsg.Encode(pymsg.Message{Method: pymsg.MethodEmit, Args: []any{[]byte{1}}}, pymsg.EncodeOptions{SingleValue: true}); err == nil {
		t.Error("binary with SingleValue encoded")
	}
	if _, err := pymsg.Encode(pymsg.Message{Method: "nope"}, pymsg.EncodeOptions{}); err == nil {
		t.Error("unknown method encoded")
	}
}

// TestDecode reads messages as python-socketio writes them: 5.7.2's
// (data a bare value, no host_id, a tuple callback as a list) and ≥ 5.15.1's
// (data a list, binary split).
func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     pymsg.Message
	}{
		{"5.7.2 emit", `{"method": "emit", "event": "news", "data": {"a": 1}, "namespace": "/", "room": null, "skip_sid": null, "callback": null, "host_id": "h"}`,
			pymsg.Message{Method: pymsg.MethodEmit, Event: "news", Args: []any{map[string]any{"a": int64(1)}}, Data: map[string]any{"a": int64(1)}, Namespace: "/", HostID: "h"}},
		{"5.15 emit with binary and a callback", `{"method":"emit","event":"b","data":[[1.5,{"_placeholder":true,"num":0}],"AQI="],"binary":true,"namespace":"/chat","room":["x","y"],"skip_sid":"s","callback":["x","/chat",4],"host_id":"h"}`,
			pymsg.Message{Method: pymsg.MethodEmit, Event: "b", Args: []any{1.5, []byte{1, 2}}, Data: []any{1.5, []byte{1, 2}}, Namespace: "/chat", Rooms: []string{"x", "y"},
				Skip: []string{"s"}, Callback: &pymsg.Callback{SID: "x", Namespace: "/chat", ID: 4}, HostID: "h"}},
		{"callback", `{"method":"callback","host_id":"a","sid":"s","namespace":"/","id":3,"args":["ok"]}`,
			pymsg.Message{Method: pymsg.MethodCallback, HostID: "a", SID: "s", Namespace: "/", ID: 3, Args: []any{"ok"}}},
		{"disconnect without namespace (old)", `{"method":"disconnect","sid":"s"}`,
			pymsg.Message{Method: pymsg.MethodDisconnect, SID: "s", Namespace: "/"}},
		{"close_room", `{"method":"close_room","room":"r","namespace":"/n","host_id":"h"}`,
			pymsg.Message{Method: pymsg.MethodCloseRoom, Room: "r", Namespace: "/n", HostID: "h"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := pymsg.Decode([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, tc.want) {
				t.Errorf("got  %#v\nwant %#v", m, tc.want)
			}
		})
	}
}

// TestDecodeInvalid: bad input gives an error wrapping ErrInvalidMessage,
// never a panic.
func TestDecodeInvalid(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `{"method":1}`, `{}`, `{"method":"nope"}`, "\x80\x04pickle",
		`{"method":"emit","event":1,"data":[]}`,
		`{"method":"emit","event":"e","data":[[{"_placeholder":true,"num":3}]],"binary":true}`,
		`{"method":"emit","event":"e","data":"x","binary":true}`,
		`{"method":"emit","event":"e","data":[[],"!!"],"binary":true}`,
		`{"method":"emit","event":"e","data":[],"room":[1]}`,
		`{"method":"callback","sid":"s","id":"x"}`,
	} {
		if _, err := pymsg.Decode([]byte(in)); !errors.Is(err, pymsg.ErrInvalidMessage) {
			t.Errorf("Decode(%q): %v, want ErrInvalidMessage", in, err)
		}
	}
}

// FuzzDecode: Decode never panics, and what it accepts encodes again.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"method":"emit","event":"b","data":[[{"_placeholder":true,"num":0}],"AQI="],"binary":true,"room":"r","callback":["r","/",1]}`))
	f.Add([]byte(`{"method":"callback","host_id":"a","sid":"s","id":3,"args":[1]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := pymsg.Decode(b)
		if err != nil {
			return
		}
		if _, err := pymsg.Encode(m, pymsg.EncodeOptions{}); err != nil {
			t.Fatalf("decoded %#v does not encode: %v", m, err)
		}
	})
}
