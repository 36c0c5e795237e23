// The chat of a host example (examples/nethttp, gin, echo, fiber) in two
// Chromium pages: the browser client comes from the Socket.IO server, a
// message goes each way and its sender sees the acknowledgement, the
// host's own route answers beside Socket.IO, and the server's graceful
// shutdown (SIGINT) reaches both pages as a disconnect.
//
// Run by compat/examples_test.go (TestExampleHosts), which starts the
// program and sets EXAMPLE_URL, SERVER_PID, CHROMIUM, BROWSER_PROFILE and
// SCREENSHOT_DIR.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, required, screenshot, stepper, useBrowser } from "./helpers.mjs";

const url = required("EXAMPLE_URL");
const pid = Number(required("SERVER_PID"));

const browser = useBrowser();

async function send(page, text) {
  await page.locator("#input").fill(text);
  await page.locator("#input").press("Enter");
  await page.locator('#messages li.mine[data-status="delivered"]', { hasText: text }).waitFor();
}

test("two pages chat on the host, then the server shuts down", async (t) => {
  const context = browser();
  const step = stepper(context);
  const problems = [];
  const a = await open(context, url, "a", problems);
  const b = await open(context, url, "b", problems);

  await step(t, "the client script loads from the server and upgrades to websocket", async () => {
    for (const page of [a, b]) {
      assert.equal(await page.evaluate(() => typeof io), "function", "io() from /socket.io/socket.io.min.js");
      await page.locator("#status", { hasText: "connected (websocket)" }).waitFor();
    }
  });

  await step(t, "a message each way, acknowledged to its sender", async () => {
    await send(a, "hello from a");
    await b.locator("#messages li:not(.mine)", { hasText: "hello from a" }).waitFor();
    await send(b, "<b>hi</b> from b");
    const got = a.locator("#messages li:not(.mine)", { hasText: "from b" });
    await got.waitFor();
    assert.equal(await got.textContent(), "<b>hi</b> from b", "text, not markup");
    // Broadcast to the others only.
    assert.equal(await a.locator("#messages li:not(.mine)").count(), 1);
    assert.equal(await b.locator("#messages li:not(.mine)").count(), 1);
    await screenshot(t, a, "host-a");
  });

  await step(t, "the host's own route", async () => {
    const resp = await a.request.get(new URL("/health", url).href);
    assert.equal(resp.status(), 200);
    assert.equal(await resp.text(), "ok");
  });

  await step(t, "no page errors", async () => {
    assert.deepEqual(problems, []);
  });

  await step(t, "SIGINT: both pages see the server go", async () => {
    process.kill(pid, "SIGINT");
    for (const page of [a, b]) {
      await page.locator("#status[data-state=disconnected]").waitFor();
    }
  });
});
