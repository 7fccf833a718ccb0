// The localizer's entry point end to end on a small cluster: the root, the cause and the
// sentence the incident carries, the evidence and candidates, the independent roots, and
// clear errors for bad input. Evidence items come from the same helpers the server uses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LocalizationInputError } from "../../../src/incident/localization/component.js";
import { livenessEvidence, processEventEvidence, transitionEvidence } from "../../../src/incident/localization/evidence-from-signals.js";
import { localize, type LocalizationInput } from "../../../src/incident/localization/localize.js";
import type { ComponentObservation } from "../../../src/incident/localization/observation.js";
import type { Topology } from "../../../src/incident/localization/topology-graph.js";
import { noisy, storeWith } from "./series-helpers.js";

const MB = 2 ** 20;
const GB = 2 ** 30;
const LEAK_START = Date.UTC(2026, 2, 14, 14, 2, 11);
const CHAIN: Topology = {
  services: [
    { name: "web", node: "node-a", dependsOn: ["api"] },
    { name: "api", node: "node-a", dependsOn: ["db"] },
    { name: "db", node: "node-b" },
  ],
};

/** db leaks 4 MB/s from 14:02:11 until it reaches 98% of its 1 GB limit; its probe times out, api's and web's fail behind it. */
function leakingDb(): { input: LocalizationInput; onset: number } {
  const base = 200 * MB;
  const onset = LEAK_START + Math.ceil((0.98 * GB - base) / (4 * MB)) * 1000;
  const db = { service: "db", node: "node-b" };
  const series = storeWith(
    [
      { name: "service_memory_rss_bytes", labels: db, value: (t) => base + (Math.min(Math.max(0, t - LEAK_START), onset - LEAK_START) * 4 * MB) / 1000 + (t % 7) * 1024 },
      { name: "service_cpu_usage_ratio", labels: db, value: noisy(0.08, 0.2, 1) },
      { name: "node_memory_total_bytes", labels: { node: "node-b" }, value: () => 8 * GB },
      { name: "node_memory_used_ratio", labels: { node: "node-b" }, value: noisy(0.4, 0.01, 2) },
    ],
    LEAK_START - 45 * 60_000,
    onset + 10_000,
    1000,
  );
  const observations: ComponentObservation[] = [
    {
      component: "service:db",
      status: "failing",
      firstSignalAt: onset,
      evidence: [transitionEvidence({ service: "db", node: "node-b", from: "healthy", to: "unhealthy", since: onset, detail: "timed out after 300ms", source: "probe" })!],
    },
    { component: "service:api", status: "failing", evidence: [transitionEvidence({ service: "api", node: "node-a", from: "healthy", to: "unhealthy", since: onset - 2000, detail: "HTTP 502", source: "probe" })!] },
    { component: "service:web", status: "failing", evidence: [transitionEvidence({ service: "web", node: "node-a", from: "healthy", to: "unhealthy", since: onset - 1000, detail: "HTTP 502", source: "probe" })!] },
    { component: "node:node-a", status: "healthy" },
    { component: "node:node-b", status: "healthy" },
  ];
  return { input: { topology: CHAIN, observations, series, limits: { db: { memoryBytes: GB } } }, onset };
}

test("a leaking db behind api and web: root db, cause memory, and the sentence the incident carries", () => {
  const { input, onset } = leakingDb();
  const l = localize(input, onset + 8000)!;
  assert.equal(l.root, "service:db");
  assert.equal(l.kind, "service");
  assert.equal(l.target, "db");
  assert.equal(l.node, "node-b");
  assert.equal(l.cause, "memory");
  assert.equal(l.onset, onset);
  assert.match(l.summary, /^root cause: db on node-b — memory exhausted \(RSS 98(\.\d)?% of limit, rising 4 MB\/s since 14:02:1\d\); confidence 0\.\d\d$/);
  assert.ok(Math.abs(l.confidence - l.rootConfidence * l.causeConfidence) < 0.011, "confidence = root × cause");
  assert.ok(l.rootConfidence > 0.4 && l.causeConfidence > 0.8, `root ${l.rootConfidence}, cause ${l.causeConfidence}`);
  assert.deepEqual(l.candidates.map((c) => c.component).sort(), ["service:api", "service:db", "service:web"]);
  assert.ok(l.evidence.some((e) => e.startsWith("service:db: explains 2 failing dependents")));
  assert.ok(l.evidence.some((e) => e.startsWith("RSS: peak")));
  assert.deepEqual(l.independentRoots, []);
  // The same in another time zone.
  assert.match(localize({ ...input, options: { timeZone: "Europe/Berlin" } }, onset + 8000)!.summary, /since 15:02:1\d/);
});

test("nothing failing and no evidence: null", () => {
  const observations: ComponentObservation[] = [{ component: "service:db", status: "healthy" }];
  assert.equal(localize({ topology: CHAIN, observations }, Date.UTC(2026, 0, 1)), null);
  assert.equal(localize({ topology: CHAIN, observations: [] }, Date.UTC(2026, 0, 1)), null);
});

test("evidence after now has not happened yet for the decision", () => {
  const now = Date.UTC(2026, 2, 14, 14, 0, 0);
  const exit = processEventEvidence("process.exited", { code: 1 }, now + 60_000)!;
  const l = localize({ topology: CHAIN, observations: [{ component: "service:db", status: "failing", firstSignalAt: now - 1000, evidence: [exit] }] }, now)!;
  assert.equal(l.cause, "unknown");
  assert.match(l.summary, /^root cause: db on node-b — cause unknown/);
});

