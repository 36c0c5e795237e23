package parser

import (
	"encoding/json"
	"strconv"
)

// jsonDecoder is the JSON codec's Decoder.
type jsonDecoder struct {
	limits  Limits
	pending *jsonPacket // a binary packet waiting for attachments
	want    int         // attachments pending needs
}

// jsonPacket holds a packet and its arguments in one allocation.
type jsonPacket struct {
	pkt  Packet
	args jsonArgs
}

func (d *jsonDecoder) Reset() {
	d.pending = nil
	d.want = 0
}

func (d *jsonDecoder) Add(data []byte, binary bool) (*Packet, error) {
	if binary {
		if d.pending == nil {
			return nil, ErrUnexpectedBinary
		}
		jp := d.pending
		jp.args.att = append(jp.args.att, data)
		if len(jp.args.att) < d.want {
			return nil, nil
		}
		d.Reset()
		return &jp.pkt, nil
	}
	if d.pending != nil {
		d.Reset()
		return nil, ErrUnexpectedText
	}
	jp, n, err := d.decodeText(data)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		d.pending, d.want = jp, n
		jp.args.att = make([][]byte, 0, min(n, 16))
		return nil, nil
	}
	return &jp.pkt, nil
}

// decodeText parses a text packet. It returns the packet and, for binary
// packets, the number of attachments to wait for.
func (d *jsonDecoder) decodeText(s []byte) (*jsonPacket, int, error) {
	if len(s) == 0 {
		return nil, 0, errorf(ErrInvalidType, "empty packet")
	}
	c := s[0]
	if c < '0' || c > '6' {
		return nil, 0, errorf(ErrInvalidType, "%q", c)
	}
	typ := PacketType(c - '0')
	i := 1 // next byte to read

	// Attachments: <digits>-
	attachments := 0
	if typ == BinaryEvent || typ == BinaryAck {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if attachments > d.limits.MaxAttachments || attachments > 1<<30 {
				// too many already: keep scanning only to report the right error
				i++
				continue
			}
			attachments = attachments*10 + int(s[i]-'0')
			i++
		}
		if i == start || i >= len(s) || s[i] != '-' {
			return nil, 0, errorf(ErrInvalidAttachments, "bad attachment count")
		}
		if attachments < 1 {
			return nil, 0, errorf(ErrInvalidAttachments, "attachment count %d", attachments)
		}
		if attachments > d.limits.MaxAttachments {
			return nil, 0, errorf(ErrTooManyAttachments, "limit %d", d.limits.MaxAttachments)
		}
		i++ // '-'
	}

	jp := &jsonPacket{}
	p := &jp.pkt
	p.Namespace = "/"

	// Namespace: /...[,]
	if i < len(s) && s[i] == '/' {
		start := i
		for i < len(s) && s[i] != ',' {
			i++
		}
		if i-start > d.limits.MaxNamespaceLen {
			return nil, 0, errorf(ErrNamespaceTooLong, "%d bytes", i-start)
		}
		p.Namespace = string(s[start:i])
		if i < len(s) {
			i++ // ','
		}
	}

	// Ack id: digits.
	if i < len(s) && s[i] >= '0' && s[i] <= '9' {
		var id uint64
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			id = id*10 + uint64(s[i]-'0')
			if id > MaxAckID {
				return nil, 0, errorf(ErrInvalidAckID, "larger than 2^53-1")
			}
			i++
		}
		p.ID, p.HasID = id, true
	}

	payload := s[i:]
	a := &jp.args
	a.elems = a.inline[:0]
	switch typ {
	case Connect, ConnectError:
		p.Type = typ
		if len(payload) == 0 {
			break
		}
		if !json.Valid(payload) {
			return nil, 0, errorf(ErrInvalidPayload, "invalid JSON")
		}
		first := payload[skipSpace(payload, 0)]
		if first != '{' && (typ == Connect || first != '"') {
			return nil, 0, errorf(ErrInvalidPayload, "%v payload must be an object", typ)
		}
		a.data = payload
		a.elems = append(a.elems, span{0, len(payload)})
	case Disconnect:
		p.Type = typ
		if len(payload) != 0 {
			return nil, 0, errorf(ErrInvalidPayload, "DISCONNECT has a payload")
		}
	case Event, BinaryEvent, Ack, BinaryAck:
		isEvent := typ == Event || typ == BinaryEvent
		if isEvent {
			p.Type = Event
		} else {
			p.Type = Ack
		}
		if len(payload) == 0 {
			return nil, 0, errorf(ErrInvalidPayload, "%v without data", typ)
		}
		if !json.Valid(payload) {
			return nil, 0, errorf(ErrInvalidPayload, "invalid JSON")
		}
		elems, ok := splitArray(payload, a.elems)
		if !ok {
			return nil, 0, errorf(ErrInvalidPayload, "%v payload must be an array", typ)
		}
		a.data = payload
		if isEvent {
			if len(elems) == 0 {
				return nil, 0, errorf(ErrInvalidEventName, "missing")
			}
			name, err := eventName(payload[elems[0].start:elems[0].end])
			if err != nil {
				return nil, 0, err
			}
			if len(name) > d.limits.MaxEventNameLen {
				return nil, 0, errorf(ErrEventNameTooLong, "%d bytes", len(name))
			}
			if IsReservedEvent(name) {
				return nil, 0, errorf(ErrReservedEventName, "%q", name)
			}
			p.Event = name
			elems = elems[1:]
		}
		a.elems = elems
		if attachments > 0 {
			phs, err := findPlaceholders(payload, attachments)
			if err != nil {
				return nil, 0, err
			}
			a.phs = phs
		}
	}
	if len(a.elems) > 0 {
		p.Args = Args{src: a}
	}
	return jp, attachments, nil
}

// eventName decodes the first element of an EVENT payload: a JSON string,
// or a number (which Node.js would use as the property key String(n)).
func eventName(raw []byte) (string, error) {
	switch c := raw[0]; {
	case c == '"':
		if s, ok := simpleString(raw); ok {
			return s, nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", errorf(ErrInvalidEventName, "%v", err)
		}
		return s, nil
	case c == '-' || (c >= '0' && c <= '9'):
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return "", errorf(ErrInvalidEventName, "%v", err)
		}
		return jsNumberString(f), nil
	default:
		return "", errorf(ErrInvalidEventName, "not a string")
	}
}

// simpleString returns the content of a JSON string literal that has no
// escapes and only ASCII characters (the common case).
func simpleString(raw []byte) (string, bool) {
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c == '\\' || c >= 0x80 {
			return "", false
		}
	}
	return string(body), true
}

// jsNumberString formats f like JavaScript's String(number).
func jsNumberString(f float64) string {
	if f == 0 {
		return "0"
	}
	abs := f
	if abs < 0 {
		abs = -abs
	}
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. 1e+21, 1e-07
	// JavaScript writes the exponent without leading zeros.
	for i := 0; i < len(s); i++ {
		if s[i] == 'e' && i+2 < len(s) {
			j := i + 2
			for j < len(s)-1 && s[j] == '0' {
				j++
			}
			return s[:i+2] + s[j:]
		}
	}
	return s
}
