// A mixed cluster on PostgreSQL: two sio servers on queue/pgq (started by
// TestNodeInterop there, URLs in SIO_GO_URLS) and two Node.js servers on
// @socket.io/postgres-adapter 0.5 (started here), two clients on each,
// one channel prefix and attachment table. Every cluster operation is run
// from each server and checked on the clients of all four; then the same
// from @socket.io/postgres-emitter 0.1 and from sio's emitter (run by the
// first sio server).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Emitter } from "@socket.io/postgres-emitter";
import { startNode, newPool, args, Peer, Control } from "./peer.mjs";
import { joinCluster, sel, waitRooms as waitRoomsOf, waitEvents as waitEventsOf } from "../nodekit/cluster.mjs";

const pgUrl = process.env.SIO_PG_URL;
const prefix = process.env.SIO_PREFIX;
const table = process.env.SIO_TABLE;
const app = process.env.SIO_APP;
const goURLs = (process.env.SIO_GO_URLS || "").split(",").filter(Boolean);

const names = ["go1", "go2", "node1", "node2"];
let nodes, servers, controls, clients, emitterPool, emitter;
const red = [0, 3, 4, 7]; // clients in room "red": one on each server
const blue = [1, 2, 5, 6];
const isGo = (i) => i < 4; // clients 0-3 are on the sio servers

// waitRooms and waitEvents: see compat/nodekit/cluster.mjs.
const waitRooms = (extra) => waitRoomsOf(clients, red, extra);
const waitEvents = (want, which) => waitEventsOf(controls, want, which);

before(async () => {
  assert.equal(goURLs.length, 2, "SIO_GO_URLS must name the two sio servers");
  nodes = [];
  for (const name of ["node1", "node2"]) nodes.push(await startNode({ name, pgUrl, prefix, table, app }));
  servers = [{ name: "go1", url: goURLs[0] }, { name: "go2", url: goURLs[1] }, ...nodes];
  ({ controls, clients } = await joinCluster({ servers, Peer, Control, red, blue }));
  emitterPool = newPool(pgUrl, app, 1);
  emitter = new Emitter(emitterPool, "/", { channelPrefix: prefix, tableName: table });
});

after(async () => {
  for (const c of clients || []) c.close();
  for (const c of controls || []) c.close();
  await emitterPool?.end();
  for (const n of nodes || []) await n.close();
});

// expect checks that the next event of each client of which is the one
// reached(i) says: the targeted event, or "sync" (sent to everyone right
// after it from the same origin, so its arrival proves the targeted one
// did not come); the targeted event's arguments must equal args. A
// Node.js server reads an attachment (binary, or over 8000 bytes) while it
// handles the next notifications, and sends one (an insert, then the
// notification) while it sends the next messages, so such an event may
// come after the sync: attached says so.
async function expect(what, reached, args, which = () => true, attached = false) {
  for (const [i, c] of clients.entries()) {
    if (!which(i)) continue;
    let got = await c.next();
    if (reached(i)) {
      let then = null;
      if (attached && got.event === "sync") [then, got] = [got, await c.next()];
      assert.equal(got.event, what, `${what}: client ${i} got ${got.event} first`);
      if (args) assert.deepEqual(got.args, args, `${what}: client ${i} arguments`);
      then ??= await c.next();
      assert.equal(then.event, "sync", `${what}: client ${i}: sync after it`);
    } else {
      assert.equal(got.event, "sync", `${what}: client ${i} got ${got.event}, which was not for it`);
    }
  }
}

// step runs op (an emit from control) then a sync broadcast from the same
// server, and checks the clients.
async function step(control, op, reached, args) {
  await control.op(op);
  await control.op({ op: "emit", event: "sync" });
  await expect(op.event, reached, args, () => true, op.binary || JSON.stringify(op.args || []).length > 8000);
}

const all = () => true;
const large = "x".repeat(9000); // over the 8000 bytes of a NOTIFY: through the attachment table

