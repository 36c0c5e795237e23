package queue

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/socketio-go/sio/core"
	"github.com/socketio-go/sio/core/parser"
	"github.com/socketio-go/sio/internal/tooltest"
)

// nodeVector is one message of testdata/node-vectors.json, written by
// testdata/node/vectors.mjs with the real Node.js adapters: the message in
// each of its encodings, with the value a Node.js server reads from each.
type nodeVector struct {
	Name    string      `json:"name"`
	Type    MessageType `json:"type"`
	Channel string      `json:"channel"`
	Sharded struct {
		JSON string `json:"json"`
		Hex  string `json:"hex"`
	} `json:"sharded"`
	ShardedValue  json.RawMessage `json:"shardedValue"`
	Msgpack       string          `json:"msgpack"`
	MsgpackValue  json.RawMessage `json:"msgpackValue"`
	Notepack      string          `json:"notepack"`
	NotepackValue json.RawMessage `json:"notepackValue"`
	StreamsData   *string         `json:"streamsData"`
}

// form is one encoding of a vector.
type form struct {
	name string
	msg  []byte
	want json.RawMessage
}

func (v nodeVector) forms(t testing.TB) []form {
	t.Helper()
	sharded := []byte(v.Sharded.JSON)
	if v.Sharded.Hex != "" {
		sharded = unhex(t, v.Sharded.Hex)
	}
	return []form{
		{"sharded", sharded, v.ShardedValue},
		{"msgpack", unhex(t, v.Msgpack), v.MsgpackValue},
		{"notepack", unhex(t, v.Notepack), v.NotepackValue},
	}
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const vectorsFile = "testdata/node-vectors.json"

func loadVectors(t testing.TB) []nodeVector {
	t.Helper()
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var vs []nodeVector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 20 {
		t.Fatalf("%d vectors", len(vs))
	}
	return vs
}

// canonical returns the value of an encoded message or value (JSON or
// MessagePack) in the vectors' canonical form: binary as {"$bin": hex},
// timestamps as {"$date": ISO text}, maps with sorted keys.
func canonical(t testing.TB, b []byte) any {
	t.Helper()
	mp, err := Transcode(b, EncodingMsgpack)
	if err != nil {
		t.Fatalf("transcode %q: %v", b, err)
	}
	// Not the loose decoding: it reads bin as a string.
	v, err := msgpack.NewDecoder(bytes.NewReader(mp)).DecodeInterface()
	if err != nil {
		t.Fatal(err)
	}
	return jsonValue(t, canonicalValue(v))
}

func canonicalValue(v any) any {
	switch v := v.(type) {
	case []byte:
		return map[string]any{"$bin": hex.EncodeToString(v)}
	case time.Time:
		return map[string]any{"$date": v.UTC().Format("2006-01-02T15:04:05.000Z")}
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = canonicalValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = canonicalValue(e)
		}
		return out
	}
	return v
}

