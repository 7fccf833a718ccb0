// The wire format of POST /api/v1/replica/series, the series one replica asks another for
// (src/server/http/replica-series-route.ts answers, peer-series-client.ts asks). A column
// (timestamps or values) travels as the base64 of its IEEE 754 float64 bytes, little-endian:
// every bit is kept, so NaN, ±Inf and Prometheus' staleness marker (a NaN with its own bit
// pattern, src/promql/selection.ts) arrive exactly as stored, which JSON numbers cannot carry.
import { endianness } from "node:os";
import type { Aggregate, Labels } from "../../tsdb/series-store.js";

export const REPLICA_SERIES_PATH = "/api/v1/replica/series";

export interface ReplicaSeriesRequest {
  /** PromQL vector selectors (no offset or @): `node_load1{node="a"}`, `{__name__=~"node_.*"}`. */
  selectors: string[];
  /**
   * The time range in ms since the epoch, both ends included. Required with points; without
   * points and without a range, every matching series the replica holds is listed.
   */
  from?: number;
  to?: number;
  /** false: list the matching series (with data in [from, to] when given) without their points. Default true. */
  points?: boolean;
  /** For parts of the range older than raw retention, which figure of a downsampled bucket is the value. Default avg. */
  aggregate?: Aggregate;
}

/** One series as it travels: ts and values are encodeColumn()s of equal length (both "" without points). */
export interface WireSeries {
  name: string;
  labels: Labels;
  ts: string;
  values: string;
}

export interface ReplicaSeriesAnswer {
  series: WireSeries[];
}

const bigEndian = endianness() === "BE";

/** The base64 of the column's float64 bytes, little-endian. */
export function encodeColumn(column: Float64Array): string {
  const bytes = Buffer.from(column.buffer, column.byteOffset, column.byteLength);
  if (!bigEndian) return bytes.toString("base64");
  return Buffer.from(bytes).swap64().toString("base64");
}

/** The column encodeColumn() wrote; throws naming `what` when the text is not one. */
export function decodeColumn(text: string, what: string): Float64Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error(`${what}: not base64`);
  const bytes = Buffer.from(text, "base64");
  if (bytes.length % 8 !== 0) throw new Error(`${what}: ${bytes.length} bytes is not a whole number of float64 values`);
  // A fresh, aligned buffer: Buffer.from may hand out a slice of a shared pool at any offset.
  const column = new Float64Array(bytes.length / 8);
  const target = new Uint8Array(column.buffer);
  target.set(bytes);
  if (bigEndian) Buffer.from(column.buffer).swap64();
  return column;
}
