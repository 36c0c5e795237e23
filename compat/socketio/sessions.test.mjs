// User sessions: kept across events, per namespace, never shared across
// sockets, destroyed on disconnect. Run by compat/socketio_test.go, see
// helpers.mjs.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { MODES, TEST_TIMEOUT, closeAll, connect, manager, connected, ack, ack1, control, serverLeft } from "./helpers.mjs";

after(closeAll);

for (const mode of MODES) {
  describe(`sessions, ${mode.name}`, { timeout: TEST_TIMEOUT * 6 }, () => {
    after(closeAll);

    it("keeps the session across events and destroys it on disconnect", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/", mode.opts);
      const sid = s.id;
      assert.deepEqual(await ack1(s, "session-get"), {}, "a new socket has an empty session");
      assert.deepEqual(await ack(s, "session-save", { user: "alice", roles: ["admin"] }), []);
      assert.deepEqual(await ack1(s, "session-get"), { user: "alice", roles: ["admin"] });
      for (let i = 1; i <= 3; i++) assert.equal(await ack1(s, "session-incr", "count"), i);
      assert.deepEqual(await ack1(s, "session-get"), { user: "alice", roles: ["admin"], count: 3 });
      // the server reads it by sid, outside any handler
      const state = await control("state", { sid });
      assert.deepEqual(state.session, { user: "alice", roles: ["admin"], count: 3 });
      s.disconnect();
      const info = await serverLeft(sid);
      assert.deepEqual(info.sessionAtDisconnect, { user: "alice", roles: ["admin"], count: 3 }, "readable in the disconnect handler");
      assert.match(info.sessionLookupError, /no such socket/, "Server.Session(sid) once the socket has left");
      assert.equal(info.sessionAfter, null, "destroyed after the disconnect handler");
      const after = await control("state", { sid });
      assert.equal(after.session, null);
      assert.match(after.sessionError, /no such socket/);
    });

    it("the socket's own SaveSession/Session work the same", { timeout: TEST_TIMEOUT }, async () => {
      const s = await connect("/chat", mode.opts);
      assert.deepEqual(await ack1(s, "session-save-socket", { a: 1 }), { a: 1 });
      assert.equal(await ack1(s, "session-incr", "a"), 2, "UpdateSession sees what SaveSession stored");
      assert.deepEqual(await ack1(s, "session-get"), { a: 2 });
      s.disconnect();
    });

    it("sessions are per socket: per namespace and per connection", { timeout: TEST_TIMEOUT }, async () => {
      const m = manager({ ...mode.opts });
      const main = await connected(m.socket("/"));
      const chat = await connected(m.socket("/chat"));
      const other = await connect("/", mode.opts);
      await ack(main, "session-save", { who: "main" });
      assert.deepEqual(await ack1(chat, "session-get"), {}, "another namespace on the same connection");
      assert.deepEqual(await ack1(other, "session-get"), {}, "another connection");
      await ack(chat, "session-save", { who: "chat" });
      assert.deepEqual(await ack1(main, "session-get"), { who: "main" });
      assert.deepEqual(await ack1(chat, "session-get"), { who: "chat" });
      // a new socket never inherits a session
      const mainSid = main.id;
      main.disconnect();
      await serverLeft(mainSid);
      const again = await connected(m.socket("/"));
      assert.notEqual(again.id, mainSid);
      assert.deepEqual(await ack1(again, "session-get"), {});
      assert.deepEqual(await ack1(chat, "session-get"), { who: "chat" }, "the other namespace keeps its session");
      again.disconnect();
      chat.disconnect();
      other.disconnect();
    });
  });
}
