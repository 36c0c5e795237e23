// Dynamic namespaces: OfRegexp and OfFunc parents, the new-namespace hook,
// parent middleware and emits, cleanup of empty children.

import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import {
  MODES,
  TEST_TIMEOUT,
  closeAll,
  socket,
  connect,
  connectError,
  once,
  ack1,
  control,
  uniq,
  uniqNum,
  serverLeft,
} from "./helpers.mjs";

for (const mode of MODES) {
  describe(`dynamic namespaces (${mode.name})`, { timeout: TEST_TIMEOUT }, () => {
    afterEach(closeAll);

    it("a name the regexp matches creates a child, with the hook, parent then child middleware", async () => {
      const name = `/dyn-${uniqNum()}`;
      const tag = uniq("dyn");
      assert.equal((await control("namespaces"))[name], undefined);
      const s = await connect(name, { ...mode.opts, auth: { tag } });
      const me = await ack1(s, "whoami");
      assert.equal(me.nsp, name);
      assert.equal((await control("namespaces"))[name], 1, "the new-namespace hook ran once");
      assert.deepEqual(await control("trace", { tag }), ["parent-mw", "child-mw", "connect"]);
      // A second client joins the same child: no new namespace.
      const t = await connect(name, { ...mode.opts, auth: { tag } });
      assert.equal((await ack1(t, "whoami")).nsp, name);
      assert.equal((await control("namespaces"))[name], 1);
    });

    it("a name the func accepts (by name and auth) creates a child", async () => {
      const name = `/fn-${uniq("f")}`;
      const s = await connect(name, { ...mode.opts, auth: { key: "open-sesame" } });
      assert.equal((await ack1(s, "whoami")).nsp, name);
      assert.equal((await control("namespaces"))[name], 1);
    });

    it("the func refusing the auth, or no parent matching, is an invalid namespace", async () => {
      const refused = `/fn-${uniq("nokey")}`;
      const s = socket(refused, { ...mode.opts, auth: { key: "wrong" } });
      assert.equal((await connectError(s)).message, "Invalid namespace");
      const t = socket(`/nomatch-${uniq("n")}`, mode.opts);
      assert.equal((await connectError(t)).message, "Invalid namespace");
      const u = socket("/dyn-notanumber", mode.opts);
      assert.equal((await connectError(u)).message, "Invalid namespace");
      assert.equal((await control("namespaces"))[refused], undefined);
    });

    it("an emit on the parent reaches the sockets of every child, and no one else", async () => {
      const n1 = `/dyn-${uniqNum()}`;
      const n2 = `/dyn-${uniqNum()}`;
      const a = await connect(n1, mode.opts);
      const b = await connect(n2, mode.opts);
      const fnChild = await connect(`/fn-${uniq("p")}`, { ...mode.opts, auth: { key: "open-sesame" } });
      const main = await connect("/", mode.opts);
      const got = [once(a, "parent-news"), once(b, "parent-news")];
      const stray = [];
      fnChild.on("parent-news", () => stray.push("fn child"));
      main.on("parent-news", () => stray.push("/"));
      const tag = uniq("news");
      await control("emit", { parent: "regexp", event: "parent-news", args: [tag] });
      assert.deepEqual(await Promise.all(got), [[tag], [tag]]);
      // Markers emitted after the parent's emit: the others got nothing
      // before them.
      const markers = [once(fnChild, "marker"), once(main, "marker")];
      await control("emit", { parent: "func", event: "marker" });
      await control("emit", { nsp: "/", event: "marker" });
      await Promise.all(markers);
      assert.deepEqual(stray, []);
    });

    it("a child stays after its last socket leaves (no cleanup)", async () => {
      const name = `/dyn-${uniqNum()}`;
      const s = await connect(name, mode.opts);
      const id = s.id;
      s.disconnect();
      await serverLeft(id);
      const t = await connect(name, mode.opts);
      assert.equal((await ack1(t, "whoami")).nsp, name);
      assert.equal((await control("namespaces"))[name], 1);
    });

    it("with CleanupEmptyChildNamespaces, an empty child is removed and made anew", async () => {
      const name = `/dyn-${uniqNum()}`;
      const server = "cleanup";
      const a = await connect(name, { ...mode.opts, server });
      const b = await connect(name, { ...mode.opts, server });
      assert.equal((await control("namespaces", { server }))[name], 1);
      const [ida, idb] = [a.id, b.id];
      a.disconnect();
      await serverLeft(ida);
      // Not empty yet (b is there): a new socket joins the same child.
      const c = await connect(name, { ...mode.opts, server });
      const idc = c.id;
      assert.equal((await control("namespaces", { server }))[name], 1);
      b.disconnect();
      c.disconnect();
      await serverLeft(idb);
      await serverLeft(idc);
      // Empty: removed. The next client makes it anew (the hook runs
      // again) and the parent reaches it exactly once.
      const d = await connect(name, { ...mode.opts, server });
      assert.equal((await ack1(d, "whoami")).nsp, name);
      assert.equal((await control("namespaces", { server }))[name], 2);
      const news = [];
      d.on("parent-news", (x) => news.push(x));
      await control("emit", { server, parent: "regexp", event: "parent-news", args: ["once"] });
      const marker = once(d, "marker");
      await control("emit", { server, nsp: name, event: "marker" });
      await marker;
      assert.deepEqual(news, ["once"]);
    });
  });
}
