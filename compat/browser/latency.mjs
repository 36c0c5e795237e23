// The latency example (examples/latency) in a real headless Chromium, driven
// by playwright-core: the page pings the server every second and shows the
// round-trip times of the server's pong_from_server event and of the
// acknowledgement.
//
// Run by compat/browser_test.go (go test ./compat/ -run Browser -v), which
// starts the latency program and sets LATENCY_URL, CHROMIUM, BROWSER_PROFILE
// and SCREENSHOT_DIR.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, required, screenshot, stepper, useBrowser } from "./helpers.mjs";

const url = required("LATENCY_URL");

const browser = useBrowser();

test("the latency page measures round trips", async (t) => {
  const context = browser();
  const step = stepper(context);
  const problems = [];
  const page = await open(context, url, "latency", problems);

  await step(t, "connects and upgrades to websocket", async () => {
    assert.equal(await page.evaluate(() => typeof io), "function", "io() from /socket.io/socket.io.min.js");
    await page.locator("#transport", { hasText: "websocket" }).waitFor();
  });

  await step(t, "pongs and acknowledgements arrive, one ping at a time", async () => {
    // Pings go out one second apart: three take a little over two seconds.
    await page.waitForFunction(() => Number(document.getElementById("count").dataset.count) >= 3);
    assert.match(await page.locator("#latency").textContent(), /^\d+(\.\d)? ms$/);
    assert.match(await page.locator("#ack").textContent(), /^\d+(\.\d)? ms$/);
    assert.match(await page.locator("#stats").textContent(), /^\d+(\.\d)? ms \/ \d+(\.\d)? ms \/ \d+(\.\d)? ms$/);
    await screenshot(t, page, "latency");
  });

  await page.close();
  assert.deepEqual(problems, [], "no page errors or console errors");
});
