// Connection state recovery: after a forced transport close the client
// reconnects with its private id and last offset; the server restores the
// socket id, rooms and data and delivers the events the client missed,
// once each, in order.

import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import {
  MODES,
  TEST_TIMEOUT,
  SHORT_RECOVERY_MS,
  closeAll,
  connect,
  connected,
  once,
  until,
  ack,
  ack1,
  control,
  uniq,
  serverLeft,
  disconnected,
  sleep,
} from "./helpers.mjs";

// record collects the "ev" events of s, without the offset a server with
// recovery appends to broadcast events (checked to be a string).
function record(s) {
  const seen = [];
  const offsets = [];
  s.on("ev", (...args) => {
    const offset = args.pop();
    assert.equal(typeof offset, "string", `no offset in ${JSON.stringify(args)}`);
    offsets.push(offset);
    seen.push(args.length === 1 ? args[0] : args);
  });
  return { seen, offsets };
}

// forceClose closes the client's transport without telling the Socket.IO
// layer (a network failure as the server sees it: "transport close"), and
// waits until both sides have noticed.
async function forceClose(s) {
  const id = s.id;
  const gone = disconnected(s);
  s.io.engine.close();
  const reason = await gone;
  const left = await serverLeft(id);
  return { reason, left };
}

for (const mode of MODES) {
  describe(`connection state recovery (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    it("restores id, rooms and data, and delivers the missed events once, in order", async () => {
      const server = "recovery";
      const room = uniq("rec");
      const other = uniq("other");
      const s = await connect("/", { ...mode.opts, server, auth: { data: { user: "ann", level: 1 } } });
      assert.equal(s.recovered, false);
      const id = s.id;
      await ack(s, "join", [room]);
      await ack(s, "set-data", { user: "ann", level: 2 });
      const { seen, offsets } = record(s);
      // One event before the failure, so the client has an offset.
      await control("emit", { server, to: room, event: "ev", args: ["before"] });
      await until(s, "ev", () => seen.length === 1);

      const { reason, left } = await forceClose(s);
      assert.equal(reason, "forced close"); // the client's view
      assert.equal(left.reason, "transport close"); // the server's

      // Missed while disconnected: to its room, to everyone, to a room it
      // is not in, to its own id.
      for (let i = 1; i <= 3; i++) await control("emit", { server, to: room, event: "ev", args: [`missed-${i}`] });
      await control("emit", { server, to: other, event: "ev", args: ["not-mine"] });
      await control("emit", { server, event: "ev", args: ["to-all", { n: 4 }] });
      await control("emit", { server, to: id, event: "ev", args: ["to-me"] });
      await control("emit", { server, to: room, except: id, event: "ev", args: ["except-me"] });
      await control("emit", { server, to: room, event: "ev", args: ["missed-last"] });

      s.connect();
      await connected(s);
      assert.equal(s.recovered, true);
      assert.equal(s.id, id);

      // After recovery: a new event arrives after the missed ones.
      await control("emit", { server, to: room, event: "ev", args: ["after"] });
      await until(s, "ev", () => seen.includes("after"));
      assert.deepEqual(seen, ["before", "missed-1", "missed-2", "missed-3", ["to-all", { n: 4 }], "to-me", "missed-last", "after"]);
      assert.equal(new Set(offsets).size, offsets.length, "offsets are unique");

      const me = await ack1(s, "whoami");
      assert.equal(me.recovered, true);
      assert.equal(me.id, id);
      assert.deepEqual(me.rooms, [id, room].sort());
      assert.deepEqual(me.data, { user: "ann", level: 2 });
      const lives = await control("lives", { sid: id });
      assert.deepEqual(lives.map((l) => [l.recovered, l.reason]), [[false, "transport close"], [true, ""]]);
    });

    it("recovers more than once, each time with the events missed since the last offset", async () => {
      const server = "recovery";
      const room = uniq("rec2");
      const s = await connect("/x", { ...mode.opts, server });
      const id = s.id;
      await ack(s, "join", [room]);
      const { seen } = record(s);
      await control("emit", { server, nsp: "/x", to: room, event: "ev", args: [0] });
      await until(s, "ev", () => seen.length === 1);
      for (let round = 1; round <= 3; round++) {
        await forceClose(s);
        await control("emit", { server, nsp: "/x", to: room, event: "ev", args: [round] });
        s.connect();
        await connected(s);
        assert.equal(s.recovered, true, `round ${round}`);
        assert.equal(s.id, id);
        await until(s, "ev", () => seen.length === round + 1);
      }
      // Nothing delivered twice: a marker after everything.
      await control("emit", { server, nsp: "/x", to: room, event: "ev", args: ["end"] });
      await until(s, "ev", () => seen.includes("end"));
      assert.deepEqual(seen, [0, 1, 2, 3, "end"]);
    });

    it("the namespace middleware is skipped on recovery; the connect handler runs", async () => {
      const server = "recovery";
      const tag = uniq("recmw");
      const room = uniq("recmw");
      const s = await connect("/mw", { ...mode.opts, server, auth: { tag } });
      await ack(s, "join", [room]);
      const { seen } = record(s);
      await control("emit", { server, nsp: "/mw", to: room, event: "ev", args: ["x"] });
      await until(s, "ev", () => seen.length === 1);
      await forceClose(s);
      s.connect();
      await connected(s);
      assert.equal(s.recovered, true);
      assert.deepEqual(await control("trace", { tag }), ["m1", "m2", "m3", "connect", "connect"]);
    });

    it("an explicit disconnect is not recovered", async () => {
      const server = "recovery";
      const room = uniq("rec-explicit");
      const s = await connect("/", { ...mode.opts, server });
      const id = s.id;
      await ack(s, "join", [room]);
      const { seen } = record(s);
      await control("emit", { server, to: room, event: "ev", args: ["before"] });
      await until(s, "ev", () => seen.length === 1);
      s.disconnect();
      assert.equal((await serverLeft(id)).reason, "client namespace disconnect");
      await control("emit", { server, to: room, event: "ev", args: ["missed"] });
      s.connect();
      await connected(s);
      assert.equal(s.recovered, false);
      assert.notEqual(s.id, id);
      assert.deepEqual(await ack1(s, "rooms"), [s.id]);
      await control("emit", { server, to: s.id, event: "ev", args: ["after"] });
      await until(s, "ev", () => seen.includes("after"));
      assert.deepEqual(seen, ["before", "after"]);
    });

    it("after MaxDisconnectionDuration the client gets a new session", async () => {
      const server = "recoveryshort";
      const room = uniq("rec-late");
      const s = await connect("/", { ...mode.opts, server });
      const id = s.id;
      await ack(s, "join", [room]);
      const { seen } = record(s);
      await control("emit", { server, to: room, event: "ev", args: ["before"] });
      await until(s, "ev", () => seen.length === 1);
      await forceClose(s);
      await control("emit", { server, to: room, event: "ev", args: ["missed"] });
      // Wait out the recovery window (a server-side duration).
      await sleep(SHORT_RECOVERY_MS * 3);
      s.connect();
      await connected(s);
      assert.equal(s.recovered, false);
      assert.notEqual(s.id, id);
      const me = await ack1(s, "whoami");
      assert.equal(me.recovered, false);
      assert.deepEqual(me.rooms, [s.id]);
      await control("emit", { server, to: s.id, event: "ev", args: ["after"] });
      await until(s, "ev", () => seen.includes("after"));
      assert.deepEqual(seen, ["before", "after"]);
    });
  });
}
