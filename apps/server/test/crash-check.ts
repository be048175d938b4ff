/**
 * The crash test's rules (crash.test.ts): what the recovered queues must hold given what the
 * clients saw before the kill (crash-workload.ts).
 */
import { QUEUES, type Traffic, type Drained, type QueueName } from "./crash-workload.js";

/** How the recovered queues break the rules; every list empty is a pass. */
export interface Violations {
  /** Confirmed persistent messages routed to the queue, never acked, not recovered. */
  missing: string[];
  duplicated: string[];
  /** Recovered but acked (and the ack processed) well before the kill. */
  ackedCameBack: string[];
  /** Recovered without the redelivered flag although delivered before the kill. */
  deliveredNotFlagged: string[];
  transientCameBack: string[];
  /** Recovered from a queue it was never routed to, or never published. */
  foreign: string[];
  /** Body, persistence or headers differ from what was published. */
  altered: string[];
  /** Two messages of one publisher in a queue in the other order than published. */
  outOfOrder: string[];
}

/**
 * `ackWindowMs`: an ack the broker processed less than this before the kill may not be durable;
 * its message may come back (flagged redelivered).
 */
export function check(traffic: Traffic, recovered: Map<QueueName, Drained[]>, ackWindowMs: number): Violations {
  const v: Violations = { missing: [], duplicated: [], ackedCameBack: [], deliveredNotFlagged: [], transientCameBack: [], foreign: [], altered: [], outOfOrder: [] };
  for (const q of QUEUES) {
    const got = recovered.get(q) ?? [];
    const record = traffic.consumed.get(q);
    const delivered = new Set(record?.deliveries.map((d) => d.id));
    const acks = new Map(record?.acks.map((a) => [a.id, a]));
    const seen = new Set<string>();
    const lastOf = new Map<number, string>();
    for (const m of got) {
      const tag = `${q}:${m.id}`;
      if (seen.has(m.id)) v.duplicated.push(tag);
      seen.add(m.id);
      const p = traffic.published.get(m.id);
      if (p === undefined || !p.queues.includes(q)) {
        v.foreign.push(tag);
        continue;
      }
      if (!p.persistent) v.transientCameBack.push(tag);
      const last = lastOf.get(p.publisher);
      if (last !== undefined && sequence(last) > sequence(p.id)) v.outOfOrder.push(`${q}:${last} before ${p.id}`);
      lastOf.set(p.publisher, p.id);
      const expectedHeaders = { "x-publisher": p.publisher, "x-id": p.id };
      if (m.body !== p.body || !m.persistent || JSON.stringify(m.headers) !== JSON.stringify(expectedHeaders)) v.altered.push(tag);
      const ack = acks.get(m.id);
      if (ack?.processedBy !== undefined && ack.processedBy < traffic.killedAt - ackWindowMs) {
        v.ackedCameBack.push(`${tag} (ack processed ${Math.round(traffic.killedAt - ack.processedBy)} ms before the kill)`);
      }
      if (!m.redelivered && delivered.has(m.id)) v.deliveredNotFlagged.push(tag);
    }
    for (const p of traffic.published.values()) {
      if (p.persistent && p.confirmed && p.queues.includes(q) && !acks.has(p.id) && !seen.has(p.id)) v.missing.push(`${q}:${p.id}`);
    }
  }
  return v;
}

function sequence(id: string): number {
  return Number(id.slice(id.indexOf("-") + 1));
}

/** Deliveries before the kill that break the rules of a first run: a repeat, a redelivered flag, a wrong queue. */
export function firstRunViolations(traffic: Traffic): string[] {
  const out: string[] = [];
  for (const [q, r] of traffic.consumed) {
    const seen = new Set<string>();
    for (const d of r.deliveries) {
      if (seen.has(d.id)) out.push(`${q}:${d.id} delivered twice`);
      seen.add(d.id);
      if (d.redelivered) out.push(`${q}:${d.id} flagged redelivered`);
      if (!(traffic.published.get(d.id)?.queues.includes(q) ?? false)) out.push(`${q}:${d.id} not routed there`);
    }
  }
  return out;
}

/** Acks the broker had processed more than `ackWindowMs` before the kill: those must be durable. */
export function settledAcks(traffic: Traffic, ackWindowMs: number): number {
  let n = 0;
  for (const r of traffic.consumed.values()) {
    for (const a of r.acks) if (a.processedBy !== undefined && a.processedBy < traffic.killedAt - ackWindowMs) n++;
  }
  return n;
}
