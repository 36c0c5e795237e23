// Package parser is the Socket.IO v5 packet codec: it turns Engine.IO
// messages into Socket.IO packets and back.
//
// Two codecs are provided, matching the two official JavaScript parsers:
//
//   - [JSON] (the default, npm socket.io-parser 4.x): text packets of the
//     form <type>[<attachments>-][<namespace>,][<ack id>][<JSON data>],
//     followed, for BINARY_EVENT and BINARY_ACK, by one binary Engine.IO
//     message per attachment. Binary values anywhere in the data are
//     replaced by {"_placeholder":true,"num":N} objects.
//   - [Msgpack] (npm socket.io-msgpack-parser 3.x): the whole packet
//     {type, data, nsp, id} is one MessagePack map sent as a single binary
//     message; binary values stay native (bin), there are no attachments and
//     the packet types 5 and 6 are never used.
//
// # Decoding
//
// Each connection owns one [Decoder] (from [Codec.NewDecoder]). Feed it every
// Engine.IO message in arrival order with [Decoder.Add]; it returns a
// [*Packet] once a packet is complete (a BINARY_EVENT waits for its
// attachments) and nil while more messages are needed. A malformed message
// yields an error that wraps [ErrInvalidPacket] (and a more precise
// sentinel); the caller should close the connection ("parse error"). No
// input makes the decoder panic.
//
// Decoded packets are normalised: BINARY_EVENT and BINARY_ACK are reported as
// [Event] and [Ack]. Arguments are decoded lazily, one by one, with
// [Args.Decode] into any Go value: typed structs, maps and numbers through
// encoding/json (or msgpack with the json struct tags), []byte for binary
// values at any depth, and, for *any, the usual JSON types with []byte for
// binary values. [Args.Raw] gives each argument exactly as received.
//
// # Encoding
//
// [Codec.Encode] turns an [Outgoing] packet into [Encoded], the list of
// Engine.IO messages to send (the text packet first, then its attachments).
// The result is immutable and independent of the caller's values, so a
// broadcast encodes once and shares the same messages with every recipient.
// []byte values anywhere in the arguments (top level, maps, slices, struct
// fields) become binary attachments (JSON) or msgpack bin values; a
// [encoding/json.RawMessage] argument is written unchanged. Values whose types
// cannot hold binary data are encoded by encoding/json directly.
package parser
