// The official Socket.IO Admin UI, served by the Go server at /admin-ui/,
// in a real headless Chromium with no network beyond that server: the page
// loads with its local fonts and icons, the login form comes prefilled with
// the server's URL, the operator logs in, sees the test clients on the
// Sockets page and the server on the Servers page, and a click on a
// socket's disconnect button disconnects that client.
//
// Run by compat/adminui_test.go (go test ./compat/ -run AdminUIBrowser -v),
// which starts the server and sets BASE_URL, ADMIN_USER, ADMIN_PASSWORD,
// CHROMIUM, BROWSER_PROFILE and SCREENSHOT_DIR.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { launch, open, required, screenshot, stepper } from "../browser/helpers.mjs";

const base = required("BASE_URL");
const origin = new URL(base).origin;
const user = required("ADMIN_USER");
const password = required("ADMIN_PASSWORD");

let context;
const clients = [];
before(async () => {
  context = await launch();
});
after(async () => {
  for (const c of clients) c.disconnect();
  await context?.close();
});

function client() {
  const c = io(base, { forceNew: true, reconnection: false, transports: ["websocket"] });
  clients.push(c);
  return new Promise((resolve, reject) => {
    c.once("connect", () => resolve(c));
    c.once("connect_error", reject);
  });
}

test("the Admin UI from the Go server, offline", async (t) => {
  const step = stepper(context);
  const problems = [];
  // Nothing leaves the machine: every request to another origin fails
  // (and is recorded).
  const outside = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    outside.push(url);
    return route.abort();
  });
  const [alice, bob] = [await client(), await client()];

  let page;
  await step(t, "the page loads, with the server URL prefilled in the login form", async () => {
    page = await open(context, base + "/admin-ui/", "admin", problems);
    const url = page.getByLabel("Server URL");
    await url.waitFor();
    assert.equal(await url.inputValue(), origin);
  });

  await step(t, "the operator logs in", async () => {
    await page.getByLabel("Username").fill(user);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Connect" }).click();
    await page.getByLabel("Server URL").waitFor({ state: "hidden" });
  });

  await step(t, "the fonts and icons are the local copies", async () => {
    const families = await page.evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts].filter((f) => f.status === "loaded").map((f) => f.family.replaceAll('"', ""));
    });
    assert.ok(families.includes("Roboto"), `loaded fonts: ${families}`);
    assert.ok(families.includes("Material Design Icons"), `loaded fonts: ${families}`);
  });

  await step(t, "the Sockets page lists the test clients", async () => {
    await page.goto(base + "/admin-ui/#/sockets/");
    for (const c of [alice, bob]) await page.getByRole("row", { name: c.id }).waitFor();
    await screenshot(t, page, "sockets");
  });

  await step(t, "the Servers page lists the server", async () => {
    await page.goto(base + "/admin-ui/#/servers/");
    await page.getByRole("cell", { name: "dev", exact: true }).waitFor();
    await screenshot(t, page, "servers");
  });

  await step(t, "the disconnect button of a socket disconnects that client", async () => {
    await page.goto(base + "/admin-ui/#/sockets/");
    const aliceID = alice.id;
    const gone = new Promise((resolve) => alice.once("disconnect", resolve));
    const row = page.getByRole("row", { name: alice.id });
    await row.locator("button:has(.mdi-logout)").click();
    assert.equal(await gone, "io server disconnect");
    // The click also opens the socket's details (the row's own click):
    // back on the list, the socket is gone and the other one is there.
    await page.goto(base + "/admin-ui/#/sockets/");
    await page.getByRole("row", { name: bob.id }).waitFor();
    assert.equal(await page.getByRole("row", { name: aliceID }).count(), 0);
    assert.ok(bob.connected, "the other client stays");
    await screenshot(t, page, "after-disconnect");
  });

  assert.deepEqual(outside, [], "requests to other origins");
  assert.deepEqual(problems, []);
});
