// The agent's probe listener: a TCP port that accepts and closes connections. The server
// and peer agents connect to it when they suspect this node. A completed handshake proves
// the node and its network are up even while the agent process itself is paused (GC, a
// busy event loop), which is what tells a slow agent from a dead node.
import { createServer, type Server } from "node:net";

export class ProbeListener {
  private server: Server | null = null;

  /** Listens on HOST:PORT (port 0: any free port); resolves with the bound HOST:PORT. */
  async listen(address: string): Promise<string> {
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
    if (!m) throw new Error(`invalid probe listen address "${address}": expected HOST:PORT such as 0.0.0.0:0`);
    const host = m[1] ?? m[2]!;
    const server = createServer((socket) => {
      socket.on("error", () => {});
      socket.end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(Number(m[3]), host, () => resolve());
    });
    server.on("error", () => {});
    this.server = server;
    const bound = server.address();
    const port = typeof bound === "object" && bound ? bound.port : Number(m[3]);
    return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = null;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
