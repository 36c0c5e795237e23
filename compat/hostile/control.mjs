// The control client of the hostile-client suite (compat/hostile_test.go):
// a real socket.io-client that joins the "control" room and reports, one
// JSON line on stdout each, what it sees while attackers hit the server:
// every "tick" broadcast (with its latency: the server's send time is the
// tick's second argument, in Unix milliseconds, on the same clock), the
// relayed payloads, disconnections and errors. It runs until stdin closes.
//
//   URL=http://127.0.0.1:port TRANSPORT=websocket|polling XFF=198.51.100.1 node control.mjs
import { io } from "socket.io-client";

const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const socket = io(process.env.URL, {
  transports: [process.env.TRANSPORT || "websocket"],
  upgrade: false,
  reconnection: false,
  query: { role: "control" },
  extraHeaders: { "X-Forwarded-For": process.env.XFF },
});
socket.on("connect", () => out({ ev: "connect" }));
socket.on("tick", (seq, sent) => out({ ev: "tick", seq, lat: performance.timeOrigin + performance.now() - sent }));
socket.on("relayed", (v) => out({ ev: "relayed", v }));
socket.on("bcast", (...v) => out({ ev: "bcast", v }));
socket.on("disconnect", (reason, details) => out({ ev: "disconnect", reason, details: String(details?.description ?? details ?? "") }));
socket.on("connect_error", (err) => out({ ev: "error", message: err.message }));
process.stdin.resume();
process.stdin.on("end", () => {
  socket.close();
  process.exit(0);
});