for (const [origin, name] of names.entries()) {
  const from = () => controls[origin];
  const onOrigin = (i) => Math.floor(i / 2) === origin;

  test(`${name}: broadcasts with rooms, except, binary, large payloads and flags reach the clients of every server`, async () => {
    const id = (i) => clients[i].id;
    await step(from(), { op: "emit", event: "all", args: [1, "two", { three: 3 }] }, all, [1, "two", { three: 3 }]);
    await step(from(), { op: "emit", event: "to-red", rooms: ["red"], args: ["r"] }, (i) => red.includes(i), ["r"]);
    await step(from(), { op: "emit", event: "except-red", except: ["red"] }, (i) => !red.includes(i), []);
    await step(from(), { op: "emit", event: "red-blue", rooms: ["red", "blue"] }, all);
    await step(from(), { op: "emit", event: "red-but", rooms: ["red"], except: [id(3)] }, (i) => red.includes(i) && i !== 3);
    const far = (origin * 2 + 3) % 8; // a client of another server
    await step(from(), { op: "emit", event: "to-id", rooms: [id(far)] }, (i) => i === far);
    await step(from(), { op: "emit", event: "binary", binary: true, args: ["b"] }, all, ["b", Buffer.from([1, 2, 3])]);
    await step(from(), { op: "emit", event: "large", args: [large] }, all, [large]);
    await step(from(), { op: "emit", event: "local", local: true }, onOrigin);
    await step(from(), { op: "emit", event: "volatile", volatile: true }, all);
    await step(from(), { op: "emit", event: "uncompressed", uncompressed: true }, all);
    await step(from(), { op: "emit", event: "chat", nsp: "/chat" }, () => false); // nobody on /chat
  });

  test(`${name}: broadcasts with acknowledgements collect every client's`, async () => {
    const everyone = clients.map((c) => c.name).sort();
    assert.deepEqual(await from().op({ op: "emitWithAck", event: "ask", timeout: 5000 }), everyone);
    for (const c of clients) assert.equal((await c.next()).event, "ask");
    const reds = red.map((i) => clients[i].name).sort();
    assert.deepEqual(await from().op({ op: "emitWithAck", event: "ask-red", rooms: ["red"], timeout: 5000, binary: true }), reds);
    for (const i of red) assert.equal((await clients[i].next()).event, "ask-red");
  });

  test(`${name}: fetchSockets returns every server's sockets with rooms, data and handshake`, async () => {
    const got = await from().op({ op: "fetch" });
    assert.equal(got.length, clients.length, JSON.stringify(got));
    for (const [i, c] of clients.entries()) {
      const s = got.find((x) => x.id === c.id);
      assert.ok(s, `client ${i} (${c.id}) missing`);
      assert.deepEqual(s.rooms, [c.id, red.includes(i) ? "red" : "blue"].sort(), `client ${i} rooms`);
      assert.deepEqual(s.data, { name: c.name, index: i }, `client ${i} data`);
      assert.deepEqual(s.handshake.auth, { token: c.name }, `client ${i} auth`);
      assert.equal(s.handshake.query, c.name, `client ${i} query`);
      assert.match(s.handshake.address, /127\.0\.0\.1/, `client ${i} address`);
      assert.match(s.handshake.url, /^\/socket\.io\/\?/, `client ${i} url`);
      assert.ok(s.handshake.issued > 1.6e12, `client ${i} issued ${s.handshake.issued}`);
      assert.equal(s.handshake.secure, false);
    }
    const reds = await from().op({ op: "fetch", rooms: ["red"], except: [clients[0].id] });
    assert.deepEqual(reds.map((s) => s.id).sort(), red.filter((i) => i !== 0).map((i) => clients[i].id).sort());
  });

  test(`${name}: socketsJoin and socketsLeave act on every server's sockets`, async () => {
    const room = `green-${name}`;
    await from().op({ op: "socketsJoin", rooms: ["red"], join: [room] });
    await waitRooms((i) => (red.includes(i) ? [room] : []));
    await step(controls[(origin + 1) % servers.length], { op: "emit", event: "to-green", rooms: [room] }, (i) => red.includes(i));
    await from().op({ op: "socketsLeave", rooms: [room], join: [room] });
    await waitRooms(() => []);
  });

  test(`${name}: disconnectSockets disconnects the sockets of every server`, async () => {
    const victims = await Promise.all(servers.map((s, i) => new Peer(s, `victim-${name}-${i}`).connect()));
    for (const v of victims) await v.call("join", `victims-${name}`);
    await from().op({ op: "disconnect", rooms: [`victims-${name}`] });
    for (const v of victims) assert.deepEqual(await v.next(), { event: "disconnect", args: ["io server disconnect"] });
    for (const c of clients) assert.ok(c.socket.connected, `${c.name} was disconnected too`);
  });

  test(`${name}: serverSideEmit reaches the other servers, with and without acknowledgements`, async () => {
    await from().op({ op: "serverSideEmit", event: "sse", args: [1, "a", { b: true }] });
    await waitEvents((i) => (i === origin ? [] : [["sse", 1, "a", { b: true }]]));
    const replies = await from().op({ op: "serverSideEmitWithAck", event: "sseAck", args: [2] });
    assert.deepEqual(replies, servers.filter((_, i) => i !== origin).map((s) => `reply-from-${s.name}`).sort());
    await waitEvents((i) => (i === origin ? [] : [["sseAck", 2]]));
  });

  test(`${name}: serverCount counts the four servers`, async () => {
    assert.equal(await from().op({ op: "serverCount" }), servers.length);
  });
}


