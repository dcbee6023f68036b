// GraphiQL with the network unplugged: opens the server's GraphiQL page in headless Chromium
// with every request to another host refused, and checks that the editor renders, the docs
// load the schema, and a query runs. Fails on any console error or refused request.
//
//   apt-get install -y chromium
//   npm install --prefix scripts/.node playwright-core@1
//   NODE_PATH=scripts/.node/node_modules node scripts/graphiql-check.cjs http://127.0.0.1:8000 [screenshot.png]
const { chromium } = require("playwright-core");

const base = process.argv[2] || "http://127.0.0.1:8000";
const screenshot = process.argv[3] || "graphiql.png";
const origin = new URL(base).origin;

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  // The network outside the server is closed: any other host is refused (and reported).
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:")) return route.continue();
    problems.push(`outside request: ${url}`);
    return route.abort();
  });

  await page.goto(base + "/", { waitUntil: "networkidle" });
  await page.waitForSelector(".graphiql-container", { timeout: 15000 }).catch(() => fail("the editor did not render"));
  console.log("ok: the editor renders");

  // The docs pane loads the schema by introspection.
  await page.click('button[aria-label="Show Documentation Explorer"]');
  await page
    .waitForSelector(".graphiql-doc-explorer-root-type, .graphiql-doc-explorer-content :text('Query')", { timeout: 15000 })
    .catch(() => fail("the docs pane did not load the schema"));
  console.log("ok: the docs load");

  // A query runs: replace the editor's text and press run.
  await page.locator(".graphiql-query-editor .CodeMirror").first().click();
  await page.keyboard.press("Control+A");
  await page.keyboard.type("{ __typename }");
  // GraphiQL reads the editor after a short debounce.
  await page.waitForTimeout(500);
  await page.click('button[aria-label="Execute query (Ctrl-Enter)"]');
  await page
    .waitForFunction(() => document.querySelector(".graphiql-response")?.innerText.includes('"__typename": "Query"'), null, { timeout: 15000 })
    .catch(() => fail("the query did not run"));
  console.log("ok: a query runs");

  const headers = await page.evaluate(() => document.querySelector(".graphiql-editor-tool")?.innerText || "");
  if (!headers.includes("Authorization")) fail("the headers editor is not prefilled with Authorization");
  console.log("ok: the headers editor holds the Authorization line");

  await page.screenshot({ path: screenshot });
  await browser.close();
  if (problems.length) fail(problems.join("\n"));
  console.log(`ok: no console errors and no outside requests; screenshot in ${screenshot}`);
})().catch((e) => fail(e.stack || String(e)));
