// Deterministic synthetic series for PromQL tests: counters (with a reset), decimal gauges,
// classic histogram buckets and an info metric, 15 s apart with a few ms of jitter (as a
// scraper stamps them), so that rate() extrapolation and every operator have work to do.
// Written as Vigil samples and as OpenMetrics text for `promtool tsdb create-blocks-from`.
import type { Sample } from "../../src/protocol/messages.js";

export interface SyntheticData {
  start: number;
  end: number;
  samples: Sample[];
}

const INSTANCES = ["a", "b", "c"];
const METHODS = ["get", "post"];
const BOUNDS = ["0.05", "0.1", "0.5", "1", "+Inf"];

/** `points` samples per series ending at or before `end` (ms), `intervalMs` apart. */
export function syntheticData(end: number, points: number, intervalMs = 15_000): SyntheticData {
  const start = end - (points - 1) * intervalMs;
  const samples: Sample[] = [];
  const ts = (i: number) => start + i * intervalMs + ((i * 7919) % 41);
  INSTANCES.forEach((instance, k) => {
    samples.push({ name: "instance_info", labels: { instance, team: `team-${k % 2}` }, ts: ts(0), value: 1 });
    for (let i = 1; i < points; i++) samples.push({ name: "instance_info", labels: { instance, team: `team-${k % 2}` }, ts: ts(i), value: 1 });
  });
  INSTANCES.forEach((instance, k) => {
    METHODS.forEach((method, m) => {
      let counter = 100 * (k + 1) + m * 17;
      for (let i = 0; i < points; i++) {
        // Instance b restarts two thirds of the way in: its counters reset.
        if (instance === "b" && i === Math.floor((points * 2) / 3)) counter = 3;
        counter += (k + 1) * (m + 2) + ((i * (k + 3)) % 5);
        samples.push({ name: "http_requests_total", labels: { job: "api", instance, method }, ts: ts(i), value: counter });
      }
    });
  });
  INSTANCES.forEach((instance, k) => {
    for (let i = 0; i < points; i++) {
      const value = Math.round((38 + k * 1.37 + 2.5 * Math.sin(i / (9 + k)) + ((i * 13) % 7) / 10) * 100) / 100;
      samples.push({ name: "node_temp_celsius", labels: { instance }, ts: ts(i), value });
    }
  });
  INSTANCES.forEach((instance, k) => {
    const counts = BOUNDS.map(() => 0);
    for (let i = 0; i < points; i++) {
      // Observations spread over the buckets, differently per instance.
      const n = 5 + ((i * (k + 2)) % 9);
      for (let o = 0; o < n; o++) {
        const x = ((o * 37 + i * 11 + k * 5) % 100) / 100;
        const bucket = x < 0.3 ? 0 : x < 0.55 ? 1 : x < 0.8 ? 2 : x < 0.95 ? 3 : 4;
        for (let b = bucket; b < BOUNDS.length; b++) counts[b]!++;
      }
      BOUNDS.forEach((le, b) => samples.push({ name: "request_duration_seconds_bucket", labels: { instance, le }, ts: ts(i), value: counts[b]! }));
    }
  });
  return { start, end: ts(points - 1), samples };
}

/** OpenMetrics text: every series' samples together, families contiguous, timestamps in seconds, `# EOF`. */
export function toOpenMetrics(samples: readonly Sample[]): string {
  const bySeries = new Map<string, Sample[]>();
  for (const s of samples) {
    const key = `${s.name}{${Object.entries(s.labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(",")}}`;
    let list = bySeries.get(key);
    if (list === undefined) bySeries.set(key, (list = []));
    list.push(s);
  }
  const keys = [...bySeries.keys()].sort();
  const lines: string[] = [];
  for (const key of keys) for (const s of bySeries.get(key)!) lines.push(`${key} ${s.value} ${(s.ts / 1000).toFixed(3)}`);
  lines.push("# EOF");
  return lines.join("\n") + "\n";
}
