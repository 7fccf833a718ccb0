// A small seeded pseudo-random source (mulberry32): peer choices for indirect probes, and
// simulations, are reproducible from a seed.

/** Returns a function giving uniform numbers in [0, 1), the same sequence for the same seed. */
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

/** Up to `count` distinct items of `items` in random order (a partial Fisher–Yates shuffle of a copy). */
export function sampleWithoutReplacement<T>(items: readonly T[], count: number, random: () => number): T[] {
  const pool = items.slice();
  const take = Math.min(Math.max(0, Math.floor(count)), pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    const picked = pool[j]!;
    pool[j] = pool[i]!;
    pool[i] = picked;
  }
  return pool.slice(0, take);
}
