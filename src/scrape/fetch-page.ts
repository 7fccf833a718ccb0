// One HTTP GET of a target's page, as Prometheus asks for it (Accept preferring
// OpenMetrics, gzip, the timeout in a header), with the failure said plainly: a timeout,
// a refused connection, or an HTTP status other than 200.
import { SCRAPE_ACCEPT_HEADER } from "./exposition/exposition-format.js";

export interface FetchedPage {
  body: string;
  contentType: string | null;
}

/** Fetches a page or throws an Error whose message says why not. */
export type PageFetcher = (url: string, timeoutMs: number, signal: AbortSignal) => Promise<FetchedPage>;

export const fetchPage: PageFetcher = async (url, timeoutMs, signal) => {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        accept: SCRAPE_ACCEPT_HEADER,
        "accept-encoding": "gzip",
        "user-agent": "Vigil",
        "x-prometheus-scrape-timeout-seconds": String(timeoutMs / 1000),
      },
      signal: AbortSignal.any([signal, timeout]),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`server returned HTTP status ${response.status} ${response.statusText}`.trimEnd());
    }
    return { body: await response.text(), contentType: response.headers.get("content-type") };
  } catch (err) {
    if (timeout.aborted) throw new Error(`scrape timed out after ${timeoutMs} ms`);
    if (signal.aborted) throw new Error("scrape cancelled: the target was removed");
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) throw new Error(`cannot connect: ${cause.code}${cause.message ? ` (${cause.message})` : ""}`);
    throw err;
  }
};
