package queue

import (
	"testing"
)

// TestJSONMemberOrder: a JSON message's objects keep the order of their
// members through the transcoding, as JSON.parse keeps it (a Node.js
// client sees the keys in the order the sender wrote them).
func TestJSONMemberOrder(t *testing.T) {
	in := []byte(`{"uid":"a","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["e",{"z":1,"a":2,"m":{"y":[{"q":1,"b":2}],"c":null}}]},"opts":{"rooms":[],"except":[],"flags":{}}}}`)
	for range 20 { // map iteration would scramble some of the runs
		mp, err := Transcode(in, EncodingMsgpack)
		if err != nil {
			t.Fatal(err)
		}
		out, err := Transcode(mp, EncodingJSON)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != string(in) {
			t.Fatalf("round trip:\n%s\nwant\n%s", out, in)
		}
	}
}
