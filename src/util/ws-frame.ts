// A websocket message's bytes or text, whatever form `ws` handed it over in (a Buffer unless
// binaryType was changed; fragments as an array of Buffers; an ArrayBuffer).
import type { RawData } from "ws";

export function frameBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

export function frameText(data: RawData): string {
  return frameBytes(data).toString("utf8");
}
