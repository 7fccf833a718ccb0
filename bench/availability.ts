// Benchmark: how long the availability report (GET /api/v1/availability over 1h/24h/7d/30d)
// and the advice take over a busy month of journal in real SQLite.
//
//   npm run bench -- availability [--services 20] [--nodes 4] [--days 30] [--outages 20] [--runs 5]
//
// Writes `--days` of history: every service has `--outages` outages a day (each a
// service.health pair and an incident), every node one outage a day, plus as many unrelated
// journal events (notifications) as health events, then times availabilityReport() and
// readAdviceFacts() + advise() on the same storage (median of `--runs`).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ADVISORS } from "../src/advice/advisors/index.js";
import { advise } from "../src/advice/advice.js";
import { readAdviceFacts } from "../src/advice/facts-reader.js";
import { availabilityReport } from "../src/availability/availability-report.js";
import { STANDARD_WINDOWS } from "../src/availability/windows.js";
import { configSchema } from "../src/config/schema.js";
import { openSqliteStorage } from "../src/storage/sqlite/sqlite-storage.js";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} expects a positive integer, got ${process.argv[i + 1]}`);
  return value;
}

const services = flag("services", 20);
const nodes = flag("nodes", 4);
const days = flag("days", 30);
const outages = flag("outages", 20);
const runs = flag("runs", 5);
const D = 86_400_000;
const NOW = 1_750_000_000_000;

const dir = mkdtempSync(join(tmpdir(), "vigil-bench-availability-"));
const storage = openSqliteStorage(join(dir, "vigil.db"));
try {
  const nodeName = (i: number) => `node-${i}`;
  const config = configSchema.parse({
    services: Array.from({ length: services }, (_, i) => ({
      name: `svc-${i}`,
      node: nodeName(i % nodes),
      dependsOn: i > 0 ? [`svc-${i - 1}`] : [],
      ...(i % 2 === 0 && { slo: { target: 99.9 } }),
    })),
  });
  const start = NOW - days * D;
  let events = 0;
  let relevant = 0;
  let incidents = 0;
  const t0 = performance.now();
  for (let n = 0; n < nodes; n++) {
    await storage.upsertNode({ name: nodeName(n), state: "alive", since: start, lastHeartbeat: NOW, agentVersion: "bench", outboxId: "x", ackedSeq: 0, processedSeq: 0 });
  }
  for (let s = 0; s < services; s++) {
    const service = `svc-${s}`;
    const node = nodeName(s % nodes);
    await storage.appendEvent({ ts: start, kind: "service.health", node, service, data: { from: "unknown", to: "healthy", source: "probe" } });
    for (let d = 0; d < days; d++) {
      for (let o = 0; o < outages; o++) {
        const at = start + d * D + Math.floor(((o + 0.5) * D) / outages) + s * 1000;
        await storage.appendEvent({ ts: at, kind: "service.health", node, service, data: { from: "healthy", to: "unhealthy", source: "probe" } });
        await storage.appendEvent({ ts: at + 90_000, kind: "service.health", node, service, data: { from: "unhealthy", to: "healthy", source: "probe" } });
        await storage.appendEvent({ ts: at + 1000, kind: "notify.sent", data: { receiver: "oncall" } });
        await storage.appendEvent({ ts: at + 91_000, kind: "notify.sent", data: { receiver: "oncall" } });
        events += 4;
        relevant += 2;
        await storage.createIncident({
          key: `service:${service}`, kind: "service", target: service, node, state: "resolved", title: "bench",
          firstSignalAt: at, detectedAt: at + 3000, recoveredAt: at + 90_000, resolvedAt: at + 92_000, escalatedAt: null,
          rootCause: null, rootKey: `service:${service}`, cause: o % 2 === 0 ? "crash" : "memory", confidence: 0.9, localizedAt: at + 4000,
          members: [`service:${service}`], updatedAt: at + 92_000,
        });
        incidents++;
      }
    }
  }
  for (let n = 0; n < nodes; n++) {
    for (let d = 0; d < days; d++) {
      const at = start + d * D + 3_600_000 * (n + 1);
      await storage.appendEvent({ ts: at, kind: "node.down", node: nodeName(n), data: { reason: "bench", lastSeen: at - 5000 } });
      await storage.appendEvent({ ts: at + 60_000, kind: "node.up", node: nodeName(n), data: { reason: "bench" } });
      events += 2;
      relevant += 2;
    }
  }
  const writeMs = performance.now() - t0;

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const reportMs: number[] = [];
  const adviceMs: number[] = [];
  let adviceItems = 0;
  for (let r = 0; r < runs; r++) {
    const a = performance.now();
    const report = await availabilityReport({ storage, config, localNode: "node-0", now: NOW, windows: STANDARD_WINDOWS });
    reportMs.push(performance.now() - a);
    if (report.services.length !== services || report.nodes.length !== nodes) throw new Error("the report is missing components");
    const b = performance.now();
    const facts = await readAdviceFacts({ storage, config, localNode: "node-0", activeAlerts: [], now: NOW, window: { label: "7d", ms: 7 * D } });
    adviceItems = advise(ADVISORS, facts).length;
    adviceMs.push(performance.now() - b);
  }
  console.log(`journal: ${events} events (${relevant} of them health transitions and node verdicts), ${incidents} incidents, ${services} services, ${nodes} nodes, ${days} days (written in ${(writeMs / 1000).toFixed(1)} s)`);
  console.log(`availability report, 4 windows (1h/24h/7d/30d): median ${median(reportMs).toFixed(0)} ms, min ${Math.min(...reportMs).toFixed(0)} ms, max ${Math.max(...reportMs).toFixed(0)} ms over ${runs} runs`);
  console.log(`advice over 7d (${adviceItems} items): median ${median(adviceMs).toFixed(0)} ms, min ${Math.min(...adviceMs).toFixed(0)} ms, max ${Math.max(...adviceMs).toFixed(0)} ms`);
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
