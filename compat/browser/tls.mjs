// examples/tls in Chromium: the page over HTTPS with the program's
// self-signed certificate, the client script from the server, the
// websocket upgrade (wss), and the server's view of a TLS connection.
//
// Run by compat/browser_test.go (TestBrowserTLS), which starts the program
// and sets EXAMPLE_URL, CHROMIUM, BROWSER_PROFILE and SCREENSHOT_DIR.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, required, screenshot, stepper, useBrowser } from "./helpers.mjs";

const url = required("EXAMPLE_URL");

const browser = useBrowser({ ignoreHTTPSErrors: true }); // the self-signed certificate

test("the page connects over https and wss", async (t) => {
  const context = browser();
  const step = stepper(context);
  const problems = [];
  assert.match(url, /^https:\/\//);
  const page = await open(context, url, "tls", problems);
  const sockets = [];
  page.on("websocket", (ws) => sockets.push(ws.url()));

  await step(t, "connected, upgraded, and the server saw TLS", async () => {
    await page.locator("#status[data-state=connected]").waitFor();
    await page.locator("#transport", { hasText: "websocket" }).waitFor();
    await page.locator('#secure[data-secure="true"]').waitFor();
    await screenshot(t, page, "tls");
  });

  await step(t, "the websocket was wss", async () => {
    // The page may have opened its websocket before the listener above:
    // reload to see one.
    await page.reload();
    await page.locator("#transport", { hasText: "websocket" }).waitFor();
    assert.ok(sockets.length > 0 && sockets.every((u) => u.startsWith("wss://")), `websockets: ${sockets}`);
    assert.deepEqual(problems, []);
  });
});
