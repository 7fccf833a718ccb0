// How one series goes to the file and comes back: its row (name, labels, head snapshot:
// last sample, open buckets, raw head chunk), its closed chunks not yet written, and its
// downsampled heads when they changed (once a bucket, not once a sample).
import { BUCKET_STATE_SIZE } from "../downsample/rollup-bucket.js";
import { RAW_LEVEL, type SeriesState } from "../series-state.js";
import { decodeHeadSnapshot, encodeHeadSnapshot } from "./head-snapshot.js";
import type { TsdbFile } from "./tsdb-file.js";

const EMPTY = new Uint8Array(0);

/** Writes what changed of `series` since it was last written; run inside a transaction. */
export function writeSeriesRows(file: TsdbFile, series: SeriesState): void {
  const buckets = new Float64Array(series.buckets.length * BUCKET_STATE_SIZE);
  series.buckets.forEach((bucket, b) => bucket.save(buckets, b * BUCKET_STATE_SIZE));
  const raw = series.levels[RAW_LEVEL]!.head;
  const head = encodeHeadSnapshot({
    lastTs: series.lastTs,
    lastValue: series.lastValue,
    buckets,
    heads: [raw.count > 0 ? raw.bytes() : EMPTY],
  });
  if (series.persisted) file.writeHead(series.id, head);
  else file.insertSeries(series.id, series.ref.name, JSON.stringify(series.ref.labels), head);
  series.levels.forEach((level, l) => {
    for (const chunk of level.closed.unpersistedChunks()) file.insertChunk(series.id, l, chunk.minTs, chunk.maxTs, chunk.count, chunk.bytes);
    if (l !== RAW_LEVEL && level.version !== level.writtenVersion) file.writeRollupHead(series.id, l, level.head.count > 0 ? level.head.bytes() : EMPTY);
  });
}

/**
 * After the commit of writeSeriesRows: marks it all written, and gives each newly written
 * closed chunk (level, first ts), oldest first, to `written`.
 */
export function markSeriesWritten(series: SeriesState, written: (level: number, minTs: number) => void): void {
  series.persisted = true;
  series.levels.forEach((level, l) => {
    const closed = level.closed;
    for (const chunk of closed.unpersistedChunks()) written(l, chunk.minTs);
    closed.markPersisted(closed.unpersisted);
    level.writtenVersion = level.version;
  });
}

/** Restores the last sample, open buckets and raw head from a series row's snapshot; throws when it is damaged. */
export function restoreSeriesHead(series: SeriesState, blob: Uint8Array): void {
  const snapshot = decodeHeadSnapshot(blob);
  series.lastTs = snapshot.lastTs;
  series.lastValue = snapshot.lastValue;
  series.levels.forEach((level, l) => {
    const bytes = snapshot.heads[l];
    if (bytes !== undefined && bytes.length > 0) level.head.restore(bytes);
  });
  series.buckets.forEach((bucket, b) => {
    if ((b + 1) * BUCKET_STATE_SIZE <= snapshot.buckets.length) bucket.restore(snapshot.buckets, b * BUCKET_STATE_SIZE);
  });
}
