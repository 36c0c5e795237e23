// Two servers, "a" and "b", each on its own HTTP server, linked by
// package queue's manager over one in-process bus; clients on both. Run by
// TestNodeExtrasCluster (compat/nodeextras_test.go).
//
// The bus is asynchronous but ordered per publisher: an operation server a
// publishes (a join, a broadcast) is applied by b before b answers a later
// request of a (a FetchSockets, a server-side emit with ack). The tests use
// that, and markers, instead of waiting for time to pass.

import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import {
  MODES,
  TEST_TIMEOUT,
  closeAll,
  connect,
  once,
  ack,
  ack1,
  control,
  uniq,
  serverLeft,
  disconnected,
} from "../helpers.mjs";

// fetched asks server `from` for the sockets of nsp in room, across the
// cluster.
async function fetched(from, nsp, room) {
  const { sockets } = await control("op", { server: from, nsp, op: "fetch", to: room });
  return sockets;
}

describe("cluster basics", { timeout: TEST_TIMEOUT }, () => {
  it("each server counts two servers", async () => {
    for (const server of ["a", "b"]) {
      assert.deepEqual(await control("op", { server, op: "server-count" }), { count: 2 });
      assert.deepEqual(await control("op", { server, nsp: "/x", op: "server-count" }), { count: 2 });
    }
  });
});

