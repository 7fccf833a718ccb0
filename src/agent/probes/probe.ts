// The contract every health probe kind implements (one file per kind in this folder,
// Uptime Kuma style): one check() that always resolves, within its timeout, with a verdict.

export interface ProbeResult {
  ok: boolean;
  /** Time the check took, in ms (monotonic clock). */
  latencyMs: number;
  /** Human-readable evidence: "HTTP 200", "connect ECONNREFUSED 127.0.0.1:8082", "timed out after 300ms". */
  detail: string;
}

export interface Probe {
  readonly kind: string;
  /** Never throws and never takes more than a few ms longer than `timeoutMs`. */
  check(timeoutMs: number): Promise<ProbeResult>;
}

/** Milliseconds elapsed since `startedAt` (a performance.now() reading), rounded to 0.1 ms. */
export function elapsedSince(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}

/** The message of anything thrown, for a probe's detail. */
export function errorDetail(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
