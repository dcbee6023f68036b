// The public portal in a real browser: opens the county, a township, a village, a project,
// a notice and a three-list page of a server with the demo county in headless Chromium,
// at a phone's width and a desktop's, with JavaScript off and every request to another
// host refused. Fails on a console error, a refused request, a page that is not 200 or a
// missing element; saves a screenshot of each page at each width.
//
//   apt-get install -y chromium
//   npm install --prefix scripts/.node playwright-core@1
//   cargo run -- serve --dev --demo &
//   NODE_PATH=scripts/.node/node_modules node scripts/portal-check.cjs http://127.0.0.1:8000 docs/portal
const { chromium } = require("playwright-core");
const fs = require("fs");

const base = process.argv[2] || "http://127.0.0.1:8000";
const out = process.argv[3] || "portal-screenshots";
const origin = new URL(base).origin;
const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

// Each page: how to reach it from the one before, and what must be on it.
const PAGES = [
  { name: "county", find: null, path: "/public/regions/990101000000", must: ["#region-name", "#funds", "#sectors", "#projects", "#open-notices", "#hotline", "#children"] },
  { name: "township", path: "/public/regions/990101001000", must: ["#region-name", "#funds", "#hotline", "#children"] },
  { name: "project", from: "county", link: "#projects a[href^='/public/projects/']", must: ["#project-name", "#project", "#hotline", "section.sheet pre"] },
  { name: "notice", from: "county", link: "#open-notices a[href^='/public/notices/']", text: "项目", must: ["#notice", "#notice-body", "#qr svg"] },
  { name: "village", from: "project", link: "nav.crumbs a[href^='/public/regions/']:nth-of-type(2)", must: ["#region-name", "#projects", "#hotline"] },
  { name: "task-list", from: "county", link: "#task-lists a", must: ["#list-title", "#items"] },
];

(async () => {
  fs.mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  const problems = [];
  const found = {};
  for (const [label, viewport] of Object.entries(WIDTHS)) {
    // No JavaScript: the portal must work without it.
    const context = await browser.newContext({ viewport, javaScriptEnabled: false });
    const page = await context.newPage();
    page.on("console", (m) => m.type() === "error" && problems.push(`${label} console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`${label} page error: ${e.message}`));
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith("data:")) return route.continue();
      problems.push(`outside request: ${url}`);
      return route.abort();
    });
    for (const spec of PAGES) {
      let path = spec.path;
      if (!path) {
        const from = found[spec.from];
        await page.goto(base + from, { waitUntil: "load" });
        const links = spec.text ? page.locator(spec.link, { hasText: spec.text }) : page.locator(spec.link);
        const href = await links.first().getAttribute("href").catch(() => null);
        if (!href) fail(`${label}: no link to a ${spec.name} page on ${from} (${spec.link})`);
        path = href;
      }
      found[spec.name] = path;
      const response = await page.goto(base + path, { waitUntil: "load" });
      if (!response || response.status() !== 200) fail(`${label}: ${path} answered ${response && response.status()}`);
      for (const selector of spec.must) {
        if ((await page.locator(selector).count()) === 0) fail(`${label}: ${path} has no ${selector}`);
      }
      // Nothing wider than the screen on a phone (tables scroll inside their wrapper).
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 1) problems.push(`${label}: ${path} is ${overflow}px wider than the screen`);
      const file = `${out}/${spec.name}-${label}.png`;
      await page.screenshot({ path: file, fullPage: spec.name !== "county" });
      console.log(`ok: ${label} ${spec.name} ${path} -> ${file}`);
    }
    await context.close();
  }
  // The notice prints as a sheet: the print stylesheet hides the site's chrome.
  const context = await browser.newContext({ viewport: WIDTHS.desktop, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(base + found.notice, { waitUntil: "load" });
  await page.emulateMedia({ media: "print" });
  if (await page.locator("header.site").isVisible()) problems.push("print: the site header is printed");
  await page.pdf({ path: `${out}/notice-print.pdf`, format: "A4" }).catch(() => {});
  console.log(`ok: the notice prints without the site's chrome (${out}/notice-print.pdf)`);
  await browser.close();
  if (problems.length) fail(problems.join("\n"));
  console.log("ok: every page answered, held its elements, with no console error and no outside request");
})().catch((e) => fail(e.stack || String(e)));
