/**
 * What the differential scripts (diff-*.mjs) share: a fresh connection per case with the channel's
 * close recorded as `{ code, text, method }`, clean-up, and the runner that prints each case's
 * answers from one or two brokers and the cases that differ.
 */
import { pathToFileURL } from "node:url";
import amqp from "amqplib";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn(ch, conn, closed)` on a fresh connection; returns what it returned, or the channel's close. */
export async function onChannel(url, fn, confirm = false) {
  const conn = await amqp.connect(url);
  conn.on("error", () => {});
  const ch = confirm ? await conn.createConfirmChannel() : await conn.createChannel();
  let closed = null;
  ch.on("error", (e) => {
    closed = { code: e.code, text: e.message.replace(/^Channel closed by server: \d+ \([A-Z-]+\) with message "(.*)"$/, "$1"), method: `${e.classId}/${e.methodId}` };
  });
  try {
    const r = await fn(ch, conn, () => closed);
    return closed === null ? r : { ...(r ?? {}), closed };
  } catch (e) {
    await sleep(50);
    return { closed: closed ?? { code: e.code, text: e.message } };
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Deletes `queues` (those that exist). */
export async function cleanup(url, queues) {
  const conn = await amqp.connect(url);
  conn.on("error", () => {});
  const ch = await conn.createChannel();
  for (const q of queues) await ch.deleteQueue(q).catch(() => {});
  await conn.close().catch(() => {});
}

/** Waits until the channel closes (`getClosed()` not null) or `ms` pass. */
export async function closeOf(getClosed, ms = 1000) {
  const deadline = Date.now() + ms;
  while (getClosed() === null && Date.now() < deadline) await sleep(10);
  return getClosed();
}

/** Runs every case (or those whose name includes $CASE) against `a`, and `b` when given. */
async function runCases(cases, a, b) {
  const only = process.env.CASE;
  const diff = [];
  for (const [name, fn] of Object.entries(cases)) {
    if (only !== undefined && !name.includes(only)) continue;
    const ra = await fn(a);
    const rb = b === undefined ? undefined : await fn(b);
    console.log(JSON.stringify({ case: name, a: ra, ...(b === undefined ? {} : { b: rb }) }));
    if (b !== undefined && JSON.stringify(ra) !== JSON.stringify(rb)) diff.push(name);
  }
  if (b !== undefined) console.log(diff.length === 0 ? "all cases agree" : `differ: ${diff.join("; ")}`);
  process.exitCode = diff.length === 0 ? 0 : 1;
}

/** When the script at `moduleUrl` is the one node runs: its cases against the URLs of argv. */
export async function runIfMain(moduleUrl, cases) {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const [a, b] = process.argv.slice(2);
  if (a === undefined) console.error(`usage: ${process.argv[1].split("/").pop()} <amqp-url> [<amqp-url>]`);
  else await runCases(cases, a, b);
}
