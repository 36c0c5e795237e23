// Node.js reference peer for the sio benchmark matrix: socket.io 4.8 (with
// bufferutil) implementing the benchmark contract described in
// compat/bench/README.md.
//
//   node server.js -addr 127.0.0.1:3000     (or: -port 3000)
//   node server.js -addr ... -redis redis://127.0.0.1:6379
//       one server of a cluster on @socket.io/redis-adapter (classic): a
//       bcast reaches the clients of every server on that Redis
"use strict";

const http = require("http");
const { Server } = require("socket.io");

function parseArgs(argv) {
  let host = "127.0.0.1";
  let port = 3000;
  let redis = "";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i].replace(/^--?/, "");
    const [k, inline] = a.split("=", 2);
    const v = inline !== undefined ? inline : argv[++i];
    if (k === "addr") {
      const j = v.lastIndexOf(":");
      host = v.slice(0, j) || "127.0.0.1";
      port = Number(v.slice(j + 1));
    } else if (k === "port") {
      port = Number(v);
    } else if (k === "redis") {
      redis = v;
    } else if (k === "version") {
      i--;
      console.log(require("socket.io/package.json").version);
      process.exit(0);
    } else {
      console.error(`unknown flag -${k}`);
      process.exit(2);
    }
  }
  return { host, port, redis };
}

// popAck removes and returns the acknowledgement callback, if the client asked for one.
function popAck(args) {
  return args.length > 0 && typeof args[args.length - 1] === "function" ? args.pop() : null;
}

const { host, port, redis } = parseArgs(process.argv.slice(2));
const httpServer = http.createServer();
const io = new Server(httpServer, { cors: { origin: "*" }, serveClient: false });

io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = popAck(args);
    if (ack) ack(...args);
  });
  socket.on("bcast", (...args) => {
    const ack = popAck(args);
    io.emit("bcast", ...args);
    if (ack) ack();
  });
});

async function listen() {
  if (redis) {
    const { createClient } = require("redis");
    const { createAdapter } = require("@socket.io/redis-adapter");
    const pub = createClient({ url: redis });
    const sub = pub.duplicate();
    pub.on("error", (err) => console.error("redis:", err.message));
    sub.on("error", (err) => console.error("redis:", err.message));
    await Promise.all([pub.connect(), sub.connect()]);
    io.adapter(createAdapter(pub, sub));
  }
  httpServer.listen(port, host, ready);
}

listen().catch((err) => {
  console.error(err);
  process.exit(1);
});

function ready() {
  let native = false;
  try {
    native = require("bufferutil").mask.toString().includes("[native code]");
  } catch (_) {
    native = false;
  }
  console.error(
    `node ${process.version} socket.io ${require("socket.io/package.json").version}` +
      ` (bufferutil native: ${native}) listening on ${host}:${port}`,
  );
}
