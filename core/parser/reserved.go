package parser

// ReservedEvents returns the event names of the client and server APIs'
// own events (socket.io-parser's RESERVED_EVENTS): a client EVENT packet
// carrying one is invalid ([ErrReservedEventName]), and servers refuse to
// emit them.
func ReservedEvents() []string {
	return []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
}

// IsReservedEvent reports whether name is one of [ReservedEvents].
func IsReservedEvent(name string) bool {
	switch name {
	case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}
