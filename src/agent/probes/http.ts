// HTTP probe: GET the URL on a fresh connection; 2xx/3xx (redirects are not followed) is
// healthy, optionally only when the first 64 KiB of the body contain an expected substring.
import http from "node:http";
import https from "node:https";
import { elapsedSince, errorDetail, type Probe, type ProbeResult } from "./probe.js";

/** Bodies are read at most this far when looking for `expectBody`. */
export const HTTP_BODY_LIMIT = 64 * 1024;

// node:http with `agent: false` rather than fetch: Node 20's fetch pools keep-alive sockets
// in a global undici agent that cannot be configured without the undici package, so a probe
// could be sent on a socket whose server was killed a moment ago and fail spuriously. One
// connection per check, destroyed when the verdict is in, leaks nothing and reuses nothing.
export class HttpProbe implements Probe {
  readonly kind = "http";

  constructor(
    private readonly url: string,
    private readonly expectBody?: string,
  ) {}

  check(timeoutMs: number): Promise<ProbeResult> {
    const startedAt = performance.now();
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(this.url);
      } catch {
        resolve({ ok: false, latencyMs: 0, detail: `invalid URL "${this.url}"` });
        return;
      }
      if (target.protocol !== "http:" && target.protocol !== "https:") {
        resolve({ ok: false, latencyMs: 0, detail: `unsupported protocol "${target.protocol}" in "${this.url}"` });
        return;
      }

      let settled = false;
      let response: http.IncomingMessage | undefined;
      const finish = (ok: boolean, detail: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        response?.destroy();
        request.destroy();
        resolve({ ok, latencyMs: elapsedSince(startedAt), detail });
      };
      const deadline = setTimeout(() => finish(false, `timed out after ${timeoutMs}ms`), timeoutMs);

      const client = target.protocol === "https:" ? https : http;
      const request = client.request(
        target,
        { method: "GET", agent: false, headers: { connection: "close", "user-agent": "vigil-probe" } },
        (res) => {
          response = res;
          res.on("error", (err) => finish(false, errorDetail(err)));
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 400) return finish(false, `HTTP ${status}`);
          const expected = this.expectBody;
          if (expected === undefined) return finish(true, `HTTP ${status}`);
          this.readBodyFor(res, expected, (found) =>
            finish(found, `HTTP ${status}, body ${found ? "contains" : "does not contain"} ${JSON.stringify(expected)}`),
          );
        },
      );
      request.on("error", (err) => finish(false, errorDetail(err)));
      request.end();
    });
  }

  /** Reports whether `expected` occurs in the body, reading no more than HTTP_BODY_LIMIT bytes. */
  private readBodyFor(res: http.IncomingMessage, expected: string, report: (found: boolean) => void): void {
    let body = "";
    let bytes = 0;
    let reported = false;
    const once = (found: boolean): void => {
      if (reported) return;
      reported = true;
      report(found);
    };
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      const room = HTTP_BODY_LIMIT - bytes;
      const piece = Buffer.byteLength(chunk) > room ? Buffer.from(chunk).subarray(0, room).toString("utf8") : chunk;
      body += piece;
      bytes += Buffer.byteLength(piece);
      if (body.includes(expected)) once(true);
      else if (bytes >= HTTP_BODY_LIMIT) once(false);
    });
    res.on("end", () => once(body.includes(expected)));
  }
}
