/** BENCHMARKS.md: one table, scenario by scenario, amqp-go against RabbitMQ, with the machine and versions. */
import type { RunResult } from "../result.js";

export type Cell =
  | {
      readonly ok: true;
      readonly result: RunResult;
      readonly peakRss: number;
      readonly cpuUsPerMsg: number;
      /** Average cores used over the bench run by the broker, the load generator, and everything else. */
      readonly brokerCores: number;
      readonly loadCores: number;
      readonly otherCores: number;
    }
  | { readonly ok: false; readonly error: string };

export interface Row {
  readonly scenario: string;
  readonly description: string;
  /** What was overridden for this run (a smaller backlog), shown beside the name. */
  readonly note: string;
  readonly ours: Cell;
  readonly rabbit: Cell | undefined;
}

export interface Environment {
  readonly date: string;
  readonly machine: string;
  readonly node: string;
  readonly ours: string;
  readonly rabbit: string | undefined;
  readonly load: string;
  /** What to keep in mind about the load generator's weight (its own lines under "Keep in mind"). */
  readonly loadNote: readonly string[];
  readonly duration: number;
  readonly command: string;
}

const int = (n: number): string => Math.round(n).toLocaleString("en");
const mib = (bytes: number): string => (Number.isFinite(bytes) ? `${int(bytes / 2 ** 20)} MiB` : "-");
const ms = (v: number | undefined): string => (v === undefined ? "-" : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : int(v));
const us = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : "-");

function cells(c: Cell | undefined): { rate: string; published: string; p99: string; rss: string; cpu: string } {
  if (c === undefined) return { rate: "not run", published: "-", p99: "-", rss: "-", cpu: "-" };
  if (!c.ok) return { rate: `failed: ${c.error.replace(/\|/g, "\\|")}`, published: "-", p99: "-", rss: "-", cpu: "-" };
  const r = c.result;
  return { rate: int(r.rates.consumed), published: int(r.rates.published), p99: ms(r.latencyMs?.p99), rss: mib(c.peakRss), cpu: us(c.cpuUsPerMsg) };
}

function ratio(a: Cell, b: Cell | undefined): string {
  if (b === undefined || !a.ok || !b.ok || b.result.rates.consumed === 0) return "-";
  return `${(a.result.rates.consumed / b.result.rates.consumed).toFixed(2)}x`;
}

