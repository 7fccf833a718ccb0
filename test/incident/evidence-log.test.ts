// The evidence log: what it keeps, and how a recovery that held closes the failure before it
// (so an incident is not explained by a crash repaired minutes before it began), while a
// crash loop's short recoveries close nothing. Plus the localizer reading it: a db killed
// and repaired two minutes ago that now times out is not "crashed".
import { test } from "node:test";
import assert from "node:assert/strict";
import { EvidenceLog, SETTLED_MS } from "../../src/incident/evidence-log.js";
import { IncidentLocalizer } from "../../src/incident/incident-localizer.js";
import { processEventEvidence, transitionEvidence } from "../../src/incident/localization/evidence-from-signals.js";
import type { Evidence } from "../../src/incident/localization/observation.js";
import type { IncidentRecord } from "../../src/storage/storage.js";
import { Topology } from "../../src/incident/topology.js";

const T0 = Date.UTC(2026, 10, 26, 4, 30, 0);
const exit = (at: number) => processEventEvidence("process.exited", { signal: "SIGKILL", expected: false }, at)!;
const started = (at: number) => processEventEvidence("process.started", { pid: 42 }, at)!;
const timeout = (at: number): Evidence => ({ source: "probe", kind: "probe-timeout", detail: "timed out after 400ms", strength: 0.65, at });

test("without an episode start, every fresh item is evidence; items older than keep are forgotten", () => {
  const log = new EvidenceLog(60_000);
  log.add("service:db", exit(T0));
  log.add("service:db", timeout(T0 + 50_000));
  assert.equal(log.of("service:db", T0 + 55_000).length, 2);
  assert.deepEqual(log.of("service:db", T0 + 70_000).map((e) => e.kind), ["probe-timeout"]);
});

test("a recovery that held before the episode began closes the failure before it", () => {
  const log = new EvidenceLog();
  log.add("service:db", exit(T0));
  log.add("service:db", started(T0 + 100));
  log.recovered("service:db", T0 + 2000);
  log.add("service:db", timeout(T0 + 150_000));
  assert.deepEqual(log.of("service:db", T0 + 151_000, T0 + 150_000).map((e) => e.kind), ["probe-timeout"]);
  // Asked about the old failure itself, all of it is there.
  assert.equal(log.of("service:db", T0 + 151_000, T0).length, 3);
});

test("a crash loop's short recoveries close nothing: every exit stays evidence", () => {
  const log = new EvidenceLog();
  for (let k = 0; k < 3; k++) {
    log.add("service:queue", exit(T0 + k * 8000));
    log.add("service:queue", started(T0 + k * 8000 + 2000));
    log.recovered("service:queue", T0 + k * 8000 + 3000);
  }
  // An incident that began at the third exit: the two recoveries before it each relapsed within SETTLED_MS.
  const third = T0 + 2 * 8000;
  assert.equal(log.of("service:queue", third + 4000, third).filter((e) => e.kind === "process-exited").length, 3);
  // Once the service stays up for SETTLED_MS, the loop is over: a later failure starts clean.
  const later = T0 + 2 * 8000 + 3000 + SETTLED_MS + 60_000;
  log.add("service:queue", timeout(later));
  assert.deepEqual(log.of("service:queue", later + 1000, later).map((e) => e.kind), ["probe-timeout"]);
});

test("a recovery too recent to have held by the episode's start closes nothing", () => {
  const log = new EvidenceLog();
  log.add("service:db", exit(T0));
  log.recovered("service:db", T0 + 2000);
  log.add("service:db", timeout(T0 + 2000 + SETTLED_MS - 5000));
  assert.equal(log.of("service:db", T0 + 60_000, T0 + 2000 + SETTLED_MS - 5000).length, 2);
});

test("the localizer does not blame a repaired crash for a later timeout", () => {
  const topology = new Topology([{ name: "db", node: "node-c", dependsOn: [] }]);
  const evidence = new EvidenceLog();
  evidence.add("service:db", exit(T0));
  evidence.add("service:db", started(T0 + 100));
  evidence.recovered("service:db", T0 + 2000);
  const onset = T0 + 150_000;
  evidence.add("service:db", transitionEvidence({ service: "db", node: "node-c", from: "healthy", to: "unhealthy", since: onset, detail: "timed out after 400ms", source: "probe" }));
  const localizer = new IncidentLocalizer({
    topology: () => topology,
    status: (key) => (key === "service:db" ? { status: "failing", since: onset } : { status: "healthy", since: T0 - 3_600_000 }),
    evidence,
    series: null,
    limits: {},
  });
  const incident = { id: 1, members: ["service:db"], firstSignalAt: onset } as unknown as IncidentRecord;
  const l = localizer.localize(incident, onset + 900)!;
  assert.equal(l.rootKey, "service:db");
  assert.notEqual(l.cause, "crash", l.summary);
  assert.doesNotMatch(l.summary, /SIGKILL/);
});

test("a node that runs no declared service is localized as its own root when it goes down", () => {
  const topology = new Topology([{ name: "db", node: "node-c" }]);
  const onset = T0 + 10_000;
  const localizer = new IncidentLocalizer({
    topology: () => topology,
    status: (key) => (key === "node:watch-only" ? { status: "failing", since: onset } : { status: "healthy", since: T0 }),
    evidence: new EvidenceLog(),
    series: null,
    limits: {},
  });
  const incident = { id: 2, members: ["node:watch-only"], firstSignalAt: onset } as unknown as IncidentRecord;
  assert.equal(localizer.localize(incident, onset + 500)!.rootKey, "node:watch-only");
});
