package engineio

// Uncompressed returns a copy of m that is written without the websocket
// permessage-deflate extension (a Socket.IO emit with compress false), for
// data that does not compress.
func (m *Message) Uncompressed() *Message {
	c := *m
	c.uncompressed = true
	return &c
}

// compressionSetter is implemented by websocket connections that can turn
// compression on and off per message (gorilla/websocket's and
// fasthttp/websocket's *Conn).
type compressionSetter interface {
	EnableWriteCompression(enable bool)
}
