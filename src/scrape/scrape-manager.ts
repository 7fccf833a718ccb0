// All scrape jobs: each job's targets (static, and those of its target files as they
// change) kept in step with one ScrapeLoop per target — a new target starts its loop, a
// removed one stops it — and each scrape's samples handed to `append`.
import type { ScrapeJobConfig } from "../config/schema.js";
import type { Sample } from "../protocol/messages.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { fetchPage as httpFetchPage, type PageFetcher } from "./fetch-page.js";
import { ScrapeLoop, type ScrapeOutcome } from "./scrape-loop.js";
import { TargetFiles } from "./target-files.js";
import { targetsOf, type ScrapeJobSettings, type Target, type TargetGroup } from "./target.js";

export interface ScrapeManagerOptions {
  jobs: readonly ScrapeJobConfig[];
  clock: Clock;
  logger: Logger;
  append(samples: Sample[]): void;
  onScraped?(outcome: ScrapeOutcome): void;
  /** Called with targets that are no longer scraped (removed from their job's files). */
  onTargetsRemoved?(targets: Target[]): void;
  fetchPage?: PageFetcher;
}

export interface TargetStatus {
  target: Target;
  intervalMs: number;
  last: ScrapeOutcome | null;
}

class ScrapeJob {
  private staticGroups: TargetGroup[];
  private fileGroups: TargetGroup[] = [];
  private readonly files: TargetFiles | null;
  readonly loops = new Map<string, ScrapeLoop>();

  constructor(
    readonly settings: ScrapeJobSettings,
    private readonly config: ScrapeJobConfig,
    private readonly o: ScrapeManagerOptions,
  ) {
    this.staticGroups = config.targets.length > 0 ? [{ targets: config.targets, labels: {}, source: "static" }] : [];
    this.files =
      config.files.length > 0
        ? new TargetFiles({
            patterns: config.files,
            refreshMs: config.refreshInterval,
            clock: o.clock,
            logger: o.logger.child({ job: config.job }),
            onChange: (groups) => {
              this.fileGroups = groups;
              this.sync();
            },
          })
        : null;
  }

  start(): void {
    this.sync();
    this.files?.start();
  }

  stop(): void {
    this.files?.stop();
    for (const loop of this.loops.values()) loop.stop();
    this.loops.clear();
    this.staticGroups = [];
  }

  private sync(): void {
    const wanted = new Map<string, Target>();
    for (const group of [...this.staticGroups, ...this.fileGroups]) {
      for (const t of targetsOf(this.settings, this.config.labels, group)) wanted.set(t.key, t);
    }
    const removed: Target[] = [];
    for (const [key, loop] of this.loops) {
      if (wanted.has(key)) continue;
      loop.stop();
      this.loops.delete(key);
      removed.push(loop.target);
    }
    for (const [key, target] of wanted) {
      if (this.loops.has(key)) continue;
      const loop = new ScrapeLoop({
        target,
        settings: this.settings,
        clock: this.o.clock,
        fetchPage: this.o.fetchPage ?? httpFetchPage,
        append: this.o.append,
        ...(this.o.onScraped && { onScraped: this.o.onScraped }),
      });
      this.loops.set(key, loop);
      loop.start();
    }
    if (removed.length > 0) this.o.onTargetsRemoved?.(removed);
  }
}

export class ScrapeManager {
  private readonly jobs: ScrapeJob[];

  constructor(o: ScrapeManagerOptions) {
    this.jobs = o.jobs.map(
      (config) =>
        new ScrapeJob(
          {
            job: config.job,
            scheme: config.scheme,
            metricsPath: config.metricsPath,
            intervalMs: config.interval,
            timeoutMs: config.timeout,
            honorLabels: config.honorLabels,
            sampleLimit: config.sampleLimit,
          },
          config,
          o,
        ),
    );
  }

  start(): void {
    for (const job of this.jobs) job.start();
  }

  stop(): void {
    for (const job of this.jobs) job.stop();
  }

  /** Every target being scraped, with its last outcome. */
  targets(): TargetStatus[] {
    return this.jobs.flatMap((job) => [...job.loops.values()].map((loop) => ({ target: loop.target, intervalMs: job.settings.intervalMs, last: loop.lastOutcome })));
  }
}
