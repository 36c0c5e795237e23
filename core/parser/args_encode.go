package parser

import "reflect"

// Args nested in encoded values: both codecs write them as the array of
// their elements, binary data kept binary.

var argsType = reflect.TypeFor[Args]()

// writeArgs writes the elements of a as a JSON array. Elements without
// binary data are written as their JSON (byte for byte with the JSON
// codec); a JSON element holding binary data keeps its text, its
// placeholders renumbered for this packet.
func (e *jsonEncoder) writeArgs(a Args, depth int) error {
	e.buf.WriteByte('[')
	for i := range a.Len() {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		if !e.binary || !a.src.argBinary(i) {
			b, err := a.src.argJSON(i)
			if err != nil {
				return err
			}
			e.buf.Write(b)
			continue
		}
		if ja, k, ok := a.jsonElem(i); ok {
			e.spliceElem(ja, k)
			continue
		}
		v, err := a.src.argExact(i)
		if err != nil {
			return err
		}
		if err := e.writeArg(v, depth+1); err != nil {
			return err
		}
	}
	e.buf.WriteByte(']')
	return nil
}

// jsonElem returns the JSON-codec storage of element i and its index
// there.
func (a Args) jsonElem(i int) (*jsonArgs, int, bool) {
	switch s := a.src.(type) {
	case *jsonArgs:
		return s, i, true
	case offsetSource:
		if ja, ok := s.src.(*jsonArgs); ok {
			return ja, i + s.off, true
		}
	}
	return nil, 0, false
}

// spliceElem writes element k of a with each placeholder replaced by one
// for this packet's attachments.
func (e *jsonEncoder) spliceElem(a *jsonArgs, k int) {
	el := a.elems[k]
	pos := el.start
	for _, ph := range a.placeholders(k) {
		e.buf.Write(a.data[pos:ph.start])
		e.buf.Write(e.appendPlaceholder(e.buf.AvailableBuffer(), a.att[ph.num]))
		pos = ph.end
	}
	e.buf.Write(a.data[pos:el.end])
}
