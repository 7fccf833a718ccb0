// The binary form of the agent's `samples` message: one websocket binary frame, columnar,
// self-contained (a frame re-sent from the outbox after a reconnect decodes on its own).
// Agents send it once the server's welcome lists its layout in `samplesFrames`; JSON
// `samples` messages stay accepted. Layout 1 (varints are unsigned LEB128, see byte-cursor.ts):
//
//   "VS"                       2 bytes, magic
//   layout                     u8 = 1
//   v                          u8 = PROTOCOL_VERSION
//   seq                        varint ≥ 1, the outbox seq
//   tableBytes                 varint: length of the series table that follows
//   series table               strings: varint count, then each as varint byte length + UTF-8;
//                              series: varint count, then each as varint name (a string index),
//                              varint label count, and per label varint name, varint value (string indexes)
//   sampleCount                varint
//   series column              sampleCount × varint series index
//   ts column                  sampleCount × signed varint: ts minus the previous sample's ts (the first's minus 0)
//   value column               sampleCount × float64, little-endian
//
// Why this shape: an agent's collection is K series at one timestamp, so the ts column is
// one long varint and K zero bytes, and the series table is the same bytes from one
// collection to the next — the server keeps the last table it decoded per connection
// (SeriesTableCache) and, when the next frame's table is byte-for-byte the same, skips
// decoding it. A frame is refused whole, with the reason naming the part and byte, when any
// part is malformed: as for JSON, where one invalid sample makes the whole message invalid.
import { ByteReader, ByteWriter, FrameError } from "./byte-cursor.js";
import { PROTOCOL_VERSION, type Sample } from "./messages.js";
import type { SamplesColumnsMessage, SeriesKey } from "./sample-columns.js";

export const SAMPLES_FRAME_LAYOUT = 1;
const MAGIC_0 = 0x56; // V
const MAGIC_1 = 0x53; // S

/** The series table of a frame: series as name and labels, sharing each distinct string once. */
export function encodeSeriesTable(series: readonly SeriesKey[]): Buffer {
  const strings = new Map<string, number>();
  const index = (s: string): number => {
    let i = strings.get(s);
    if (i === undefined) strings.set(s, (i = strings.size));
    return i;
  };
  const shape = new ByteWriter(series.length * 8 + 16);
  shape.varint(series.length);
  for (const s of series) {
    shape.varint(index(s.name));
    const names = Object.keys(s.labels);
    shape.varint(names.length);
    for (const name of names) {
      shape.varint(index(name));
      shape.varint(index(s.labels[name]!));
    }
  }
  const table = new ByteWriter(strings.size * 16 + shape.length + 8);
  table.varint(strings.size);
  for (const s of strings.keys()) table.string(s);
  table.bytes(shape.toBuffer());
  return table.toBuffer();
}

/** Writes frames from a series table encoded once (encodeSeriesTable) and per-frame columns. */
export class SamplesFrameWriter {
  private readonly writer = new ByteWriter(64 * 1024);

  /** One frame: `seriesOf`, `ts` and `values` are the columns (one length), indexing `table`'s series. */
  frame(seq: number, table: Buffer, seriesOf: ArrayLike<number>, ts: ArrayLike<number>, values: Float64Array): Buffer {
    const n = values.length;
    if (seriesOf.length !== n || ts.length !== n) throw new RangeError(`samples frame: columns of different lengths (${seriesOf.length}, ${ts.length}, ${n})`);
    const w = this.writer;
    w.length = 0;
    w.u8(MAGIC_0);
    w.u8(MAGIC_1);
    w.u8(SAMPLES_FRAME_LAYOUT);
    w.u8(PROTOCOL_VERSION);
    w.varint(seq);
    w.varint(table.length);
    w.bytes(table);
    w.varint(n);
    for (let i = 0; i < n; i++) w.varint(seriesOf[i]!);
    let previous = 0;
    for (let i = 0; i < n; i++) {
      w.signedVarint(ts[i]! - previous);
      previous = ts[i]!;
    }
    w.float64s(values);
    return w.toBuffer();
  }
}

/** The frame of a samples message given as sample objects (what the agent's outbox holds). */
export function encodeSamplesFrame(seq: number, samples: readonly Sample[]): Buffer {
  const series: SeriesKey[] = [];
  const bySeries = new Map<string, number>();
  const seriesOf = new Uint32Array(samples.length);
  const ts = new Float64Array(samples.length);
  const values = new Float64Array(samples.length);
  samples.forEach((s, i) => {
    // The label order is kept as the agent wrote it (the same every collection, so the table's bytes repeat).
    const key = JSON.stringify([s.name, s.labels]);
    let index = bySeries.get(key);
    if (index === undefined) {
      bySeries.set(key, (index = series.length));
      series.push({ name: s.name, labels: s.labels });
    }
    seriesOf[i] = index;
    ts[i] = s.ts;
    values[i] = s.value;
  });
  return new SamplesFrameWriter().frame(seq, encodeSeriesTable(series), seriesOf, ts, values);
}

/**
 * The last series table decoded on one connection, by its bytes: a frame whose table is the
 * same bytes gets the same series objects without decoding them again.
 */
export class SeriesTableCache {
  private bytes: Buffer | null = null;
  private series: SeriesKey[] = [];

  /** The series of the table at `start` (length `length`) in `frame`, if it is the cached one. */
  lookup(frame: Buffer, start: number, length: number): SeriesKey[] | null {
    const bytes = this.bytes;
    if (bytes === null || bytes.length !== length) return null;
    return frame.compare(bytes, 0, length, start, start + length) === 0 ? this.series : null;
  }

