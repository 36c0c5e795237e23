package engineio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
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
	for _, s := range []string{"4hello", "4a\x1e4b\x1ebAQID", "3", "2probe", "1", "6", "0", "5", "4a\x1e1\x1e4b", "x", "", "\x1e\x1e", "b====", "2\x1e2\x1e2",
		"4caf\xc3\xa9\x1ebAQID", "4\xff", "bAQID\x1e4\xed\xa0\x80", "6\x1e3\x1e6"} {
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
		if !utf8.Valid(body) && resp.Status != http.StatusBadRequest {
			t.Fatalf("POST %q (not UTF-8) answered %d %s", body, resp.Status, resp.Body)
		}
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
		_ = sock.Send(msgNoop)
		resp = srv.ServePoll(ctx, testRequest(http.MethodGet, "EIO=4&transport=polling&sid="+sid, nil))
		if resp.Status != http.StatusOK {
			t.Fatalf("GET after POST: %d %s", resp.Status, resp.Body)
		}
		if err := decodePayload(resp.Body, func(packet) error { return nil }); err != nil || !utf8.Valid(resp.Body) {
			t.Fatalf("GET answered an invalid payload %q: %v", resp.Body, err)
		}
		sock.closeNow(ReasonForcedClose, nil)
		if srv.Len() != 0 {
			t.Fatalf("%d sessions left", srv.Len())
		}
	})
}

// FuzzWebSocketRead plays a client's frames to a websocket session's
// reader (a fake connection). The input is a sequence of frames, each a
// kind byte (odd: binary, even: text) and a length byte, then the data.
// Whatever the frames, the session ends, Serve returns with the
// connection closed, a text frame that is not UTF-8 closes the session
// with 1007, and every text frame the server writes is valid UTF-8.
func FuzzWebSocketRead(f *testing.F) {
	frames := func(fs ...string) []byte {
		var b []byte
		for _, fr := range fs {
			kind := byte(0)
			if strings.HasPrefix(fr, "\x00bin:") {
				kind, fr = 1, strings.TrimPrefix(fr, "\x00bin:")
			}
			b = append(append(b, kind, byte(len(fr))), fr...)
		}
		return b
	}
	for _, fs := range [][]string{
		{"4hello"}, {"4a", "\x00bin:\x01\x02", "4b"}, {"3", "6", "6"}, {"2probe"}, {"2"}, {"1"},
		{"4\xff"}, {"4caf\xc3\xa9", "4\xed\xa0\x80"}, {"bAQID"}, {"b@@"}, {"5"}, {""}, {"4x", "0"},
	} {
		f.Add(frames(fs...))
	}
	srv := New(Options{MaxQueuedMessages: 16, QueueFull: QueueFullDrop})
	srv.OnConnection(func(s *Socket) {
		s.OnMessage(func(data []byte, binary bool) {
			_ = s.SendMessage(bytes.Clone(data), binary)
		})
	})
	f.Fuzz(func(t *testing.T, in []byte) {
		ticket, resp := srv.PrepareWebSocket(testRequest(http.MethodGet, "EIO=4&transport=websocket", nil))
		if resp != nil {
			t.Fatalf("PrepareWebSocket: %d %s", resp.Status, resp.Body)
		}
		c := newFakeConn(0)
		c.in = make(chan frame) // a send returns once the reader has the frame
		var mu sync.Mutex
		var written []frame
		c.sink = func(fr frame) {
			mu.Lock()
			written = append(written, frame{fr.typ, bytes.Clone(fr.data)})
			mu.Unlock()
		}
		done := serveTicket(ticket, c)
		badText := false
	feed:
		for len(in) >= 2 && !badText {
			kind, n := in[0], int(in[1])
			in = in[2:]
			n = min(n, len(in))
			data := bytes.Clone(in[:n])
			in = in[n:]
			typ := wsText
			if kind%2 == 1 {
				typ = wsBinary
			}
			select {
			case c.in <- frame{typ, data}:
				badText = typ == wsText && !utf8.Valid(data)
			case <-c.closed:
				break feed
			}
		}
		if badText {
			// The session ends on its own, with a close frame.
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("a text frame that is not UTF-8 did not end the session")
			}
		} else {
			c.readErr <- io.EOF
			<-done
		}
		if !c.isClosed() {
			t.Fatal("connection left open")
		}
		mu.Lock()
		defer mu.Unlock()
		for _, fr := range written {
			if fr.typ == wsText && !utf8.Valid(fr.data) {
				t.Fatalf("server wrote a text frame that is not UTF-8: %q", fr.data)
			}
		}
		if badText {
			if n := len(written); n == 0 || written[n-1].closeCode() != closeInvalidPayload {
				t.Fatalf("a text frame that is not UTF-8: the server wrote %v, want a close frame 1007 last", written)
			}
		}
	})
}
