/**
 * Opening a queue's segment directory after a clean stop or a crash: every segment is scanned
 * (segment-scan.ts), its ack file loaded, and what was wrong is counted in a report, since the
 * library has no logger; the caller logs it. Nothing in the data makes this throw; only the
 * filesystem itself failing does.
 *
 * Files found and what happens to them:
 *   seg-X.dat            scanned; a torn tail is cut, corrupt records become holes (acked)
 *   seg-X.dat (no header, shorter than one)   a file torn at creation: removed
 *   seg-X.dat (corrupt header)                renamed seg-X.dat.corrupt, kept for a human
 *   seg-X.dat.tmp        a compaction that did not commit: removed
 *   seg-X.ack            loaded; of another generation: ignored (see compaction.ts)
 *   seg-X.ack without seg-X.dat               a deletion interrupted between its two unlinks: removed
 */
import { readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { AckTracker } from "../ack-tracker.js";
import { scanSegment } from "./segment-scan.js";
import { ackFileName, parseAckFileName, parseSegmentFileName, segmentFileName } from "./segment-position.js";
import { SegmentSet } from "./segment-set.js";

export interface SegmentRecoveryReport {
  readonly segments: number;
  /** Messages found in the segments (corrupt ones not counted). */
  readonly messages: number;
  /** Of those, acknowledged: skipped by iteration and never delivered again. */
  readonly acknowledged: number;
  readonly unacknowledged: number;
  /** The sequence number the next appended message gets. */
  readonly nextSeq: number;
  readonly tornTails: ReadonlyArray<{ readonly segmentId: number; readonly offset: number; readonly bytes: number }>;
  readonly corruptRecords: ReadonlyArray<{ readonly segmentId: number; readonly offset: number; readonly bytes: number }>;
  /** Messages lost to corrupt records (their indexes are holes). */
  readonly lostMessages: number;
  readonly corruptSegments: ReadonlyArray<{ readonly segmentId: number; readonly problem: "torn" | "corrupt" }>;
  readonly ackFiles: {
    readonly loaded: number;
    readonly corruptRecords: number;
    readonly tornBytes: number;
    /** Ack files of another generation, ignored. */
    readonly discarded: number;
    readonly orphansRemoved: number;
  };
  /**
   * Ack files with damage that is not a torn tail: the acks of the damaged flushes are lost, so
   * those messages are delivered again. `unacknowledged`: the segment's messages now unacknowledged
   * (the redelivered ones are among them).
   */
  readonly damagedAckFiles: ReadonlyArray<{ readonly file: string; readonly damagedBatches: number; readonly headerDamaged: boolean; readonly unacknowledged: number }>;
  readonly durationMs: number;
}

export interface Recovered {
  readonly set: SegmentSet;
  readonly report: SegmentRecoveryReport;
  readonly nextSegmentId: number;
}

export async function recoverSegments(dir: string, acks: AckTracker, firstSeq: number, firstSegmentId: number): Promise<Recovered> {
  const t0 = performance.now();
  const names = await readdir(dir);
  const set = new SegmentSet();
  const tornTails: Array<{ segmentId: number; offset: number; bytes: number }> = [];
  const corruptRecords: Array<{ segmentId: number; offset: number; bytes: number }> = [];
  const corruptSegments: Array<{ segmentId: number; problem: "torn" | "corrupt" }> = [];
  const ackFiles = { loaded: 0, corruptRecords: 0, tornBytes: 0, discarded: 0, orphansRemoved: 0 };
  const damagedAckFiles: SegmentRecoveryReport["damagedAckFiles"][number][] = [];
  let messages = 0;
  let acknowledged = 0;
  let lostMessages = 0;
  let nextSeq = firstSeq;
  let nextSegmentId = firstSegmentId;

  for (const name of names) if (name.endsWith(".dat.tmp")) await rm(join(dir, name), { force: true });
  // a file kept aside as .corrupt still holds its id: never reuse it
  for (const n of names) if (n.endsWith(".corrupt")) nextSegmentId = Math.max(nextSegmentId, parseSegmentFileName(n.slice(0, -8)) + 1);
  const ids = names.map(parseSegmentFileName).filter((id) => id >= 0);
  ids.sort((a, b) => a - b);
  for (const id of ids) {
    nextSegmentId = Math.max(nextSegmentId, id + 1);
    const scan = await scanSegment(dir, id);
    const seg = scan.segment;
    if (seg === null) {
      const problem = scan.headerProblem ?? "corrupt";
      corruptSegments.push({ segmentId: id, problem });
      const path = join(dir, segmentFileName(id));
      if (problem === "torn") await rm(path, { force: true });
      else await rename(path, `${path}.corrupt`);
      continue;
    }
    if (scan.torn !== null) tornTails.push({ segmentId: id, ...scan.torn });
    for (const c of scan.corrupt) corruptRecords.push({ segmentId: id, ...c });
    const loaded = await acks.load(id, seg.generation);
    if (loaded.acked > 0 || loaded.discarded) ackFiles.loaded++;
    ackFiles.corruptRecords += loaded.corruptRecords;
    ackFiles.tornBytes += loaded.tornBytes;
    if (loaded.discarded) ackFiles.discarded++;
    acks.trimTo(id, seg.count);
    if (scan.holes.length > 0) acks.ackMany(id, scan.holes);
    lostMessages += scan.holes.length;
    messages += seg.count - scan.holes.length;
    acknowledged += acks.ackedCount(id) - scan.holes.length;
    if (loaded.corruptRecords > 0 || loaded.corruptHeader) {
      const unacknowledged = seg.count - acks.ackedCount(id);
      damagedAckFiles.push({ file: ackFileName(id), damagedBatches: loaded.corruptRecords, headerDamaged: loaded.corruptHeader, unacknowledged });
    }
    nextSeq = Math.max(nextSeq, seg.seqAt(seg.count));
    seg.sealed = true;
    set.put(seg);
  }
  for (const n of names) {
    const id = parseAckFileName(n.endsWith(".tmp") ? n.slice(0, -4) : n);
    if (id >= 0 && set.get(id) === undefined) {
      await rm(join(dir, n), { force: true });
      ackFiles.orphansRemoved++;
    }
  }
  const report: SegmentRecoveryReport = {
    segments: set.size,
    messages,
    acknowledged,
    unacknowledged: messages - acknowledged,
    nextSeq,
    tornTails,
    corruptRecords,
    lostMessages,
    corruptSegments,
    ackFiles,
    damagedAckFiles,
    durationMs: performance.now() - t0,
  };
  return { set, report, nextSegmentId };
}
