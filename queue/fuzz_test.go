package queue

import (
	"encoding/base64"
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeMessage feeds arbitrary bytes to the decoder of incoming
// messages and to the exported codec functions: no input may make them
// panic, every error wraps ErrInvalidMessage (or is a data error of a
// well-formed envelope), and what they produce decodes again to the same
// envelope.
func FuzzDecodeMessage(f *testing.F) {
	for _, v := range loadVectors(f) {
		for _, fm := range v.forms(f) {
			f.Add(fm.msg)
		}
		if v.StreamsData != nil {
			if b, err := base64.StdEncoding.DecodeString(*v.StreamsData); err == nil {
				f.Add(b)
			} else {
				f.Add([]byte(*v.StreamsData))
			}
		}
	}
	nsp := testNamespace(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, decErr := decodeMessage(b)
		if decErr != nil {
			if !errors.Is(decErr, ErrInvalidMessage) {
				t.Fatalf("decodeMessage: %v", decErr)
			}
		} else {
			_, _ = decodeData(m, nsp)
		}
		for _, enc := range []Encoding{EncodingMsgpack, EncodingJSON} {
			out, err := Transcode(b, enc)
			if err != nil {
				if !errors.Is(err, ErrInvalidMessage) {
					t.Fatalf("Transcode %v: %v", enc, err)
				}
				continue
			}
			if enc == EncodingMsgpack && IsJSON(out) {
				t.Fatalf("Transcode to msgpack gave JSON %q", out)
			}
			if _, err := Transcode(out, EncodingMsgpack); err != nil {
				t.Fatalf("Transcode %v gave %q, which does not decode: %v", enc, out, err)
			}
			if decErr != nil || !utf8.ValidString(m.UID) || !utf8.ValidString(m.NSP) {
				continue // JSON has no invalid UTF-8: it becomes U+FFFD
			}
			if m2, err := decodeMessage(out); err != nil || m2.UID != m.UID || m2.NSP != m.NSP || m2.Type != m.Type {
				t.Fatalf("Transcode %v changed the envelope: %+v, %v", enc, m2, err)
			}
		}
		if h, d, err := SplitMessage(b); err == nil {
			joined, err := JoinMessage(h, d)
			if err != nil {
				t.Fatalf("JoinMessage of SplitMessage: %v", err)
			}
			if h2, _, err := SplitMessage(joined); err != nil || h2 != h {
				t.Fatalf("split again: %+v, %v (was %+v)", h2, err, h)
			}
		} else if !errors.Is(err, ErrInvalidMessage) {
			t.Fatalf("SplitMessage: %v", err)
		}
	})
}
