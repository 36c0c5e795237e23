// Package adminui instruments a sio server for the official Socket.IO
// Admin UI (https://socket.io/docs/v4/admin-ui/) and serves the UI's files
// locally.
//
// Instrument speaks the server side of the UI's protocol, as the Node.js
// package @socket.io/admin-ui and python-socketio's instrument() do: an
// admin namespace ("/admin") where the UI logs in (Auth: NoAuth, Basic with
// a bcrypt hash, Plain, AnyOf, Callback; session ids kept in a
// SessionStore: MemoryStore, or Redis with package adminui/redisstore for
// a cluster), the events it reads (config, all_sockets, server_stats,
// socket_connected, socket_updated, socket_disconnected, room_joined,
// room_left, event_received, event_sent) and the operations it sends
// (join, leave, _disconnect, emit), which act through the cluster-wide
// operations, so one UI manages every server of a cluster.
//
//	admin, err := adminui.Instrument(srv, adminui.Config{
//		Auth: adminui.Plain("admin", os.Getenv("ADMIN_PASSWORD")),
//	})
//	if err != nil { ... }
//	defer admin.Close()
//
// The instrumentation observes the server through core.Observer: a server
// without it pays nothing; in Production mode it only counts (atomic
// counters per packet); in Development mode every socket, room and event
// is also reported to the admin namespace, as it happens (a broadcast per
// fact, skipped when no admin client can receive it; event reports are
// bounded by MaxEventReports per second).
//
// UIFiles returns the static-file rules that serve the UI itself (ui/dist
// of the npm package @socket.io/admin-ui 0.5.1, with its fonts and icons
// from @mdi/font and @fontsource/roboto) through any adapter's
// StaticFiles, so the UI works offline, from the server's own origin.
package adminui
