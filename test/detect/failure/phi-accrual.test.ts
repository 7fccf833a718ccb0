// The phi-accrual detector on a manual clock: φ equals the closed form over the window's mean
// and deviation, the window slides, the deviation floor and the acceptable pause apply, and
// outage intervals stay out of the history.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PhiAccrualDetector, type PhiAccrualOptions } from "../../../src/detect/failure/phi-accrual.js";
import { ManualClock } from "../../../src/util/clock.js";

/** z → −log10(erfc(z/√2)/2), from mpmath with 40 digits. */
const CLOSED_FORM: Record<number, number> = {
  0: 0.30102999566398119521,
  1: 0.79954554149197050003,
  3: 2.8696990359293690772,
  5: 6.5426456723906544963,
  10: 23.118053405486075894,
  40: 349.43700645934584209,
};

const base: PhiAccrualOptions = {
  expectedIntervalMs: 500,
  windowSize: 4,
  minStdDeviationMs: 50,
  acceptablePauseMs: 0,
  ignoreIntervalsAbovePhi: 1000,
};

/** Heartbeats `intervals` apart on the clock, starting with one at the clock's time. */
function feed(detector: PhiAccrualDetector, clock: ManualClock, intervals: number[]): void {
  detector.heartbeat(clock.now());
  for (const ms of intervals) {
    clock.advance(ms);
    detector.heartbeat(clock.now());
  }
}

function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, expected), `${what}: ${actual}, expected ${expected}`);
}

test("φ(Δt) is −log10(1 − F(Δt)) for the normal F over the window's mean and deviation", () => {
  const clock = new ManualClock();
  const detector = new PhiAccrualDetector(base);
  // Window of 4: 400, 600, 400, 600 → μ = 500, σ = 100 (the bootstrap samples have slid out).
  feed(detector, clock, [400, 600, 400, 600]);
  assert.equal(detector.meanIntervalMs, 500);
  assert.equal(detector.stdDeviationMs, 100);
  for (const [z, expected] of Object.entries(CLOSED_FORM)) {
    const at = clock.now() + 500 + Number(z) * 100;
    assertClose(detector.phi(at), expected, `φ at μ + ${z}σ`);
  }
});

test("φ grows with the silence, from ≈ 0 right after a heartbeat", () => {
  const clock = new ManualClock();
  const detector = new PhiAccrualDetector(base);
  feed(detector, clock, [400, 600, 400, 600]);
  assert.ok(detector.phi(clock.now()) < 1e-6);
  let previous = -1;
  for (let ms = 0; ms <= 5000; ms += 10) {
    const phi = detector.phi(clock.now() + ms);
    assert.ok(phi > previous, `φ must grow (at ${ms} ms)`);
    previous = phi;
  }
  assert.equal(new PhiAccrualDetector(base).phi(clock.now()), 0, "no heartbeat yet: no suspicion");
});

test("the window slides: after a change of rhythm only the newest intervals count", () => {
  const clock = new ManualClock();
  const detector = new PhiAccrualDetector({ ...base, windowSize: 10 });
  feed(detector, clock, Array(10).fill(500));
  const phiAt1000Before = detector.phi(clock.now() + 1000);
  for (let i = 0; i < 10; i++) {
    clock.advance(1000);
    detector.heartbeat(clock.now());
  }
  assert.equal(detector.meanIntervalMs, 1000);
  assert.ok(phiAt1000Before > 20, `a 1 s silence is alarming at a 500 ms rhythm (φ ${phiAt1000Before})`);
  assertClose(detector.phi(clock.now() + 1000), CLOSED_FORM[0]!, "at a 1 s rhythm a 1 s silence is the median");
});

test("the deviation floor: a perfectly regular node is judged with minStdDeviation, not σ = 0", () => {
  const clock = new ManualClock();
  const detector = new PhiAccrualDetector(base);
  feed(detector, clock, [500, 500, 500, 500]);
  assert.equal(detector.stdDeviationMs, 0);
  assert.equal(detector.effectiveStdDeviationMs, 50);
  assertClose(detector.phi(clock.now() + 500 + 3 * 50), CLOSED_FORM[3]!, "z = (Δt − μ)/minStd");
});

test("the acceptable pause shifts the mean: the same φ comes that much later", () => {
  const clock = new ManualClock();
  const withPause = new PhiAccrualDetector({ ...base, acceptablePauseMs: 300 });
  feed(withPause, clock, [400, 600, 400, 600]);
  assertClose(withPause.phi(clock.now() + 500 + 300 + 100), CLOSED_FORM[1]!, "z = (Δt − μ − pause)/σ");
  assertClose(withPause.elapsedAtPhi(CLOSED_FORM[5]!), 500 + 300 + 5 * 100, "elapsedAtPhi inverts φ");
});

test("before real intervals arrive, φ is judged against the expected interval (μ ± μ/4 bootstrap)", () => {
  const clock = new ManualClock();
  const detector = new PhiAccrualDetector({ ...base, windowSize: 100, minStdDeviationMs: 1 });
  detector.heartbeat(clock.now());
  assert.equal(detector.sampleCount, 2);
  assert.equal(detector.meanIntervalMs, 500);
  assert.equal(detector.stdDeviationMs, 125);
  assertClose(detector.phi(clock.now() + 500 + 125), CLOSED_FORM[1]!, "one bootstrap σ");
});

test("an interval that ended above the outage φ is not recorded; normal ones are", () => {
  const clock = new ManualClock();
  const detector = new PhiAccrualDetector({ ...base, windowSize: 100, ignoreIntervalsAbovePhi: 3 });
  feed(detector, clock, Array(20).fill(500));
  const count = detector.sampleCount;
  clock.advance(30_000);
  assert.deepEqual(detector.heartbeat(clock.now()), { intervalMs: 30_000, recorded: false });
  assert.equal(detector.sampleCount, count, "a 30 s outage would wreck σ for the next 100 heartbeats");
  clock.advance(520);
  assert.deepEqual(detector.heartbeat(clock.now()), { intervalMs: 520, recorded: true });
  assert.equal(detector.sampleCount, count + 1);
});

test("a heartbeat older than the last one does not move time backwards", () => {
  const clock = new ManualClock();
  const detector = new PhiAccrualDetector(base);
  feed(detector, clock, [500, 500]);
  const last = detector.lastHeartbeatAt!;
  assert.deepEqual(detector.heartbeat(last - 200), { intervalMs: 0, recorded: false });
  assert.equal(detector.lastHeartbeatAt, last);
});
