// examples/middleware in Chromium: the page logs in over HTTP, connects to
// "/private" with the token in its auth payload and the namespace
// middleware lets it in (the handler sees its user); a forged token is
// refused with the middleware's message and data.
//
// Run by compat/browser_test.go (TestBrowserMiddleware), which starts the
// program and sets EXAMPLE_URL, CHROMIUM, BROWSER_PROFILE and
// SCREENSHOT_DIR.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, required, screenshot, stepper, useBrowser } from "./helpers.mjs";

const url = required("EXAMPLE_URL");

const browser = useBrowser();

test("a token guards the namespace", async (t) => {
  const context = browser();
  const step = stepper(context);
  const problems = [];
  const page = await open(context, url, "middleware", problems);

  await step(t, "a logged-in user connects as themselves", async () => {
    await page.locator("#name").fill("ann");
    await page.locator("#login button:not([type])").click();
    await page.locator('#log li[data-kind="ok"]', { hasText: "connected to /private as ann" }).waitFor();
  });

  await step(t, "a forged token is refused with the middleware's message and data", async () => {
    await page.locator("#forged").click();
    const li = page.locator('#log li[data-kind="error"]');
    await li.waitFor();
    assert.equal(await li.textContent(), 'refused: unauthorized ({"reason":"bad signature"})');
    await screenshot(t, page, "middleware");
  });

  await step(t, "no login without a name", async () => {
    await page.locator("#name").fill("");
    await page.locator("#login button:not([type])").click();
    await page.locator('#log li[data-kind="error"]', { hasText: "login: a name" }).waitFor();
    assert.deepEqual(
      problems.filter((p) => !p.includes("400")),
      [],
      "no page errors besides the refused login's 400",
    );
  });
});
