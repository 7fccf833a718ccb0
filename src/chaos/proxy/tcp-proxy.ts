// A small real TCP proxy (net module) that the latency and drop faults act on: it passes
// bytes between each client and the upstream, and while a fault is on it delays every chunk
// (`delayMs` ± `jitterMs`, order kept per direction) or drops connections (a share of new
// ones reset at once, the open ones cut when drop begins).
import { createServer, connect, type Server, type Socket } from "node:net";

export type ProxyMode = { kind: "pass" } | { kind: "delay"; delayMs: number; jitterMs: number } | { kind: "drop"; ratio: number };

export interface TcpProxyOptions {
  listen: { host: string; port: number };
  upstream: { host: string; port: number };
  random?: () => number;
}

export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private mode: ProxyMode = { kind: "pass" };
  private readonly random: () => number;
  connections = 0;
  dropped = 0;

  constructor(private readonly o: TcpProxyOptions) {
    this.random = o.random ?? Math.random;
  }

  get currentMode(): ProxyMode {
    return this.mode;
  }

  async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.o.listen.port, this.o.listen.host, () => resolve());
    });
    this.server = server;
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode.kind === "drop" && mode.ratio >= 1) for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.connections++;
    const mode = this.mode;
    if (mode.kind === "drop" && this.random() < mode.ratio) {
      this.dropped++;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.o.upstream.port, this.o.upstream.host);
    this.track(client);
    this.track(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  /** Copies `from` to `to`, each chunk after the delay in force when it arrived (in order). */
  private pipe(from: Socket, to: Socket): void {
    let lastDue = 0;
    from.on("data", (chunk) => {
      const mode = this.mode;
      if (mode.kind !== "delay") {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      const jitter = mode.jitterMs > 0 ? (this.random() * 2 - 1) * mode.jitterMs : 0;
      const due = Math.max(Date.now() + Math.max(0, mode.delayMs + jitter), lastDue);
      lastDue = due;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, due - Date.now());
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }
}

/** "HOST:PORT" → parts; throws naming the text. */
export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : -1;
  if (!m || port < 0 || port > 65535) throw new Error(`expected HOST:PORT such as 127.0.0.1:8082, got "${text}"`);
  return { host: m[1] ?? m[2]!, port };
}
