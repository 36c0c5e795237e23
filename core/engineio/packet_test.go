package engineio

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecodePacket(t *testing.T) {
	tests := []struct {
		in     string
		typ    packetType
		data   string
		binary bool
		err    bool
	}{
		{in: "0{}", typ: packetOpen, data: "{}"},
		{in: "1", typ: packetClose},
		{in: "2", typ: packetPing},
		{in: "2probe", typ: packetPing, data: "probe"},
		{in: "3probe", typ: packetPong, data: "probe"},
		{in: "4", typ: packetMessage},
		{in: "4hello", typ: packetMessage, data: "hello"},
		{in: "4\x00\xff€", typ: packetMessage, data: "\x00\xff€"},
		{in: "5", typ: packetUpgrade},
		{in: "6", typ: packetNoop},
		{in: "b", typ: packetMessage, binary: true},
		{in: "bAQID", typ: packetMessage, data: "\x01\x02\x03", binary: true},
		{in: "bAQIDBA==", typ: packetMessage, data: "\x01\x02\x03\x04", binary: true},
		{in: "", err: true},
		{in: "7", err: true},
		{in: "/", err: true},
		{in: "x4", err: true},
		{in: "bAQ", err: true},   // missing padding
		{in: "b!!!!", err: true}, // not base64
		{in: "B", err: true},
	}
	for _, tt := range tests {
		p, err := decodePacket([]byte(tt.in))
		if tt.err {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Errorf("decodePacket(%q) = %+v, %v; want ErrInvalidPacket", tt.in, p, err)
			}
			continue
		}
		if err != nil || p.typ != tt.typ || string(p.data) != tt.data || p.binary != tt.binary {
			t.Errorf("decodePacket(%q) = {%c %q %v}, %v; want {%c %q %v}", tt.in, p.typ, p.data, p.binary, err, tt.typ, tt.data, tt.binary)
		}
	}
}

func TestDecodePayload(t *testing.T) {
	tests := []struct {
		in   string
		want []string // "t:data" for text, "b:data" for binary
		err  bool
	}{
		{in: "4hello", want: []string{"4:hello"}},
		{in: "4a\x1e4b\x1e4c", want: []string{"4:a", "4:b", "4:c"}},
		{in: "bAQI=\x1e4x\x1e2", want: []string{"b:\x01\x02", "4:x", "2:"}},
		{in: "4\x1e4", want: []string{"4:", "4:"}},
		{in: "", err: true},
		{in: "\x1e", err: true},
		{in: "4a\x1e", err: true},
		{in: "4a\x1e\x1e4b", err: true},
		{in: "4a\x1e9", err: true},
	}
	for _, tt := range tests {
		var got []string
		err := decodePayload([]byte(tt.in), func(p packet) error {
			k := string(p.typ)
			if p.binary {
				k = "b"
			}
			got = append(got, k+":"+string(p.data))
			return nil
		})
		if tt.err {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Errorf("decodePayload(%q): %v; want ErrInvalidPacket", tt.in, err)
			}
			continue
		}
		if err != nil || !equal(got, tt.want) {
			t.Errorf("decodePayload(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}

	// The callback's error stops the decoding.
	stop := errors.New("stop")
	n := 0
	if err := decodePayload([]byte("4a\x1e4b"), func(packet) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("callback error: %v after %d packets", err, n)
	}
}

func TestAppendPollRecord(t *testing.T) {
	var b []byte
	b = appendPollRecord(b, TextMessage([]byte("hi")))
	b = append(b, recordSeparator)
	b = appendPollRecord(b, BinaryMessage([]byte{1, 2, 3, 4}))
	b = append(b, recordSeparator)
	b = appendPollRecord(b, msgPing)
	if want := "4hi\x1ebAQIDBA==\x1e2"; string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
}

func TestMessage(t *testing.T) {
	data := []byte("hello")
	m := TextMessage(data)
	if m.Binary() || string(m.Data()) != "hello" || string(m.frame) != "4hello" {
		t.Errorf("TextMessage: %v %q %q", m.Binary(), m.Data(), m.frame)
	}
	b := BinaryMessage(data)
	if !b.Binary() || !bytes.Equal(b.Data(), data) || !bytes.Equal(b.frame, data) {
		t.Errorf("BinaryMessage: %v %q %q", b.Binary(), b.Data(), b.frame)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
