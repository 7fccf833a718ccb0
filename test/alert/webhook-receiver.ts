// A real HTTP webhook receiver for tests (node:http on 127.0.0.1, port 0): records every
// request and answers with scripted status codes, 200 once the script runs out.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Status codes for the next requests, in order. */
  readonly script: number[] = [];
  /** Body sent with non-2xx answers. */
  errorBody = "";

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        receiver!.requests.push({
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        });
        const status = receiver!.script.shift() ?? 200;
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(status >= 300 ? receiver!.errorBody : "ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}/hook`);
    return receiver;
  }

  /** Parsed JSON bodies, in arrival order. */
  bodies(): any[] {
    return this.requests.map((r) => JSON.parse(r.body));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
