// Each fault's options: defaults, accepted spellings, and errors that name the option.
import { test } from "node:test";
import assert from "node:assert/strict";
import { faults } from "../../src/chaos/faults/index.js";
import { fillStep } from "../../src/chaos/faults/disk.js";
import { ChaosSpecError } from "../../src/chaos/chaos-spec-error.js";

function refusal(fn: () => unknown): ChaosSpecError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ChaosSpecError, String(err));
    return err;
  }
  assert.fail("expected a ChaosSpecError");
}

test("every fault has a parser that refuses unknown options by name", () => {
  for (const fault of Object.values(faults)) {
    const err = refusal(() => fault.parse({ bogus: 1 }));
    assert.equal(err.path, "options.bogus");
    assert.match(err.problem, new RegExp(`unknown option of fault "${fault.kind}"`));
  }
});

test("kill, hang and partition take no options", () => {
  for (const kind of ["kill", "hang", "partition"] as const) assert.deepEqual(faults[kind].parse({}), {});
});

test("crash-loop: starts defaults to 3, accepts 1..1000", () => {
  assert.deepEqual(faults["crash-loop"].parse({}), { starts: 3 });
  assert.deepEqual(faults["crash-loop"].parse({ starts: "5" }), { starts: 5 });
  assert.match(refusal(() => faults["crash-loop"].parse({ starts: 0 })).message, /options\.starts: expected a whole number from 1 to 1000, got 0/);
});

test("cpu: cores", () => {
  assert.deepEqual(faults.cpu.parse({}), { cores: 1 });
  assert.deepEqual(faults.cpu.parse({ cores: "2" }), { cores: 2 });
  assert.equal(refusal(() => faults.cpu.parse({ cores: "two" })).path, "options.cores");
});

test("memory: rate as a size per second, limit as a size", () => {
  assert.deepEqual(faults.memory.parse({}), { rate: 20e6, limit: 256e6 });
  assert.deepEqual(faults.memory.parse({ rate: "15MB/s", limit: "1GiB" }), { rate: 15e6, limit: 1024 ** 3 });
  assert.deepEqual(faults.memory.parse({ rate: 1000, limit: 5000 }), { rate: 1000, limit: 5000 });
  assert.match(refusal(() => faults.memory.parse({ limit: "lots" })).message, /options\.limit: expected a size such as "64MB"/);
});

test("disk: path must be absolute, ratio in (0, 1] or a percentage", () => {
  assert.deepEqual(faults.disk.parse({}), { path: null, rate: 50e6, ratio: 0.95, limit: 1024e6 });
  assert.deepEqual(faults.disk.parse({ path: "/tmp/x", ratio: "90%", rate: "10MB/s", limit: "5MB" }), { path: "/tmp/x", rate: 10e6, ratio: 0.9, limit: 5e6 });
  assert.equal(refusal(() => faults.disk.parse({ path: "relative" })).path, "options.path");
  assert.match(refusal(() => faults.disk.parse({ ratio: 1.5 })).message, /options\.ratio: expected a ratio above 0 and at most 1/);
});

test("fd: count", () => {
  assert.deepEqual(faults.fd.parse({}), { count: 1000 });
  assert.equal(refusal(() => faults.fd.parse({ count: -1 })).path, "options.count");
});

test("latency: delay and jitter as durations; drop: ratio", () => {
  assert.deepEqual(faults.latency.parse({}), { delay: 500, jitter: 0 });
  assert.deepEqual(faults.latency.parse({ delay: "2s", jitter: "100ms" }), { delay: 2000, jitter: 100 });
  assert.match(refusal(() => faults.latency.parse({ delay: "soon" })).message, /options\.delay: expected a duration/);
  assert.deepEqual(faults.drop.parse({}), { ratio: 1 });
  assert.deepEqual(faults.drop.parse({ ratio: "0.5" }), { ratio: 0.5 });
});

test("disk fill step: the rate, the ratio and the cap each bound what is written", () => {
  const o = { rate: 10e6, ratio: 0.9, limit: 50e6 };
  const roomy = { total: 1e12, free: 9e11 };
  assert.equal(fillStep(o, 1000, 0, roomy), 10e6); // the rate: 1 s at 10 MB/s
  assert.equal(fillStep(o, 1000, 10e6, roomy), 0); // already written
  assert.equal(fillStep(o, 60_000, 45e6, roomy), 5e6); // the cap
  assert.equal(fillStep(o, 60_000, 0, { total: 100e6, free: 15e6 }), 5e6); // 90% of 100 MB, 85 MB used
  assert.equal(fillStep(o, 60_000, 0, { total: 100e6, free: 5e6 }), 0); // already past the ratio
});