// jsonValue returns v as encoding/json reads its JSON text (numbers as
// float64), for comparisons.
func jsonValue(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func rawValue(t testing.TB, raw json.RawMessage) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func testNamespace(t testing.TB) *core.Namespace {
	t.Helper()
	srv := core.NewServer(core.Options{})
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv.Of("/")
}

// TestNodeVectors decodes every message the Node.js adapters wrote, in
// each encoding, and checks that queue reads the value Node.js reads, that
// the data decodes as the manager decodes it, and that Transcode and
// SplitMessage/JoinMessage agree with the adapters' choices.
func TestNodeVectors(t *testing.T) {
	nsp := testNamespace(t)
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			for _, f := range v.forms(t) {
				m, err := decodeMessage(f.msg)
				if err != nil {
					t.Fatalf("%s: %v", f.name, err)
				}
				if m.Type != v.Type || m.UID != "0000000000000001" || m.NSP != "/" {
					t.Errorf("%s: envelope %s %q %q", f.name, m.Type, m.UID, m.NSP)
				}
				if got, want := canonical(t, f.msg), rawValue(t, f.want); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: read\n%v\nNode.js reads\n%v", f.name, got, want)
				}
				data, err := decodeData(m, nsp)
				if err != nil {
					t.Fatalf("%s: data: %v", f.name, err)
				}
				if check := vectorChecks[trimSuffix(v.Name)]; check != nil {
					check(t, f.name, data)
				} else if data != nil {
					t.Errorf("no check for %s", v.Name)
				}

				// Our choice of encoding is the sharded adapter's.
				js, err := Transcode(f.msg, EncodingJSON)
				if err != nil {
					t.Fatalf("%s: Transcode: %v", f.name, err)
				}
				if IsJSON(js) != (v.Sharded.JSON != "") {
					t.Errorf("%s: Transcode to JSON gives JSON %v, the sharded adapter wrote JSON %v", f.name, IsJSON(js), v.Sharded.JSON != "")
				}
				if IsJSON(js) && !reflect.DeepEqual(canonical(t, js), rawValue(t, v.ShardedValue)) {
					t.Errorf("%s: as JSON %s", f.name, js)
				}

				h, d, err := SplitMessage(f.msg)
				if err != nil {
					t.Fatalf("%s: SplitMessage: %v", f.name, err)
				}
				wantData, _ := rawValue(t, v.MsgpackValue).(map[string]any)["data"].(map[string]any)
				wantID, _ := wantData["requestId"].(string)
				if h.UID != m.UID || h.NSP != "/" || h.Type != v.Type || h.RequestID != wantID {
					t.Errorf("%s: SplitMessage header %+v", f.name, h)
				}
				joined, err := JoinMessage(h, d)
				if err != nil {
					t.Fatalf("%s: JoinMessage: %v", f.name, err)
				}
				if !reflect.DeepEqual(canonical(t, joined), canonical(t, f.msg)) {
					t.Errorf("%s: split and joined: %v", f.name, canonical(t, joined))
				}
			}

			// The data of a Redis Streams entry: JSON text, or base64 of its
			// MessagePack.
			if v.StreamsData != nil {
				data := []byte(*v.StreamsData)
				want := v.ShardedValue
				if !IsJSON(data) {
					var err error
					if data, err = base64.StdEncoding.DecodeString(*v.StreamsData); err != nil {
						t.Fatal(err)
					}
					want = v.MsgpackValue
				}
				msg, err := JoinMessage(Header{UID: "0000000000000001", NSP: "/", Type: v.Type}, data)
				if err != nil {
					t.Fatalf("streams: %v", err)
				}
				if got := canonical(t, msg); !reflect.DeepEqual(got, rawValue(t, want)) {
					t.Errorf("streams entry read as %v", got)
				}
			}
		})
	}
}

func trimSuffix(name string) string {
	for i := range name {
		if name[i] == '#' {
			return name[:i]
		}
	}
	return name
}

