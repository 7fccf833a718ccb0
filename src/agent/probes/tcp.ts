// TCP probe: healthy when a connection to host:port ("127.0.0.1:8082", "[::1]:80") is
// accepted; the socket is destroyed at once, nothing is sent.
import net from "node:net";
import { elapsedSince, errorDetail, type Probe, type ProbeResult } from "./probe.js";

/** Splits "host:port" or "[v6]:port"; null when the address is not of that shape. */
export function parseHostPort(address: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(address.trim());
  if (!match) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  return { host: match[1] ?? match[2]!, port };
}

export class TcpProbe implements Probe {
  readonly kind = "tcp";

  constructor(private readonly address: string) {}

  check(timeoutMs: number): Promise<ProbeResult> {
    const startedAt = performance.now();
    return new Promise((resolve) => {
      const target = parseHostPort(this.address);
      if (!target) {
        resolve({ ok: false, latencyMs: 0, detail: `invalid address "${this.address}": expected HOST:PORT` });
        return;
      }
      let settled = false;
      const finish = (ok: boolean, detail: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        socket.destroy();
        resolve({ ok, latencyMs: elapsedSince(startedAt), detail });
      };
      const deadline = setTimeout(() => finish(false, `timed out after ${timeoutMs}ms`), timeoutMs);
      const socket = net.connect({ host: target.host, port: target.port });
      socket.on("connect", () => finish(true, `connected to ${this.address}`));
      socket.on("error", (err) => finish(false, errorDetail(err)));
    });
  }
}
