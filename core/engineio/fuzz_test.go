package engineio

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
)

// The seed corpora live in testdata/fuzz/<FuzzName>/; f.Add adds a few more
// so that `go test` (without -fuzz) exercises every branch.

func FuzzDecodePacket(f *testing.F) {
	for _, s := range []string{"4hello", "2", "3probe", "6", "1", "0{}", "5", "b", "bAQID", "bAQ==", "b!!", "7", "", "4"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePacket(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		if len(b) == 0 {
			t.Fatal("empty input decoded")
		}
		if p.binary {
			if b[0] != 'b' || p.typ != packetMessage {
				t.Fatalf("binary packet from %q: %+v", b, p)
			}
			// Encoding the data again must decode to the same data (the
			// input itself may differ: the decoder skips newlines).
			again, err := decodePacket(appendPollRecord(nil, BinaryMessage(p.data)))
			if err != nil || !again.binary || !bytes.Equal(again.data, p.data) {
				t.Fatalf("binary round trip of %q: %+v, %v", p.data, again, err)
			}
			return
		}
		if p.typ < packetOpen || p.typ > packetNoop {
			t.Fatalf("type %q accepted", byte(p.typ))
		}
		if enc := appendPollRecord(nil, controlMessage(p.typ, p.data)); !bytes.Equal(enc, b) {
			t.Fatalf("text round trip: %q -> %q", b, enc)
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{"4a\x1e4b\x1e4c", "4hello", "bAQID\x1e4x", "2\x1e3\x1e6", "4a\x1e", "\x1e", "4a\x1e\x1e4b", "", "b@@\x1e4a"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got []packet
		err := decodePayload(b, func(p packet) error {
			// Copy: text data aliases b.
			p.data = bytes.Clone(p.data)
			got = append(got, p)
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatalf("payload %q decoded to no packet", b)
		}
		if n := bytes.Count(b, []byte{recordSeparator}) + 1; n != len(got) {
			t.Fatalf("payload %q: %d records, %d packets", b, n, len(got))
		}
		// Re-encode and decode again: the same packets, in order.
		var enc []byte
		for i, p := range got {
			if i > 0 {
				enc = append(enc, recordSeparator)
			}
			m := controlMessage(p.typ, p.data)
			if p.binary {
				m = BinaryMessage(p.data)
			}
			enc = appendPollRecord(enc, m)
		}
		i := 0
		err = decodePayload(enc, func(p packet) error {
			w := got[i]
			if p.typ != w.typ || p.binary != w.binary || !bytes.Equal(p.data, w.data) {
				t.Fatalf("packet %d: %+v, want %+v", i, p, w)
			}
			i++
			return nil
		})
		if err != nil || i != len(got) {
			t.Fatalf("re-encoded payload %q: %d packets, %v", enc, i, err)
		}
	})
}

// FuzzPollPost feeds a whole POST body through a polling session: whatever
// the body, the answer is 200 "ok" or a 400 that closes the session, the
// process does not panic and the session's goroutines end.
func FuzzPollPost(f *testing.F) {
	for _, s := range []string{"4hello", "4a\x1e4b\x1ebAQID", "3", "2probe", "1", "6", "0", "5", "4a\x1e1\x1e4b", "x", "", "\x1e\x1e", "b====", "2\x1e2\x1e2"} {
		f.Add([]byte(s))
	}
	var echoed int
	srv := New(Options{MaxQueuedMessages: 8, QueueFull: QueueFullDrop})
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(data []byte, binary bool) {
			echoed++
			if binary {
				_ = s.SendBinary(bytes.Clone(data))
			} else {
				_ = s.Send(TextMessage(bytes.Clone(data)))
			}
		})
	})
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, body []byte) {
		resp := srv.ServePoll(ctx, testRequest(http.MethodGet, "EIO=4&transport=polling", nil))
		if resp.Status != http.StatusOK {
			t.Fatalf("handshake: %d %s", resp.Status, resp.Body)
		}
		sid := sidOf(t, resp.Body)
		resp = srv.ServePoll(ctx, testRequest(http.MethodPost, "EIO=4&transport=polling&sid="+sid, body))
		sock := srv.Socket(sid)
		switch resp.Status {
		case http.StatusOK:
			if string(resp.Body) != "ok" {
				t.Fatalf("POST answered 200 %q", resp.Body)
			}
		case http.StatusBadRequest:
			if sock != nil {
				t.Fatalf("POST %q refused but session still open", body)
			}
			return
		default:
			t.Fatalf("POST answered %d %s", resp.Status, resp.Body)
		}
		if sock == nil {
			// A close packet closed it.
			if !bytes.Contains(body, []byte("1")) {
				t.Fatalf("session closed by %q", body)
			}
			return
		}
		// Collect what the session answered; it must be a valid payload. The
		// noop makes sure the GET does not wait.
		sock.enqueueControl(msgNoop)
		resp = srv.ServePoll(ctx, testRequest(http.MethodGet, "EIO=4&transport=polling&sid="+sid, nil))
		if resp.Status != http.StatusOK {
			t.Fatalf("GET after POST: %d %s", resp.Status, resp.Body)
		}
		if err := decodePayload(resp.Body, func(packet) error { return nil }); err != nil {
			t.Fatalf("GET answered an invalid payload %q: %v", resp.Body, err)
		}
		sock.closeNow(ReasonForcedClose, nil)
		if srv.Len() != 0 {
			t.Fatalf("%d sessions left", srv.Len())
		}
	})
}
