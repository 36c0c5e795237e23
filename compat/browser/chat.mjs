// The chat example (examples/chat) in a real headless Chromium, driven by
// playwright-core: two users in two browser pages join, see each other
// arrive, see each other typing, exchange messages (the sender sees the
// server's acknowledgement) and see each other leave.
//
// Run by compat/browser_test.go (go test ./compat/ -run Browser -v), which
// starts the chat program and sets CHAT_URL, CHROMIUM, BROWSER_PROFILE and
// SCREENSHOT_DIR.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, required, screenshot, stepper, useBrowser } from "./helpers.mjs";

const url = required("CHAT_URL");

const browser = useBrowser();

async function join(page, name) {
  await page.locator("#nickname").fill(name);
  await page.locator("#login-form button").click();
  await page.locator("#login").waitFor({ state: "hidden" });
  await page.locator("#messages .notice", { hasText: `Welcome, ${name}!` }).waitFor();
}

async function send(page, text) {
  await page.locator("#message").fill(text);
  await page.locator("#message").press("Enter");
}

// shows waits until an element matching selector contains text.
function shows(page, selector, text) {
  return page.locator(selector, { hasText: text }).waitFor();
}

test("two users chat in two Chromium pages", async (t) => {
  const context = browser();
  const step = stepper(context);
  const problems = [];
  const alice = await open(context, url, "alice", problems);
  const bob = await open(context, url, "bob", problems);

  await step(t, "the page loads the client script and connects over websocket", async () => {
    for (const page of [alice, bob]) {
      assert.equal(await page.evaluate(() => typeof io), "function", "io() from /socket.io/socket.io.min.js");
      assert.equal(await page.locator("#missing").isHidden(), true);
      // The client starts with polling and upgrades.
      await shows(page, "#status[data-state=connected]", "websocket");
    }
  });

  await step(t, "nicknames, join notices and the user count", async () => {
    await join(alice, "alice");
    await shows(alice, "#users", "1 user online");
    await join(bob, "bob");
    await shows(bob, "#users", "2 users online");
    await shows(alice, "#messages .notice", "bob joined");
    await shows(alice, "#users", "2 users online");
  });

  await step(t, "the typing indicator", async () => {
    await bob.locator("#message").pressSequentially("hel");
    await shows(alice, "#typing", "bob is typing…");
  });

  await step(t, "a message reaches the other page and the sender sees the ack", async () => {
    await send(bob, "hello from bob");
    const received = alice.locator("#messages .msg.theirs", { hasText: "hello from bob" });
    await received.waitFor();
    assert.equal(await received.locator(".author").textContent(), "bob");
    // The sender's own copy is marked delivered when the server acknowledges.
    const mine = bob.locator('#messages .msg.mine[data-status="delivered"]', { hasText: "hello from bob" });
    await mine.waitFor();
    assert.match(await mine.locator(".state").textContent(), /delivered/);
    // A new message clears its author's typing indicator.
    await alice.waitForFunction(() => document.getElementById("typing").textContent === "");
    // Broadcast to the others only: the server queues a wrong copy for the
    // sender before the acknowledgement, so it would be here by now; and the
    // receiver has no copy of its own.
    assert.equal(await bob.locator("#messages .msg.theirs").count(), 0);
    assert.equal(await alice.locator("#messages .msg.mine").count(), 0);
  });

  await step(t, "a reply, with markup shown as text", async () => {
    const reply = "hi bob <b>not bold</b> & 👋 ünïcödé";
    await send(alice, reply);
    const received = bob.locator("#messages .msg.theirs", { hasText: "not bold" });
    await received.waitFor();
    assert.equal(await received.locator(".body").textContent(), reply);
    assert.equal(await received.locator(".body b").count(), 0, "markup must not be interpreted");
    await alice.locator('#messages .msg.mine[data-status="delivered"]', { hasText: "not bold" }).waitFor();
  });

  await step(t, "screenshots", async () => {
    await bob.locator("#message").pressSequentially("typing…");
    await shows(alice, "#typing", "bob is typing…");
    await screenshot(t, alice, "chat-alice");
    await screenshot(t, bob, "chat-bob");
  });

  await step(t, "leaving: the other page sees the notice and the count", async () => {
    await bob.close();
    await shows(alice, "#messages .notice", "bob left");
    await shows(alice, "#users", "1 user online");
    await alice.waitForFunction(() => document.getElementById("typing").textContent === "");
  });

  await alice.close();
  assert.deepEqual(problems, [], "no page errors or console errors");
});
