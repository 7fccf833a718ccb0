// A remote-write request body as it arrives over HTTP: the headers checked (leniently:
// remote-write 1.0 senders vary in what they set), snappy block decompression with a size
// bound, then the WriteRequest decoded. Every refusal is a RemoteWriteRefusal with the
// HTTP status to answer and a message naming what is wrong.
import snappy from "snappyjs";
import { ProtobufError } from "./protobuf-reader.js";
import { decodeWriteRequest, WriteRequestError, type DecodedWriteRequest } from "./write-request.js";

export class RemoteWriteRefusal extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = "RemoteWriteRefusal";
  }
}

/** Largest uncompressed WriteRequest accepted (Prometheus' own receiver has no bound; senders' batches are ~100s of KB). */
export const MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

export interface RemoteWriteHeaders {
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
  version?: string | undefined;
}

export function decodeRemoteWriteBody(body: Uint8Array, headers: RemoteWriteHeaders): DecodedWriteRequest {
  const contentType = (headers.contentType ?? "").toLowerCase();
  if (contentType.includes("io.prometheus.write.v2")) {
    throw new RemoteWriteRefusal(415, "remote-write 2.0 (io.prometheus.write.v2.Request) is not supported; send remote-write 1.0 (protobuf_message: prometheus.WriteRequest)");
  }
  if (contentType !== "" && !contentType.startsWith("application/x-protobuf")) {
    throw new RemoteWriteRefusal(415, `Content-Type "${headers.contentType}" is not a remote-write body; expected application/x-protobuf`);
  }
  const encoding = (headers.contentEncoding ?? "snappy").toLowerCase();
  if (encoding !== "snappy") throw new RemoteWriteRefusal(415, `Content-Encoding "${headers.contentEncoding}" is not supported; expected snappy`);
  const major = /^(\d+)\./.exec(headers.version ?? "")?.[1];
  if (major !== undefined && major !== "0" && major !== "1") {
    throw new RemoteWriteRefusal(415, `X-Prometheus-Remote-Write-Version ${headers.version} is not supported; expected 0.1.0 (remote-write 1.0)`);
  }
  if (body.length === 0) throw new RemoteWriteRefusal(400, "empty body; expected a snappy-compressed WriteRequest");
  let raw: Uint8Array;
  try {
    raw = snappy.uncompress(body, MAX_UNCOMPRESSED_BYTES);
  } catch (err) {
    const tooBig = /too big/.test((err as Error).message);
    if (tooBig) throw new RemoteWriteRefusal(413, `the WriteRequest is larger than ${MAX_UNCOMPRESSED_BYTES} bytes uncompressed; send smaller batches`);
    throw new RemoteWriteRefusal(400, `the body is not snappy-compressed (block format): ${(err as Error).message}`);
  }
  try {
    return decodeWriteRequest(raw);
  } catch (err) {
    if (err instanceof ProtobufError) throw new RemoteWriteRefusal(400, `the body is not a protobuf WriteRequest: ${err.message}`);
    if (err instanceof WriteRequestError) throw new RemoteWriteRefusal(400, err.message);
    throw err;
  }
}
