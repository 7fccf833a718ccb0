// Decodes a remote-write 1.0 WriteRequest (already uncompressed) into the store's samples:
//   WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
//   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; exemplars = 3; histograms = 4; }
//   Label        { string name = 1; string value = 2; }    Sample { double value = 1; int64 timestamp = 2; }
// Metadata and exemplars are ignored; native histograms are refused (the store holds floats);
// Prometheus' staleness markers are dropped and counted (the store marks no staleness: a
// series that stops is stale when its samples stop). A request is decoded whole before
// anything is stored, so a bad one stores nothing.
import type { Sample } from "../protocol/messages.js";
import type { Labels } from "../tsdb/series-store.js";
import { ProtobufReader, WIRE_BYTES, WIRE_FIXED64, WIRE_VARINT } from "./protobuf-reader.js";

/** A WriteRequest that decodes but cannot be stored: names the series and the problem. */
export class WriteRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WriteRequestError";
  }
}

export interface DecodedWriteRequest {
  samples: Sample[];
  /** Prometheus staleness markers (NaN 0x7ff0000000000002), not stored. */
  staleMarkers: number;
}

const STALE_HIGH = 0x7ff00000;
const STALE_LOW = 0x00000002;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Throws ProtobufError for malformed bytes, WriteRequestError for a series Vigil cannot store. */
export function decodeWriteRequest(bytes: Uint8Array): DecodedWriteRequest {
  const reader = new ProtobufReader(bytes);
  const samples: Sample[] = [];
  let staleMarkers = 0;
  let index = 0;
  while (!reader.atEnd()) {
    const { field, wire } = reader.tag();
    if (field === 1 && wire === WIRE_BYTES) {
      const { start, end } = reader.bytesRange();
      staleMarkers += decodeTimeSeries(new ProtobufReader(bytes, start, end), index++, samples);
    } else {
      reader.skip(wire); // metadata (3) and anything newer
    }
  }
  return { samples, staleMarkers };
}

/** Appends the series' samples to `out`; returns the number of staleness markers skipped. */
function decodeTimeSeries(reader: ProtobufReader, index: number, out: Sample[]): number {
  const labels: Labels = {};
  let name: string | undefined;
  const points: { ts: number; value: number }[] = [];
  let stale = 0;
  let histograms = 0;
  while (!reader.atEnd()) {
    const { field, wire } = reader.tag();
    if (field === 1 && wire === WIRE_BYTES) {
      const { start, end } = reader.bytesRange();
      const [labelName, labelValue] = decodeLabel(new ProtobufReader(reader.bytes, start, end));
      if (labelName === "__name__") {
        if (name !== undefined) throw new WriteRequestError(`timeseries[${index}]: label __name__ appears twice`);
        name = labelValue;
        continue;
      }
      if (!LABEL_NAME.test(labelName)) throw new WriteRequestError(`timeseries[${index}]: invalid label name "${labelName}"`);
      if (Object.hasOwn(labels, labelName)) throw new WriteRequestError(`timeseries[${index}]: label ${labelName} appears twice`);
      if (labelValue !== "") labels[labelName] = labelValue;
    } else if (field === 2 && wire === WIRE_BYTES) {
      const { start, end } = reader.bytesRange();
      const sample = new ProtobufReader(reader.bytes, start, end);
      let value = 0;
      let ts = 0;
      let isStale = false;
      while (!sample.atEnd()) {
        const t = sample.tag();
        if (t.field === 1 && t.wire === WIRE_FIXED64) {
          value = sample.double();
          if (Number.isNaN(value)) {
            const words = sample.lastDoubleWords();
            isStale = words.high === STALE_HIGH && words.low === STALE_LOW;
          }
        } else if (t.field === 2 && t.wire === WIRE_VARINT) ts = sample.int64();
        else sample.skip(t.wire);
      }
      if (isStale) stale++;
      else points.push({ ts, value });
    } else if (field === 4 && wire === WIRE_BYTES) {
      reader.skip(wire);
      histograms++;
    } else {
      reader.skip(wire); // exemplars (3) and anything newer
    }
  }
  if (name === undefined || name === "") throw new WriteRequestError(`timeseries[${index}] has no __name__ label (labels ${JSON.stringify(labels)})`);
  if (histograms > 0) throw new WriteRequestError(`timeseries[${index}] (${name}) carries native histograms, which Vigil does not store; send float samples`);
  for (const p of points) {
    if (!Number.isSafeInteger(p.ts) || p.ts < 0) throw new WriteRequestError(`timeseries[${index}] (${name}): timestamp ${p.ts} is not ms since the epoch`);
    out.push({ name, labels, ts: p.ts, value: p.value });
  }
  return stale;
}

function decodeLabel(reader: ProtobufReader): [string, string] {
  let name = "";
  let value = "";
  while (!reader.atEnd()) {
    const { field, wire } = reader.tag();
    if (field === 1 && wire === WIRE_BYTES) name = reader.string();
    else if (field === 2 && wire === WIRE_BYTES) value = reader.string();
    else reader.skip(wire);
  }
  return [name, value];
}
