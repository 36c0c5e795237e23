// Payloads both ways: nil, bool, numbers, strings, binary, maps, arrays,
// structs, several arguments at once, nested binary; with the JSON parser
// and the msgpack parser, over polling and websocket.
// Run by compat/socketio_test.go, see helpers.mjs.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import {
  MODES,
  PARSERS,
  TEST_TIMEOUT,
  closeAll,
  connect,
  once,
  ack,
  ack1,
  assertBinary,
  isBinary,
  normalize,
} from "./helpers.mjs";

after(closeAll);

const bin = (...b) => Buffer.from(b);

// One argument of each kind the client can send.
const SCALARS = [null, true, false, 0, 42, -7, 3.25, 2 ** 53, -1e-7, "", "héllo ✓ 🌍", '"quoted" \\ \n'];

for (const parser of PARSERS) {
  for (const mode of MODES) {
    describe(`payloads, ${parser.name}, ${mode.name}`, { timeout: TEST_TIMEOUT * 10 }, () => {
      after(closeAll);
      const opts = { ...mode.opts, ...parser.opts, server: parser.server };

      it("echoes every scalar type unchanged, one by one and all at once", { timeout: TEST_TIMEOUT }, async () => {
        const s = await connect("/", opts);
        for (const v of SCALARS) {
          assert.deepEqual(await ack(s, "echo", v), [v], `echo of ${JSON.stringify(v)}`);
        }
        assert.deepEqual(await ack(s, "echo", ...SCALARS), SCALARS, "several arguments at once");
        assert.deepEqual(await ack(s, "echo"), [], "no argument");
        s.disconnect();
      });

      it("echoes maps, arrays and binary, nested at any depth", { timeout: TEST_TIMEOUT }, async () => {
        const s = await connect("/", opts);
        const payloads = [
          { a: 1, b: "two", c: [true, null, { d: 4.5 }], e: {} },
          [1, "two", null, [3, [4]], { five: 5 }],
          [],
          bin(0, 1, 2, 253, 254, 255),
          bin(),
          Buffer.alloc(100_000, 7),
          { file: bin(1, 2, 3), meta: { name: "f", chunks: [bin(4), bin(5, 6), { deep: bin(7) }] } },
          [bin(9), "text", [bin(10, 11)]],
        ];
        for (const p of payloads) {
          const reply = await ack(s, "echo", p);
          assert.equal(reply.length, 1);
          assert.deepEqual(normalize(reply[0]), normalize(p), `echo of ${JSON.stringify(p).slice(0, 80)}`);
        }
        // binary stays binary (not a base64 string) at every depth
        const [nested] = await ack(s, "echo", payloads[6]);
        assertBinary(nested.file, [1, 2, 3], "file");
        assertBinary(nested.meta.chunks[0], [4], "chunks[0]");
        assertBinary(nested.meta.chunks[2].deep, [7], "chunks[2].deep");
        // all of them in one packet
        const all = await ack(s, "echo", ...payloads);
        assert.deepEqual(normalize(all), normalize(payloads), "several arguments with binary");
        s.disconnect();
      });

      it("echoes every type as a server-emitted event", { timeout: TEST_TIMEOUT }, async () => {
        const s = await connect("/", opts);
        const args = [null, true, 42, "str", bin(1, 2), { nested: [bin(3), { b: bin(4, 5) }] }, [1, [2]]];
        const got = once(s, "echoed");
        assert.deepEqual(await ack(s, "echo-event", "echoed", ...args), []);
        assert.deepEqual(normalize(await got), normalize(args));
        s.disconnect();
      });

      it("decodes each argument into the handler's Go parameter types", { timeout: TEST_TIMEOUT }, async () => {
        const s = await connect("/", opts);
        const report = await ack1(
          s,
          "types",
          null,
          true,
          42,
          3.25,
          "héllo",
          bin(0xde, 0xad, 0xbe, 0xef),
          { k: "v", n: 1 },
          [1, 2, 3],
          { x: 1, y: -2, label: "p" },
          { name: "blob", data: bin(1, 2), parts: [bin(3), bin(4, 5)], inner: { blob: bin(6), n: 9 } },
        );
        assert.deepEqual(report, {
          nIsNil: true,
          b: true,
          i: 42,
          f: 3.25,
          str: "héllo",
          bin: "deadbeef",
          m: { k: "v", n: 1 },
          arr: [1, 2, 3],
          st: { x: 1, y: -2, label: "p" },
          nested: { name: "blob", data: "0102", parts: ["03", "0405"], inner: { blob: "06", n: 9 } },
        });
        s.disconnect();
      });

      it("receives Go values of every type emitted by the server", { timeout: TEST_TIMEOUT }, async () => {
        const s = await connect("/", opts);
        const got = once(s, "types");
        assert.equal(await ack1(s, "send-types"), "sent");
        const args = await got;
        assert.equal(args.length, 14, JSON.stringify(args));
        const [n, t, f, i, neg, fl, big, str, b, m, arr, st, nested, deep] = args;
        assert.equal(n, null);
        assert.equal(t, true);
        assert.equal(f, false);
        assert.equal(i, 42);
        assert.equal(neg, -7);
        assert.equal(fl, 3.25);
        assert.equal(big, 2 ** 53);
        assert.equal(str, "héllo ✓ 🌍");
        assertBinary(b, [0, 1, 2, 253, 254, 255], "[]byte");
        assert.deepEqual(m, { a: 1, b: ["x", null], c: { d: true } });
        assert.deepEqual(arr, [1, 2, 3]);
        assert.deepEqual(st, { x: 1, y: -2, label: "p" });
        assert.equal(nested.name, "nested");
        assertBinary(nested.data, [1, 2, 3], "struct []byte field");
        assertBinary(nested.parts[0], [4], "struct [][]byte field [0]");
        assertBinary(nested.parts[1], [5, 6], "struct [][]byte field [1]");
        assertBinary(nested.inner.blob, [0xff, 0, 0x7f], "nested struct []byte field");
        assert.equal(nested.inner.n, 7);
        assertBinary(deep.list[0], [9, 8], "[]byte in a slice in a map");
        assertBinary(deep.list[1].deep, [7], "[]byte in a map in a slice in a map");
        s.disconnect();
      });

      it("round-trips nested binary through typed Go structs", { timeout: TEST_TIMEOUT }, async () => {
        const s = await connect("/", opts);
        const out = await ack1(s, "nested-binary", {
          name: "abc",
          data: bin(1, 2, 3),
          parts: [bin(4, 5), bin(6, 7, 8)],
          inner: { blob: bin(9, 10), n: 1 },
        });
        assert.equal(out.name, "ABC");
        assertBinary(out.data, [3, 2, 1], "data");
        assert.equal(out.parts.length, 2);
        assertBinary(out.parts[0], [5, 4], "parts[0]");
        assertBinary(out.parts[1], [8, 7, 6], "parts[1]");
        assertBinary(out.inner.blob, [10, 9], "inner.blob");
        assert.equal(out.inner.n, 2);
        assert.ok(!isBinary(out.name));
        s.disconnect();
      });

      it("answers several acknowledgement arguments", { timeout: TEST_TIMEOUT }, async () => {
        const s = await connect("/", opts);
        assert.deepEqual(await ack(s, "multi", "go", 21, false), ["GO", 42, true, ["go", "21"]]);
        s.disconnect();
      });
    });
  }
}
