package redisq

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/socketio-go/sio/queue"
)

// TestStreamOf checks the stream of a namespace with several streams
// against the values @socket.io/redis-streams-adapter 0.3.1 computes
// (hashCode(nsp) % 3, negative for a negative hash).
func TestStreamOf(t *testing.T) {
	b := &StreamsBus{opts: StreamsOptions{StreamName: "s", StreamCount: 3}.withDefaults()}
	for nsp, want := range map[string]string{
		"/": "s-2", "/chat": "s-1", "/admin": "s-1", "/é😀": "s-2",
		"/a-very-long-namespace-name-to-overflow": "s-0", "/chat-room-42": "s--2", "/namespace/with/slashes": "s--2",
	} {
		if got := b.streamOf(nsp); got != want {
			t.Errorf("stream of %q: %s, want %s", nsp, got, want)
		}
	}
	one := &StreamsBus{opts: StreamsOptions{}.withDefaults()}
	if got := one.streamOf("/chat"); got != "socket.io" {
		t.Errorf("one stream: %s", got)
	}
}

// nodeEntries are stream entries as RedisStreamsAdapter.encode (0.3.1)
// writes them: a broadcast in JSON, a broadcast with binary in base64
// MessagePack, a SOCKETS_JOIN from an emitter.
const nodeEntries = `[{"uid":"u1","nsp":"/","type":"3","data":"{\"packet\":{\"type\":2,\"data\":[\"ev\",1,\"x\"],\"nsp\":\"/\"},\"opts\":{\"rooms\":[\"r\"],\"except\":[],\"flags\":{}}}"},{"uid":"u1","nsp":"/","type":"3","data":"gqZwYWNrZXSDpHR5cGUCpGRhdGGSo2JpbsQDAQIDo25zcKEvpG9wdHOCpXJvb21zkKZleGNlcHSQ"},{"uid":"emitter","nsp":"/chat","type":"4","data":"{\"opts\":{\"rooms\":[\"a\"],\"except\":[]},\"rooms\":[\"b\"]}"}]`

// TestStreamEntries checks that the entries the Node.js adapter writes
// decode into their cluster messages, and that sio writes the same
// fields: JSON data, base64 MessagePack for binary data.
func TestStreamEntries(t *testing.T) {
	var entries []map[string]any
	if err := json.Unmarshal([]byte(nodeEntries), &entries); err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		msg, nsp, ok, err := entryMessage(e)
		if err != nil || !ok || nsp != e["nsp"] {
			t.Fatalf("entry %d: %v %v %q", i, ok, err, nsp)
		}
		h, _, err := queue.SplitMessage(msg)
		if err != nil || h.UID != e["uid"] || h.NSP != nsp {
			t.Fatalf("entry %d: %+v %v", i, h, err)
		}
		// Written back by sio: the same fields, the same encoding.
		values, err := entryValues(msg)
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		got := map[string]any{}
		for j := 0; j < len(values); j += 2 {
			got[values[j].(string)] = values[j+1]
		}
		if got["uid"] != e["uid"] || got["nsp"] != e["nsp"] || got["type"] != e["type"] {
			t.Errorf("entry %d: fields %v, want %v", i, got, e)
		}
		wantJSON := strings.HasPrefix(e["data"].(string), "{")
		d := got["data"].(string)
		if strings.HasPrefix(d, "{") != wantJSON {
			t.Errorf("entry %d: data %q, Node.js wrote %q", i, d, e["data"])
		}
		if !wantJSON {
			raw, err := base64.StdEncoding.DecodeString(d)
			if err != nil || queue.IsJSON(raw) {
				t.Errorf("entry %d: data is not base64 MessagePack: %v", i, err)
			}
		}
	}
	if _, _, ok, err := entryMessage(map[string]any{"uid": "x", "type": "3"}); ok || err != nil {
		t.Errorf("an entry without nsp is not skipped: %v %v", ok, err)
	}
	for _, bad := range []map[string]any{
		{"nsp": "/", "type": "x"},
		{"nsp": "/", "type": "3", "data": "!!not base64"},
		{"nsp": "/", "type": "3", "data": "{not json"},
	} {
		if _, _, _, err := entryMessage(bad); err == nil {
			t.Errorf("entry %v: no error", bad)
		}
	}
}