test("a dead node: the node is the root, its services' dependents elsewhere are its victims", () => {
  const t = Date.UTC(2026, 2, 14, 14, 0, 0);
  const verdict = livenessEvidence({ node: "node-b", state: "dead", previous: "suspect", since: t + 8000, reason: "confirmed by 2 of 2 peers", phi: 12, lastSeen: t })!;
  const l = localize(
    {
      topology: CHAIN,
      observations: [
        { component: "node:node-b", status: "failing", firstSignalAt: t + 3000, evidence: [verdict] },
        { component: "service:db", status: "unknown" },
        { component: "service:api", status: "failing", evidence: [{ source: "probe", kind: "probe-timeout", detail: "timed out after 300ms", strength: 0.65, at: t + 1500 }] },
        { component: "service:web", status: "failing", evidence: [{ source: "probe", kind: "probe-error", detail: "HTTP 502", strength: 0.7, at: t + 2500 }] },
      ],
    },
    t + 10_000,
  )!;
  assert.equal(l.root, "node:node-b");
  assert.equal(l.kind, "node");
  assert.equal(l.cause, "node-down");
  assert.equal(l.summary, `root cause: node node-b — node down (node node-b is down: confirmed by 2 of 2 peers); confidence ${l.confidence.toFixed(2)}`);
});

test("two independent failures: the top one is the root, the other is named as failing independently", () => {
  const t = Date.UTC(2026, 2, 14, 14, 0, 0);
  const topology: Topology = {
    services: [
      { name: "front", node: "n1", dependsOn: ["cart", "search"] },
      { name: "cart", node: "n2" },
      { name: "search", node: "n3" },
    ],
  };
  const exit = (at: number) => processEventEvidence("process.exited", { code: 1 }, at)!;
  const l = localize(
    {
      topology,
      observations: [
        { component: "service:cart", status: "failing", evidence: [exit(t)] },
        { component: "service:search", status: "failing", evidence: [exit(t + 30_000)] },
        { component: "service:front", status: "failing", evidence: [{ source: "probe", kind: "probe-error", detail: "HTTP 502", strength: 0.7, at: t + 1000 }] },
      ],
    },
    t + 40_000,
  )!;
  assert.equal(l.root, "service:cart");
  assert.deepEqual(l.independentRoots, ["service:search"]);
  assert.match(l.summary, /; also failing independently: search on n3$/);
  assert.ok(l.rootConfidence < 0.7, `a second root lowers the confidence, got ${l.rootConfidence}`);
});

test("bad input is refused with the field named", () => {
  const now = Date.UTC(2026, 0, 1);
  const bad = (observations: unknown, message: RegExp) =>
    assert.throws(() => localize({ topology: CHAIN, observations: observations as ComponentObservation[] }, now), (err: Error) => err instanceof LocalizationInputError && message.test(err.message));
  bad([{ component: "service:cache", status: "failing" }], /^observations\[0\]\.component: "service:cache" is not in the topology$/);
  bad([{ component: "db", status: "failing" }], /^observations\[0\]\.component: expected "service:NAME" or "node:NAME", got "db"$/);
  bad([{ component: "service:db", status: "down" }], /^observations\[0\]\.status: expected failing, healthy or unknown, got "down"$/);
  bad(
    [{ component: "service:db", status: "failing", evidence: [{ source: "probe", kind: "probe-error", detail: "x", strength: 1.5, at: now }] }],
    /^observations\[0\]\.evidence\[0\]\.strength: expected a number in \[0, 1\], got 1\.5$/,
  );
  bad([{ component: "service:db", status: "failing" }, { component: "service:db", status: "healthy" }], /^observations\[1\]\.component: "service:db" is observed twice$/);
  bad("nope", /^observations: expected an array$/);
  assert.throws(() => localize({ topology: CHAIN, observations: [] }, NaN), /^LocalizationInputError: now: expected a time in ms, got NaN$/);
});

test("evidence from the server's signals: health transitions, process events and liveness verdicts", () => {
  const at = 1000;
  const t = (detail: string, source: "probe" | "process") => transitionEvidence({ service: "s", node: "n", from: "healthy", to: "unhealthy", since: at, detail, source })!;
  assert.equal(t("timed out after 300ms", "probe").kind, "probe-timeout");
  assert.equal(t("connect ECONNREFUSED 127.0.0.1:8082", "probe").kind, "probe-refused");
  assert.equal(t("process stopped (pid 12, state T)", "probe").kind, "process-stopped");
  assert.equal(t("HTTP 503", "probe").kind, "probe-error");
  const exited = t("process exited (killed by SIGKILL)", "process");
  assert.deepEqual(exited, { source: "process", kind: "process-exited", detail: "process exited (killed by SIGKILL)", strength: 0.95, at });
  assert.equal(transitionEvidence({ service: "s", node: "n", from: "unhealthy", to: "healthy", since: at, detail: "ok", source: "probe" }), null);
  assert.equal(processEventEvidence("process.exited", { expected: true }, at), null, "a stop Vigil asked for is no evidence");
  assert.equal(processEventEvidence("process.started", { pid: 42 }, at)!.detail, "process 42 started");
  assert.equal(livenessEvidence({ node: "n", state: "alive", previous: "suspect", since: at, reason: "", phi: 0, lastSeen: at }), null);
  assert.equal(livenessEvidence({ node: "n", state: "suspect", previous: "alive", since: at, reason: "φ 9", phi: 9, lastSeen: at })!.kind, "node-suspect");
});
