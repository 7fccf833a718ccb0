// The shape every host collector shares, and the helpers they all use: reading a /proc file
// so that a parse error names the file, building samples labelled with the node, and
// per-second rates of kernel counters that never turn negative.
import { readFile } from "node:fs/promises";
import type { Sample } from "../../protocol/messages.js";

export interface CollectContext {
  /** Milliseconds since the Unix epoch; the ts of every sample and the clock of every rate. */
  now: number;
  node: string;
}

export interface Collector {
  readonly name: string;
  collect(ctx: CollectContext): Promise<Sample[]>;
}

export const DEFAULT_PROC_ROOT = "/proc";

/** Reads a text file and parses it; a parse error is rethrown with the file's path in front. */
export async function readAndParse<T>(path: string, parse: (text: string) => T): Promise<T> {
  const text = await readFile(path, "utf8");
  try {
    return parse(text);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

/** A sample at ctx.now whose labels are `labels` plus node = ctx.node. */
export function sample(ctx: CollectContext, name: string, value: number, labels: Record<string, string> = {}): Sample {
  return { name, labels: { ...labels, node: ctx.node }, ts: ctx.now, value };
}

/**
 * Per-second rate of a monotonic counter: (current - previous) / (elapsedMs / 1000).
 * Undefined when no time has passed or the counter went down (reset, 32-bit wrap, device
 * re-created): a negative rate is nonsense and a guessed wrap point could be wrong, so the
 * interval is skipped and the next one is measured from the new value.
 */
export function counterRate(previous: number, current: number, elapsedMs: number): number | undefined {
  if (!(elapsedMs > 0) || current < previous) return undefined;
  return (current - previous) / (elapsedMs / 1000);
}

/** Parses one whitespace-separated field of kernel text as a non-negative number, or throws naming it. */
export function parseCounter(field: string | undefined, what: string): number {
  const value = field === undefined ? NaN : Number(field);
  if (field === undefined || field === "" || !Number.isFinite(value) || value < 0) {
    throw new Error(`${what}: expected a non-negative number, got ${field === undefined ? "nothing" : JSON.stringify(field)}`);
  }
  return value;
}

/** Clamps a ratio computed from counters that are not read atomically into [0, 1]. */
export function clampRatio(value: number): number {
  return Math.min(1, Math.max(0, value));
}
