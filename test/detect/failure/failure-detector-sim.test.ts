// The failure detector in a simulated cluster (manual clock, seeded PRNG; cluster-simulation.ts
// documents the jitter, loss and pause model): no node is ever declared dead falsely, silent
// crashes are dead within 2 s, killed agents within 100 ms, a cut server link gives unreachable,
// and a control-plane cut-off freezes. Size here: 200 nodes × 15 simulated minutes plus the
// fault phases (the full 1,000 nodes × 1 h: `npm run bench -- failure-detector-sim`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatReport, simulateCluster } from "./cluster-simulation.js";

test("200 nodes, 15 simulated minutes of jitter, loss and pauses, then crashes, kills, link cuts and a cut-off", () => {
  const report = simulateCluster({ nodes: 200, steadyMs: 15 * 60_000 });
  console.log(formatReport(report));
  const steady = report.steady;

  // The stress was real: pauses long enough to be suspected, heartbeat gaps far beyond 2 s.
  assert.ok(steady.longestPauseMs > 1400, `longest pause ${steady.longestPauseMs} ms`);
  assert.ok(steady.longestHeartbeatGapMs > 2000, `longest gap ${steady.longestHeartbeatGapMs} ms`);
  assert.ok(steady.suspicions > 50, `${steady.suspicions} suspicions`);
  assert.ok(Math.abs(steady.heartbeatsLost / steady.heartbeatsSent - 0.01) < 0.002);

  // ...and yet never a false verdict.
  assert.equal(steady.dead, 0);
  assert.equal(steady.unreachable, 0);
  assert.equal(steady.freezes, 0);
  assert.deepEqual(report.falseDead, []);

  for (const crash of report.silentCrashes) {
    assert.ok(crash.detectionMs !== null && crash.detectionMs <= 2000, `silent crash of ${crash.node}: dead after ${crash.detectionMs} ms`);
  }
  // A killed agent: closed connection + refused probe. Only a lost probe (1%) costs a probe
  // timeout (300 ms) more.
  const kills = report.agentKills.map((k) => k.detectionMs ?? Infinity);
  assert.ok(kills.filter((ms) => ms <= 100).length >= 9, `agent kills: dead after ${kills.join(", ")} ms`);
  assert.ok(kills.every((ms) => ms <= 100 + report.settings.probeTimeoutMs), `agent kills: ${kills.join(", ")} ms`);
  for (const cut of report.linkCuts) {
    assert.ok(cut.detectionMs !== null && cut.detectionMs <= 5000, `link cut of ${cut.node}: unreachable after ${cut.detectionMs} ms`);
    assert.match(cut.reason!, /^the server cannot reach it but .+ can/);
  }

  const isolation = report.isolation;
  const cutAt = isolation.restoredAt - report.settings.isolationMs;
  assert.ok(isolation.frozeAt !== null && isolation.frozeAt - cutAt < 2000, "frozen within 2 s of the cut-off");
  assert.equal(isolation.deadDuring, 0);
  assert.ok(isolation.heldBack > 150, `${isolation.heldBack} held back`);
  assert.ok(isolation.thawedAt !== null && isolation.thawedAt - isolation.restoredAt >= 10_000, "thawed after the stable period");
});

test("the same seed gives the same run", () => {
  const a = simulateCluster({ nodes: 30, steadyMs: 60_000 });
  const b = simulateCluster({ nodes: 30, steadyMs: 60_000 });
  assert.deepEqual({ ...a, wallMs: 0 }, { ...b, wallMs: 0 });
});
