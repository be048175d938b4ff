// What one browser open on the web UI's overview costs the broker at saturation (issue 14: at most
// 3% of consumed msg/s). The real server binary (apps/server, management port on in both rounds)
// and amqp-bench's generator (1 publisher, 1 consumer, 256 B, prefetch 1000, full speed); rounds
// alternate between
//   without: nobody on the management port;
//   with:    Debian's chromium (playwright-core) logged in on the overview, refreshing every 5 s
//            (the default), charts drawing;
// and print consumed msg/s and broker CPU per consumed message for each, medians and the ratio.
// Usage: pnpm build && [taskset -c 1] node bench/ui-overhead.mjs [--rounds 3] [--seconds 10] [--broker-cpus 0]
import { chromium } from "playwright-core";
import { alternate, arg, saturate, startServer } from "../../../packages/management/bench/saturation.mjs";

const ROUNDS = Number(arg("rounds", "3"));
const SECONDS = Number(arg("seconds", "10"));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

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
