#!/usr/bin/env node
/**
 * How fast a test gets its broker: startBroker() and stop(), median of 20 runs, from the ESM entry
 * (in-process) and the CommonJS one (worker thread); then a suite of 200 tests, each with its own
 * vhost on one broker, each connecting, declaring a queue, publishing 10 confirmed messages and
 * taking them back.
 *
 *   pnpm --filter @amqp-go/testing build && node packages/testing/bench/startup.mjs
 */
import { createRequire } from "node:module";
import amqp from "amqplib";

let t = performance.now();
const { startBroker } = await import("../dist/index.js");
const importMs = performance.now() - t;
const cjs = createRequire(import.meta.url)("../dist/index.cjs");
t = performance.now();
await (await cjs.startBroker()).stop();
const firstWorkerMs = performance.now() - t;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeStartStop(start, runs = 20) {
  const up = [];
  const down = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const b = await start();
    up.push(performance.now() - t);
    t = performance.now();
    await b.stop();
    down.push(performance.now() - t);
  }
  return { start: median(up), stop: median(down) };
}

await timeStartStop(startBroker, 3); // warm the JIT and the module cache
const esm = await timeStartStop(startBroker);
const worker = await timeStartStop(cjs.startBroker);
console.log(`first use: ESM import ${importMs.toFixed(0)} ms; CommonJS first start (thread + modules) ${firstWorkerMs.toFixed(0)} ms`);
console.log(`ESM, in-process:       start ${esm.start.toFixed(1)} ms, stop ${esm.stop.toFixed(1)} ms (median of 20)`);
console.log(`CommonJS, worker:      start ${worker.start.toFixed(1)} ms, stop ${worker.stop.toFixed(1)} ms (median of 20)`);

const broker = await startBroker();
const t0 = performance.now();
for (let i = 0; i < 200; i++) {
  const v = await broker.createVhost();
  const conn = await amqp.connect(v.url, { noDelay: true }); // without it, Nagle costs ~40 ms a connect
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue("work");
  for (let j = 0; j < 10; j++) ch.sendToQueue("work", Buffer.from(`m${j}`));
  await ch.waitForConfirms();
  const got = await broker.take("work", { vhost: v.name });
  if (got.length !== 10) throw new Error(`test ${i}: ${got.length} messages`);
  await conn.close();
  await v.delete();
}
const suite = performance.now() - t0;
await broker.stop();
console.log(`200 tests, a vhost each: ${(suite / 1000).toFixed(2)} s (${(suite / 200).toFixed(1)} ms a test)`);
