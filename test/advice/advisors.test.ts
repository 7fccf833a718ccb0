// Each advisor on hand-made facts: what it says, when it stays quiet, its evidence; and
// advise() ordering everything most severe first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { advise, subjectName } from "../../src/advice/advice.js";
import { ADVISORS } from "../../src/advice/advisors/index.js";
import { failingPlaybooks } from "../../src/advice/advisors/failing-playbooks.js";
import { flappingChecks, healthBlips } from "../../src/advice/advisors/flapping-checks.js";
import { recurringIncidents } from "../../src/advice/advisors/recurring-incidents.js";
import { resourceForecasts } from "../../src/advice/advisors/resource-forecasts.js";
import { singlePointsOfFailure } from "../../src/advice/advisors/single-points-of-failure.js";
import { causeSuggestion } from "../../src/advice/cause-suggestions.js";
import { modelStandby } from "../../src/advice/standby-model.js";
import { componentAvailability } from "../../src/availability/component-availability.js";
import type { ConditionChange } from "../../src/availability/timeline.js";
import { D, H, M, NOW, S, alert, event, facts, incident, service } from "./facts.js";

test("recurring incidents: grouped by localized root and cause, with the restarts they took and what to do", () => {
  const memory = Array.from({ length: 12 }, (_, i) => incident("service:api", NOW - (i + 1) * 10 * H, { cause: "memory", rootKey: "service:api" }));
  const crashes = Array.from({ length: 2 }, (_, i) => incident("service:api", NOW - (i + 1) * 7 * H, { cause: "crash" }));
  // Correlated: web's incident whose root is db counts for db, not web.
  const viaDb = Array.from({ length: 3 }, (_, i) => incident("service:web", NOW - (i + 1) * 9 * H, { cause: "disk", rootKey: "service:db" }));
  const restarts = memory.map((i) => event("action.succeeded", i.detectedAt, { incidentId: i.id, service: "api", data: { action: "restart" } }));
  const unrelated = event("action.succeeded", NOW - H, { incidentId: crashes[0]!.id, service: "api", data: { action: "restart" } });
  const items = recurringIncidents.advise(facts({ incidents: [...memory, ...crashes, ...viaDb], events: [...restarts, unrelated] }));
  assert.equal(items.length, 2, "two crashes are not yet a pattern");
  const api = items.find((i) => i.subject === "service:api")!;
  assert.equal(api.severity, "critical");
  assert.equal(api.message, "api failed 12 times in 7d (restarted 12 times), cause memory: look for a leak or raise its limit");
  assert.equal(api.evidence.incidents, 12);
  assert.equal(api.evidence.restarts, 12);
  assert.deepEqual(api.evidence.incidentIds, memory.map((i) => i.id).sort((a, b) => a - b));
  const db = items.find((i) => i.subject === "service:db")!;
  assert.equal(db.severity, "warning");
  assert.match(db.message, /^db failed 3 times in 7d, cause disk: free space/);
});

test("recurring incidents of a node and of an unlocalized cause", () => {
  const items = recurringIncidents.advise(facts({ incidents: [1, 2, 3].map((h) => incident("node:node-b", NOW - h * H)) }));
  assert.equal(items.length, 1);
  assert.equal(items[0]!.message, `node node-b failed 3 times in 7d, cause not localized: ${causeSuggestion(null)}`);
  assert.equal(subjectName("service:db"), "db");
});

test("standby model: the brief's example, 99.2% → 99.98% for MTBF 12h, outage 6 min, detection 5 s", () => {
  const m = modelStandby({ mtbfMs: 12 * H, meanOutageMs: 6 * M, failoverMs: 5 * S })!;
  const u = (6 * M) / (12 * H + 6 * M);
  assert.ok(Math.abs(m.singlePercent - (1 - u) * 100) < 1e-9);
  assert.ok(Math.abs(m.withStandbyPercent - (1 - (u * u + (5 * S) / (12 * H + 6 * M))) * 100) < 1e-9);
  assert.ok(m.singlePercent < 99.2 && m.singlePercent > 99.1);
  assert.ok(m.withStandbyPercent > 99.98 && m.withStandbyPercent < 99.99);
  assert.equal(modelStandby({ mtbfMs: 0, meanOutageMs: 0, failoverMs: 0 }), null);
  assert.equal(modelStandby({ mtbfMs: NaN, meanOutageMs: 1, failoverMs: 0 }), null);
});

