/**
 * The broker with its management API (and so the web UI) in-process on port 0, and Debian's
 * chromium driven by playwright-core (no downloaded browser). Users: guest (administrator), and
 * `watcher` (monitoring) who may read "/" but configure and write nothing.
 */
import { existsSync } from "node:fs";
import { hashPassword, rabbitPasswordHash, UserDb, UsersAuthenticator } from "@amqp-go/auth";
import { Broker } from "@amqp-go/broker";
import { type ManagementServer, MemoryUsers, startManagementServer } from "@amqp-go/management";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export interface UiHarness {
  readonly broker: Broker;
  readonly management: ManagementServer;
  readonly amqpUrl: string;
  readonly base: string;
  readonly browser: Browser;
  /** A fresh browser context (own sessionStorage) with a page, `width` px wide. */
  newPage(width?: number): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

const all = { configure: ".*", write: ".*", read: ".*" };

export async function startUi(o: { memoryHighWatermark?: number; idleQueueFlowBytes?: number } = {}): Promise<UiHarness> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (the README's test section), or set CHROMIUM`);
  const guest = rabbitPasswordHash("guest", "rabbit_password_hashing_sha256", Buffer.from([1, 2, 3, 4]));
  const pw = hashPassword("pw", { log2N: 10, r: 8, p: 1 });
  const db = new UserDb({
    users: [
      { name: "guest", ...guest, tags: ["administrator"] },
      { name: "watcher", ...pw, tags: ["monitoring"] },
    ],
    vhosts: [{ name: "/" }],
    permissions: [
      { user: "guest", vhost: "/", ...all },
      { user: "watcher", vhost: "/", configure: "^$", write: "^$", read: ".*" },
    ],
    other: {},
  });
  const authenticator = new UsersAuthenticator({ db, rateLimit: { maxFailures: 1000, windowMs: 60_000 } });
  const broker = new Broker({ authenticator, ...o });
  const { port: amqpPort } = await broker.listen({ port: 0, host: "127.0.0.1" });
  // rates sampled each second, so charts and rate columns move within a test
  const management = await startManagementServer({
    broker,
    users: new MemoryUsers(authenticator, broker),
    port: 0,
    host: "127.0.0.1",
    listeners: [{ protocol: "amqp", port: amqpPort }],
    sampleIntervalMs: 1000,
  });
  // playwright starts chromium with a fresh --user-data-dir of its own (a temporary directory it
  // removes on close), so no profile is shared between runs
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
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
  });
  const base = `http://127.0.0.1:${management.port}/`;
  return {
    broker,
    management,
    amqpUrl: `amqp://guest:guest@127.0.0.1:${amqpPort}`,
    base,
    browser,
    async newPage(width = 1280) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, baseURL: base });
      // a condition not met in 15 s fails the test with playwright's call log, not vitest's timeout
      context.setDefaultTimeout(15_000);
      const page = await context.newPage();
      page.on("dialog", (d) => void d.accept());
      return { context, page };
    },
    async close() {
      await browser.close();
      await management.close();
      await broker.close();
    },
  };
}

/** Logs in through the form and waits for the overview. */
export async function logIn(page: Page, base: string, user = "guest", password = user === "guest" ? "guest" : "pw"): Promise<void> {
  await page.goto(base);
  await page.getByLabel("Username").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
}

export const UPDATING_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === "1";

/** Waits for `points` samples on the page's first chart, only when taking screenshots (for the picture). */
export async function chartPoints(page: Page, points: number): Promise<void> {
  if (UPDATING_SCREENSHOTS) await page.locator(`.chart[data-points="${points}"]`).first().waitFor();
}

/** Where the README's screenshots go; written only with UPDATE_SCREENSHOTS=1, so CI leaves the tree clean. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!UPDATING_SCREENSHOTS) return;
  const dir = new URL("../../../packages/management-ui/screenshots/", import.meta.url);
  await page.screenshot({ path: new URL(`${name}.png`, dir).pathname, fullPage: false });
}

/** Refreshes every second (the select's fastest), so a test sees changes without waiting 5 s. */
export async function fastRefresh(page: Page): Promise<void> {
  await page.addInitScript(() => localStorage.setItem("amqp-go.refresh", "1"));
}

/** A number as the pages write it ("1,234"). */
export const numberIn = async (page: Page, selector: string): Promise<number> => Number(((await page.locator(selector).first().textContent()) ?? "").replace(/[^0-9.]/g, ""));
