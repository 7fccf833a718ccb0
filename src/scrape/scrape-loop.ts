// One target's scrape loop: first at the target's phase in the interval (scrape-offset),
// then every interval on the injected clock. Each scrape fetches and parses the page,
// applies the sample limit and the target's labels, and appends the page's samples and
// the report series (up, scrape_duration_seconds, scrape_samples_scraped) in one call.
import { performance } from "node:perf_hooks";
import type { Sample } from "../protocol/messages.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import { formatOfContentType } from "./exposition/exposition-format.js";
import { parseExposition } from "./exposition/parse-exposition.js";
import type { PageFetcher } from "./fetch-page.js";
import { firstScrapeDelay } from "./scrape-offset.js";
import { reportSamples, scrapedSamples } from "./scraped-samples.js";
import type { ScrapeJobSettings, Target } from "./target.js";

export interface ScrapeOutcome {
  target: Target;
  startedAt: number;
  durationMs: number;
  /** Why the scrape failed (up = 0), or null. */
  error: string | null;
  samplesScraped: number;
}

export interface ScrapeLoopOptions {
  target: Target;
  settings: ScrapeJobSettings;
  clock: Clock;
  fetchPage: PageFetcher;
  /** Stores one scrape's samples: the page's, then the report series. */
  append(samples: Sample[]): void;
  onScraped?(outcome: ScrapeOutcome): void;
}

export class ScrapeLoop {
  private timer: TimerHandle | null = null;
  private readonly abort = new AbortController();
  private running = false;
  private last: ScrapeOutcome | null = null;

  constructor(private readonly o: ScrapeLoopOptions) {}

  get target(): Target {
    return this.o.target;
  }

  /** The last scrape's outcome, or null before the first. */
  get lastOutcome(): ScrapeOutcome | null {
    return this.last;
  }

  start(): void {
    const { clock, settings, target } = this.o;
    this.timer = clock.setTimeout(() => {
      this.timer = clock.setInterval(() => void this.scrape(), settings.intervalMs);
      void this.scrape();
    }, firstScrapeDelay(target.key, settings.intervalMs, clock.now()));
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
    this.abort.abort();
  }

  /** Scrapes once (skipped while the previous scrape still runs) and stores the result. */
  async scrape(): Promise<ScrapeOutcome | null> {
    if (this.running || this.abort.signal.aborted) return null;
    this.running = true;
    const { target, settings, clock } = this.o;
    const startedAt = clock.now();
    const t0 = performance.now();
    let samples: Sample[] = [];
    let error: string | null = null;
    let scraped = 0;
    try {
      const page = await this.o.fetchPage(target.url, settings.timeoutMs, this.abort.signal);
      const parsed = parseExposition(page.body, formatOfContentType(page.contentType)).samples;
      scraped = parsed.length;
      if (settings.sampleLimit > 0 && parsed.length > settings.sampleLimit) {
        throw new Error(`sample limit exceeded: the page has ${parsed.length} samples, the job's sampleLimit is ${settings.sampleLimit}`);
      }
      samples = scrapedSamples(parsed, target.labels, settings.honorLabels, startedAt);
    } catch (err) {
      error = (err as Error).message;
      samples = [];
    } finally {
      this.running = false;
    }
    if (this.abort.signal.aborted) return null; // removed meanwhile: it reports nothing more
    const durationMs = performance.now() - t0;
    const outcome: ScrapeOutcome = { target, startedAt, durationMs, error, samplesScraped: scraped };
    for (const s of reportSamples({ up: error === null, durationMs, samplesScraped: scraped }, target.labels, startedAt)) samples.push(s);
    this.last = outcome;
    this.o.append(samples);
    this.o.onScraped?.(outcome);
    return outcome;
  }
}
