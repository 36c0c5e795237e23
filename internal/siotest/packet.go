package siotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Packet is a Socket.IO packet as a Client receives it (JSON parser).
type Packet struct {
	// Type is the packet type, '0' (CONNECT) to '6' (BINARY_ACK).
	Type byte
	// Nsp is the namespace, "/" when the packet names none.
	Nsp string
	// ID is the acknowledgement id, -1 when absent.
	ID int
	// Data is the JSON payload as received, "" when absent.
	Data string
	// Att holds the binary attachments of a BINARY_EVENT or BINARY_ACK.
	Att [][]byte
}

// IsEvent reports whether p is an EVENT or BINARY_EVENT.
func (p Packet) IsEvent() bool { return p.Type == '2' || p.Type == '5' }

// IsAck reports whether p is an ACK or BINARY_ACK.
func (p Packet) IsAck() bool { return p.Type == '3' || p.Type == '6' }

// Event returns the event name and arguments of an EVENT packet.
func (p Packet) Event() (string, []json.RawMessage) {
	var a []json.RawMessage
	if json.Unmarshal([]byte(p.Data), &a) != nil || len(a) == 0 {
		return "", nil
	}
	var name string
	_ = json.Unmarshal(a[0], &name)
	return name, a[1:]
}

// EventName returns the event name of an EVENT packet.
func (p Packet) EventName() string {
	name, _ := p.Event()
	return name
}

// Args returns the payload's array elements: for an EVENT, those after
// the name; for an ACK, all of them.
func (p Packet) Args() []json.RawMessage {
	var a []json.RawMessage
	_ = json.Unmarshal([]byte(p.Data), &a)
	if p.IsEvent() && len(a) > 0 {
		a = a[1:]
	}
	return a
}

// ArgsText returns Args as compact JSON, e.g. `[1,"a"]`.
func (p Packet) ArgsText() string {
	a := p.Args()
	if a == nil {
		a = []json.RawMessage{}
	}
	b, _ := json.Marshal(a)
	var buf bytes.Buffer
	_ = json.Compact(&buf, b)
	return buf.String()
}

// String returns p in its wire form, attachments appended in hex, for
// test failures.
func (p Packet) String() string {
	var b strings.Builder
	b.WriteByte(p.Type)
	if len(p.Att) > 0 {
		b.WriteString(strconv.Itoa(len(p.Att)) + "-")
	}
	if p.Nsp != "/" {
		b.WriteString(p.Nsp + ",")
	}
	if p.ID >= 0 {
		b.WriteString(strconv.Itoa(p.ID))
	}
	b.WriteString(p.Data)
	for _, a := range p.Att {
		fmt.Fprintf(&b, " <%x>", a)
	}
	return b.String()
}

// ParsePacket parses the text of a Socket.IO packet (without the
// Engine.IO "4"). It returns the number of binary attachments announced.
func ParsePacket(s string) (Packet, int, error) {
	p := Packet{Nsp: "/", ID: -1}
	if s == "" || s[0] < '0' || s[0] > '6' {
		return p, 0, fmt.Errorf("siotest: bad packet type in %q", s)
	}
	p.Type, s = s[0], s[1:]
	natt := 0
	if p.Type == '5' || p.Type == '6' {
		n, rest, ok := strings.Cut(s, "-")
		if !ok {
			return p, 0, fmt.Errorf("siotest: no attachment count in %q", s)
		}
		var err error
		if natt, err = strconv.Atoi(n); err != nil {
			return p, 0, err
		}
		s = rest
	}
	if strings.HasPrefix(s, "/") {
		i := strings.IndexByte(s, ',')
		if i < 0 {
			p.Nsp, s = s, ""
		} else {
			p.Nsp, s = s[:i], s[i+1:]
		}
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 {
		p.ID, _ = strconv.Atoi(s[:i])
		s = s[i:]
	}
	p.Data = s
	return p, natt, nil
}

// Raw is JSON text that EncodePacket sends as it is.
type Raw string

// Placeholder is the JSON that stands for binary attachment n.
func Placeholder(n int) map[string]any { return map[string]any{"_placeholder": true, "num": n} }

// EncodePacket builds the text of a Socket.IO packet: typ, the namespace
// (omitted for "/" and ""), the ack id (omitted when negative) and data
// as JSON (a Raw as it is; nothing for nil).
func EncodePacket(typ byte, nsp string, id int, data any) string {
	return EncodeBinaryPacket(typ, nsp, id, data, 0)
}

// EncodeBinaryPacket is EncodePacket announcing natt binary attachments
// (none when natt is 0), for a BINARY_EVENT or BINARY_ACK.
func EncodeBinaryPacket(typ byte, nsp string, id int, data any, natt int) string {
	var b strings.Builder
	b.WriteByte(typ)
	if natt > 0 {
		b.WriteString(strconv.Itoa(natt) + "-")
	}
	if nsp != "" && nsp != "/" {
		b.WriteString(nsp + ",")
	}
	if id >= 0 {
		b.WriteString(strconv.Itoa(id))
	}
	switch d := data.(type) {
	case nil:
	case Raw:
		b.WriteString(string(d))
	default:
		j, err := json.Marshal(d)
		if err != nil {
			panic(err)
		}
		b.Write(j)
	}
	return b.String()
}

// JSONText returns the compact JSON of v; it panics when v does not
// marshal.
func JSONText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
