// Availability figures over a window on hand-made timelines and incidents, time from a
// manual clock: uptime over observed time, MTBF / MTTD / MTTR, A, no incidents, an incident
// open at the window's end, an outage cut by the window's start, SLO budget and burn rate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { componentAvailability, incidentConcerns, lookBackMs } from "../../src/availability/component-availability.js";
import { windowFigures } from "../../src/availability/figures.js";
import { burnRate, errorBudget } from "../../src/availability/slo.js";
import type { ConditionChange } from "../../src/availability/timeline.js";
import type { IncidentRecord } from "../../src/storage/storage.js";
import { ManualClock } from "../../src/util/clock.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const DAY = { label: "24h", ms: D };

let nextId = 1;
/** An incident of `key` whose outage ran from firstSignal to recovered (null: still open). */
function incident(key: string, firstSignalAt: number, detectAfterMs: number, recoveredAt: number | null, extra: Partial<IncidentRecord> = {}): IncidentRecord {
  const [kind, target] = key.split(":") as ["service" | "node", string];
  return {
    id: nextId++,
    key,
    kind,
    target,
    node: "node-a",
    state: recoveredAt === null ? "open" : "resolved",
    title: `${target} failed`,
    firstSignalAt,
    detectedAt: firstSignalAt + detectAfterMs,
    recoveredAt,
    resolvedAt: recoveredAt === null ? null : recoveredAt + 2 * S,
    escalatedAt: null,
    rootCause: null,
    rootKey: null,
    cause: null,
    confidence: null,
    localizedAt: null,
    members: [key],
    updatedAt: firstSignalAt,
    ...extra,
  };
}

/** Up from `from`, down for each [start, end) outage. */
function timeline(from: number, outages: [number, number | null][]): ConditionChange[] {
  const changes: ConditionChange[] = [{ at: from, condition: "up" }];
  for (const [start, end] of outages) {
    changes.push({ at: start, condition: "down" });
    if (end !== null) changes.push({ at: end, condition: "up" });
  }
  return changes;
}

test("three 10-minute outages in a day: uptime, MTBF, MTTD, MTTR, and A equal to the measured uptime", () => {
  const clock = new ManualClock(10 * D);
  const start = clock.now() - D;
  const outages: [number, number][] = [2, 9, 17].map((h) => [start + h * H, start + h * H + 10 * M]);
  const incidents = outages.map(([a, b]) => incident("service:api", a, 30 * S, b));
  const f = windowFigures(timeline(start - D, outages), incidents, DAY, clock.now());
  assert.equal(f.from, start);
  assert.equal(f.to, clock.now());
  assert.equal(f.upMs, D - 30 * M);
  assert.equal(f.downMs, 30 * M);
  assert.equal(f.unknownMs, 0);
  assert.equal(f.observedPercent, 100);
  assert.ok(Math.abs(f.uptimePercent! - (100 * (D - 30 * M)) / D) < 1e-9);
  assert.equal(f.outages, 3);
  assert.equal(f.incidents, 3);
  assert.equal(f.openIncidents, 0);
  assert.equal(f.mtbfMs, (D - 30 * M) / 3);
  assert.equal(f.mttdMs, 30 * S);
  assert.equal(f.mttrMs, 10 * M - 30 * S);
  assert.equal(f.meanOutageMs, 10 * M);
  // MTBF / (MTBF + outage) = up / (up + down) when every outage is an incident.
  assert.ok(Math.abs(f.availabilityPercent! - f.uptimePercent!) < 1e-9);
  assert.equal(f.burnRate, undefined, "no SLO, no burn rate");
});

test("no incident in the window: MTBF, MTTD, MTTR and A are null (unbounded / unknown), uptime 100%", () => {
  const now = 10 * D;
  const f = windowFigures(timeline(now - 2 * D, []), [], DAY, now);
  assert.equal(f.uptimePercent, 100);
  assert.equal(f.incidents, 0);
  assert.equal(f.mtbfMs, null);
  assert.equal(f.mttdMs, null);
  assert.equal(f.mttrMs, null);
  assert.equal(f.meanOutageMs, null);
  assert.equal(f.availabilityPercent, null);
});

test("nothing observed: uptime is null, not 0% or 100%", () => {
  const f = windowFigures([], [], DAY, 10 * D);
  assert.equal(f.uptimePercent, null);
  assert.equal(f.observedPercent, 0);
  assert.equal(f.unknownMs, D);
});

test("an incident open at the window's end counts as an incident and its outage runs to now; the means skip it", () => {
  const now = 10 * D;
  const start = now - D;
  const changes = timeline(start, [[start + 6 * H, start + 6 * H + 20 * M], [now - 1 * H, null]]);
  const incidents = [incident("service:api", start + 6 * H, 60 * S, start + 6 * H + 20 * M), incident("service:api", now - H, 10 * S, null)];
  const f = windowFigures(changes, incidents, DAY, now);
  assert.equal(f.downMs, 20 * M + H);
  assert.equal(f.incidents, 2);
  assert.equal(f.openIncidents, 1);
  assert.equal(f.mtbfMs, (D - 20 * M - H) / 2);
  assert.equal(f.mttdMs, 35 * S, "detection is known for the open one too");
  assert.equal(f.mttrMs, 19 * M, "only the recovered incident has a repair time");
  assert.equal(f.meanOutageMs, 20 * M);
  assert.ok(f.availabilityPercent! > f.uptimePercent!, "A of the finished cycles; the open outage lowers the uptime only");
});

