/**
 * What recovery found damaged, in the log: one warning per damaged thing, naming its file and what
 * it cost (records lost, messages delivered again). A torn tail (a crash mid-write) is normal and
 * only counted; damage in the middle of a file is not, and is always a warning.
 */
import type { SegmentStore } from "../segment/segment-store.js";
import type { WalRecoverySummary } from "../wal/recovery.js";
import type { StorageLogger } from "./message-store-types.js";

export function logWalDamage(logger: StorageLogger, dir: string, w: WalRecoverySummary): void {
  for (const s of w.skipped) {
    logger.warn(
      { dir, file: s.file, offset: s.offset, bytes: s.bytes, reason: s.reason, lostRecords: s.records },
      `write-ahead log damaged: ${s.file} at ${s.offset}: ${s.records} record(s) lost, read on past ${s.bytes} damaged octets`,
    );
  }
  for (const d of w.damaged) {
    logger.warn(
      { dir, file: d.file, offset: d.offset, bytes: d.bytes, reason: d.reason },
      `write-ahead log damaged: ${d.file} unreadable from ${d.offset} to its end (${d.reason}); the files after it are read`,
    );
  }
  if (w.tornRecords > 0) logger.info({ dir, tornRecords: w.tornRecords, tornBytes: w.tornBytes }, "write-ahead log: the torn tail of the last write cut off");
}

export function logSegmentDamage(logger: StorageLogger, queue: string, segments: SegmentStore): void {
  const r = segments.recovery;
  if (r.corruptRecords.length > 0 || r.corruptSegments.length > 0) {
    logger.warn(
      { queue, corruptRecords: r.corruptRecords, lostMessages: r.lostMessages, corruptSegments: r.corruptSegments },
      `queue segments damaged: ${r.lostMessages} message(s) lost in ${r.corruptRecords.length} damaged record(s), ${r.corruptSegments.length} segment(s) set aside; the rest is recovered`,
    );
  }
  if (r.tornTails.length > 0) logger.info({ queue, tornTails: r.tornTails }, "queue segments: torn tails of the last writes cut off");
  for (const a of r.damagedAckFiles) {
    logger.warn(
      { queue, file: a.file, damagedBatches: a.damagedBatches, headerDamaged: a.headerDamaged, unacknowledged: a.unacknowledged },
      `ack file damaged: ${a.file}: ${a.headerDamaged ? "its header, the whole file ignored" : `${a.damagedBatches} batch(es) of acks lost`}; those messages will be delivered again (${a.unacknowledged} unacknowledged in the segment)`,
    );
  }
}