/** db with `failures` outages of 6 minutes (5 s to detect) in the last 7 days. */
function dbAvailability(failures: number) {
  const changes: ConditionChange[] = [{ at: NOW - 8 * D, condition: "up" }];
  const incidents = [];
  for (let i = 1; i <= failures; i++) {
    const at = NOW - i * 12 * H;
    changes.push({ at, condition: "down" }, { at: at + 6 * M, condition: "up" });
    incidents.push(incident("service:db", at, { detectedAt: at + 5 * S, recoveredAt: at + 6 * M }));
  }
  return { incidents, report: componentAvailability({ kind: "service", name: "db", node: "node-a", changes, incidents }, [{ label: "7d", ms: 7 * D }], NOW) };
}

test("single point of failure: a service with dependents and no standby, with the modelled gain from its measured figures", () => {
  const services = [service("db"), service("api", { dependsOn: ["db"] }), service("web", { dependsOn: ["api", "db"] }), service("cache", { standby: ["node-c"] }), service("worker", { dependsOn: ["cache"] })];
  const db10 = dbAvailability(10);
  // api went down with db (a correlated member of db's incident): that is no failure of api's
  // own, a standby of api would have gone down with it too.
  db10.incidents[0]!.members.push("service:api");
  const items = singlePointsOfFailure.advise(facts({ services, availability: [db10.report], incidents: db10.incidents }));
  assert.deepEqual(items.map((i) => [i.subject, i.severity]), [["service:db", "warning"], ["service:api", "info"]]);
  const db = items[0]!;
  assert.match(
    db.message,
    // MTBF = (7d − 10 × 6m) / 10 = 16h42m; U = 6m / 16h48m; U' = U² + 5s / 16h48m.
    /^db has dependents \(api, web\) and no standby: when it or node-a fails, they fail too; add a standby on another node: modelled availability 99\.4% → 99\.99% \(from 10 failures in 7d: MTBF 16h42m, mean outage 6m, MTTD 5s\)$/,
  );
  assert.ok((db.evidence.modelledWithStandbyPercent as number) > (db.evidence.modelledPercent as number));
  assert.equal(db.evidence.mttdMs, 5 * S);
  // api has a dependent but no measured failure: the advice stands, without numbers.
  assert.equal(items[1]!.message, "api has dependents (web) and no standby: when it or node-a fails, they fail too; add a standby on another node (no failure of its own measured in 7d to model the gain)");
  // With a standby, or without dependents, nothing.
  assert.deepEqual(singlePointsOfFailure.advise(facts({ services: [service("db", { standby: ["node-b"] }), service("api", { dependsOn: ["db"] })] })), []);
});

test("resource forecasts: firing forecast alerts become advice, urgent or exhausted ones critical", () => {
  const disk = alert(
    { alertname: "FilesystemWillFill", severity: "warning", node: "node-a", mountpoint: "/" },
    { summary: "`/` on node-a will be full in 37 min (trend −2.1 MB/s, fit r² 0.97)", forecast_state: "exhausting", eta_seconds: "2220", confidence: "0.91" },
  );
  const memory = alert(
    { alertname: "MemoryWillRunOut", severity: "warning", node: "node-b", service: "api" },
    { summary: "memory of api will run out in 9 min", forecast_state: "exhausting", eta_seconds: "540", confidence: "0.80" },
  );
  const pending = alert({ alertname: "SwapWillRunOut", node: "node-a" }, { forecast_state: "exhausting", eta_seconds: "60" }, { state: "pending" });
  const threshold = alert({ alertname: "HighCpu", node: "node-a" }, { summary: "CPU above 90%" });
  const items = resourceForecasts.advise(facts({ activeAlerts: [disk, memory, pending, threshold] }));
  assert.equal(items.length, 2);
  assert.deepEqual(items[0], {
    kind: "resource-forecast",
    severity: "warning",
    subject: "node:node-a",
    message: "`/` on node-a will be full in 37 min (trend −2.1 MB/s, fit r² 0.97): free space (log rotation, old data, temporary files) or grow the volume",
    evidence: { alertname: "FilesystemWillFill", fingerprint: disk.fingerprint, labels: disk.labels, etaMs: 2_220_000, forecastState: "exhausting", confidence: 0.91 },
  });
  assert.equal(items[1]!.severity, "critical");
  assert.equal(items[1]!.subject, "service:api");
  assert.match(items[1]!.message, /memory of api will run out in 9 min: find what keeps growing in memory \(a leak\?\) or raise the limit/);
});

