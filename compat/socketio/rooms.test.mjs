// Rooms and broadcasts: To/Except (one and many, sids and rooms), a
// socket's broadcast that skips the sender, namespace-wide broadcasts, room
// membership by socket and by sid, rooms per namespace, CloseRoom.
// Run by compat/socketio_test.go, see helpers.mjs.
//
// "Did not receive" is checked without waiting for time to pass: after the
// emit under test, a marker is sent to every socket involved; a connection
// delivers packets in order, so once a socket has its marker it would have
// had the message before it.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { MODES, TEST_TIMEOUT, WAIT_MS, closeAll, connect, manager, connected, ack, ack1, control, uniq } from "./helpers.mjs";

after(closeAll);

// record keeps the arguments of every `event` a socket receives.
function record(s, event = "msg") {
  const got = [];
  s.on(event, (...args) => got.push(args));
  return got;
}

// barrier sends a marker from the server to each socket (by sid) and waits
// until every one has it.
async function barrier(sockets, nsp = "/", server = "main") {
  const token = uniq("marker");
  const waits = sockets.map(
    (s) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no marker on ${s.id} after ${WAIT_MS} ms`)), WAIT_MS);
        const on = (t) => {
          if (t !== token) return;
          clearTimeout(timer);
          s.off("marker", on);
          resolve();
        };
        s.on("marker", on);
      }),
  );
  await control("emit", { server, nsp, to: sockets.map((s) => s.id).join(","), event: "marker", args: [token] });
  await Promise.all(waits);
}

// three connects three sockets to nsp and puts them in room.
async function three(nsp, room, opts) {
  const socks = [];
  for (let i = 0; i < 3; i++) socks.push(await connect(nsp, opts));
  for (const s of socks) await ack1(s, "join", [room]);
  return socks;
}

for (const mode of MODES) {
  describe(`rooms, ${mode.name}`, { timeout: TEST_TIMEOUT * 10 }, () => {
    after(closeAll);

    it("emits to a room, skipping one sid, several sids, or a room", { timeout: TEST_TIMEOUT }, async () => {
      const room = uniq("room");
      const vip = uniq("vip");
      const [a, b, c] = await three("/", room, mode.opts);
      await ack1(b, "join", [vip]);
      const got = [a, b, c].map((s) => record(s));
      const names = ["a", "b", "c"];
      const received = () => got.map((g, i) => g.map((args) => `${names[i]}:${args[0]}`)).flat().sort();

      await ack(a, "to-room", [room], [], "msg", "all");
      await ack(a, "to-room", [room], [b.id], "msg", "except-b");
      await ack(a, "to-room", [room], [b.id, c.id], "msg", "except-b-c");
      await ack(a, "to-room", [room], [vip], "msg", "except-vip");
      await ack(a, "to-room", [c.id], [], "msg", "to-c-sid");
      await ack(a, "to-room", [room, vip], [], "msg", "two-rooms-once");
      await ack(a, "to-room", [room], [a.id, b.id, c.id], "msg", "nobody");
      await barrier([a, b, c]);
      assert.deepEqual(
        received(),
        [
          "a:all",
          "a:except-b",
          "a:except-b-c",
          "a:except-vip",
          "a:two-rooms-once",
          "b:all",
          "b:two-rooms-once",
          "c:all",
          "c:except-b",
          "c:except-vip",
          "c:to-c-sid",
          "c:two-rooms-once",
        ].sort(),
      );
      for (const s of [a, b, c]) s.disconnect();
    });

    it("a socket's broadcast reaches everyone but the sender", { timeout: TEST_TIMEOUT }, async () => {
      const room = uniq("room");
      const [a, b, c] = await three("/", room, mode.opts);
      const got = [a, b, c].map((s) => record(s));
      await ack(a, "broadcast", [room], [], "msg", "from-a", Buffer.from([1, 2]));
      await ack(a, "broadcast", [room], [c.id], "msg", "from-a-except-c");
      await ack(b, "broadcast", [room], [], "msg", "from-b");
      await barrier([a, b, c]);
      const texts = got.map((g) => g.map((args) => args[0]));
      assert.deepEqual(texts[0], ["from-b"], "a");
      assert.deepEqual(texts[1], ["from-a", "from-a-except-c"], "b");
      assert.deepEqual(texts[2], ["from-a", "from-b"], "c");
      assert.deepEqual([...got[1][0][1]], [1, 2], "binary in a broadcast");
      for (const s of [a, b, c]) s.disconnect();
    });

    it("namespace-wide: a socket's broadcast skips the sender, the namespace's emit does not", { timeout: TEST_TIMEOUT }, async () => {
      // a namespace of its own (catch-all server), so that no other test's
      // socket is in it
      const nsp = "/" + uniq("bcast");
      const opts = { ...mode.opts, server: "catchall" };
      const socks = [];
      for (let i = 0; i < 3; i++) socks.push(await connect(nsp, opts));
      const [a, b, c] = socks;
      const got = socks.map((s) => record(s));
      await ack(a, "broadcast", [], [], "msg", "bcast");
      await ack(a, "emit-all", "msg", "everyone");
      await barrier(socks, nsp, "catchall");
      assert.deepEqual(got[0].map((x) => x[0]), ["everyone"]);
      assert.deepEqual(got[1].map((x) => x[0]), ["bcast", "everyone"]);
      assert.deepEqual(got[2].map((x) => x[0]), ["bcast", "everyone"]);
      for (const s of [a, b, c]) s.disconnect();
    });

    it("joins and leaves rooms by socket and by sid; each socket is in its own room", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", mode.opts);
      const r1 = uniq("r1");
      const r2 = uniq("r2");
      assert.deepEqual(await ack1(s, "rooms"), [s.id], "a new socket is in its own room only");
      assert.deepEqual(await ack1(s, "join", [r1, r2]), [s.id, r1, r2].sort());
      assert.deepEqual(await ack1(s, "leave", r1), [s.id, r2].sort());
      assert.deepEqual(await ack1(s, "enter-room", r1), [s.id, r1, r2].sort());
      assert.deepEqual(await ack1(s, "leave-room", r2), [s.id, r1].sort());
      const state = await control("state", { sid: s.id });
      assert.deepEqual(state.rooms, [s.id, r1].sort(), "Server.Rooms(sid)");
      s.disconnect();
    });

    it("closes a room: every socket leaves it", { timeout: TEST_TIMEOUT }, async () => {
      const room = uniq("room");
      const [a, b, c] = await three("/", room, mode.opts);
      const got = [a, b, c].map((s) => record(s));
      await ack(a, "close-room", room);
      for (const s of [a, b, c]) assert.deepEqual(await ack1(s, "rooms"), [s.id]);
      await ack(a, "to-room", [room], [], "msg", "nobody");
      await barrier([a, b, c]);
      assert.deepEqual(got, [[], [], []]);
      for (const s of [a, b, c]) s.disconnect();
    });

    it("rooms are per namespace, on the same connection too", { timeout: TEST_TIMEOUT }, async () => {
      const room = uniq("room");
      const m = manager({ ...mode.opts });
      const main = await connected(m.socket("/"));
      const chat = await connected(m.socket("/chat"));
      const other = await connect("/chat", mode.opts);
      assert.deepEqual(await ack1(main, "join", [room]), [main.id, room].sort());
      await ack1(other, "join", [room]);
      assert.deepEqual(await ack1(chat, "rooms"), [chat.id], "the /chat socket did not join");
      const gotMain = record(main);
      const gotChat = record(chat);
      const gotOther = record(other);
      // /chat's room reaches /chat's members only
      await ack(chat, "to-room", [room], [], "msg", "chat-room");
      await ack(main, "to-room", [room], [], "msg", "main-room");
      await barrier([main]);
      await barrier([chat, other], "/chat");
      assert.deepEqual(gotMain.map((x) => x[0]), ["main-room"]);
      assert.deepEqual(gotChat, []);
      assert.deepEqual(gotOther.map((x) => x[0]), ["chat-room"]);
      main.disconnect();
      chat.disconnect();
      other.disconnect();
    });

    it("the server emits to rooms by name with Except, from outside any handler", { timeout: TEST_TIMEOUT }, async () => {
      const room = uniq("room");
      const [a, b, c] = await three("/chat", room, mode.opts);
      const got = [a, b, c].map((s) => record(s));
      await control("emit", { nsp: "/chat", to: room, except: [a.id, c.id].join(","), event: "msg", args: ["only-b", { n: 1 }] });
      await barrier([a, b, c], "/chat");
      assert.deepEqual(got, [[], [["only-b", { n: 1 }]], []]);
      for (const s of [a, b, c]) s.disconnect();
    });
  });
}

describe("rooms after disconnect", { timeout: TEST_TIMEOUT }, () => {
  after(closeAll);
  it("a disconnected socket leaves its rooms", { timeout: TEST_TIMEOUT }, async () => {
    const room = uniq("room");
    const s = await connect("/", {});
    const sid = s.id;
    await ack1(s, "join", [room]);
    s.disconnect();
    await control("socket", { sid, wait: "1" });
    const state = await control("state", { sid });
    assert.deepEqual(state.rooms, []);
    assert.equal(state.connected, false);
  });
});
