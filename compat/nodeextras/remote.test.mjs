// FetchSockets and the operations on its results; SocketsJoin,
// SocketsLeave, DisconnectSockets; ServerCount.

import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import {
  MODES,
  TEST_TIMEOUT,
  closeAll,
  connect,
  connected,
  manager,
  track,
  once,
  ack,
  ack1,
  control,
  uniq,
  serverLeft,
  disconnected,
} from "./helpers.mjs";

for (const mode of MODES) {
  describe(`FetchSockets and its results (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    // Two sockets in room, one outside it.
    async function setup() {
      const room = uniq("fetch");
      const a = await connect("/x", mode.opts);
      const b = await connect("/x", mode.opts);
      const out = await connect("/x", mode.opts);
      await ack(a, "join", [room]);
      await ack(b, "join", [room]);
      return { room, a, b, out };
    }

    it("selects the sockets of a room, with their rooms", async () => {
      const { room, a, b } = await setup();
      const { sockets } = await control("op", { nsp: "/x", op: "fetch", to: room });
      assert.deepEqual(sockets.map((s) => s.id), [a.id, b.id].sort());
      for (const s of sockets) assert.deepEqual(s.rooms, [s.id, room].sort());
    });

    it("emit on each result reaches that socket only", async () => {
      const { room, a, b, out } = await setup();
      const got = { a: once(a, "hello"), b: once(b, "hello") };
      let outGot = 0;
      out.on("hello", () => outGot++);
      await control("op", { nsp: "/x", op: "fetch-emit", to: room, event: "hello", args: ["from fetch", { n: 1 }] });
      assert.deepEqual(await got.a, ["from fetch", { n: 1 }]);
      assert.deepEqual(await got.b, ["from fetch", { n: 1 }]);
      // A marker to every socket after the emits: out got nothing before it.
      const marker = once(out, "marker");
      await control("emit", { nsp: "/x", event: "marker" });
      await marker;
      assert.equal(outGot, 0);
    });

    it("join and leave on each result", async () => {
      const { room, a, b, out } = await setup();
      const extra = uniq("extra");
      await control("op", { nsp: "/x", op: "fetch-join", to: room, rooms: [extra, extra + "-2"] });
      assert.deepEqual(await ack1(a, "rooms"), [a.id, room, extra, extra + "-2"].sort());
      assert.deepEqual(await ack1(b, "rooms"), [b.id, room, extra, extra + "-2"].sort());
      assert.deepEqual(await ack1(out, "rooms"), [out.id]);
      await control("op", { nsp: "/x", op: "fetch-leave", to: extra, rooms: [room, extra] });
      assert.deepEqual(await ack1(a, "rooms"), [a.id, extra + "-2"].sort());
      assert.deepEqual(await ack1(b, "rooms"), [b.id, extra + "-2"].sort());
    });

    it("disconnect on each result: the client sees io server disconnect", async () => {
      const { room, a, b, out } = await setup();
      const ids = [a.id, b.id];
      const gone = [disconnected(a), disconnected(b)];
      await control("op", { nsp: "/x", op: "fetch-disconnect", to: room, close: "false" });
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect"]);
      for (const id of ids) assert.equal((await serverLeft(id)).reason, "server namespace disconnect");
      assert.equal(out.connected, true);
      assert.deepEqual(await ack1(out, "rooms"), [out.id]);
    });

    it("disconnect(true) on a result closes its whole connection", async () => {
      const room = uniq("fetch-close");
      const m = manager(mode.opts);
      const main = track(m.socket("/x"));
      const side = track(m.socket("/"));
      await Promise.all([connected(main), connected(side)]);
      await ack(main, "join", [room]);
      const gone = [disconnected(main), disconnected(side)];
      const closed = once(m, "close");
      await control("op", { nsp: "/x", op: "fetch-disconnect", to: room, close: "true" });
      // Every namespace of the connection is told, then the connection closes.
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect"]);
      await closed;
    });
  });

  describe(`SocketsJoin, SocketsLeave, DisconnectSockets (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    it("SocketsJoin and SocketsLeave act on the selected sockets only", async () => {
      const room = uniq("sj");
      const target = uniq("target");
      const a = await connect("/", mode.opts);
      const b = await connect("/", mode.opts);
      const c = await connect("/", mode.opts);
      await ack(a, "join", [room]);
      await ack(b, "join", [room]);
      await control("op", { op: "sockets-join", to: room, rooms: [target] });
      assert.deepEqual(await ack1(a, "rooms"), [a.id, room, target].sort());
      assert.deepEqual(await ack1(b, "rooms"), [b.id, room, target].sort());
      assert.deepEqual(await ack1(c, "rooms"), [c.id]);
      // A broadcast to the new room reaches a and b.
      const got = [once(a, "t"), once(b, "t")];
      await control("emit", { to: target, event: "t", args: [1] });
      await Promise.all(got);
      // Leave by socket id: only a.
      await control("op", { op: "sockets-leave", to: a.id, rooms: [target, room] });
      assert.deepEqual(await ack1(a, "rooms"), [a.id]);
      assert.deepEqual(await ack1(b, "rooms"), [b.id, room, target].sort());
    });

    it("DisconnectSockets(false): the namespace only; the other namespaces of the connection stay", async () => {
      const room = uniq("ds");
      const m = manager(mode.opts);
      const main = track(m.socket("/"));
      const side = track(m.socket("/x"));
      await Promise.all([connected(main), connected(side)]);
      await ack(main, "join", [room]);
      const id = main.id;
      const gone = disconnected(main);
      await control("op", { op: "disconnect-sockets", to: room, close: "false" });
      assert.equal(await gone, "io server disconnect");
      assert.equal((await serverLeft(id)).reason, "server namespace disconnect");
      // The connection and the /x socket on it live on.
      assert.equal(side.connected, true);
      assert.equal((await ack1(side, "whoami")).nsp, "/x");
    });

    it("DisconnectSockets(true): the whole connection", async () => {
      const room = uniq("ds-close");
      const m = manager(mode.opts);
      const main = track(m.socket("/"));
      const side = track(m.socket("/x"));
      await Promise.all([connected(main), connected(side)]);
      await ack(main, "join", [room]);
      const ids = [main.id, side.id];
      const gone = [disconnected(main), disconnected(side)];
      const closed = once(m, "close");
      await control("op", { op: "disconnect-sockets", to: room, close: "true" });
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect"]);
      await closed;
      for (const id of ids) assert.equal((await serverLeft(id)).disconnected, true);
    });

    it("DisconnectSockets on a room leaves the sockets outside it alone", async () => {
      const room = uniq("ds-some");
      const inside = await connect("/", mode.opts);
      const outside = await connect("/", mode.opts);
      await ack(inside, "join", [room]);
      const gone = disconnected(inside);
      await control("op", { op: "disconnect-sockets", to: room, close: "false" });
      assert.equal(await gone, "io server disconnect");
      assert.equal(outside.connected, true);
      assert.deepEqual(await ack1(outside, "rooms"), [outside.id]);
    });
  });
}

describe("ServerCount", { timeout: TEST_TIMEOUT }, () => {
  it("is 1 for a single server", async () => {
    assert.deepEqual(await control("op", { op: "server-count" }), { count: 1 });
  });
});
