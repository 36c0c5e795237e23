package pgq

import (
	"errors"
	"fmt"
	"strings"
)

// maxChannel is the longest channel name PostgreSQL accepts (NAMEDATALEN
// less one).
const maxChannel = 63

// ErrChannel is wrapped by the errors for a channel whose PostgreSQL
// channel would be longer than 63 bytes (a long prefix or namespace
// name), or empty.
var ErrChannel = errors.New("sio/pgq: no PostgreSQL channel for this name")

// ErrTableName is returned by New for a TableName that is not a plain,
// optionally schema-qualified, identifier.
var ErrTableName = errors.New("sio/pgq: table name is not a plain identifier")

// Channel returns the PostgreSQL channel (LISTEN/NOTIFY) of a channel of
// package queue, as Node.js's postgres adapter names them: the
// namespace's channel "<prefix>#<nsp>#" is "<prefix>#<nsp>", and the
// replies to the server uid, "<prefix>#<nsp>#<uid>#", go there too (Node.js
// publishes its replies on the namespace's channel, and every server
// drops those that answer another one's request). isReply reports the
// second case. Other names lose their final '#', if any.
func Channel(channel string) (pg string, isReply bool, err error) {
	pg = strings.TrimSuffix(channel, "#")
	if i := len(pg) - 17; i > 0 && pg[i] == '#' && isUID(pg[i+1:]) && strings.Contains(pg[:i], "#") {
		pg, isReply = pg[:i], true
	}
	if pg == "" || len(pg) > maxChannel {
		return "", false, fmt.Errorf("%w: %q (%d bytes, at most %d)", ErrChannel, channel, len(pg), maxChannel)
	}
	return pg, isReply, nil
}

// isUID reports whether s is a server uid: 16 lower-case hexadecimal
// digits.
func isUID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// checkTableName checks that name is an identifier PostgreSQL takes
// unquoted, optionally schema-qualified.
func checkTableName(name string) error {
	for part := range strings.SplitSeq(name, ".") {
		ok := part != "" && len(part) <= maxChannel && !('0' <= part[0] && part[0] <= '9')
		for i := 0; i < len(part) && ok; i++ {
			c := part[i]
			ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
		}
		if !ok {
			return fmt.Errorf("%w: %q", ErrTableName, name)
		}
	}
	return nil
}
