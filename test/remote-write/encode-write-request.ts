// A remote-write 1.0 WriteRequest encoder for tests and the benchmark (what Prometheus
// sends: protobuf, then snappy block compression), written from the same schema the
// receiver decodes; its output is checked against a real Prometheus in the e2e test.
import snappy from "snappyjs";

export interface SeriesToWrite {
  labels: Record<string, string>; // including __name__
  samples: { ts: number; value: number }[];
  /** Raw 8-byte values instead of `value`, e.g. a staleness marker's NaN bit pattern. */
  rawValues?: Uint8Array[];
}

class Writer {
  private chunks: number[] = [];
  varint(n: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(n));
    while (v >= 0x80n) {
      this.chunks.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.chunks.push(Number(v));
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.chunks.push(x);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  fixed64(field: number, raw: Uint8Array): this {
    this.tag(field, 1);
    for (const x of raw) this.chunks.push(x);
    return this;
  }
  double(field: number, value: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    return this.fixed64(field, b);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

/** The protobuf bytes of a WriteRequest (uncompressed). */
export function encodeWriteRequest(series: SeriesToWrite[], extra?: (w: Writer) => void): Uint8Array {
  const request = new Writer();
  for (const s of series) {
    const ts = new Writer();
    for (const [name, value] of Object.entries(s.labels)) ts.bytes(1, new Writer().string(1, name).string(2, value).done());
    s.samples.forEach((p, i) => {
      const sample = new Writer();
      const raw = s.rawValues?.[i];
      if (raw) sample.fixed64(1, raw);
      else sample.double(1, p.value);
      ts.bytes(2, sample.tag(2, 0).varint(p.ts).done());
    });
    request.bytes(1, ts.done());
  }
  extra?.(request);
  return request.done();
}

/** What a sender POSTs: the WriteRequest, snappy-compressed. */
export function compressedWriteRequest(series: SeriesToWrite[]): Buffer {
  return snappy.compress(Buffer.from(encodeWriteRequest(series)));
}

export { Writer as ProtobufWriter };
