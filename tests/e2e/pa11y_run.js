// Runs pa11y (https://pa11y.org) on several pages with one Chromium, for tests/e2e/test_pa11y.py.
//
//   node tests/e2e/pa11y_run.js <node_modules of .cache/pa11y> <pa11y.json>  < jobs.json
//
// jobs.json: [{"url": "...", "cookies": [{name, value, url}], "actions": ["wait for element ... to be added"]}, ...].
// The browser is launched once with the config's chromeLaunchConfig (Debian's Chromium and the
// flags of the other browser tests); the config's other options (runners, standard, timeout, wait)
// apply to every page. Prints one JSON list: [{"url", "errors": [{code, message, selector, context}]}].
// A page that pa11y could not test is reported as an error with the code "pa11y-failure".
"use strict";

const fs = require("fs");
const path = require("path");

async function main() {
  const [modules, configPath] = process.argv.slice(2);
  const pa11y = require(path.join(modules, "pa11y"));
  const puppeteer = require(path.join(modules, "puppeteer"));
  const config = JSON.parse(fs.readFileSync(configPath, "utf8"));
  const jobs = JSON.parse(fs.readFileSync(0, "utf8"));
  const { chromeLaunchConfig, ...options } = config;
  const browser = await puppeteer.launch(chromeLaunchConfig);
  const out = [];
  try {
    for (const job of jobs) {
      const page = await browser.newPage();
      try {
        if (job.cookies && job.cookies.length) { await page.setCookie(...job.cookies); }
        const result = await pa11y(job.url, {
          ...options,
          browser: browser,
          page: page,
          actions: job.actions || [],
          log: { debug: () => {}, error: () => {}, info: () => {} },
        });
        out.push({
          url: job.url,
          title: result.documentTitle,
          errors: result.issues
            .filter((i) => i.type === "error")
            .map((i) => ({ code: i.code, message: i.message, selector: i.selector, context: i.context })),
        });
      } catch (e) {
        out.push({ url: job.url, errors: [{ code: "pa11y-failure", message: String(e), selector: "", context: "" }] });
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + "\n");
  process.exit(2);
});
