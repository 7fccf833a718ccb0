// When a target is scraped within its interval: Prometheus spreads targets over the
// interval by a hash of the target, so N targets do not all fire at once, and keeps each
// target at the same phase across restarts (scrapes fall at t ≡ offset mod interval).

/** FNV-1a (32 bit) of a string: a stable, well-spread hash for phases. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Milliseconds from `now` to the target's first scrape: the next instant t ≥ now with
 * t mod interval = hash mod interval (Prometheus' Target.offset), so at most one interval.
 */
export function firstScrapeDelay(targetKey: string, intervalMs: number, now: number): number {
  const phase = fnv1a(targetKey) % intervalMs;
  const delay = (phase - (now % intervalMs) + intervalMs) % intervalMs;
  return delay;
}
