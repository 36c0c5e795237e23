package core

import "github.com/socketio-go/sio/core/engineio"

// DisconnectReason says why a socket left its namespace. The values are the
// reason strings of the reference (Node.js) server.
type DisconnectReason string

// Disconnect reasons.
const (
	// ReasonServerNamespaceDisconnect: the server disconnected the socket
	// (Socket.Disconnect).
	ReasonServerNamespaceDisconnect DisconnectReason = "server namespace disconnect"
	// ReasonClientNamespaceDisconnect: the client left the namespace.
	ReasonClientNamespaceDisconnect DisconnectReason = "client namespace disconnect"
	// ReasonServerShuttingDown: Server.Shutdown.
	ReasonServerShuttingDown DisconnectReason = "server shutting down"
	// ReasonPingTimeout: the client stopped answering pings.
	ReasonPingTimeout DisconnectReason = "ping timeout"
	// ReasonTransportClose: the client closed the connection.
	ReasonTransportClose DisconnectReason = "transport close"
	// ReasonTransportError: the connection failed.
	ReasonTransportError DisconnectReason = "transport error"
	// ReasonParseError: the client sent a packet that could not be decoded.
	ReasonParseError DisconnectReason = "parse error"
	// ReasonForcedClose: the connection was closed by the server.
	ReasonForcedClose DisconnectReason = "forced close"
	// ReasonForcedServerClose: another namespace's socket closed the whole
	// connection (Socket.Disconnect(true)).
	ReasonForcedServerClose DisconnectReason = "forced server close"
)

// String returns the reason text.
func (r DisconnectReason) String() string { return string(r) }

func reasonFromEngine(r engineio.CloseReason) DisconnectReason {
	switch r {
	case engineio.ReasonServerShutdown:
		return ReasonServerShuttingDown
	case engineio.ReasonPingTimeout:
		return ReasonPingTimeout
	case engineio.ReasonTransportError:
		return ReasonTransportError
	case engineio.ReasonParseError:
		return ReasonParseError
	case engineio.ReasonForcedClose:
		return ReasonForcedClose
	}
	return ReasonTransportClose
}
