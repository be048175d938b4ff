// What one browser open on the web UI's overview costs the broker at saturation (issue 14: at most
// 3% of consumed msg/s). The real server binary (apps/server, management port on in both rounds)
// and amqp-bench's generator (1 publisher, 1 consumer, 256 B, prefetch 1000, full speed); rounds
// alternate between
//   without: nobody on the management port;
//   with:    Debian's chromium (playwright-core) logged in on the overview, refreshing every 5 s
//            (the default), charts drawing;
// and print consumed msg/s and broker CPU per consumed message for each, medians and the ratio.
// Usage: pnpm build && [taskset -c 1] node bench/ui-overhead.mjs [--rounds 3] [--seconds 10] [--broker-cpus 0] [--idle-browser]
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { alternate, arg, saturate, startServer } from "../../../packages/management/bench/saturation.mjs";

const ROUNDS = Number(arg("rounds", "3"));
const SECONDS = Number(arg("seconds", "10"));
/**
 * `--idle-browser`: chromium runs under SCHED_IDLE (chrt --idle), so that on a 2-core machine its
 * rendering takes only CPU nobody else wants and what is measured is the UI's requests to the
 * broker, as with a browser on the operator's own machine.
 */
function chromiumPath() {
  const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!process.argv.includes("--idle-browser")) return chromium;
  const wrapper = join(mkdtempSync(join(tmpdir(), "ui-overhead-")), "chromium");
  writeFileSync(wrapper, `#!/bin/sh\nexec chrt --idle 0 ${chromium} "$@"\n`, { mode: 0o755 });
  return wrapper;
}
const CHROMIUM = chromiumPath();

async function round(withBrowser) {
  const server = await startServer({ management: true });
  let browser = null;
  let requests = 0;
  try {
    if (withBrowser) {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
      const page = await browser.newPage();
      page.on("request", (r) => r.url().includes("/api/") && requests++);
      await page.goto(`http://127.0.0.1:${server.managementPort}/`);
      await page.getByLabel("Username").fill("guest");
      await page.getByLabel("Password").fill("guest");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.locator(".chart canvas").first().waitFor();
    }
    return { ...(await saturate(server, SECONDS)), note: `${requests} API requests` };
  } finally {
    await browser?.close();
    await server.stop();
  }
}

await alternate(ROUNDS, "a browser on the overview", round);
