package natsq

import (
	"errors"
	"fmt"
	"strings"
)

// ErrChannel is wrapped by the errors for a channel name that has no
// subject (one that does not end with '#'), and by Channel's for a string
// that is not a subject Subject writes.
var ErrChannel = errors.New("sio/natsq: channel name has no subject")

// escape starts an escaped byte in a subject token, and alone is the token
// of an empty piece.
const escape = '~'

// plain reports whether c stands for itself in a subject token.
func plain(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// Subject returns the NATS subject of a channel of package queue. A
// channel is a sequence of pieces each ended by '#' ("<prefix>#<nsp>#",
// "<prefix>#<nsp>#<uid>#"); each piece becomes one token of the subject,
// in order, separated by '.': the letters, digits, '-' and '_' of the piece
// as they are, every other byte as '~' and two upper-case hexadecimal
// digits, and an empty piece as "~" alone. So the namespace "/chat" of the
// default prefix is "socket~2Eio.~2Fchat", and the replies to the server
// 0123456789abcdef there go to "socket~2Eio.~2Fchat.0123456789abcdef".
// Subjects never contain wildcards, white space or empty tokens, and
// Channel gives the channel back. A channel that does not end with '#'
// has no subject: the error wraps ErrChannel.
func Subject(channel string) (string, error) {
	if !strings.HasSuffix(channel, "#") {
		return "", fmt.Errorf("%w: %q does not end with '#'", ErrChannel, channel)
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(channel) + len(channel)/2)
	start := true // at the start of a token
	for i := 0; i < len(channel); i++ {
		c := channel[i]
		switch {
		case c == '#':
			if start {
				b.WriteByte(escape) // an empty piece
			}
			if i < len(channel)-1 {
				b.WriteByte('.')
			}
			start = true
			continue
		case plain(c):
			b.WriteByte(c)
		default:
			b.WriteByte(escape)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
		start = false
	}
	return b.String(), nil
}

// Channel returns the channel whose subject is subject: the inverse of
// Subject. A string Subject does not write fails with an error wrapping
// ErrChannel.
func Channel(subject string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: subject %q: %s", ErrChannel, subject, why)
	}
	if subject == "" {
		return bad("empty")
	}
	var b strings.Builder
	b.Grow(len(subject) + 1)
	for tok := range strings.SplitSeq(subject, ".") {
		if tok == string(escape) {
			b.WriteByte('#')
			continue
		}
		if tok == "" {
			return bad("empty token")
		}
		for i := 0; i < len(tok); i++ {
			c := tok[i]
			if plain(c) {
				b.WriteByte(c)
				continue
			}
			if c != escape || i+2 >= len(tok) {
				return bad(fmt.Sprintf("byte %q", c))
			}
			hi, ok1 := unhex(tok[i+1])
			lo, ok2 := unhex(tok[i+2])
			if !ok1 || !ok2 {
				return bad("malformed escape")
			}
			v := hi<<4 | lo
			if plain(v) || v == '#' {
				return bad(fmt.Sprintf("byte %q escaped", v)) // Subject never writes it
			}
			b.WriteByte(v)
			i += 2
		}
		b.WriteByte('#')
	}
	return b.String(), nil
}

// unhex decodes an upper-case hexadecimal digit.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
