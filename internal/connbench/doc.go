// Package connbench measures, from a Go benchmark, what one websocket
// connection costs a Socket.IO server that runs in the benchmark's own
// process, whatever adapter mounts it:
//
//   - Measure opens idle sessions with raw websocket clients that join "/"
//     and then hold nothing but their net.Conn, and reports the heap,
//     goroutine stacks and goroutines the server keeps per session. The
//     clients are as small as a client can be (no buffers, no goroutine,
//     the handshake written by hand), so what the figures hold beyond the
//     server's share is one *net.TCPConn per session, a few hundred bytes.
//   - Echo times round trips of the benchmark contract's "echo" event with
//     an acknowledgement, one at a time, over one connection.
package connbench
