// Shared by the browser tests: the Chromium launch and the steps that
// screenshot the pages when they fail. See compat/browser_test.go for the
// environment the Go test sets.
import path from "node:path";
import { before, after } from "node:test";
import { chromium } from "playwright-core";
import { required as requiredEnv } from "../nodekit/kit.mjs";

// Every wait in the tests is for a condition on a page, bounded by this.
export const TIMEOUT = 15_000;

// required returns the environment variable name the Go test sets.
export const required = (name) => requiredEnv(name, "go test ./compat/ -run Browser");

export const shots = required("SCREENSHOT_DIR");

// launch starts Debian's Chromium (CHROMIUM) headless with a fresh profile
// (BROWSER_PROFILE, an empty directory); options are added to playwright's
// (ignoreHTTPSErrors for a self-signed certificate).
export async function launch(options = {}) {
  const context = await chromium.launchPersistentContext(required("BROWSER_PROFILE"), {
    ...options,
    executablePath: required("CHROMIUM"),
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 960, height: 640 },
  });
  context.setDefaultTimeout(TIMEOUT);
  return context;
}

// useBrowser launches Chromium (see launch) before the file's tests and
// closes it after them; the function it returns gives the browser context.
export function useBrowser(options) {
  let context;
  before(async () => {
    context = await launch(options);
  });
  after(async () => {
    await context?.close();
  });
  return () => context;
}

// open opens url in a new page of context and records the page's errors
// and console errors in problems.
export async function open(context, url, who, problems) {
  const page = await context.newPage();
  page.on("pageerror", (err) => problems.push(`${who}: page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`${who}: console error: ${msg.text()}`);
  });
  const resp = await page.goto(url);
  if (resp.status() !== 200) throw new Error(`${who}: GET ${url}: ${resp.status()}`);
  return page;
}

// stepper returns step(t, name, fn), which runs fn as a subtest of t. After
// a failure it screenshots every open page of context, and the later steps,
// which build on the failed one, are skipped instead of timing out.
export function stepper(context) {
  let failed = false;
  return async (t, name, fn) => {
    await t.test(name, { skip: failed && "an earlier step failed" }, async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        const pages = context.pages().filter((page) => page.url() !== "about:blank");
        for (const [i, page] of pages.entries()) {
          const file = path.join(shots, `failure-${i}.png`);
          await page.screenshot({ path: file }).catch(() => {});
          t.diagnostic(`screenshot after the failure: ${file}`);
        }
        throw err;
      }
    });
  };
}

// screenshot saves page as name.png in the screenshot directory.
export async function screenshot(t, page, name) {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file });
  t.diagnostic(`screenshot: ${file}`);
}
