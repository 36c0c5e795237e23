// examples/cors in Chromium: the page on one origin connects to the
// Socket.IO server on another, which lists the page's origin; the same
// page opened from an origin the server does not list is refused.
//
// Run by compat/browser_test.go (TestBrowserCORS), which starts the program
// and sets EXAMPLE_URL (the page), CHROMIUM, BROWSER_PROFILE and
// SCREENSHOT_DIR.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, required, screenshot, stepper, useBrowser } from "./helpers.mjs";

const url = required("EXAMPLE_URL");

const browser = useBrowser();

test("cross-origin: the allowed origin connects, another is refused", async (t) => {
  const context = browser();
  const step = stepper(context);
  const problems = [];
  const page = await open(context, url, "allowed", problems);

  await step(t, "the allowed origin connects and upgrades", async () => {
    await page.locator("#status[data-state=connected]").waitFor();
    await page.locator("#transport", { hasText: "websocket" }).waitFor();
    const origin = await page.evaluate(() => location.origin);
    await page.locator("#seen", { hasText: origin }).waitFor();
    const server = await page.evaluate(() => document.querySelector("script[src]").src);
    assert.notEqual(new URL(server).origin, origin, "Socket.IO is on another origin");
    await screenshot(t, page, "cors");
    assert.deepEqual(problems, []);
  });

  await step(t, "another origin (localhost instead of 127.0.0.1) is refused", async () => {
    const other = url.replace("127.0.0.1", "localhost");
    const refused = await open(context, other, "refused", []); // the browser logs the CORS failure
    await refused.locator("#status[data-state=error]").waitFor();
    assert.match(await refused.locator("#status").textContent(), /^refused: /);
    assert.equal(await refused.locator("#seen").textContent(), "–");
  });
});
