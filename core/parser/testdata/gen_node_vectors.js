// Generates node_vectors.json: packets encoded by the reference JavaScript
// parsers (npm socket.io-parser 4.x and socket.io-msgpack-parser 3.x), used
// by the Go tests as golden data. Not run by the tests.
//
//   npm install socket.io-parser@4 socket.io-msgpack-parser@3
//   node gen_node_vectors.js > node_vectors.json
const { Encoder, PacketType: T } = require("socket.io-parser");
const msgpackParser = require("socket.io-msgpack-parser");

const B = (...b) => Buffer.from(b);
const packets = [
  ["connect main", { type: T.CONNECT, nsp: "/" }],
  ["connect admin", { type: T.CONNECT, nsp: "/admin" }],
  ["connect auth", { type: T.CONNECT, nsp: "/admin", data: { token: "123" } }],
  ["connect reply", { type: T.CONNECT, nsp: "/", data: { sid: "wZX3oN0bSVIhsaknAAAI" } }],
  ["connect_error", { type: T.CONNECT_ERROR, nsp: "/", data: { message: "Not authorized", data: { code: 7 } } }],
  ["disconnect", { type: T.DISCONNECT, nsp: "/" }],
  ["disconnect admin", { type: T.DISCONNECT, nsp: "/admin" }],
  ["event", { type: T.EVENT, nsp: "/", data: ["foo"] }],
  ["event admin", { type: T.EVENT, nsp: "/admin", data: ["bar"] }],
  ["event ack", { type: T.EVENT, nsp: "/", data: ["foo"], id: 12 }],
  ["event args", { type: T.EVENT, nsp: "/chat", data: ["msg", "héllo \u2028 <&>", 1.5, -3, true, null, { z: 1, a: [1, "x"] }], id: 7 }],
  ["ack empty", { type: T.ACK, nsp: "/", data: [], id: 12 }],
  ["ack admin", { type: T.ACK, nsp: "/admin", data: ["bar"], id: 13 }],
  ["binary event", { type: T.EVENT, nsp: "/", data: ["baz", B(1, 2, 3, 4)] }],
  ["binary event two", { type: T.EVENT, nsp: "/admin", data: ["baz", B(1, 2), B(3, 4)] }],
  ["binary event ack", { type: T.EVENT, nsp: "/", data: ["foo", B(1, 2, 3, 4)], id: 14 }],
  ["binary ack", { type: T.ACK, nsp: "/", data: ["bar", B(1, 2, 3, 4)], id: 15 }],
  ["binary nested", { type: T.EVENT, nsp: "/", data: ["up", { file: B(9), meta: { parts: [B(), B(255)] } }, "x"] }],
];

const out = [];
const enc = new Encoder();
const mpEnc = new msgpackParser.Encoder();
const show = (v) =>
  Buffer.isBuffer(v) ? { $bin: v.toString("hex") }
  : Array.isArray(v) ? v.map(show)
  : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, show(x)]))
  : v;
for (const [name, p] of packets) {
  const expect = { type: p.type, nsp: p.nsp, data: show(p.data), id: p.id };
  const msgs = enc.encode({ ...p }).map((m) =>
    typeof m === "string" ? { text: m } : { bin: Buffer.from(m).toString("hex") });
  out.push({ name, codec: "json", packet: expect, messages: msgs });
  const mp = mpEnc.encode({ ...p }).map((m) => ({ bin: Buffer.from(m).toString("hex") }));
  out.push({ name, codec: "msgpack", packet: expect, messages: mp });
}

// What the msgpack client sends besides Buffers: ArrayBuffer (ext type 0),
// undefined (fixext 1 type 0), Date (fixext 8 type 0) and an "options" key.
const clientPacket = {
  type: T.EVENT,
  data: ["ab", new Uint8Array([1, 2]).buffer, undefined, new Date(86400000)],
  options: { compress: true },
  nsp: "/",
  id: 3,
};
out.push({
  name: "msgpack client extras",
  codec: "msgpack",
  packet: { type: 2, nsp: "/", id: 3, data: ["ab", { $bin: "0102" }, null, { $date: 86400000 }] },
  messages: mpEnc.encode(clientPacket).map((m) => ({ bin: Buffer.from(m).toString("hex") })),
});
console.log(JSON.stringify(out, null, 1));