test("flapping checks: short unhealthy blips of a service, and alerts that flapped", () => {
  const health = (service: string, ts: number, to: string) => event("service.health", ts, { service, data: { to } });
  const events = [];
  for (let i = 0; i < 6; i++) events.push(health("api", NOW - (i + 1) * H, "unhealthy"), health("api", NOW - (i + 1) * H + (10 + i) * S, "healthy"));
  // db: long outages are not blips.
  for (let i = 0; i < 6; i++) events.push(health("db", NOW - (i + 1) * H, "unhealthy"), health("db", NOW - (i + 1) * H + 10 * M, "healthy"));
  events.push(
    event("alert.flapping", NOW - 2 * H, { service: "api", data: { fingerprint: "f1", labels: { alertname: "ServiceDown", service: "api" } } }),
    event("alert.flapping", NOW - 3 * H, { node: "node-a", data: { fingerprint: "f2", labels: { alertname: "HighCpu", node: "node-a" } } }),
    event("alert.flapping", NOW - 1 * H, { node: "node-a", data: { fingerprint: "f2", labels: { alertname: "HighCpu", node: "node-a" } } }),
  );
  assert.deepEqual(healthBlips(events).get("api")!.blips.sort((a, b) => a - b), [10, 11, 12, 13, 14, 15].map((s) => s * S));
  assert.deepEqual(healthBlips(events).get("db")!.blips, []);
  const items = flappingChecks.advise(facts({ events }));
  assert.equal(items.length, 2, "api's ServiceDown flapping is the same finding as its blips");
  assert.equal(items[0]!.subject, "service:api");
  assert.match(items[0]!.message, /^api went unhealthy and recovered within 1m 6 times in 7d \(median 12\.5s, 12 health changes\): its check may be too strict/);
  assert.equal(items[1]!.subject, "node:node-a");
  assert.match(items[1]!.message, /^alert HighCpu on node-a flapped 2 times in 7d: its condition hovers at the threshold: give the rule hysteresis/);
  // Without blips, a flapping ServiceDown is advice of its own.
  const only = flappingChecks.advise(facts({ events: [event("alert.flapping", NOW - H, { data: { fingerprint: "f1", labels: { alertname: "ServiceDown", service: "web" } } })] }));
  assert.match(only[0]!.message, /^alert ServiceDown for web flapped 1 time in 7d: web's health check passes and fails in turn/);
});

test("failing playbooks: failed attempts and escalations per service, with the escalated incidents' cause", () => {
  const stuck = incident("service:db", NOW - 2 * H, { cause: "disk", state: "escalated", escalatedAt: NOW - H });
  const stuck2 = incident("service:db", NOW - 30 * H, { cause: "disk", state: "resolved" });
  const events = [
    ...[1, 2, 3, 4, 5].map((h) => event("recovery.failed", NOW - h * H, { service: "db", incidentId: stuck.id })),
    event("escalated", NOW - H, { service: "db", incidentId: stuck.id }),
    event("escalated", NOW - 29 * H, { service: "db", incidentId: stuck2.id }),
    ...[1, 2].map((h) => event("recovery.failed", NOW - h * H, { service: "api" })),
    ...[1, 2, 3].map((h) => event("recovery.failed", NOW - h * H, { service: "web" })),
  ];
  const services = [service("db", { recovery: "restart-then-escalate" }), service("api"), service("web")];
  const items = failingPlaybooks.advise(facts({ services, incidents: [stuck, stuck2], events }));
  assert.deepEqual(items.map((i) => [i.subject, i.severity]), [["service:db", "critical"], ["service:web", "warning"]]);
  assert.equal(
    items[0]!.message,
    "recovery of db (playbook restart-then-escalate) keeps failing: 5 failed attempts and 2 escalations in 7d, cause disk: its steps do not fix what breaks it; free space (log rotation, old data, temporary files) or grow the volume",
  );
  assert.deepEqual(items[0]!.evidence, { playbook: "restart-then-escalate", failedAttempts: 5, escalations: 2, escalatedIncidentIds: [stuck.id, stuck2.id].sort((a, b) => a - b), causes: ["disk"], window: "7d" });
  assert.match(items[1]!.message, /^recovery of web \(playbook default\) keeps failing: 3 failed attempts in 7d: its steps do not fix what breaks it; find the cause/);
});

test("advise runs every advisor and orders critical, warning, info, then by kind and subject; quiet facts give nothing", () => {
  assert.deepEqual(advise(ADVISORS, facts()), []);
  const services = [service("db"), service("api", { dependsOn: ["db"] })];
  const incidents = Array.from({ length: 10 }, (_, i) => incident("service:api", NOW - (i + 1) * H, { cause: "memory" }));
  const items = advise(ADVISORS, facts({ services, incidents }));
  assert.deepEqual(items.map((i) => `${i.severity} ${i.kind} ${i.subject}`), ["critical recurring-incident service:api", "info single-point-of-failure service:db"]);
});
