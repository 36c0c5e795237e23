// A client with socket.io-msgpack-parser against the server with
// Options.Parser = parser.Msgpack: every payload type, both ways, in events
// and acknowledgements.

import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import msgpackParser from "socket.io-msgpack-parser";
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
  normalize,
  assertBinary,
  isBinary,
} from "./helpers.mjs";

const server = "msgpack";

const BUF = Buffer.from([0, 1, 2, 253, 254, 255]);

// One value of every kind msgpack carries.
const VALUES = [
  null,
  true,
  false,
  0,
  1,
  -1,
  127,
  128,
  255,
  256,
  -32,
  -33,
  -129,
  65535,
  65536,
  2 ** 31,
  -(2 ** 31),
  2 ** 32,
  2 ** 53 - 1,
  -(2 ** 53 - 1),
  1.5,
  -0.25,
  // Not 1e300: notepack.io encodes an integral double beyond 2^64 as
  // uint64 0 on its own.
  6.02214076e-23,
  -123456.789,
  1e-300,
  -(2 ** 60),
  "",
  "plain",
  "héllo ✓ 🌍",
  Buffer.from([]),
  BUF,
  [],
  {},
  [1, "two", null, [3, [4, Buffer.from([5])]]],
  { a: 1, b: { c: [true, null, { d: Buffer.from([6, 7]) }] }, "ünïcode key": "v" },
];

