// The two text formats a scrape can return, and content negotiation as Prometheus does it:
// the Accept header prefers OpenMetrics 1.0, and the response's Content-Type decides the
// parser (application/openmetrics-text → OpenMetrics; anything else → text format 0.0.4).

export type ExpositionFormat = "prometheus-text" | "openmetrics";

/** Prometheus 2.x's Accept header for scrapes (protobuf not asked for). */
export const SCRAPE_ACCEPT_HEADER =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/** The parser a response's Content-Type calls for; a missing or unknown type is read as text format 0.0.4. */
export function formatOfContentType(contentType: string | null | undefined): ExpositionFormat {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return mediaType === "application/openmetrics-text" ? "openmetrics" : "prometheus-text";
}