// The emitters. @socket.io/postgres-emitter 0.1.1 publishes its messages
// without "nsp", and @socket.io/postgres-adapter 0.5.0 hands a message to
// the namespace its "nsp" names: the Node.js servers drop them, the sio
// servers (which take the namespace from the channel) deliver them. So
// its operations reach the clients of the sio servers only, and the
// Node.js servers' clients get nothing (a sync from a Node.js server
// follows to check). sio's emitter (on go1) reaches every server.
const emitters = [
  {
    name: "@socket.io/postgres-emitter",
    reaches: isGo,
    emit: (o) => sel(emitter, o).emit(o.event, ...args(o)),
    join: (o) => sel(emitter, o).socketsJoin(o.join),
    leave: (o) => sel(emitter, o).socketsLeave(o.join),
    disconnect: (o) => sel(emitter, o).disconnectSockets(o.close),
    serverSideEmit: (o) => emitter.serverSideEmit(o.event, ...(o.args || [])),
  },
  {
    name: "sio emitter",
    reaches: all,
    emit: (o) => controls[0].op({ ...o, op: "emitterEmit" }),
    join: (o) => controls[0].op({ ...o, op: "emitterJoin" }),
    leave: (o) => controls[0].op({ ...o, op: "emitterLeave" }),
    disconnect: (o) => controls[0].op({ ...o, op: "emitterDisconnect" }),
    serverSideEmit: (o) => controls[0].op({ ...o, op: "emitterServerSideEmit" }),
  },
];

for (const em of emitters) {
  const serverReached = (s) => em.reaches(2 * s);

  // noneElsewhere checks that the clients the emitter does not reach got
  // nothing: the next event they get is a sync from their own server.
  async function noneElsewhere() {
    for (const [s, c] of controls.entries()) {
      if (serverReached(s)) continue;
      await c.op({ op: "emit", event: "sync", local: true });
    }
    await expect("nothing", () => false, undefined, (i) => !em.reaches(i));
  }

  test(`${em.name}: emit, rooms, except, binary, large payloads and volatile reach the clients of ${em.reaches === all ? "every server" : "the sio servers"}`, async () => {
    const run = async (o, reached, want) => {
      await em.emit(o);
      await em.emit({ event: "sync" });
      await expect(o.event, reached, want, em.reaches, o.binary || JSON.stringify(o.args || []).length > 8000);
      await noneElsewhere();
    };
    await run({ event: "e-all", args: [1, { x: "y" }] }, all, [1, { x: "y" }]);
    await run({ event: "e-red", rooms: ["red"] }, (i) => red.includes(i), []);
    await run({ event: "e-except", except: ["red"] }, (i) => !red.includes(i), []);
    await run({ event: "e-bin", binary: true }, all, [Buffer.from([1, 2, 3])]);
    await run({ event: "e-large", args: [large] }, all, [large]);
    await run({ event: "e-vol", volatile: true }, all, []);
  });

  test(`${em.name}: socketsJoin, socketsLeave, disconnectSockets and serverSideEmit`, async () => {
    const room = `em-${em.name}`;
    const blueReached = (i) => blue.includes(i) && em.reaches(i);
    await em.join({ rooms: ["blue"], join: [room] });
    await waitRooms((i) => (blueReached(i) ? [room] : []));
    await em.leave({ rooms: [room], join: [room] });
    await waitRooms(() => []);
    const victims = await Promise.all(servers.map((s, i) => new Peer(s, `ev-${em.name}-${i}`).connect()));
    for (const v of victims) await v.call("join", room);
    await em.disconnect({ rooms: [room], close: false });
    for (const [s, v] of victims.entries()) {
      if (serverReached(s)) assert.deepEqual(await v.next(), { event: "disconnect", args: ["io server disconnect"] });
    }
    await em.serverSideEmit({ event: "sse", args: ["from-emitter"] });
    await waitEvents(() => [["sse", "from-emitter"]], serverReached);
    for (const [s, v] of victims.entries()) {
      if (!serverReached(s)) {
        assert.ok(v.socket.connected, `victim on ${servers[s].name} was disconnected`);
        v.close();
      }
    }
    for (const [s, c] of controls.entries()) {
      if (!serverReached(s)) assert.deepEqual(await c.op({ op: "serverEvents" }), [], `server ${servers[s].name} events`);
    }
  });
}