export function renderMarkdown(env: Environment, rows: readonly Row[]): string {
  const rabbit = env.rabbit !== undefined;
  const head = rabbit
    ? "| scenario | amqp-go msg/s | published | CPU µs/msg | RabbitMQ msg/s | published | CPU µs/msg | ratio | p99 ms amqp-go | p99 ms RabbitMQ | peak RSS amqp-go | peak RSS RabbitMQ |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    : "| scenario | amqp-go msg/s | published | CPU µs/msg | p99 ms | peak RSS |\n|---|--:|--:|--:|--:|--:|";
  const lines = rows.map((r) => {
    const a = cells(r.ours);
    const name = `\`${r.scenario}\`${r.note === "" ? "" : ` (${r.note})`}`;
    if (!rabbit) return `| ${name} | ${a.rate} | ${a.published} | ${a.cpu} | ${a.p99} | ${a.rss} |`;
    const b = cells(r.rabbit);
    return `| ${name} | ${a.rate} | ${a.published} | ${a.cpu} | ${b.rate} | ${b.published} | ${b.cpu} | ${ratio(r.ours, r.rabbit)} | ${a.p99} | ${b.p99} | ${a.rss} | ${b.rss} |`;
  });
  const backlog = rows
    .filter((r) => r.ours.ok && r.ours.result.options.backlog)
    .map((r) => {
      const pub = (c: Cell | undefined): string => (c?.ok ? `${int(c.result.rates.published)} msg/s` : "-");
      return `- \`${r.scenario}\` publish phase (confirmed, no consumer): amqp-go ${pub(r.ours)}${rabbit ? `, RabbitMQ ${pub(r.rabbit)}` : ""}; its msg/s in the table is the drain.`;
    });
  const deadLettered = rows
    .filter((r) => r.ours.ok && r.ours.result.options.deadLetterQueue !== "")
    .map((r) => {
      const dl = (c: Cell | undefined): string => (c?.ok ? `${int(c.result.deadLettered)} of ${int(c.result.published)} published` : "-");
      return `- \`${r.scenario}\` dead-lettered (expired, in the dead-letter queue at the end, not in msg/s): amqp-go ${dl(r.ours)}${rabbit ? `, RabbitMQ ${dl(r.rabbit)}` : ""}.`;
    });
  const seconds = [...new Set(rows.flatMap((r) => [r.ours, r.rabbit]).flatMap((c) => (c?.ok && c.result.options.warmup > 0 ? [c.result.options.warmup] : [])))];
  const warmups =
    seconds.length === 0
      ? []
      : [`  Latency leaves out the messages sent in the first ${seconds.join(" or ")} s of a run (warm-up: JIT, first GCs, connection set-up).`];
  const busy = rows.flatMap((r) =>
    [r.ours, r.rabbit].filter((c): c is Cell & { ok: true } => c?.ok === true && c.otherCores > 0.15).map((c) => `\`${r.scenario}\` (${c.result.broker.product}, ${c.otherCores.toFixed(2)} cores)`),
  );
  const shared =
    busy.length === 0
      ? []
      : [
          "- The machine is shared. Runs during which other processes used more than 0.15 cores were repeated (up to 3",
          `  times) and the least disturbed kept; still disturbed: ${busy.join(", ")}. Those rows may`,
          "  be slower, and their latency higher, than on an idle machine.",
        ];
  return [
    "# Benchmarks",
    "",
    `amqp-go${rabbit ? " against RabbitMQ" : ""} on one machine, from a real run of \`${env.command}\` on ${env.date}.`,
    "Rerun it to check the figures on your hardware (see [apps/bench](apps/bench/README.md)).",
    "",
    `- Machine: ${env.machine}`,
    `- amqp-go: ${env.ours}, on ${env.node}`,
    ...(rabbit ? [`- RabbitMQ: ${env.rabbit}, default settings, no plugins`] : []),
    `- Load: ${env.load}, on the same machine; ${env.duration} s of publishing per scenario; each broker started afresh for each scenario, on loopback`,
    "",
    head,
    ...lines,
    "",
    "How to read it:",
    "- **msg/s** is messages consumed per second, from the first publish to the last delivery (every message is",
    "  counted and the run fails if one is missing). **published** beside it is the producers' rate, from the",
    "  first to the last publish: well above msg/s, a backlog built up during the run and drained after it.",
    "  **ratio** is amqp-go's consumed msg/s over RabbitMQ's: above 1 is faster.",
    "- **p99** is end-to-end latency, publish to delivery, from an HDR histogram of a timestamp carried in every",
    "  message. Where producers publish as fast as they can, it measures queueing at saturation; `1p1c-10k`",
    "  is the latency figure at a fixed rate below saturation.",
    ...warmups,
    "- **peak RSS** is the broker process's VmHWM (Erlang's `beam.smp` for RabbitMQ) at the end of the scenario.",
    "- **CPU µs/msg** is the broker process's user + system time over the run, per message consumed: the figure",
    "  the load generator cannot distort.",
    ...backlog,
    ...deadLettered,
    "",
    "Cores in use on average over each run: broker / load generator / other processes on the machine; then the",
    "load generator's own cost over the run, in percent of a core per 10,000 msg/s consumed:",
    "",
    ...rows.map((r) => {
      const c = (cell: Cell | undefined): string =>
        cell?.ok
          ? `${cell.brokerCores.toFixed(2)} / ${cell.loadCores.toFixed(2)} / ${cell.otherCores.toFixed(2)}; generator ${cell.result.generator.corePercentPer10k.toFixed(1)}%`
          : "-";
      return `- \`${r.scenario}\`: amqp-go ${c(r.ours)}${rabbit ? `; RabbitMQ ${c(r.rabbit)}` : ""}`;
    }),
    "",
    "Keep in mind:",
    ...env.loadNote,
    "- Both brokers write persistent messages of durable queues to disk and confirm them only once synced:",
    "  amqp-go after the fdatasync of its write-ahead log batch, RabbitMQ after its message store's fsync.",
    "- Without confirms or a fixed rate, producers can outrun consumers: a backlog then builds during the run and",
    "  drains after it, and msg/s includes the drain. RabbitMQ's credit flow control holds publishers near the",
    "  consumers' pace; amqp-go has none yet (it blocks publishers only at its memory high watermark), so where",
    "  its published rate is well above its consumed rate its p99 and peak RSS measure that backlog.",
    ...shared,
    "",
    "Scenarios (`amqp-bench --list-scenarios`):",
    "",
    ...rows.map((r) => `- \`${r.scenario}\`: ${r.description}`),
    "",
  ].join("\n");
}
