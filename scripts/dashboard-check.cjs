// The live dashboard example in a real browser: opens /examples/dashboard of a server with
// the demo county in headless Chromium, signs in as the coordinator, waits for the figures,
// then records a progress report through the API (as a department) and waits for
// it to appear in the page's list of changes and the figures to be read again. Fails on a
// console error or a missing element; saves a screenshot.
//
//   apt-get install -y chromium
//   npm install --prefix scripts/.node playwright-core@1
//   cargo run -- serve --dev --demo &
//   NODE_PATH=scripts/.node/node_modules node scripts/dashboard-check.cjs http://127.0.0.1:8000 docs/dashboard.png
const { chromium } = require("playwright-core");

const base = process.argv[2] || "http://127.0.0.1:8000";
const shot = process.argv[3] || "dashboard.png";

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

async function graphql(query, variables, token) {
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) fail(`the API answered ${JSON.stringify(body.errors)}`);
  return body.data;
}

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
  const page = await browser.newPage();
  page.on("console", (m) => m.type() === "error" && fail(`console: ${m.text()}`));
  page.on("pageerror", (e) => fail(`page error: ${e.message}`));
  await page.goto(`${base}/examples/dashboard`);
  await page.click("button");
  await page.waitForSelector(".figure", { timeout: 10000 });
  const status = await page.textContent("#status");
  if (!status.startsWith("following")) fail(`status: ${status}`);

  // A change through the API, as the first department with a project under construction.
  const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  let token = null;
  let project = null;
  for (const username of ["transport", "water", "health", "power", "education", "telecom"]) {
    const login = await graphql(
      "mutation($u: String!) { login(input: {username: $u, password: \"demo1234\"}) { token } }",
      { u: username },
    );
    token = login.login.token;
    const found = await graphql(
      "{ projects(first: 1, filter: {statuses: [UNDER_CONSTRUCTION]}) { nodes { id code version } } }",
      {},
      token,
    );
    project = found.projects.nodes[0];
    if (project) break;
  }
  if (!project) fail("no department has a project under construction");
  const reported = await graphql(
    "mutation($i: ProgressReportCreateInput!) { progressReportCreate(input: $i) { userErrors { message } } }",
    {
      i: {
        project: project.id,
        expectedVersion: project.version,
        completedQuantity: "0.1",
        investedAmount: "1.00",
        reportedOn: today,
        correction: true,
      },
    },
    token,
  );
  if (reported.progressReportCreate.userErrors.length) fail(JSON.stringify(reported.progressReportCreate.userErrors));
  await page.waitForFunction((code) => document.querySelector("#feed")?.textContent.includes(code), project.code, {
    timeout: 10000,
  });
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`ok: the change to ${project.code} appeared; screenshot ${shot}`);
  await browser.close();
})().catch((e) => fail(e.stack || String(e)));
