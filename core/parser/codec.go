package parser

// Codec is a Socket.IO packet format. [JSON] is the protocol default;
// [Msgpack] is the socket.io-msgpack-parser format. Both are safe for
// concurrent use.
type Codec interface {
	// Name returns the codec name: "json" or "msgpack".
	Name() string
	// NewDecoder returns a decoder for one connection.
	NewDecoder(limits Limits) Decoder
	// Encode encodes p. The result shares no memory with p and is never
	// modified afterwards, so it can be sent to many connections.
	Encode(p Outgoing) (Encoded, error)
}

// Decoder decodes the Engine.IO messages of one connection into packets. It
// is stateful (a binary packet spans several messages) and not safe for
// concurrent use.
type Decoder interface {
	// Add feeds one Engine.IO message (binary tells whether it arrived as
	// a binary message). It returns the completed packet, or nil while
	// the current packet waits for more messages (attachments). An error
	// wraps ErrInvalidPacket; after an error the decoder is reset.
	//
	// Add takes ownership of data: the returned packet's arguments refer
	// to it, so the caller must not modify it afterwards.
	Add(data []byte, binary bool) (*Packet, error)
	// Reset drops a partially received packet (e.g. on disconnect).
	Reset()
}

// JSON is the default Socket.IO codec (npm socket.io-parser 4.x): text
// packets plus binary attachments.
var JSON Codec = jsonCodec{}

// Msgpack is the MessagePack codec (npm socket.io-msgpack-parser 3.x): one
// binary message per packet.
//
// Values are encoded by github.com/vmihailenco/msgpack/v5 using the json
// struct tags, with compact integers (a float64 holding an integer is sent
// as an integer, which JavaScript cannot tell apart). A top-level argument
// that is a json.RawMessage or implements json.Marshaler (and not msgpack's
// own interfaces), e.g. time.Time, is converted from its JSON, so it reaches
// the client as with the JSON codec, and so is a json.RawMessage inside
// []any and map[string]any values; inside other types they follow
// msgpack's rules (a json.RawMessage struct field is bin, a nested
// time.Time the timestamp ext). An [Args] is an array of its elements at
// any depth.
//
// Decoding accepts what notepack.io (the JavaScript parser's msgpack
// library) produces: ArrayBuffer (ext type 0) as binary, undefined (fixext
// type 0) as nil, Date (fixext 8 type 0) as time.Time. [Args.Decode] into
// typed values goes through msgpack: struct fields match json tag names
// exactly (encoding/json ignores case), and interface values nested in
// structs hold msgpack's types (int64, uint64, float64, string, []byte,
// map[string]any, []any). Top-level *any targets and numbers behave as with
// the JSON codec (float64 numbers; range-checked integers).
var Msgpack Codec = msgpackCodec{}

type jsonCodec struct{}

func (jsonCodec) Name() string { return "json" }

func (jsonCodec) NewDecoder(limits Limits) Decoder {
	return &jsonDecoder{limits: limits.withDefaults()}
}

func (jsonCodec) Encode(p Outgoing) (Encoded, error) { return encodeJSON(&p) }

type msgpackCodec struct{}

func (msgpackCodec) Name() string { return "msgpack" }

func (msgpackCodec) NewDecoder(limits Limits) Decoder {
	return &msgpackDecoder{limits: limits.withDefaults()}
}

func (msgpackCodec) Encode(p Outgoing) (Encoded, error) { return encodeMsgpack(&p) }
