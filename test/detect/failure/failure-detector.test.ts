// The composed failure detector: a control-plane cut-off freezes before any node is declared
// dead, holds the verdicts back as unreachable, thaws once the nodes are back and stable, and
// judges a node that really died meanwhile afresh; settings are validated by name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FailureDetector, type FailureDetectorOutput } from "../../../src/detect/failure/failure-detector.js";
import { failureDetectorDefaults, resolveFailureDetectorOptions } from "../../../src/detect/failure/failure-detector-options.js";
import type { LivenessVerdict } from "../../../src/detect/failure/node-liveness.js";
import type { FreezeChange } from "../../../src/detect/failure/partition-guard.js";
import { ManualClock } from "../../../src/util/clock.js";

/** Six agents heartbeating every 500 ms (staggered), ticks every 100 ms; the server's links can be cut. */
function cluster() {
  const clock = new ManualClock();
  const detector = new FailureDetector();
  const names = ["a", "b", "c", "d", "e", "f"];
  const verdicts: LivenessVerdict[] = [];
  const freeze: FreezeChange[] = [];
  const world = { serverCutOff: false, crashed: new Set<string>() };
  const record = (out: FailureDetectorOutput) => {
    verdicts.push(...out.verdicts);
    freeze.push(...out.freeze);
    // The shell: probes fail while the server is cut off or the target crashed; peers answer only when reachable.
    for (const r of out.requests) {
      const at = clock.now() + 300;
      if (r.kind === "direct-probe") {
        const ok = !world.serverCutOff && !world.crashed.has(r.node);
        clock.setTimeout(() => record(detector.directProbeResult(r.node, ok, clock.now())), ok ? 2 : 300);
      } else if (!world.serverCutOff) {
        for (const peer of r.via) {
          clock.setTimeout(() => record(detector.indirectProbeResult(r.node, peer, !world.crashed.has(r.node), clock.now())), at - clock.now() + 5);
        }
      }
    }
  };
  names.forEach((n, i) => {
    clock.setTimeout(() => {
      clock.setInterval(() => {
        if (!world.serverCutOff && !world.crashed.has(n)) record(detector.heartbeat(n, clock.now()));
      }, 500);
    }, i * 80);
  });
  clock.setInterval(() => record(detector.tick(clock.now())), 100);
  clock.advance(30_000);
  verdicts.length = 0;
  return { clock, detector, verdicts, freeze, world };
}

test("a control-plane cut-off freezes before any node is dead, holds them as unreachable, and thaws after they are back and stable", () => {
  const { clock, detector, verdicts, freeze, world } = cluster();
  const cutAt = clock.now();
  world.serverCutOff = true;
  clock.advance(8_000);
  assert.equal(freeze.length, 1);
  assert.equal(freeze[0]!.frozen, true);
  assert.ok(freeze[0]!.at - cutAt < 2_000, `frozen ${freeze[0]!.at - cutAt} ms after the cut`);
  assert.deepEqual(verdicts.filter((v) => v.state === "dead"), [], "no node declared dead");
  const held = verdicts.filter((v) => v.state === "unreachable");
  assert.equal(held.length, 6);
  for (const v of held) assert.match(v.reason, /^held back from dead while the control plane looks isolated/);
  assert.match(detector.pauseReason(clock.now()) ?? "", /^control plane isolated since .*: 3 of 6 nodes went silent/);

  const restoredAt = clock.now();
  world.serverCutOff = false;
  clock.advance(15_000);
  assert.equal(verdicts.filter((v) => v.state === "alive").length, 6, "every node back on its heartbeat");
  assert.equal(freeze.length, 2);
  assert.equal(freeze[1]!.frozen, false);
  const thawAfter = freeze[1]!.at - restoredAt;
  assert.ok(thawAfter >= 10_000 && thawAfter < 11_000, `thawed ${thawAfter} ms after the links returned`);
  assert.equal(detector.pauseReason(clock.now()), null);
});

test("a node that really died during the cut-off is declared dead after the thaw, with its peers' evidence", () => {
  const { clock, verdicts, freeze, world } = cluster();
  world.serverCutOff = true;
  world.crashed.add("c");
  clock.advance(8_000);
  assert.deepEqual(verdicts.filter((v) => v.state === "dead"), []);
  world.serverCutOff = false;
  clock.advance(10_500);
  const thaw = freeze.find((f) => !f.frozen);
  assert.ok(thaw, "thawed although one node stays out");
  assert.deepEqual(thaw.nodes, ["c"]);
  clock.advance(3_000);
  const dead = verdicts.filter((v) => v.state === "dead");
  assert.deepEqual(dead.map((v) => v.node), ["c"]);
  assert.ok(dead[0]!.since - thaw.at < 2_000, "judged at once after the thaw, not at the next 5 s recheck");
  assert.match(dead[0]!.reason, /3 of 3 peers could not reach it either/);
});

test("a single silent node in a healthy cluster is dead without any freeze", () => {
  const { clock, verdicts, freeze, world } = cluster();
  const crashAt = clock.now();
  world.crashed.add("d");
  clock.advance(5_000);
  const dead = verdicts.filter((v) => v.state === "dead");
  assert.deepEqual(dead.map((v) => v.node), ["d"]);
  assert.ok(dead[0]!.since - crashAt <= 2_000, `dead ${dead[0]!.since - crashAt} ms after the crash`);
  assert.deepEqual(freeze, []);
});

test("settings: defaults scale with the heartbeat interval, overrides apply, bad values are named", () => {
  assert.deepEqual(resolveFailureDetectorOptions(), failureDetectorDefaults(500));
  const slow = resolveFailureDetectorOptions({ heartbeatIntervalMs: 2000 });
  assert.equal(slow.minStdDeviationMs, 400);
  assert.equal(slow.acceptablePauseMs, 1200);
  assert.equal(slow.suspicionMaxMs, 4000);
  assert.equal(slow.isolationWindowMs, 8000);
  assert.equal(resolveFailureDetectorOptions({ suspectPhi: 5, indirectProbes: undefined }).indirectProbes, 3);
  assert.throws(() => resolveFailureDetectorOptions({ isolationShare: 1.5 }), /^RangeError: failureDetector\.isolationShare: expected a number in \(0, 1\], got 1\.5$/);
  assert.throws(() => resolveFailureDetectorOptions({ suspicionMinMs: 2000, suspicionMaxMs: 1000 }), /failureDetector\.suspicionMaxMs: expected at least suspicionMinMs \(2000\), got 1000/);
  assert.throws(() => resolveFailureDetectorOptions({ windowSize: 1 }), /failureDetector\.windowSize: expected an integer ≥ 2, got 1/);
  assert.throws(() => resolveFailureDetectorOptions({ heartbeatIntervalMs: 0 }), /failureDetector\.heartbeatIntervalMs: expected a finite number > 0, got 0/);
  assert.throws(() => new FailureDetector({ suspectPhi: -1 }), /failureDetector\.suspectPhi/);
});
