package natsq

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSubject(t *testing.T) {
	for _, c := range []struct{ channel, subject string }{
		{"socket.io#/#", "socket~2Eio.~2F"},
		{"socket.io#/chat#", "socket~2Eio.~2Fchat"},
		{"socket.io#/chat#0123456789abcdef#", "socket~2Eio.~2Fchat.0123456789abcdef"},
		{"app_1-x#/a.b*c>d e#", "app_1-x.~2Fa~2Eb~2Ac~3Ed~20e"},
		{"p##", "p.~"},
		{"#", "~"},
		{"##", "~.~"},
		{"p#/é~#", "p.~2F~C3~A9~7E"},
	} {
		got, err := Subject(c.channel)
		if err != nil || got != c.subject {
			t.Errorf("Subject(%q) = %q, %v; want %q", c.channel, got, err, c.subject)
			continue
		}
		back, err := Channel(got)
		if err != nil || back != c.channel {
			t.Errorf("Channel(%q) = %q, %v; want %q", got, back, err, c.channel)
		}
	}
}

func TestSubjectErrors(t *testing.T) {
	for _, ch := range []string{"", "socket.io#/", "abc"} {
		if s, err := Subject(ch); !errors.Is(err, ErrChannel) {
			t.Errorf("Subject(%q) = %q, %v; want ErrChannel", ch, s, err)
		}
	}
	for _, s := range []string{"", "a..b", ".a", "a.", "a.b c", "a.*", "a.>", "~2", "~zz", "~41", "~23", "a~", "x.~4", "é"} {
		if ch, err := Channel(s); !errors.Is(err, ErrChannel) {
			t.Errorf("Channel(%q) = %q, %v; want ErrChannel", s, ch, err)
		}
	}
}

// validSubject reports whether s is a NATS subject without wildcards, as
// the server checks it: non-empty tokens separated by '.', no white space,
// no '*' or '>'. subject tokens here are also plain ASCII.
func validSubject(s string) bool {
	if s == "" {
		return false
	}
	for tok := range strings.SplitSeq(s, ".") {
		if tok == "" || tok == "*" || tok == ">" {
			return false
		}
		for i := 0; i < len(tok); i++ {
			c := tok[i]
			if c <= ' ' || c >= 0x7f || c == '*' || c == '>' {
				return false
			}
		}
	}
	return true
}

func FuzzSubject(f *testing.F) {
	for _, s := range []string{"socket.io#/#", "a#b#c#", "#", "x#\x00\xff#", "~#~~#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, channel string) {
		subject, err := Subject(channel)
		if !strings.HasSuffix(channel, "#") {
			if err == nil {
				t.Fatalf("Subject(%q) = %q without error", channel, subject)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if !validSubject(subject) || !utf8.ValidString(subject) {
			t.Fatalf("Subject(%q) = %q is not a valid subject", channel, subject)
		}
		back, err := Channel(subject)
		if err != nil || back != channel {
			t.Fatalf("Channel(Subject(%q)) = %q, %v", channel, back, err)
		}
		// A subject Channel accepts is written back as it was.
		if s2, _ := Subject(back); s2 != subject {
			t.Fatalf("Subject(Channel(%q)) = %q", subject, s2)
		}
	})
}
