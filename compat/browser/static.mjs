// examples/static in Chromium: the page from the rule "/", its style and
// script from the folder rule "/assets", the default file of "/docs/", the
// secondary application's route, and the events the server pushes.
//
// Run by compat/browser_test.go (TestBrowserStatic), which starts the
// program and sets EXAMPLE_URL, CHROMIUM, BROWSER_PROFILE and
// SCREENSHOT_DIR.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open, required, screenshot, stepper, useBrowser } from "./helpers.mjs";

const url = required("EXAMPLE_URL");

const browser = useBrowser();

test("static files, the secondary application and Socket.IO together", async (t) => {
  const context = browser();
  const step = stepper(context);
  const problems = [];
  const page = await open(context, url, "static", problems);

  await step(t, "the page, its stylesheet and script, and pushed events", async () => {
    await page.locator("#status[data-state=connected]").waitFor();
    await page.waitForFunction(() => /^\d\d:\d\d:\d\d$/.test(document.getElementById("time").textContent));
    const font = await page.evaluate(() => getComputedStyle(document.body).maxWidth);
    assert.notEqual(font, "none", "/assets/style.css applied");
    await screenshot(t, page, "static");
    assert.deepEqual(problems, []);
  });

  await step(t, "the rules and the secondary application over HTTP", async () => {
    const get = (p) => page.request.get(new URL(p, url).href);
    let r = await get("/docs/");
    assert.equal(r.status(), 200);
    assert.match(r.headers()["content-type"], /^text\/plain/);
    assert.match(await r.text(), /default file/);
    r = await get("/assets/app.js");
    assert.equal(r.status(), 200);
    assert.match(r.headers()["content-type"], /^application\/javascript/);
    assert.ok(r.headers()["etag"], "an ETag");
    r = await get("/api/time");
    assert.equal(r.status(), 200);
    assert.match(await r.text(), /^\d{4}-\d\d-\d\dT/);
    r = await get("/nope");
    assert.equal(r.status(), 404);
  });
});