  remember(frame: Buffer, start: number, length: number, series: SeriesKey[]): void {
    this.bytes = Buffer.from(frame.subarray(start, start + length));
    this.series = series;
  }
}

export type DecodedSamplesFrame = { ok: true; message: SamplesColumnsMessage } | { ok: false; error: string };

/** Decodes and validates a binary samples frame; the error names the part, the sample and the byte. */
export function decodeSamplesFrame(frame: Buffer, tables?: SeriesTableCache): DecodedSamplesFrame {
  try {
    return { ok: true, message: decode(frame, tables) };
  } catch (err) {
    if (err instanceof FrameError) return { ok: false, error: `invalid samples frame: ${err.message}` };
    throw err;
  }
}

function decode(frame: Buffer, tables: SeriesTableCache | undefined): SamplesColumnsMessage {
  const r = new ByteReader(frame);
  if (r.u8("magic") !== MAGIC_0 || r.u8("magic") !== MAGIC_1) throw new FrameError(`magic at byte 0: expected "VS" (a samples frame), got 0x${frame.subarray(0, 2).toString("hex")}`);
  const layout = r.u8("layout");
  if (layout !== SAMPLES_FRAME_LAYOUT) throw new FrameError(`layout at byte 2: expected ${SAMPLES_FRAME_LAYOUT}, got ${layout}`);
  const v = r.u8("v");
  if (v !== PROTOCOL_VERSION) throw new FrameError(`v at byte 3: expected protocol version v: ${PROTOCOL_VERSION}, got ${v}`);
  const seqAt = r.offset;
  const seq = r.varint("seq");
  if (seq < 1) throw new FrameError(`seq at byte ${seqAt}: expected a positive integer, got ${seq}`);
  const tableBytes = r.varintBelow("series table length", r.remaining + 1, "is more than the rest of the frame");
  const tableStart = r.offset;
  let series = tables?.lookup(frame, tableStart, tableBytes) ?? null;
  if (series === null) {
    series = decodeSeriesTable(new ByteReader(frame.subarray(0, tableStart + tableBytes), tableStart));
    tables?.remember(frame, tableStart, tableBytes, series);
  }
  r.offset = tableStart + tableBytes;
  // Each sample takes at least 10 bytes (1 + 1 + 8): a count the frame cannot hold is refused before allocating.
  const n = r.varintBelow("sample count", Math.floor(r.remaining / 10) + 1, "samples cannot fit in the rest of the frame");
  const seriesOf = new Uint32Array(n);
  for (let i = 0; i < n; i++) seriesOf[i] = r.varintBelow(`samples[${i}].series`, series.length, `is not one of the ${series.length} series of the table`);
  const ts = new Float64Array(n);
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const at = r.offset;
    const t = previous + r.signedVarint(`samples[${i}].ts`);
    if (!(t >= 0 && t <= Number.MAX_SAFE_INTEGER)) throw new FrameError(`samples[${i}].ts at byte ${at}: expected an integer ms timestamp ≥ 0, got ${t}`);
    ts[i] = previous = t;
  }
  const valuesAt = r.offset;
  const values = r.float64s("values", n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i]!)) throw new FrameError(`samples[${i}].value at byte ${valuesAt + 8 * i}: expected a finite number, got ${values[i]}`);
  }
  if (r.remaining !== 0) throw new FrameError(`${r.remaining} bytes after the last value (byte ${r.offset}): the frame is longer than its counts say`);
  return { type: "samples", v: PROTOCOL_VERSION, seq, columns: { series, seriesOf, ts, values } };
}

function decodeSeriesTable(r: ByteReader): SeriesKey[] {
  // Every string takes at least one byte, every series at least two.
  const stringCount = r.varintBelow("string count", r.remaining + 1, "strings cannot fit in the series table");
  const strings: string[] = new Array(stringCount);
  for (let i = 0; i < stringCount; i++) strings[i] = r.string(`strings[${i}]`);
  const seriesCount = r.varintBelow("series count", Math.floor(r.remaining / 2) + 1, "series cannot fit in the series table");
  const string = (what: string) => strings[r.varintBelow(what, stringCount, `is not one of the ${stringCount} strings of the table`)]!;
  const series: SeriesKey[] = new Array(seriesCount);
  for (let i = 0; i < seriesCount; i++) {
    const nameAt = r.offset;
    const name = string(`series[${i}].name`);
    if (name.length === 0) throw new FrameError(`series[${i}].name at byte ${nameAt}: expected a metric name, got an empty string`);
    const labelCount = r.varintBelow(`series[${i}] label count`, Math.floor(r.remaining / 2) + 1, "labels cannot fit in the series table");
    const pairs: Array<[string, string]> = new Array(labelCount);
    for (let l = 0; l < labelCount; l++) {
      const labelAt = r.offset;
      const label = string(`series[${i}].labels name`);
      for (let k = 0; k < l; k++) if (pairs[k]![0] === label) throw new FrameError(`series[${i}].labels at byte ${labelAt}: label "${label}" appears twice`);
      pairs[l] = [label, string(`series[${i}].labels.${label}`)];
    }
    // fromEntries makes every label an own property, "__proto__" included (as JSON.parse does).
    series[i] = { name, labels: Object.fromEntries(pairs) };
  }
  if (r.remaining !== 0) throw new FrameError(`series table: ${r.remaining} bytes after its last series (byte ${r.offset})`);
  return series;
}
