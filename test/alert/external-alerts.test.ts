// Expiry of pushed alerts on a manual clock: each resolves at its own endsAt unless re-sent,
// observations go out in post order, and stop() leaves no timer behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AlertObservation } from "../../src/alert/alert-lifecycle.js";
import { DEFAULT_RESOLVE_TIMEOUT_MS, ExternalAlerts } from "../../src/alert/external-alerts.js";
import { ManualClock } from "../../src/util/clock.js";

function tracker() {
  const clock = new ManualClock(1_000_000);
  const seen: string[] = [];
  const alerts = new ExternalAlerts({
    clock,
    observe: async (o: AlertObservation) => void seen.push(`${o.labels.alertname}:${o.active ? "active" : "inactive"}@${clock.now()}`),
    onError: (err) => assert.fail(String(err)),
  });
  return { clock, seen, alerts };
}

const post = (alertname: string, endsAt: number | null) => ({ labels: { alertname }, annotations: {}, endsAt, generatorURL: "" });

test("each alert resolves at its own endsAt; a re-send moves the deadline; a past endsAt resolves at once", async () => {
  const { clock, seen, alerts } = tracker();
  const t0 = clock.now();
  await alerts.receive([post("A", t0 + 4000), post("B", t0 + 2000), post("C", null)]);
  clock.advance(1000);
  await alerts.receive([post("A", clock.now() + 4000)]); // A's deadline moves to t0 + 5000
  clock.advance(1000);
  assert.deepEqual(seen.slice(4), [`B:inactive@${t0 + 2000}`]);
  await alerts.receive([post("B", clock.now() - 1)]); // a resolved notice for an already expired alert: observed, no timer
  clock.advance(2999);
  assert.equal(seen.filter((s) => s.startsWith("A:inactive")).length, 0);
  clock.advance(1);
  clock.advance(DEFAULT_RESOLVE_TIMEOUT_MS);
  assert.deepEqual(seen, [
    `A:active@${t0}`,
    `B:active@${t0}`,
    `C:active@${t0}`,
    `A:active@${t0 + 1000}`,
    `B:inactive@${t0 + 2000}`,
    `B:inactive@${t0 + 2000}`,
    `A:inactive@${t0 + 5000}`,
    `C:inactive@${t0 + DEFAULT_RESOLVE_TIMEOUT_MS}`,
  ]);
  assert.equal(clock.pendingTimers(), 0);
});

test("stop() cancels the pending expiry", async () => {
  const { clock, seen, alerts } = tracker();
  await alerts.receive([post("A", clock.now() + 1000)]);
  assert.equal(clock.pendingTimers(), 1);
  alerts.stop();
  assert.equal(clock.pendingTimers(), 0);
  clock.advance(10_000);
  assert.deepEqual(seen, [`A:active@${clock.now() - 10_000}`]);
});
