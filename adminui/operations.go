package adminui

import (
	"github.com/socketio-go/sio/core"
)

// registerOperations answers the UI's operations, each through the
// cluster-wide operation on the target namespace (or on its room filter,
// which the UI sets to a socket id to target one socket):
//
//	join        nsp, room, filter?            SocketsJoin(room)
//	leave       nsp, room, filter?            SocketsLeave(room)
//	_disconnect nsp, close, filter?           DisconnectSockets(close)
//	emit        nsp, filter, event, args...   Emit(event, args...)
//
// An operation on a namespace this server does not have is ignored (it is
// not created), and logged.
func (a *Admin) registerOperations() {
	a.nsp.On("join", func(s *core.Socket, nsp, room string, filter *string) {
		if op, ok := a.target(s, "join", nsp, filter); ok && room != "" {
			op.SocketsJoin(room)
		}
	})
	a.nsp.On("leave", func(s *core.Socket, nsp, room string, filter *string) {
		if op, ok := a.target(s, "leave", nsp, filter); ok && room != "" {
			op.SocketsLeave(room)
		}
	})
	a.nsp.On("_disconnect", func(s *core.Socket, nsp string, close bool, filter *string) {
		if op, ok := a.target(s, "_disconnect", nsp, filter); ok {
			op.DisconnectSockets(close)
		}
	})
	a.nsp.On("emit", func(s *core.Socket, nsp string, filter *string, event string, args core.Args) {
		op, ok := a.target(s, "emit", nsp, filter)
		if !ok || event == "" {
			return
		}
		values := make([]any, args.Len())
		for i := range values {
			values[i], _ = args.Passthrough(i)
		}
		if err := op.Emit(event, values...); err != nil {
			a.log.Info("adminui: emit operation failed", "nsp", nsp, "event", event, "err", err)
		}
	})
}

// target returns the operator an operation acts on.
func (a *Admin) target(s *core.Socket, what, nsp string, filter *string) (core.BroadcastOperator, bool) {
	for _, n := range a.srv.Namespaces() {
		if n.Name() != nsp {
			continue
		}
		a.log.Info("adminui: operation", "op", what, "nsp", nsp, "filter", deref(filter), "admin", s.ID())
		if filter != nil && *filter != "" {
			return n.To(*filter), true
		}
		return n.Except(), true
	}
	a.log.Info("adminui: operation on an unknown namespace ignored", "op", what, "nsp", nsp, "admin", s.ID())
	return core.BroadcastOperator{}, false
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