for (const mode of MODES) {
  describe(`two servers (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    // Two clients on each server, all in room on nsp.
    async function clients(nsp, room, auth = (server, i) => ({})) {
      const out = {};
      for (const server of ["a", "b"]) {
        out[server] = [];
        for (let i = 0; i < 2; i++) {
          const s = await connect(nsp, { ...mode.opts, server, auth: auth(server, i), query: { q: `${server}${i}` } });
          await ack(s, "join", [room]);
          out[server].push(s);
        }
      }
      return out;
    }

    it("a broadcast from a reaches the clients of both servers; except and rooms hold", async () => {
      const room = uniq("cl");
      const c = await clients("/x", room);
      const all = [...c.a, ...c.b];
      const got = all.map((s) => once(s, "news"));
      await control("emit", { server: "a", nsp: "/x", to: room, event: "news", args: ["hello", { n: 1 }, [true, null]] });
      for (const g of got) assert.deepEqual(await g, ["hello", { n: 1 }, [true, null]]);

      // Except a socket of b: everyone else gets it; then a marker to all.
      const skipped = c.b[1];
      const stray = [];
      skipped.on("news2", () => stray.push("news2"));
      const got2 = all.filter((s) => s !== skipped).map((s) => once(s, "news2"));
      await control("emit", { server: "a", nsp: "/x", to: room, except: skipped.id, event: "news2", args: [2] });
      await Promise.all(got2);
      const markers = all.map((s) => once(s, "marker"));
      await control("emit", { server: "a", nsp: "/x", to: room, event: "marker" });
      await Promise.all(markers);
      assert.deepEqual(stray, []);

      // From b, to everyone in the namespace: a's clients get it.
      const got3 = all.map((s) => once(s, "from-b"));
      await control("emit", { server: "b", nsp: "/x", event: "from-b", args: ["from b"] });
      await Promise.all(got3);
    });

    it("a socket's broadcast reaches the other server's clients, not the sender", async () => {
      const room = uniq("cl-sock");
      const c = await clients("/", room);
      const [sender, ...others] = [...c.a, ...c.b];
      const stray = [];
      sender.on("room-news", () => stray.push("room-news"));
      const got = others.map((s) => once(s, "room-news"));
      await ack(sender, "broadcast", [room], "room-news", 7, Buffer.from([7]));
      for (const g of got) {
        const [n, bin] = await g;
        assert.equal(n, 7);
        assert.deepEqual([...Buffer.from(bin)], [7]);
      }
      const marker = once(sender, "marker");
      await control("emit", { server: "b", to: room, event: "marker" });
      await marker;
      assert.deepEqual(stray, []);
    });

    it("Local() stays on the sending server", async () => {
      const room = uniq("cl-local");
      const c = await clients("/x", room);
      const stray = [];
      for (const s of c.b) s.on("local-news", () => stray.push(s.id));
      const got = c.a.map((s) => once(s, "local-news"));
      await control("emit", { server: "a", nsp: "/x", to: room, event: "local-news", local: "1" });
      await Promise.all(got);
      // Published after the local emit: had that one crossed, b's clients
      // would have got it before the marker.
      const markers = c.b.map((s) => once(s, "marker"));
      await control("emit", { server: "a", nsp: "/x", to: room, event: "marker" });
      await Promise.all(markers);
      assert.deepEqual(stray, []);
    });

    it("FetchSockets from a sees b's sockets with their data, handshake and rooms", async () => {
      const room = uniq("cl-fetch");
      const c = await clients("/x", room, (server, i) => ({ data: { user: `${server}${i}`, level: i } }));
      for (const from of ["a", "b"]) {
        const socks = await fetched(from, "/x", room);
        const all = [...c.a, ...c.b];
        assert.deepEqual(socks.map((s) => s.id), all.map((s) => s.id).sort(), `from ${from}`);
        const byId = Object.fromEntries(socks.map((s) => [s.id, s]));
        for (const server of ["a", "b"]) {
          c[server].forEach((s, i) => {
            const f = byId[s.id];
            assert.deepEqual(f.data, { user: `${server}${i}`, level: i });
            assert.equal(f.typedUser, `${server}${i}`);
            assert.equal(f.query, `${server}${i}`);
            assert.deepEqual(f.auth, { data: { user: `${server}${i}`, level: i } });
            assert.deepEqual(f.rooms, [s.id, room].sort());
            assert.equal(f.local, server === from, `local flag of ${server}'s socket seen from ${from}`);
          });
        }
      }
      // From inside a handler on b, too.
      const fromHandler = await ack1(c.b[0], "fetch", [room]);
      assert.equal(fromHandler.length, 4);
    });

    it("emit, join, leave and disconnect on b's sockets, through a's FetchSockets results", async () => {
      const room = uniq("cl-ops");
      const c = await clients("/x", room);
      // Emit on each result.
      const got = [...c.a, ...c.b].map((s) => once(s, "via-fetch"));
      await control("op", { server: "a", nsp: "/x", op: "fetch-emit", to: room, event: "via-fetch", args: ["x"] });
      for (const g of got) assert.deepEqual(await g, ["x"]);

      // Join: the fetch after it is answered once b has applied it.
      const extra = uniq("extra");
      await control("op", { server: "a", nsp: "/x", op: "fetch-join", to: room, rooms: [extra] });
      const joined = await fetched("a", "/x", extra);
      assert.equal(joined.length, 4);
      for (const s of c.b) assert.deepEqual(await ack1(s, "rooms"), [s.id, room, extra].sort());

      // Leave, for the sockets of b only.
      await control("op", { server: "a", nsp: "/x", op: "fetch-leave", to: [c.b[0].id, c.b[1].id].join(","), rooms: [extra] });
      assert.deepEqual((await fetched("a", "/x", extra)).map((s) => s.id), c.a.map((s) => s.id).sort());
      for (const s of c.b) assert.deepEqual(await ack1(s, "rooms"), [s.id, room].sort());

      // Disconnect one socket of b from a.
      const target = c.b[0];
      const id = target.id;
      const gone = disconnected(target);
      await control("op", { server: "a", nsp: "/x", op: "fetch-disconnect", to: id, close: "false" });
      assert.equal(await gone, "io server disconnect");
      assert.equal((await serverLeft(id)).reason, "server namespace disconnect");
      assert.equal(c.b[1].connected, true);
    });

    it("SocketsJoin, SocketsLeave and DisconnectSockets from a act on b's clients", async () => {
      const room = uniq("cl-sj");
      const c = await clients("/", room);
      const target = uniq("target");
      await control("op", { server: "a", op: "sockets-join", to: room, rooms: [target] });
      assert.equal((await fetched("a", "/", target)).length, 4);
      for (const s of c.b) assert.deepEqual(await ack1(s, "rooms"), [s.id, room, target].sort());
      await control("op", { server: "a", op: "sockets-leave", to: room, rooms: [room] });
      assert.equal((await fetched("a", "/", room)).length, 0);
      for (const s of c.b) assert.deepEqual(await ack1(s, "rooms"), [s.id, target].sort());

      const gone = [...c.a, ...c.b].map((s) => disconnected(s));
      await control("op", { server: "a", op: "disconnect-sockets", to: target, close: "false" });
      assert.deepEqual(await Promise.all(gone), Array(4).fill("io server disconnect"));
    });

    it("DisconnectSockets(true) from a closes b's connections", async () => {
      const room = uniq("cl-ds");
      const c = await clients("/", room);
      const gone = c.b.map((s) => disconnected(s));
      await control("op", { server: "a", op: "disconnect-sockets", to: c.b.map((s) => s.id).join(","), close: "true" });
      assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect"]);
      for (const s of c.a) assert.equal(s.connected, true);
    });

    it("broadcast acknowledgements gather the replies of both servers", async () => {
      const room = uniq("cl-ack");
      const c = await clients("/x", room);
      for (const server of ["a", "b"]) c[server].forEach((s, i) => s.on("q", (x, cb) => cb(`${server}${i}`, x)));
      const r = await control("ack", { server: "a", nsp: "/x", to: room, event: "q", timeoutMs: 10000, args: [5] });
      assert.equal(r.error, undefined, JSON.stringify(r));
      assert.deepEqual(r.replies.sort(), [["a0", 5], ["a1", 5], ["b0", 5], ["b1", 5]]);
    });

    it("broadcast acknowledgements: a silent client on b, partial replies and a timeout", async () => {
      const room = uniq("cl-ack2");
      const c = await clients("/x", room);
      c.a[0].on("q", (cb) => cb("a0"));
      c.a[1].on("q", (cb) => cb("a1"));
      c.b[0].on("q", (cb) => cb("b0"));
      c.b[1].on("q", () => {}); // never replies
      const r = await control("ack", { server: "a", nsp: "/x", to: room, event: "q", timeoutMs: 800 });
      assert.equal(r.timeout, true, JSON.stringify(r));
      assert.deepEqual(r.replies.sort(), [["a0"], ["a1"], ["b0"]]);
    });
  });
}

