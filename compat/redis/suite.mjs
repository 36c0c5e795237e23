// The mixed-cluster suite of the Redis formats: two sio servers (started
// by the Go test, URLs in SIO_GO_URLS) and one Node.js server on the
// format's Redis adapter (started here), with two clients on each. Every
// cluster operation is run from each server and checked on the clients
// of all three; then the same from each emitter the format has.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNode, Peer, Control } from "./peer.mjs";
import { joinCluster, waitRooms as waitRoomsOf, waitEvents as waitEventsOf } from "../nodekit/cluster.mjs";

export { sel } from "../nodekit/cluster.mjs";

export const redisUrl = process.env.SIO_REDIS_URL;
export const key = process.env.SIO_KEY;
const goURLs = (process.env.SIO_GO_URLS || "").split(",").filter(Boolean);

// sioEmitter is sio's emitter of the format, run by the first sio server
// (operations "emitter*" of its control handler).
// controls() returns the control clients, once they are connected.
export const sioEmitter = (controls) => ({
  name: "sio Emitter",
  emit: (o) => controls()[0].op({ ...o, op: "emitterEmit" }),
  join: (o) => controls()[0].op({ ...o, op: "emitterJoin" }),
  leave: (o) => controls()[0].op({ ...o, op: "emitterLeave" }),
  disconnect: (o) => controls()[0].op({ ...o, op: "emitterDisconnect" }),
  serverSideEmit: (o) => controls()[0].op({ ...o, op: "emitterServerSideEmit" }),
});

