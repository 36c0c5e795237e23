// Catch-all listeners on the server (OnAny, PrependAny, OffAny,
// OnAnyOutgoing), the disconnecting hook, and socket data.

import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import {
  MODES,
  TEST_TIMEOUT,
  closeAll,
  connect,
  ack,
  ack1,
  control,
  uniq,
  serverLeft,
  disconnected,
} from "./helpers.mjs";

// seen records the "any-seen" reports (listener, event, args) of s.
function recordSeen(s) {
  const seen = [];
  s.on("any-seen", (listener, event, args) => seen.push({ listener, event, args }));
  return seen;
}

// seenFor returns the reports about event, in arrival order. The reports
// of an event are sent before its acknowledgement, so once the ack is in,
// they all are.
function seenFor(seen, event) {
  return seen.filter((r) => r.event === event).map((r) => [r.listener, ...r.args]);
}

// emitSynced emits an event that has no handler (so no acknowledgement
// comes), then makes a round trip on the socket: once it returns, the
// listeners' reports about the event are in.
async function emitSynced(s, event, ...args) {
  s.emit(event, ...args);
  await ack(s, "rooms");
}

for (const mode of MODES) {
  describe(`incoming catch-all listeners (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    it("OnAny sees every event with its arguments, before the handler", async () => {
      const s = await connect("/", mode.opts);
      const seen = recordSeen(s);
      await ack(s, "any-add", "l1", false);
      // An event with a handler and one without (no acknowledgement).
      assert.deepEqual(await ack(s, "echo", 1, "two", { three: 3 }), [1, "two", { three: 3 }]);
      await emitSynced(s, "no-such-handler", true);
      assert.deepEqual(seenFor(seen, "echo"), [["l1", 1, "two", { three: 3 }]]);
      assert.deepEqual(seenFor(seen, "no-such-handler"), [["l1", true]]);
      // A plain emit (no ack) is seen too: the report arrives before the
      // next acknowledgement.
      s.emit("fire-and-forget", "x");
      await ack(s, "rooms");
      assert.deepEqual(seenFor(seen, "fire-and-forget"), [["l1", "x"]]);
    });

    it("PrependAny puts a listener first; the remove function and OffAny remove listeners", async () => {
      const s = await connect("/", mode.opts);
      const seen = recordSeen(s);
      await ack(s, "any-add", "l1", false);
      await ack(s, "any-add", "l2", false);
      await ack(s, "any-add", "l0", true);
      await emitSynced(s, "ping-1", 1);
      assert.deepEqual(seenFor(seen, "ping-1"), [["l0", 1], ["l1", 1], ["l2", 1]]);

      assert.deepEqual(await ack(s, "any-remove", "l1"), [true]);
      await emitSynced(s, "ping-2", 2);
      assert.deepEqual(seenFor(seen, "ping-2"), [["l0", 2], ["l2", 2]]);

      await ack(s, "any-off");
      await emitSynced(s, "ping-3", 3);
      assert.deepEqual(seenFor(seen, "ping-3"), []);
    });

    it("listeners are per socket", async () => {
      const a = await connect("/", mode.opts);
      const b = await connect("/", mode.opts);
      const seenA = recordSeen(a);
      const seenB = recordSeen(b);
      await ack(a, "any-add", "only-a", false);
      await emitSynced(b, "ping-b", 1);
      await emitSynced(a, "ping-a", 2);
      assert.deepEqual(seenFor(seenB, "ping-b"), []);
      assert.deepEqual(seenFor(seenA, "ping-b"), []);
      assert.deepEqual(seenFor(seenA, "ping-a"), [["only-a", 2]]);
    });
  });

  describe(`outgoing catch-all listeners (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    it("OnAnyOutgoing sees the socket's own emits and the broadcasts that reach it, not acks", async () => {
      const room = uniq("out");
      const s = await connect("/x", mode.opts);
      const other = await connect("/x", mode.opts);
      await ack(s, "join", [room]);
      await ack(s, "out-add", "o1", false);
      const received = [];
      s.on("self", (...a) => received.push(["self", ...a]));
      s.on("bcast", (...a) => received.push(["bcast", ...a]));
      s.on("all", (...a) => received.push(["all", ...a]));

      await ack(s, "emit-self", "self", 1, "a");
      await control("emit", { nsp: "/x", to: room, event: "bcast", args: [2, { b: true }] });
      // Namespace-wide, from another socket's handler... but not to the
      // other socket's room only.
      await control("emit", { nsp: "/x", to: other.id, event: "not-for-s", args: [0] });
      await control("emit", { nsp: "/x", to: [room, other.id], event: "all", args: [3] });

      const log = await ack1(s, "out-get");
      assert.deepEqual(
        log.map((e) => [e.listener, e.event, ...e.args]),
        [
          ["o1", "self", 1, "a"],
          ["o1", "bcast", 2, { b: true }],
          ["o1", "all", 3],
        ],
      );
      // What the listener saw is what the client got.
      assert.deepEqual(received, [["self", 1, "a"], ["bcast", 2, { b: true }], ["all", 3]]);
    });

    it("PrependAnyOutgoing orders listeners; remove and OffAnyOutgoing stop them", async () => {
      const s = await connect("/", mode.opts);
      await ack(s, "out-add", "o1", false);
      await ack(s, "out-add", "o0", true);
      await ack(s, "emit-self", "e1");
      assert.deepEqual(
        (await ack1(s, "out-get")).map((e) => [e.listener, e.event]),
        [["o0", "e1"], ["o1", "e1"]],
      );
      assert.deepEqual(await ack(s, "out-remove", "o0"), [true]);
      await ack(s, "emit-self", "e2");
      assert.deepEqual((await ack1(s, "out-get")).map((e) => [e.listener, e.event]), [["o1", "e2"]]);
      await ack(s, "out-off");
      await ack(s, "emit-self", "e3");
      assert.deepEqual(await ack1(s, "out-get"), []);
    });
  });

  describe(`disconnecting hook (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    it("sees the rooms and data the disconnect handler no longer has", async () => {
      const r1 = uniq("r1");
      const r2 = uniq("r2");
      const s = await connect("/", { ...mode.opts, auth: { data: { user: "ann", level: 3 } } });
      const id = s.id;
      await ack(s, "join", [r1, r2]);
      s.disconnect();
      const left = await serverLeft(id);
      assert.equal(left.reason, "client namespace disconnect");
      assert.equal(left.disconnectingCalled, true);
      assert.equal(left.disconnectingReason, "client namespace disconnect");
      assert.deepEqual(left.roomsAtDisconnecting, [id, r1, r2].sort());
      assert.deepEqual(left.dataAtDisconnecting, { user: "ann", level: 3 });
      assert.deepEqual(left.roomsAtDisconnect, []);
    });

    it("runs for a server-side disconnect too", async () => {
      const room = uniq("kick");
      const s = await connect("/", mode.opts);
      const id = s.id;
      await ack(s, "join", [room]);
      const gone = disconnected(s);
      await control("op", { op: "disconnect-sockets", to: room, close: "false" });
      assert.equal(await gone, "io server disconnect");
      const left = await serverLeft(id);
      assert.equal(left.disconnectingReason, "server namespace disconnect");
      assert.deepEqual(left.roomsAtDisconnecting, [id, room].sort());
    });
  });

  describe(`socket data (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    it("FetchSockets reports each socket's data, handshake and rooms", async () => {
      const room = uniq("data");
      const a = await connect("/x", { ...mode.opts, auth: { data: { user: "ann", level: 1 } }, query: { q: "qa" } });
      const b = await connect("/x", { ...mode.opts, auth: { data: { user: "bob", level: 2 } }, query: { q: "qb" } });
      await ack(a, "join", [room]);
      await ack(b, "join", [room]);
      const fetched = await ack1(a, "fetch", [room]);
      const byId = Object.fromEntries(fetched.map((f) => [f.id, f]));
      assert.deepEqual(Object.keys(byId).sort(), [a.id, b.id].sort());
      assert.deepEqual(byId[a.id].data, { user: "ann", level: 1 });
      assert.equal(byId[a.id].typedUser, "ann");
      assert.equal(byId[b.id].typedLevel, 2);
      assert.equal(byId[b.id].query, "qb");
      assert.deepEqual(byId[b.id].auth, { data: { user: "bob", level: 2 } });
      assert.deepEqual(byId[a.id].rooms, [a.id, room].sort());
      assert.equal(byId[a.id].local, true);
    });

    it("SetData later is what FetchSockets sees next", async () => {
      const room = uniq("data2");
      const s = await connect("/", mode.opts);
      await ack(s, "join", [room]);
      assert.equal((await ack1(s, "fetch", [room]))[0].data, null);
      await ack(s, "set-data", { user: "carol", level: 9, extra: [1, 2] });
      const [f] = await ack1(s, "fetch", [room]);
      assert.deepEqual(f.data, { user: "carol", level: 9, extra: [1, 2] });
      assert.equal(f.typedUser, "carol");
      // From the control endpoint (not from inside a handler) as well.
      const { sockets } = await control("op", { op: "fetch", to: room });
      assert.deepEqual(sockets.map((x) => x.data), [{ user: "carol", level: 9, extra: [1, 2] }]);
    });
  });
}
