// Compile-time typed handlers (core.Handle[In, Out]): decoding, results,
// errors, and a clear error (not a panic) for a payload of the wrong type.

import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import {
  MODES,
  TEST_TIMEOUT,
  closeAll,
  connect,
  ack,
  ack1,
} from "./helpers.mjs";

for (const mode of MODES) {
  describe(`typed handlers (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    it("decode the payload into In and send Out as the acknowledgement", async () => {
      const s = await connect("/", mode.opts);
      assert.deepEqual(await ack(s, "typed-sum", { a: 2, b: 40 }), [{ sum: 42 }]);
      // Unknown fields are ignored; missing ones are zero.
      assert.deepEqual(await ack(s, "typed-sum", { a: 5, extra: "x" }), [{ sum: 5 }]);
      // No payload at all: the zero value.
      assert.deepEqual(await ack(s, "typed-sum"), [{ sum: 0 }]);
      assert.deepEqual(await ack(s, "typed-len", ["a", "b", "c"]), [3]);
      assert.deepEqual(await ack(s, "typed-len", null), [0]);
    });

    it("an error result is sent as {error}", async () => {
      const s = await connect("/", mode.opts);
      assert.deepEqual(await ack(s, "typed-sum", { a: -1, b: 1 }), [{ error: "negative numbers not allowed" }]);
    });

    const wrong = [
      ["a string for a struct", "typed-sum", ["not an object"], /argument 0.*(string|unmarshal)/],
      ["a number for a struct", "typed-sum", [42], /argument 0/],
      ["an array for a struct", "typed-sum", [[1, 2]], /argument 0/],
      ["a string field for an int", "typed-sum", [{ a: "two", b: 1 }], /argument 0.*(string|unmarshal)/],
      ["a float for an int", "typed-sum", [{ a: 1.5, b: 1 }], /argument 0/],
      ["an object for a []string", "typed-len", [{ a: 1 }], /argument 0/],
      ["numbers for a []string", "typed-len", [[1, 2]], /argument 0/],
      ["binary for a []string", "typed-len", [Buffer.from([1, 2])], /argument 0/],
    ];
    for (const [what, event, args, pattern] of wrong) {
      it(`a wrong payload type gets a clear error: ${what}`, async () => {
        const s = await connect("/", mode.opts);
        const reply = await ack(s, event, ...args);
        assert.equal(reply.length, 1, JSON.stringify(reply));
        assert.deepEqual(Object.keys(reply[0]), ["error"]);
        assert.match(reply[0].error, pattern);
        assert.doesNotMatch(reply[0].error, /panic/);
        // The socket is still there and the handler still works.
        assert.equal(s.connected, true);
        assert.deepEqual(await ack(s, "typed-sum", { a: 1, b: 1 }), [{ sum: 2 }]);
      });
    }

    it("a wrong type without an ack is dropped quietly; the socket lives on", async () => {
      const s = await connect("/", mode.opts);
      s.emit("typed-sum", "garbage");
      s.emit("typed-len", { not: "a list" });
      assert.equal((await ack1(s, "whoami")).id, s.id);
    });
  });
}
