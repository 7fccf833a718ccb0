// Deterministic series for forecast tests: straight lines with optional seeded noise,
// sampled at regular or jittered intervals.
import type { Point } from "../../../src/tsdb/series-store.js";

/** A seeded uniform generator in [0, 1) (mulberry32): the same seed gives the same series on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates from a seeded uniform generator (Box–Muller). */
export function seededNormal(seed: number): () => number {
  const uniform = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

export interface LineOptions {
  /** ts of the first point. */
  start: number;
  count: number;
  intervalMs: number;
  /** Value at `start`. */
  initial: number;
  perSecond: number;
  /** Standard deviation of added normal noise (default 0). */
  noise?: number;
  /** Each interval is intervalMs · (1 ± jitter/2) (default 0: regular). */
  jitter?: number;
  seed?: number;
}

export function line(o: LineOptions): Point[] {
  const normal = seededNormal(o.seed ?? 1);
  const uniform = seededRandom((o.seed ?? 1) + 7919);
  const points: Point[] = [];
  let ts = o.start;
  for (let i = 0; i < o.count; i++) {
    const value = o.initial + (o.perSecond * (ts - o.start)) / 1000 + (o.noise ? o.noise * normal() : 0);
    points.push({ ts, value });
    ts += Math.round(o.intervalMs * (1 + (o.jitter ?? 0) * (uniform() - 0.5)));
  }
  return points;
}