describe("server-side emit between two servers", { timeout: TEST_TIMEOUT }, () => {
  it("ServerSideEmit reaches the other server's handler, not its own", async () => {
    const tag = uniq("notify");
    await control("sse", { server: "a", event: "notify", args: [tag, { n: 1 }] });
    // A request after it is answered once b has handled it.
    await control("sse", { server: "a", event: "ping", args: ["sync"], ack: "1", timeoutMs: 5000 });
    const onB = (await control("sse-log", { server: "b" })).filter((e) => e.event === "notify" && e.args[0] === tag);
    assert.deepEqual(onB, [{ nsp: "/", event: "notify", args: [tag, { n: 1 }] }]);
    const onA = (await control("sse-log", { server: "a" })).filter((e) => e.args[0] === tag);
    assert.deepEqual(onA, []);
  });

  it("ServerSideEmitWithAck from a gets b's reply", async () => {
    const tag = uniq("ping");
    const r = await control("sse", { server: "a", event: "ping", args: [tag, 2, [true]], ack: "1", timeoutMs: 5000 });
    assert.equal(r.error, undefined, JSON.stringify(r));
    assert.deepEqual(r.replies, [[{ from: "b", nsp: "/", args: [tag, 2, [true]] }]]);
    // And the other way, on another namespace.
    const r2 = await control("sse", { server: "b", nsp: "/x", event: "ping", args: [tag], ack: "1", timeoutMs: 5000 });
    assert.deepEqual(r2.replies, [[{ from: "a", nsp: "/x", args: [tag] }]]);
  });

  it("an event without a handler on the other server: no reply, a timeout", async () => {
    const r = await control("sse", { server: "a", event: "nobody-handles-this", args: [1], ack: "1", timeoutMs: 500 });
    assert.deepEqual(r.replies, []);
    assert.equal(r.timeout, true, JSON.stringify(r));
  });
});