for (const mode of MODES) {
  describe(`msgpack parser (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    const open = (nsp = "/") => connect(nsp, { ...mode.opts, server, parser: msgpackParser });

    it("every payload type comes back unchanged in an acknowledgement", async () => {
      const s = await open();
      const reply = await ack(s, "echo", ...VALUES);
      assert.equal(reply.length, VALUES.length);
      assert.deepEqual(normalize(reply), normalize(VALUES));
      // Binary stays binary.
      assertBinary(reply[VALUES.indexOf(BUF)], [0, 1, 2, 253, 254, 255], "buffer");
      assertBinary(reply[VALUES.length - 1].b.c[2].d, [6, 7], "nested buffer");
    });

    it("every payload type comes back unchanged in an event", async () => {
      const s = await open("/x");
      const got = once(s, "echoed");
      await ack(s, "echo-event", "echoed", ...VALUES);
      assert.deepEqual(normalize(await got), normalize(VALUES));
    });

    it("one value per event, each type alone", async () => {
      const s = await open();
      for (const v of VALUES) {
        assert.deepEqual(normalize(await ack(s, "echo", v)), normalize([v]), `value ${JSON.stringify(v)?.slice(0, 40)}`);
      }
      // No arguments at all.
      assert.deepEqual(await ack(s, "echo"), []);
    });

    it("large strings and binary (str32, bin32)", async () => {
      const s = await open();
      const str = "x".repeat(70000) + "✓";
      const bin = Buffer.alloc(70000, 7);
      const [rs, rb] = await ack(s, "echo", str, bin);
      assert.equal(rs, str);
      assert.ok(isBinary(rb));
      assert.equal(Buffer.compare(Buffer.from(rb), bin), 0);
    });

    it("server-to-client acknowledgements carry every type, both ways", async () => {
      const s = await open();
      let asked;
      s.on("q", (...args) => {
        const cb = args.pop();
        asked = args;
        cb(...args, "extra", Buffer.from([42]));
      });
      const r = await ack1(s, "ask-client", "q", 0, ...VALUES);
      assert.equal(r.error, undefined);
      assert.deepEqual(normalize(asked), normalize(VALUES), "what the client was asked");
      assert.deepEqual(normalize(r.reply), normalize([...VALUES, "extra", Buffer.from([42])]), "what the server got back");
    });

    it("Go types decode from msgpack", async () => {
      const s = await open();
      const r = await ack1(
        s,
        "types-in",
        null,
        true,
        -42,
        -(2 ** 40),
        200,
        2.5,
        0.5,
        "str ✓",
        Buffer.from([1, 2, 255]),
        { bin: Buffer.from([9]), n: 3, s: "x", list: [1, 2] },
        [1, "a", Buffer.from([2])],
        { name: "nb", data: Buffer.from([1]), parts: [Buffer.from([2]), Buffer.from([3, 4])], inner: { blob: Buffer.from([5]), n: 6 } },
      );
      assert.equal(r.nullIsNil, true);
      assert.equal(r.b, true);
      assert.equal(r.i, -42);
      assert.equal(r.i64, String(-(2 ** 40)));
      assert.equal(r.u8, 200);
      assert.equal(r.f, 2.5);
      assert.equal(r.f32, 0.5);
      assert.equal(r.str, "str ✓");
      assert.equal(r.bin, "0102ff");
      assert.equal(r.mTypes.bin, "[]uint8", "binary inside a map decodes as []byte");
      assertBinary(r.m.bin, [9]);
      assert.equal(r.m.n, 3);
      assert.equal(r.arrLen, 3);
      assertBinary(r.arr[2], [2]);
      assert.deepEqual(r.nested, { name: "nb", data: "01", parts: ["02", "0304"], blob: "05", n: 6 });
    });

    it("Go values encode to msgpack", async () => {
      const s = await open();
      const got = once(s, "types-go");
      assert.equal(await ack1(s, "types-go"), "sent");
      const a = await got;
      assert.deepEqual(a.slice(0, 13), [null, true, false, 0, -1, 255, 65535, -(2 ** 40), 2 ** 53, 2 ** 32, 1.5, 3.25, "héllo ✓ 🌍"]);
      assertBinary(a[13], [0, 1, 254, 255], "[]byte");
      assertBinary(a[14], [], "empty []byte");
      assertBinary(a[15].bin, [9], "map bin");
      assert.deepEqual(a[15].list.slice(0, 2), [1, "two"]);
      assertBinary(a[15].list[2], [3], "list bin");
      assert.equal(a[15].list[3], null);
      assert.deepEqual(a[15].empty, {});
      assert.deepEqual(a[16], []);
      assert.deepEqual(a[17], { x: 1, y: -2, label: "p" });
      assert.equal(a[18].name, "nested");
      assertBinary(a[18].data, [1, 2, 3]);
      assert.equal(a[18].parts.length, 2);
      assertBinary(a[18].parts[1], [5, 6]);
      assertBinary(a[18].inner.blob, [0xff, 0x00, 0x7f]);
      assert.equal(a[18].inner.n, 7);
    });

    it("broadcasts, rooms and broadcast acknowledgements", async () => {
      const room = uniq("mp");
      const a = await open("/x");
      const b = await open("/x");
      await ack(a, "join", [room]);
      await ack(b, "join", [room]);
      const got = [once(a, "news"), once(b, "news")];
      await control("emit", { server, nsp: "/x", to: room, event: "news", args: [1, "two", { three: [3] }] });
      for (const g of got) assert.deepEqual(await g, [1, "two", { three: [3] }]);
      a.on("q", (cb) => cb("a", Buffer.from([1])));
      b.on("q", (cb) => cb("b", Buffer.from([2])));
      const r = await control("ack", { server, nsp: "/x", to: room, event: "q", timeoutMs: 10000 });
      assert.equal(r.error, undefined);
      assert.deepEqual(r.replies.sort(), [["a", "AQ=="], ["b", "Ag=="]]);
    });

    it("a typed handler gets a clear error for a wrong payload type", async () => {
      const s = await open();
      assert.deepEqual(await ack1(s, "typed-sum", { a: 2, b: 3 }), { sum: 5 });
      const bad = await ack1(s, "typed-sum", "not an object");
      assert.equal(typeof bad.error, "string");
      assert.match(bad.error, /argument 0/);
      const bin = await ack1(s, "typed-len", Buffer.from([1, 2]));
      assert.match(bin.error, /argument 0/);
      assert.equal(isBinary(bin.error), false);
      assert.equal(await ack1(s, "typed-len", ["a", "b"]), 2);
    });
  });
}
