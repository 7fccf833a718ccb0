// The cause vocabulary and the contract of a cause check: one file per kind of cause in this
// folder, each a check() that looks at the suspect around the onset and returns a finding
// (a score in [0, 1], the phrase for the sentence, the evidence lines) or null.
import type { ComponentKind } from "../component.js";
import type { Evidence } from "../observation.js";
import type { SeriesReader } from "../series-reader.js";

/** What recovery playbooks can branch on (`when: { cause: … }`). */
export const CAUSES = ["crash", "hang", "restarting", "memory", "cpu", "disk", "fds", "network", "node-down", "unknown"] as const;
export type Cause = (typeof CAUSES)[number];

/** Declared limits of a service; without them memory is judged against the node's total and fds by history alone. */
export interface ResourceLimits {
  memoryBytes?: number;
  /** The process' open-files limit (ulimit -n). */
  fds?: number;
  /** CPU cores the service may use (default 1: a single-threaded process saturates at one core). */
  cpuCores?: number;
}

/** The time windows around the onset (ms). */
export interface AttributionWindows {
  /** History before the window that says what is usual for each series. Default 45 min. */
  baselineMs: number;
  /** The window judged starts this long before the onset. Default 5 min. */
  leadMs: number;
  /** … and ends this long after it (or at now). Default 1 min. */
  afterMs: number;
  /** The trend is fitted over this long before the onset. Default 10 min. */
  trendMs: number;
}

export const DEFAULT_ATTRIBUTION_WINDOWS: Readonly<AttributionWindows> = Object.freeze({
  baselineMs: 45 * 60_000,
  leadMs: 5 * 60_000,
  afterMs: 60_000,
  trendMs: 10 * 60_000,
});

export interface AttributionContext {
  target: { kind: ComponentKind; name: string; node: string | null };
  /** The suspect's first signal. */
  onset: number;
  now: number;
  /** The suspect's evidence and its node's, oldest first. */
  evidence: readonly Evidence[];
  series: SeriesReader | null;
  limits: ResourceLimits;
  windows: AttributionWindows;
  formatClock: (ts: number) => string;
}

export interface CauseFinding {
  cause: Cause;
  /** How sure the check is that this was the cause, in [0, 1]. */
  score: number;
  /** For the sentence: "memory exhausted (RSS 98% of limit, rising 4 MB/s since 14:02:11)". */
  phrase: string;
  /** One line per observation behind it. */
  evidence: string[];
  /** When the resource became abnormal (null for process causes or when unknown). */
  abnormalSince: number | null;
}

export interface CauseCheck {
  /** What it looks at, for tests and logs: "memory", "process", … */
  readonly name: string;
  check(ctx: AttributionContext): CauseFinding | null;
}