// argsJSON returns vals as JSON text.
func argsJSON(t testing.TB, vals any) string {
	t.Helper()
	b, err := json.Marshal(vals)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func replyValue(t testing.TB, data any) any {
	t.Helper()
	r, ok := data.(inReply)
	if !ok {
		t.Fatalf("data %T", data)
	}
	v, err := r.args.Value(0)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// vectorChecks check the decoded data of each vector (by name, without
// its #n suffix).
var vectorChecks = map[string]func(t *testing.T, form string, data any){
	"broadcast": func(t *testing.T, form string, data any) {
		b := data.(inBroadcast)
		if b.event != "event" || argsJSON(t, b.args) != `[1,"two",{"three":[3]},1.5,null,true,-7,1099511627776]` ||
			len(b.opts.Rooms)+len(b.opts.Except) != 0 || b.requestID != "" {
			t.Errorf("%s: %+v", form, b)
		}
	},
	"broadcast-binary-room": func(t *testing.T, form string, data any) {
		b := data.(inBroadcast)
		if b.event != "bin" || len(b.args) != 2 || !bytes.Equal(asBytes(b.args[0]), []byte{1, 2, 3}) ||
			!slices.Equal(b.opts.Rooms, []string{"room1"}) || !slices.Equal(b.opts.Except, []string{"room2"}) {
			t.Errorf("%s: %+v", form, b)
		}
		if nested, _ := b.args[1].(map[string]any); !bytes.Equal(asBytes(nested["nested"]), []byte{4}) {
			t.Errorf("%s: nested %#v", form, b.args[1])
		}
	},
	"broadcast-flags": func(t *testing.T, form string, data any) {
		b := data.(inBroadcast)
		if !b.opts.Volatile || !b.opts.Uncompressed || !slices.Equal(b.opts.Rooms, []string{"a", "b"}) {
			t.Errorf("%s: %+v", form, b.opts)
		}
	},
	"broadcast-socket-id-room": func(t *testing.T, form string, data any) {
		if b := data.(inBroadcast); !slices.Equal(b.opts.Rooms, []string{"AAAAAAAAAAAAAAAAAAAB"}) {
			t.Errorf("%s: %+v", form, b.opts)
		}
	},
	"broadcast-date": func(t *testing.T, form string, data any) {
		b := data.(inBroadcast)
		var when time.Time
		switch v := b.args[0].(type) {
		case json.RawMessage: // JSON: Date.toJSON text
			var text string
			_ = json.Unmarshal(v, &text)
			when, _ = time.Parse(time.RFC3339, text)
		case time.Time:
			when = v
		}
		if !when.Equal(time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC)) {
			t.Errorf("%s: %#v", form, b.args)
		}
	},
	"broadcast-ack": func(t *testing.T, form string, data any) {
		b := data.(inBroadcast)
		if b.requestID != "0000000000000002" || b.opts.Timeout != time.Second || b.event != "withAck" {
			t.Errorf("%s: %+v", form, b)
		}
	},
	"sockets-join": func(t *testing.T, form string, data any) {
		if d := data.(roomsData); !slices.Equal(d.Rooms, []string{"room3"}) || len(d.Opts.Rooms) != 0 {
			t.Errorf("%s: %+v", form, d)
		}
	},
	"sockets-leave": func(t *testing.T, form string, data any) {
		d := data.(roomsData)
		if !slices.Equal(d.Rooms, []string{"room3"}) || !slices.Equal(d.Opts.Rooms, []string{"room1"}) || !slices.Equal(d.Opts.Except, []string{"room9"}) {
			t.Errorf("%s: %+v", form, d)
		}
	},
	"disconnect-sockets": func(t *testing.T, form string, data any) {
		if d := data.(disconnectData); !d.Close || !slices.Equal(d.Opts.Rooms, []string{"nobody"}) {
			t.Errorf("%s: %+v", form, d)
		}
	},
	"fetch-sockets": func(t *testing.T, form string, data any) {
		if d := data.(fetchData); d.RequestID != "0000000000000003" || d.Opts.Options().Timeout != 50*time.Millisecond {
			t.Errorf("%s: %+v", form, d)
		}
	},
	"server-side-emit": func(t *testing.T, form string, data any) {
		d := data.(inServerSideEmit)
		vals, err := d.args.Values()
		if err != nil || d.event != "sse" || argsJSON(t, vals) != `[1,{"a":"b"}]` || d.requestID != "" {
			t.Errorf("%s: %+v %v", form, d, err)
		}
	},
	"server-side-emit-binary": func(t *testing.T, form string, data any) {
		d := data.(inServerSideEmit)
		if v, err := d.args.Value(0); err != nil || !bytes.Equal(asBytes(v), []byte{9}) {
			t.Errorf("%s: %#v %v", form, v, err)
		}
	},
	"server-side-emit-ack": func(t *testing.T, form string, data any) {
		if d := data.(inServerSideEmit); d.event != "sseAck" || d.requestID != "0000000000000004" {
			t.Errorf("%s: %+v", form, d)
		}
	},
	"fetch-sockets-response": func(t *testing.T, form string, data any) {
		rs := checkFetched(t, form, data, "aaaa000000000001")
		if argsJSON(t, rs.Data) != `{"n":1,"user":"alice"}` {
			t.Errorf("%s: data %#v", form, rs.Data)
		}
	},
	"fetch-sockets-response-binary": func(t *testing.T, form string, data any) {
		rs := checkFetched(t, form, data, "aaaa000000000002")
		m, _ := rs.Data.(map[string]any)
		if !bytes.Equal(asBytes(m["avatar"]), []byte{0xff, 0}) {
			t.Errorf("%s: data %#v", form, rs.Data)
		}
	},
	"server-side-emit-response": func(t *testing.T, form string, data any) {
		if v := replyValue(t, data); argsJSON(t, v) != `{"answer":42,"ok":true}` {
			t.Errorf("%s: %#v", form, v)
		}
	},
	"server-side-emit-response-binary": func(t *testing.T, form string, data any) {
		if v := replyValue(t, data); !bytes.Equal(asBytes(v), []byte{7, 8}) {
			t.Errorf("%s: %#v", form, v)
		}
	},
	"broadcast-client-count+ack": func(t *testing.T, form string, data any) {
		switch d := data.(type) {
		case clientCountData:
			if d.ClientCount != 1 || d.RequestID != "aaaa000000000005" {
				t.Errorf("%s: %+v", form, d)
			}
		default:
			if v := replyValue(t, data); v != "yes: q" {
				t.Errorf("%s: %#v", form, v)
			}
		}
	},
	"broadcast-client-count+ack-binary": func(t *testing.T, form string, data any) {
		if d, ok := data.(inReply); ok {
			if v := replyValue(t, d); !bytes.Equal(asBytes(v), []byte{0xca, 0xfe}) {
				t.Errorf("%s: %#v", form, v)
			}
		}
	},
	"initial-heartbeat": nil,
	"heartbeat":         nil,
	"adapter-close":     nil,
}

func asBytes(v any) []byte {
	b, _ := v.([]byte)
	return b
}

// checkFetched checks the socket of a FETCH_SOCKETS_RESPONSE vector: the
// handshake Node.js wrote, as a RemoteSocket.
func checkFetched(t *testing.T, form string, data any, requestID string) *core.RemoteSocket {
	t.Helper()
	d := data.(inFetchResponse)
	if d.requestID != requestID || len(d.sockets) != 1 {
		t.Fatalf("%s: %+v", form, d)
	}
	rs := d.sockets[0]
	hs := rs.Handshake
	auth, err := hs.Auth.Value(0)
	if rs.ID != "AAAAAAAAAAAAAAAAAAAA" || hs.Address != "::ffff:127.0.0.1" || hs.Secure ||
		hs.URL != "/socket.io/?EIO=4&transport=websocket&room=1" || hs.Time.UnixMilli() != 1767225600000 ||
		!slices.Equal(hs.Headers.Values("Set-Cookie"), []string{"x=1", "y=2"}) || hs.Headers.Get("User-Agent") != "node" ||
		!slices.Equal(hs.Query["tags"], []string{"a", "b"}) || hs.Query.Get("room") != "1" ||
		err != nil || argsJSON(t, auth) != `{"token":"t0k"}` ||
		!slices.Contains(rs.Rooms, "room1") || !slices.Contains(rs.Rooms, rs.ID) {
		t.Errorf("%s: socket %+v (auth %v, %v)", form, rs, auth, err)
	}
	return rs
}

// runNode runs the vectors script with args and stdin, and returns its
// output.
func runNode(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	dir := filepath.Join("testdata", "node")
	node := tooltest.RequireNode(t, dir, "@socket.io/redis-adapter/package.json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{"vectors.mjs"}, args...)...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node vectors.mjs %v: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

// TestNodeVectorsUpToDate regenerates the vectors with Node.js and checks
// that the committed file is what the pinned packages write.
func TestNodeVectorsUpToDate(t *testing.T) {
	out := runNode(t, nil, "generate")
	want, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("%s is not what testdata/node/vectors.mjs generates: run `node vectors.mjs generate > ../node-vectors.json` in testdata/node", vectorsFile)
	}
}

// goMessages returns a message of every type as the manager builds them,
// named.
func goMessages(t *testing.T, nsp *core.Namespace) map[string]outMessage {
	t.Helper()
	must := func(b msgpack.RawMessage, err error) msgpack.RawMessage {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	packet := func(event string, args ...any) msgpack.RawMessage {
		return must(encodePacket(parser.Outgoing{Type: parser.Event, Namespace: "/", Event: event, Args: args}))
	}
	reply := func(args ...any) replyData {
		d, err := replyOf("bbbb000000000001", args)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	auth, err := decodeArgs(parser.Ack, "/", must(encodeValues([]any{map[string]any{"token": "t0k"}})))
	if err != nil {
		t.Fatal(err)
	}
	hs := core.Handshake{
		Headers: http.Header{"User-Agent": {"go"}, "Set-Cookie": {"a=1", "b=2"}, "Origin": {"http://x"}},
		Query:   url.Values{"room": {"1"}, "tags": {"a", "b"}},
		Address: "127.0.0.1:5000",
		URL:     "/socket.io/?EIO=4&transport=websocket",
		Time:    time.UnixMilli(1767225600000).UTC(),
		Auth:    auth,
	}
	socket := func(data any) fetchResponseData {
		w, err := toWireSocket(core.NewRemoteSocket(nsp, "BBBBBBBBBBBBBBBBBBBB", hs, []string{"BBBBBBBBBBBBBBBBBBBB", "room1"}, data))
		if err != nil {
			t.Fatal(err)
		}
		return fetchResponseData{RequestID: "bbbb000000000001", Sockets: []wireSocket{w}}
	}
	opts := toWireOpts(core.BroadcastOptions{Rooms: []string{"r"}, Except: []string{"x"}, Volatile: true, Uncompressed: true, Timeout: 2 * time.Second})
	data := map[string]any{
		"heartbeat":                      nil,
		"broadcast":                      broadcastData{Packet: packet("ev", 1, "two", map[string]any{"three": []int{3}}, 1.5, nil, true, "<&>\u2028\x01"), Opts: opts},
		"broadcast-binary":               broadcastData{Packet: packet("bin", []byte{1, 2, 3}), Opts: toWireOpts(core.BroadcastOptions{})},
		"broadcast-ack":                  broadcastData{Packet: packet("ask", "q"), Opts: opts, RequestID: "bbbb000000000001"},
		"broadcast-date":                 broadcastData{Packet: packet("date", time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC)), Opts: opts},
		"sockets-join":                   roomsData{Opts: opts, Rooms: roomList{"room3"}},
		"disconnect-sockets":             disconnectData{Opts: opts, Close: true},
		"fetch-sockets":                  fetchData{Opts: opts, RequestID: "bbbb000000000001"},
		"fetch-sockets-response":         socket(map[string]any{"user": "bob"}),
		"fetch-sockets-response-binary":  socket(map[string]any{"avatar": []byte{0xff}}),
		"server-side-emit":               serverSideEmitData{Packet: must(encodeEvent("sse", []any{1, "x"}))},
		"server-side-emit-ack":           serverSideEmitData{Packet: must(encodeEvent("sse", []any{1})), RequestID: "bbbb000000000001"},
		"server-side-emit-response":      reply(map[string]any{"answer": 42}),
		"server-side-emit-response-none": reply(),
		"server-side-emit-response-two":  reply(1, 2),
		"broadcast-ack-response-binary":  reply([]byte{0xca, 0xfe}),
		"broadcast-client-count":         clientCountData{RequestID: "bbbb000000000001", ClientCount: 3},
	}
	types := map[string]MessageType{
		"heartbeat": TypeHeartbeat, "broadcast": TypeBroadcast, "broadcast-binary": TypeBroadcast,
		"broadcast-ack": TypeBroadcast, "broadcast-date": TypeBroadcast, "sockets-join": TypeSocketsJoin,
		"disconnect-sockets": TypeDisconnectSockets, "fetch-sockets": TypeFetchSockets,
		"fetch-sockets-response": TypeFetchSocketsResponse, "fetch-sockets-response-binary": TypeFetchSocketsResponse,
		"server-side-emit": TypeServerSideEmit, "server-side-emit-ack": TypeServerSideEmit,
		"server-side-emit-response": TypeServerSideEmitResponse, "server-side-emit-response-none": TypeServerSideEmitResponse,
		"server-side-emit-response-two": TypeServerSideEmitResponse, "broadcast-ack-response-binary": TypeBroadcastAck,
		"broadcast-client-count": TypeBroadcastClientCount,
	}
	out := make(map[string]outMessage, len(data))
	for name, d := range data {
		out[name] = outMessage{UID: "cccc000000000001", NSP: "/", Type: types[name], Data: d}
	}
	return out
}

// TestNodeReadsMessages encodes a message of every type in both encodings
// and has Node.js decode them as the sharded adapter (and, for
// MessagePack, @msgpack/msgpack) does: Node.js must read the value we
// mean, in the shapes its adapters expect.
func TestNodeReadsMessages(t *testing.T) {
	nsp := testNamespace(t)
	type in struct {
		Name string `json:"name"`
		Hex  string `json:"hex"`
	}
	var input []in
	encoded := map[string][]byte{}
	for name, m := range goMessages(t, nsp) {
		for _, enc := range []Encoding{EncodingMsgpack, EncodingJSON} {
			b, err := encodeMessage(m, enc)
			if err != nil {
				t.Fatalf("%s %v: %v", name, enc, err)
			}
			key := name + "/" + enc.String()
			encoded[key] = b
			input = append(input, in{key, hex.EncodeToString(b)})
		}
	}
	stdin, _ := json.Marshal(input)
	var results []struct {
		Name    string `json:"name"`
		Value   any    `json:"value"`
		Msgpack any    `json:"msgpack"`
	}
	if err := json.Unmarshal(runNode(t, stdin, "decode"), &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != len(input) {
		t.Fatalf("%d results for %d messages", len(results), len(input))
	}
	for _, r := range results {
		b := encoded[r.Name]
		name, enc, _ := strings.Cut(r.Name, "/")
		binary := strings.Contains(name, "binary")
		if IsJSON(b) != (enc == "json" && !binary) {
			t.Errorf("%s: JSON %v", r.Name, IsJSON(b))
		}
		want := canonical(t, b)
		if !reflect.DeepEqual(r.Value, want) {
			t.Errorf("%s: Node.js reads\n%v\nwe mean\n%v", r.Name, r.Value, want)
		}
		if !IsJSON(b) && !reflect.DeepEqual(r.Msgpack, want) {
			t.Errorf("%s: @msgpack/msgpack reads\n%v\nwe mean\n%v", r.Name, r.Msgpack, want)
		}
		if check := nodeShapes[name]; check != nil {
			m, _ := r.Value.(map[string]any)
			d, _ := m["data"].(map[string]any)
			check(t, r.Name, d)
		}
	}
}

// path returns the value at the keys (strings for maps, ints for arrays)
// of v, as JSON text.
func path(t testing.TB, v any, keys ...any) string {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return "<none>"
			}
			v = a[k]
		}
	}
	return argsJSON(t, v)
}

// nodeShapes check what Node.js reads of our messages against what its
// adapters use.
var nodeShapes = map[string]func(t *testing.T, name string, d map[string]any){
	"broadcast": func(t *testing.T, name string, d map[string]any) {
		for _, c := range [][2]string{
			{path(t, d, "packet"), `{"data":["ev",1,"two",{"three":[3]},1.5,null,true,"\u003c\u0026\u003e\u2028\u0001"],"nsp":"/","type":2}`},
			{path(t, d, "opts"), `{"except":["x"],"flags":{"compress":false,"timeout":2000,"volatile":true},"rooms":["r"]}`},
			{path(t, d, "requestId"), `null`},
		} {
			if c[0] != c[1] {
				t.Errorf("%s: %s, want %s", name, c[0], c[1])
			}
		}
	},
	"broadcast-binary": func(t *testing.T, name string, d map[string]any) {
		if got := path(t, d, "packet", "data"); got != `["bin",{"$bin":"010203"}]` {
			t.Errorf("%s: %s", name, got)
		}
	},
	"broadcast-date": func(t *testing.T, name string, d map[string]any) {
		got := path(t, d, "packet", "data", 1)
		if got != `"2026-01-02T03:04:05.678Z"` && got != `{"$date":"2026-01-02T03:04:05.678Z"}` {
			t.Errorf("%s: %s", name, got)
		}
	},
	"fetch-sockets-response": func(t *testing.T, name string, d map[string]any) {
		s := []any{"sockets", 0}
		hs := append(s, "handshake")
		for _, c := range [][2]string{
			{path(t, d, "requestId"), `"bbbb000000000001"`},
			{path(t, d, append(s, "id")...), `"BBBBBBBBBBBBBBBBBBBB"`},
			{path(t, d, append(s, "rooms")...), `["BBBBBBBBBBBBBBBBBBBB","room1"]`},
			{path(t, d, append(s, "data")...), `{"user":"bob"}`},
			{path(t, d, append(hs, "headers")...), `{"origin":"http://x","set-cookie":["a=1","b=2"],"user-agent":"go"}`},
			{path(t, d, append(hs, "time")...), `"Thu Jan 01 2026 00:00:00 GMT+0000 (UTC)"`},
			{path(t, d, append(hs, "issued")...), `1767225600000`},
			{path(t, d, append(hs, "address")...), `"127.0.0.1"`},
			{path(t, d, append(hs, "xdomain")...), `true`},
			{path(t, d, append(hs, "secure")...), `false`},
			{path(t, d, append(hs, "url")...), `"/socket.io/?EIO=4\u0026transport=websocket"`},
			{path(t, d, append(hs, "query")...), `{"room":"1","tags":["a","b"]}`},
			{path(t, d, append(hs, "auth")...), `{"token":"t0k"}`},
		} {
			if c[0] != c[1] {
				t.Errorf("%s: %s, want %s", name, c[0], c[1])
			}
		}
	},
	"fetch-sockets-response-binary": func(t *testing.T, name string, d map[string]any) {
		if got := path(t, d, "sockets", 0, "data"); got != `{"avatar":{"$bin":"ff"}}` {
			t.Errorf("%s: %s", name, got)
		}
	},
	"server-side-emit": func(t *testing.T, name string, d map[string]any) {
		if got := path(t, d); got != `{"packet":["sse",1,"x"]}` {
			t.Errorf("%s: %s", name, got)
		}
	},
	"server-side-emit-ack": func(t *testing.T, name string, d map[string]any) {
		if got := path(t, d); got != `{"packet":["sse",1],"requestId":"bbbb000000000001"}` {
			t.Errorf("%s: %s", name, got)
		}
	},
	// Node.js reads packet: the first value of a reply.
	"server-side-emit-response": func(t *testing.T, name string, d map[string]any) {
		if got := path(t, d, "packet"); got != `{"answer":42}` {
			t.Errorf("%s: %s", name, got)
		}
	},
	"server-side-emit-response-none": func(t *testing.T, name string, d map[string]any) {
		if got := path(t, d, "packet"); got != `null` {
			t.Errorf("%s: %s", name, got)
		}
	},
	"server-side-emit-response-two": func(t *testing.T, name string, d map[string]any) {
		if got := path(t, d, "packet"); got != `1` {
			t.Errorf("%s: %s", name, got)
		}
	},
	"broadcast-ack-response-binary": func(t *testing.T, name string, d map[string]any) {
		if got := path(t, d, "packet"); got != `{"$bin":"cafe"}` {
			t.Errorf("%s: %s", name, got)
		}
	},
	"broadcast-client-count": func(t *testing.T, name string, d map[string]any) {
		if got := path(t, d); got != `{"clientCount":3,"requestId":"bbbb000000000001"}` {
			t.Errorf("%s: %s", name, got)
		}
	},
}