// clusterSuite declares the tests of format; emitters(controls) returns
// the emitters to check, each { name, emit, join, leave, disconnect,
// serverSideEmit } (controls is a function returning the control
// clients).
export function clusterSuite({ format, emitters }) {
  let node, servers, controls, clients;
  const red = [0, 3, 4]; // clients in room "red": one or two on each server
  const blue = [1, 2, 5];

  before(async () => {
    assert.equal(goURLs.length, 2, "SIO_GO_URLS must name the two sio servers");
    node = await startNode({ name: "node", redisUrl, key, format });
    servers = [{ name: "go1", url: goURLs[0] }, { name: "go2", url: goURLs[1] }, node];
    ({ controls, clients } = await joinCluster({ servers, Peer, Control, red, blue }));
  });

  after(async () => {
    for (const c of clients || []) c.close();
    for (const c of controls || []) c.close();
    await node?.close();
  });

  // expect checks that the next event of each client is the one reached(i)
  // says: the targeted event, or "sync" (sent to everyone right after it
  // from the same origin, so its arrival proves the targeted one did not
  // come); the targeted event's arguments must equal args.
  async function expect(what, reached, args) {
    for (const [i, c] of clients.entries()) {
      const got = await c.next();
      if (reached(i)) {
        assert.equal(got.event, what, `${what}: client ${i} got ${got.event} first`);
        if (args) assert.deepEqual(got.args, args, `${what}: client ${i} arguments`);
        assert.equal((await c.next()).event, "sync", `${what}: client ${i}: sync after it`);
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
    await expect(op.event, reached, args);
  }

  const all = () => true;

  for (const origin of [0, 1, 2]) {
    const from = () => controls[origin];
    const name = ["go1", "go2", "node"][origin];

    test(`${name}: broadcasts with rooms, except, binary and flags reach the clients of every server`, async () => {
      const id = (i) => clients[i].id;
      await step(from(), { op: "emit", event: "all", args: [1, "two", { three: 3 }] }, all, [1, "two", { three: 3 }]);
      await step(from(), { op: "emit", event: "to-red", rooms: ["red"], args: ["r"] }, (i) => red.includes(i), ["r"]);
      await step(from(), { op: "emit", event: "except-red", except: ["red"] }, (i) => !red.includes(i), []);
      await step(from(), { op: "emit", event: "red-blue", rooms: ["red", "blue"] }, all);
      await step(from(), { op: "emit", event: "red-but", rooms: ["red"], except: [id(3)] }, (i) => i === 0 || i === 4);
      const far = (origin * 2 + 3) % 6; // a client of another server
      await step(from(), { op: "emit", event: "to-id", rooms: [id(far)] }, (i) => i === far);
      await step(from(), { op: "emit", event: "binary", binary: true, args: ["b"] }, all, ["b", Buffer.from([1, 2, 3])]);
      await step(from(), { op: "emit", event: "local", local: true }, (i) => Math.floor(i / 2) === origin);
      await step(from(), { op: "emit", event: "volatile", volatile: true }, all);
      await step(from(), { op: "emit", event: "uncompressed", uncompressed: true }, all);
    });

    test(`${name}: broadcasts with acknowledgements collect every client's`, async () => {
      const names = clients.map((c) => c.name).sort();
      assert.deepEqual(await from().op({ op: "emitWithAck", event: "ask", timeout: 5000 }), names);
      for (const c of clients) assert.equal((await c.next()).event, "ask");
      const reds = red.map((i) => clients[i].name).sort();
      assert.deepEqual(await from().op({ op: "emitWithAck", event: "ask-red", rooms: ["red"], timeout: 5000 }), reds);
      for (const i of red) assert.equal((await clients[i].next()).event, "ask-red");
    });

    test(`${name}: fetchSockets returns every server's sockets with rooms, data and handshake`, async () => {
      const got = await from().op({ op: "fetch" });
      assert.equal(got.length, clients.length, JSON.stringify(got));
      for (const [i, c] of clients.entries()) {
        const s = got.find((x) => x.id === c.id);
        assert.ok(s, `client ${i} (${c.id}) missing`);
        const rooms = [c.id, red.includes(i) ? "red" : "blue"].sort();
        assert.deepEqual(s.rooms, rooms, `client ${i} rooms`);
        assert.deepEqual(s.data, { name: c.name, index: i }, `client ${i} data`);
        assert.deepEqual(s.handshake.auth, { token: c.name }, `client ${i} auth`);
        assert.equal(s.handshake.query, c.name, `client ${i} query`);
        assert.match(s.handshake.address, /127\.0\.0\.1/, `client ${i} address`);
        assert.match(s.handshake.url, /^\/socket\.io\/\?/, `client ${i} url`);
        assert.ok(s.handshake.issued > 1.6e12, `client ${i} issued ${s.handshake.issued}`);
        assert.equal(s.handshake.secure, false);
      }
      const reds = await from().op({ op: "fetch", rooms: ["red"], except: [clients[0].id] });
      assert.deepEqual(reds.map((s) => s.id).sort(), [clients[3].id, clients[4].id].sort());
    });

    test(`${name}: socketsJoin and socketsLeave act on every server's sockets`, async () => {
      const room = `green-${name}`;
      await from().op({ op: "socketsJoin", rooms: ["red"], join: [room] });
      await waitRooms((i) => (red.includes(i) ? [room] : []));
      await step(controls[(origin + 1) % 3], { op: "emit", event: "to-green", rooms: [room] }, (i) => red.includes(i));
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

    test(`${name}: serverCount counts the three servers`, async () => {
      assert.equal(await from().op({ op: "serverCount" }), 3);
    });
  }

  // waitRooms and waitEvents: see compat/nodekit/cluster.mjs.
  const waitRooms = (extra) => waitRoomsOf(clients, red, extra);
  const waitEvents = (want) => waitEventsOf(controls, want);

  for (const em of emitters(() => controls)) {
    test(`${em.name}: emit, rooms, except, binary and volatile reach the clients of every server`, async () => {
      const run = async (o, reached, args) => {
        await em.emit(o);
        await em.emit({ event: "sync" });
        await expect(o.event, reached, args);
      };
      await run({ event: "e-all", args: [1, { x: "y" }] }, all, [1, { x: "y" }]);
      await run({ event: "e-red", rooms: ["red"] }, (i) => red.includes(i), []);
      await run({ event: "e-except", except: ["red"] }, (i) => !red.includes(i), []);
      await run({ event: "e-bin", binary: true }, all, [Buffer.from([1, 2, 3])]);
      await run({ event: "e-vol", volatile: true }, all, []);
    });

    test(`${em.name}: socketsJoin, socketsLeave, disconnectSockets and serverSideEmit`, async () => {
      const room = `em-${em.name}`;
      await em.join({ rooms: ["blue"], join: [room] });
      await waitRooms((i) => (blue.includes(i) ? [room] : []));
      await em.leave({ rooms: [room], join: [room] });
      await waitRooms(() => []);
      const victims = await Promise.all(servers.map((s, i) => new Peer(s, `ev-${i}`).connect()));
      for (const v of victims) await v.call("join", room);
      await em.disconnect({ rooms: [room], close: false });
      for (const v of victims) assert.deepEqual(await v.next(), { event: "disconnect", args: ["io server disconnect"] });
      await em.serverSideEmit({ event: "sse", args: ["from-emitter"] });
      await waitEvents(() => [["sse", "from-emitter"]]);
    });
  }
}
