// GET /api/v1/targets: the scrape targets and their health, in Prometheus' response shape
// (`{ status: "success", data: { activeTargets: [...], droppedTargets: [] } }`).
import type { FastifyInstance } from "fastify";
import type { TargetStatus } from "../../scrape/scrape-manager.js";
import { access } from "../auth/access-control.js";

export interface ScrapeTargetsRouteOptions {
  targets(): TargetStatus[];
}

export function registerScrapeTargetsRoute(http: FastifyInstance, o: ScrapeTargetsRouteOptions): void {
  http.get("/api/v1/targets", access("viewer"), async () => ({
    status: "success",
    data: {
      activeTargets: o.targets().map(({ target, intervalMs, last }) => ({
        discoveredLabels: { __address__: new URL(target.url).host, job: target.job },
        labels: target.labels,
        scrapePool: target.job,
        scrapeUrl: target.url,
        lastError: last?.error ?? "",
        lastScrape: last ? new Date(last.startedAt).toISOString() : "0001-01-01T00:00:00Z",
        lastScrapeDuration: last ? last.durationMs / 1000 : 0,
        lastSamplesScraped: last?.samplesScraped ?? 0,
        health: last === null ? "unknown" : last.error === null ? "up" : "down",
        scrapeInterval: `${intervalMs / 1000}s`,
      })),
      droppedTargets: [],
    },
  }));
}
