package engineio

// Abort closes the session at once with the given reason, discarding the
// messages still queued; err, when not nil, is logged and passed to
// OnClose. Layers above the transport use it to report their own failures,
// such as a Socket.IO packet that does not parse (ReasonParseError).
func (s *Socket) Abort(reason CloseReason, err error) { s.closeNow(reason, err) }