test("only open incidents: MTBF known, A unknown", () => {
  const now = 10 * D;
  const f = windowFigures(timeline(now - D, [[now - H, null]]), [incident("service:api", now - H, 5 * S, null)], DAY, now);
  assert.equal(f.mtbfMs, D - H);
  assert.equal(f.mttrMs, null);
  assert.equal(f.availabilityPercent, null);
});

test("an outage cut in two by the window's start: its inside part is down time, the incident belongs to the earlier window", () => {
  const now = 10 * D;
  const start = now - D;
  const changes = timeline(start - D, [[start - 30 * M, start + 30 * M]]);
  const incidents = [incident("service:api", start - 30 * M, 20 * S, start + 30 * M)];
  const f = windowFigures(changes, incidents, DAY, now);
  assert.equal(f.downMs, 30 * M);
  assert.equal(f.incidents, 0);
  assert.equal(f.outages, 0);
  assert.equal(f.mtbfMs, null);
  const twoDays = windowFigures(changes, incidents, { label: "48h", ms: 2 * D }, now);
  assert.equal(twoDays.downMs, H);
  assert.equal(twoDays.incidents, 1);
  assert.equal(twoDays.outages, 1);
});

test("unknown time is left out of the uptime's denominator and shown as the observed share", () => {
  const now = 10 * D;
  const start = now - D;
  const changes: ConditionChange[] = [
    { at: start + 12 * H, condition: "up" }, // first observed half-way through
    { at: start + 18 * H, condition: "down" },
    { at: start + 19 * H, condition: "unknown" }, // e.g. not probed
    { at: start + 20 * H, condition: "up" },
  ];
  const f = windowFigures(changes, [], DAY, now);
  assert.equal(f.unknownMs, 13 * H);
  assert.equal(f.upMs, 10 * H);
  assert.equal(f.downMs, H);
  assert.ok(Math.abs(f.uptimePercent! - (100 * 10) / 11) < 1e-9);
  assert.ok(Math.abs(f.observedPercent - (100 * 11) / 24) < 1e-9);
});

test("SLO 99.9% over 30 days: budget 43.2 min; half of it spent leaves half; burn rate per window", () => {
  const slo = { targetPercent: 99.9, windowMs: 30 * D };
  const budget = errorBudget(slo, { upMs: 30 * D - 21.6 * M, downMs: 21.6 * M });
  assert.ok(Math.abs(budget.allowedErrorRate - 0.001) < 1e-12);
  assert.ok(Math.abs(budget.budgetMs - 43.2 * M) < 1e-6);
  assert.equal(budget.spentMs, 21.6 * M);
  assert.ok(Math.abs(budget.remaining! - 0.5) < 1e-9);
  assert.ok(Math.abs(budget.remainingMs! - 21.6 * M) < 1e-6);
  assert.ok(Math.abs(budget.burnRate! - 0.5) < 1e-9);
  // 6 minutes down in one hour: error rate 0.1, 100 times the allowed rate.
  assert.ok(Math.abs(burnRate(slo, { upMs: 54 * M, downMs: 6 * M })! - 100) < 1e-9);
  // The workbook's page threshold: 2% of a 30-day budget in one hour is a burn rate of 14.4.
  assert.ok(Math.abs(burnRate(slo, { upMs: H - 0.02 * 43.2 * M, downMs: 0.02 * 43.2 * M })! - 14.4) < 1e-9);
  // Overspent: negative remaining.
  const over = errorBudget(slo, { upMs: 30 * D - 86.4 * M, downMs: 86.4 * M });
  assert.ok(Math.abs(over.remaining! + 1) < 1e-9);
  // Nothing observed: nothing known.
  const none = errorBudget(slo, { upMs: 0, downMs: 0 });
  assert.equal(none.remaining, null);
  assert.equal(none.errorRate, null);
  assert.equal(burnRate(slo, { upMs: 0, downMs: 0 }), null);
  assert.throws(() => errorBudget({ targetPercent: 100, windowMs: D }, { upMs: 1, downMs: 0 }), /SLO target must be a percentage in \(0, 100\), got 100/);
});

test("a component with an SLO: its budget over the SLO window, its burn rate in every window", () => {
  const now = 40 * D;
  const changes = timeline(now - 35 * D, [[now - 10 * D, now - 10 * D + 21.6 * M], [now - 30 * M, now - 24 * M]]);
  const report = componentAvailability(
    { kind: "service", name: "api", node: "node-a", changes, incidents: [], slo: { targetPercent: 99.9, windowMs: 30 * D } },
    [{ label: "1h", ms: H }, DAY],
    now,
  );
  assert.equal(report.kind, "service");
  assert.equal(report.node, "node-a");
  assert.ok(Math.abs(report.slo!.spentMs - 27.6 * M) < 1e-6);
  assert.ok(Math.abs(report.slo!.remaining! - (1 - (27.6 / (30 * 24 * 60)) / 0.001)) < 1e-9);
  assert.ok(Math.abs(report.windows[0]!.burnRate! - 100) < 1e-9);
  assert.ok(Math.abs(report.windows[1]!.burnRate! - (6 / (24 * 60)) / 0.001) < 1e-9);
  const node = componentAvailability({ kind: "node", name: "node-a", changes, incidents: [] }, [DAY], now);
  assert.equal("slo" in node, false, "nodes have no SLO");
  assert.equal(lookBackMs([DAY], [undefined, { targetPercent: 99, windowMs: 30 * D }]), 30 * D);
});

test("an incident concerns its own key and the members correlated into it", () => {
  const i = incident("service:db", 0, 0, 1, { members: ["service:db", "service:api"] });
  assert.equal(incidentConcerns(i, "service:db"), true);
  assert.equal(incidentConcerns(i, "service:api"), true);
  assert.equal(incidentConcerns(i, "service:web"), false);
});
