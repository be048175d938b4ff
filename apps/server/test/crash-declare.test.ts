/**
 * Crash test for the definitions' journal (issue 18): the built binary in a child process, clients
 * declaring thousands of durable queues, each bound to amq.direct, on many channels at once;
 * `kill -9` while they are at it. After a restart every queue whose declare-ok came back is
 * there, and every binding whose bind-ok came back routes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, type ServerProcess, spawnServer } from "./helpers.js";

beforeAll(assertBuilt);

const CHANNELS = 16;
const PER_CHANNEL = 250;
/** The kill comes once this many bind-oks are in (of CHANNELS * PER_CHANNEL). */
const KILL_AT = 1000 + Math.floor(Math.random() * 1500);

async function start(dataDir: string): Promise<{ server: ServerProcess; url: string }> {
  const server = spawnServer(["--port", "0", "--host", "127.0.0.1", "--metrics-port", "0", "--management-port", "0", "--data-dir", dataDir, "--log-level", "info"]);
  const listening = await server.line((l) => l.msg === "listening", 15_000);
  await server.line((l) => l.msg === "messages recovered", 30_000);
  return { server, url: `amqp://guest:guest@127.0.0.1:${listening["port"] as number}` };
}

describe("kill -9 while thousands of durable queues are declared", () => {
  it(`keeps every declare-ok'd queue and bind-ok'd binding (kill after ${KILL_AT} bind-oks)`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "amqp-crash-declare-"));
    const servers: ServerProcess[] = [];
    try {
      const first = await start(dataDir);
      servers.push(first.server);
      const declared: string[] = [];
      const bound: string[] = [];
      let killed = false;
      const c = await amqp.connect(first.url);
      c.on("error", () => {});
      await Promise.all(
        Array.from({ length: CHANNELS }, async (_, n) => {
          const ch = await c.createChannel();
          ch.on("error", () => {});
          for (let i = 0; i < PER_CHANNEL && !killed; i++) {
            const q = `crash-decl-${n}-${i}`;
            try {
              await ch.assertQueue(q, { durable: true });
              declared.push(q);
              await ch.bindQueue(q, "amq.direct", q);
              bound.push(q);
            } catch {
              return; // the server is gone
            }
            if (bound.length >= KILL_AT && !killed) {
              killed = true;
              first.server.child.kill("SIGKILL");
            }
          }
        }),
      );
      const exit = await first.server.exited;
      expect(exit.signal).toBe("SIGKILL");
      // killed in the middle: some declared, not all
      expect(bound.length).toBeGreaterThanOrEqual(KILL_AT);
      expect(declared.length).toBeLessThan(CHANNELS * PER_CHANNEL);

      const second = await start(dataDir);
      servers.push(second.server);
      const d = await amqp.connect(second.url);
      const boundSet = new Set(bound);
      const missing: string[] = [];
      const unrouted: string[] = [];
      // CHANNELS checkers, each publishing through the bindings of its share, then checking its queues
      await Promise.all(
        Array.from({ length: CHANNELS }, async (_, n) => {
          const share = declared.filter((_q, i) => i % CHANNELS === n);
          let ch = await d.createChannel();
          for (const q of share) if (boundSet.has(q)) ch.publish("amq.direct", q, Buffer.from(q));
          for (const q of share) {
            try {
              const ok = await ch.checkQueue(q); // answered after the publishes before it
              if (boundSet.has(q) && ok.messageCount !== 1) unrouted.push(q);
            } catch {
              missing.push(q);
              ch = await d.createChannel();
            }
          }
        }),
      );
      expect(missing).toEqual([]);
      expect(unrouted).toEqual([]);
      await d.close();
    } finally {
      for (const s of servers) {
        s.child.kill("SIGKILL");
        await s.exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
