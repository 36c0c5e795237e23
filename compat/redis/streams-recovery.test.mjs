// Connection state recovery across a mixed cluster on the Redis Streams
// format: two sio servers with Recovery (started by queue/redisq's
// TestNodeStreamsRecovery, URLs in SIO_GO_URLS) and one Node.js server on
// @socket.io/redis-streams-adapter with connectionStateRecovery. A real
// socket.io-client connects to the first sio server, joins a room, loses
// its connection abruptly, misses broadcasts from every server, then
// reconnects to the Node.js server: it gets its id back (recovered), its
// data and room, and exactly the missed broadcasts that reach it, each
// with its stream offset. Then the same from the Node.js server onto the second sio
// server: Go → Node → Go, each restoring the session the other saved.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { io as ioc } from "socket.io-client";
import { startNode, Control } from "./peer.mjs";

const redisUrl = process.env.SIO_REDIS_URL;
const key = process.env.SIO_KEY;
const goURLs = (process.env.SIO_GO_URLS || "").split(",").filter(Boolean);

let node, servers, controls, client;
const events = [];
let wake = () => {};

before(async () => {
  assert.equal(goURLs.length, 2, "SIO_GO_URLS must name the two sio servers");
  node = await startNode({ name: "node", redisUrl, key, format: "streams", recovery: true });
  // The client's path: go1, then node, then go2.
  servers = [{ name: "go1", url: goURLs[0] }, node, { name: "go2", url: goURLs[1] }];
  controls = await Promise.all(servers.map((s) => new Control(s).connect()));
  for (const c of controls) {
    for (let n = 0; (await c.op({ op: "serverCount" })) !== 3; n++) {
      assert.ok(n < 100, `${c.server.name} never counts 3 servers`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});

after(async () => {
  client?.disconnect();
  for (const c of controls || []) c.close();
  await node?.close();
});

// next returns the next event the client received (waiting up to 5 s).
async function next() {
  const deadline = Date.now() + 5000;
  while (events.length === 0) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error("no event within 5 s");
    await new Promise((resolve) => {
      const t = setTimeout(resolve, left);
      wake = () => { clearTimeout(t); resolve(); };
    });
  }
  return events.shift();
}

// expectEvent checks the next event: its name and its arguments before
// the offset, which must be a stream entry id.
async function expectEvent(event, args) {
  const got = await next();
  assert.equal(got.event, event, `got ${JSON.stringify(got)}, want ${event}`);
  assert.deepEqual(got.args.slice(0, -1), args, `${event} arguments`);
  assert.match(got.args[got.args.length - 1], /^\d+-\d+$/, `${event}: offset`);
}

// gone waits until no server has the socket id any more (its session is
// saved by then).
async function gone(id) {
  for (let n = 0; n < 200; n++) {
    const sockets = await controls[1].op({ op: "fetch" });
    if (!sockets.some((s) => s.id === id)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`socket ${id} is still connected somewhere`);
}

// dropConnection cuts the client's websocket without a close handshake.
function dropConnection() {
  const transport = client.io.engine.transport;
  if (transport.ws && typeof transport.ws.terminate === "function") transport.ws.terminate();
  else client.io.engine.close();
}

test("a session saved by one server is restored by another, with the missed broadcasts (Go → Node → Go)", async () => {
  client = ioc(servers[0].url, { transports: ["websocket"], reconnection: false, forceNew: true });
  client.onAny((event, ...args) => {
    events.push({ event, args });
    wake();
  });
  await once(client, "connect");
  const id = client.id;
  assert.equal(client.recovered, false);
  assert.equal(await client.timeout(5000).emitWithAck("join", "r"), "ok");
  const data = { user: "ann", n: 1, tags: ["a", "b"] };
  assert.equal(await client.timeout(5000).emitWithAck("setData", data), "ok");
  await controls[2].op({ op: "emit", event: "first", rooms: ["r"], args: [0] });
  await expectEvent("first", [0]);

  for (const [i, to] of [[1, "node"], [2, "go2"]]) {
    const lost = once(client, "disconnect");
    dropConnection();
    await lost;
    await gone(id);
    // Missed: from every server, to the room and to everyone; not for
    // it: another room, except its room, and a local broadcast.
    await controls[(i + 1) % 3].op({ op: "emit", event: "missed", rooms: ["r"], args: [i, "to r"] });
    await controls[i].op({ op: "emit", event: "missed", args: [i, "to all"] });
    await controls[(i + 2) % 3].op({ op: "emit", event: "not-for-it", rooms: ["elsewhere"] });
    await controls[(i + 1) % 3].op({ op: "emit", event: "not-for-it", except: ["r"] });
    await controls[i].op({ op: "emit", event: "not-for-it", local: true });

    client.io.uri = servers[i].url; // the next server
    client.connect();
    await once(client, "connect");
    assert.equal(client.recovered, true, `not recovered on ${to}`);
    assert.equal(client.id, id, `a new id on ${to}`);
    await expectEvent("missed", [i, "to r"]);
    await expectEvent("missed", [i, "to all"]);
    // Its data came back with it.
    const mine = (await controls[(i + 1) % 3].op({ op: "fetch" })).find((s) => s.id === id);
    assert.deepEqual(mine && mine.data, data, `data on ${to}`);
    // Its room came back with it: a broadcast to r from another server.
    await controls[(i + 2) % 3].op({ op: "emit", event: "after", rooms: ["r"], args: [i] });
    await expectEvent("after", [i]);
  }
});
