// Deterministic synthetic series for the anomaly detector tests: seeded Gaussian noise on
// 5-minute points, with the anomalies the detector must flag placed at known indices.

export const START_TS = Date.UTC(2024, 0, 1);
export const STEP_MS = 300_000;
export const POINTS_PER_DAY = 288;

/** A seeded uniform generator (mulberry32) and a standard normal drawn from it (Box–Muller). */
export function seededNormal(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() || 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

/** `count` values of `shape(i, noise)`, with their timestamps. */
export function series(count: number, seed: number, shape: (i: number, noise: () => number) => number): { ts: number[]; values: number[] } {
  const noise = seededNormal(seed);
  const ts: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    ts.push(START_TS + i * STEP_MS);
    values.push(shape(i, noise));
  }
  return { ts, values };
}

/** A daily sine (peak 15 at phase 72 of 288, trough 5) with N(0, 0.5²) noise. */
export function dailyCycle(i: number, noise: () => number): number {
  return 10 + 5 * Math.sin((2 * Math.PI * i) / POINTS_PER_DAY) + 0.5 * noise();
}
