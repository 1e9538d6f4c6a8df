// Drives the QA console in headless Chromium with playwright-core. Run by
// TestConsoleInBrowser (console_browser_test.go); the environment says where everything is:
//   USERMOCK_BASE_URL        the running server ("http://127.0.0.1:PORT")
//   USERMOCK_PLAYWRIGHT_DIR  a directory with node_modules/playwright-core
//   USERMOCK_CHROMIUM        the browser (/usr/bin/chromium)
//   USERMOCK_SCREENSHOTS     where the screenshots go
// Prints one "ok: ..." line per check; exits non-zero with "FAIL: ..." on the first failure.
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(name + " is not set");
  return v;
};
const base = env("USERMOCK_BASE_URL");
const require = createRequire(join(env("USERMOCK_PLAYWRIGHT_DIR"), "package.json"));
const { chromium } = require("playwright-core");
const shots = env("USERMOCK_SCREENSHOTS");

const timeout = 10000;
const profile = mkdtempSync(join(tmpdir(), "usermock-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: env("USERMOCK_CHROMIUM"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = context.pages()[0] || await context.newPage();
page.setDefaultTimeout(timeout);

const errors = [];
let refusedLoads = 0;
page.on("pageerror", (e) => errors.push("page error: " + e.message));
page.on("console", (m) => {
  if (m.type() !== "error") return;
  // Chromium logs every 4xx/5xx answer of fetch; the console provokes them on purpose.
  if (/^Failed to load resource: the server responded with a status of [45]\d\d/.test(m.text())) { refusedLoads++; return; }
  errors.push("console error: " + m.text());
});
page.on("request", (r) => {
  if (!r.url().startsWith(base)) errors.push("request to another origin: " + r.url());
});

const ok = (msg) => console.log("ok: " + msg);

async function sendCase(id) {
  const item = page.getByRole("article", { name: id, exact: true });
  await item.scrollIntoViewIfNeeded();
  await item.getByRole("button", { name: "Send", exact: true }).click();
  await page.locator("#result-body h3", { hasText: id }).waitFor();
}

try {
  await page.goto(base + "/");
  await page.getByRole("heading", { name: "usermock console" }).waitFor();
  ok("the console opens at /");

  await page.getByRole("combobox", { name: "API", exact: true }).selectOption("ruangkerja");
  const dup = "createUser/rule/employee_id_unique/duplicate";
  await page.getByRole("article", { name: dup, exact: true }).waitFor();
  ok("ruangkerja's case " + dup + " is listed by its id");
  await page.screenshot({ path: join(shots, "console-cases.png"), fullPage: false });

  await sendCase(dup);
  const result = page.locator("#result-body");
  await result.getByRole("article", { name: "Exchange 1" }).waitFor();
  await result.getByRole("article", { name: "Exchange 2" }).waitFor();
  const first = await result.getByRole("article", { name: "Exchange 1" }).innerText();
  const second = await result.getByRole("article", { name: "Exchange 2" }).innerText();
  if (!/→ 2\d\d/.test(first)) throw new Error("the setup create did not succeed:\n" + first);
  if (!/→ 409/.test(second) || !second.includes("USER_EMPLOYEE_ID_EXISTS")) throw new Error("the duplicate was not refused with 409 USER_EMPLOYEE_ID_EXISTS:\n" + second);
  if (!second.includes("curl -sS -i -X POST")) throw new Error("no curl shown:\n" + second);
  if (!second.includes("Decision (X-Usermock-Decision)")) throw new Error("no decision shown:\n" + second);
  const quote = await result.locator("blockquote").innerText();
  if (!quote.includes("USER_EMPLOYEE_ID_EXISTS")) throw new Error("the rule's x-source quote is missing: " + quote);
  ok("Send ran both exchanges: the create " + first.match(/→ (\d+)/)[1] + ", then 409 USER_EMPLOYEE_ID_EXISTS; quote: " + quote);
  await page.screenshot({ path: join(shots, "console-stateful.png"), fullPage: false });

  // A negative case of pland: the refusal and the vendor's own words.
  await page.getByRole("combobox", { name: "API", exact: true }).selectOption("pland");
  const neg = "createUser/body/companyId/format";
  await page.getByLabel("Search cases").fill("companyId format");
  await page.getByRole("article", { name: neg, exact: true }).waitFor();
  await sendCase(neg);
  await result.getByRole("article", { name: "Exchange 1" }).waitFor();
  const negText = await result.getByRole("article", { name: "Exchange 1" }).innerText();
  if (!/→ 400/.test(negText)) throw new Error("the pland negative was not refused with 400:\n" + negText);
  const negQuote = await result.locator("blockquote").innerText();
  if (!negQuote.includes("The ID of the company")) throw new Error("the x-source quote is missing: " + negQuote);
  ok("pland " + neg + " refused with 400; quote: " + negQuote);
  await page.screenshot({ path: join(shots, "console-refusal.png"), fullPage: false });

  // The journal shows the requests just sent (polled every 2 s).
  const journal = page.getByRole("list", { name: "Journal entries" });
  await journal.getByText(/POST \/pland\/.* → 400 \(invalid\)/).first().waitFor();
  ok("the journal shows the refused pland request");

  // Reset pland, then a new request appears in the journal after it.
  await page.getByRole("button", { name: "Reset this API" }).click();
  await page.getByRole("status").filter({ hasText: "Reset: pland" }).waitFor();
  ok("reset pland");
  await page.getByRole("button", { name: "Clear journal" }).click();
  await page.getByText("0 request(s)").waitFor();
  await page.getByRole("combobox", { name: "API", exact: true }).selectOption("ruangkerja");
  await page.getByLabel("Search cases").fill("");
  await page.getByRole("article", { name: dup, exact: true }).waitFor();
  await sendCase(dup);
  await journal.getByText(/POST \/ruangkerja\/ruangkerja\/users → 409/).first().waitFor();
  const count = await journal.locator(":scope > li").count();
  ok(`the journal updated after the reset: ${count} entries`);
  await journal.locator("summary").first().click();
  await journal.getByText("Decision:").first().waitFor();
  ok("a journal entry expands");
  await page.screenshot({ path: join(shots, "console-journal.png"), fullPage: true });

  if (errors.length) throw new Error(errors.join("\n"));
  ok(`no console errors (${refusedLoads} refused fetches logged by Chromium, as intended)`);
} catch (err) {
  console.log("FAIL: " + (err && err.stack || err));
  await page.screenshot({ path: join(shots, "console-failure.png"), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
