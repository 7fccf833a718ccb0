import { test } from "node:test";
import assert from "node:assert/strict";
import type { AnomalyResult } from "../../../src/detect/anomaly/anomaly-detector.js";
import { advanceEpisode, type AnomalyEpisode } from "../../../src/detect/anomaly/anomaly-episode.js";

const rule = { threshold: 0.9, settleAfterMs: 0 };
const range = { low: 0.2, high: 0.35 };

function result(feature: string | null, low = 0.2, high = 0.35): AnomalyResult {
  return { probability: 0, expected: { low, high }, evidence: { surprise: 0, feature, excess: 0, masked: false, points: 1000 } };
}

test("an episode starts at evidence above the threshold, freezing the expected band and the value range", () => {
  assert.equal(advanceEpisode(null, rule, 1, 0.3, result(null), 0.2, range), null);
  const episode = advanceEpisode(null, rule, 5, 0.91, result("value"), 0.97, range)!;
  assert.deepEqual(episode, {
    since: 5,
    expected: { low: 0.2, high: 0.35 },
    valueRange: { low: 0.2, high: 0.35 },
    observed: 0.91,
    peakProbability: 0.97,
    feature: "value",
  });
});

test("it lasts while the value stays beyond the old range, and ends when it comes back", () => {
  let episode: AnomalyEpisode | null = advanceEpisode(null, rule, 5, 0.91, result("value"), 0.97, range);
  episode = advanceEpisode(episode, rule, 6, 0.9, result(null, 0.2, 0.91), 0, { low: 0.2, high: 0.91 });
  assert.equal(episode?.observed, 0.9, "absorbed by the detector, still beyond the range before the episode");
  assert.equal(episode?.peakProbability, 0.97);
  episode = advanceEpisode(episode, rule, 7, 0.3, result(null), 0, range);
  assert.equal(episode, null);
});

test("evidence keeps an episode inside the range going (a seasonal anomaly); settleAfter ends a held one", () => {
  let episode = advanceEpisode(null, rule, 0, 0.3, result("daily.value"), 0.95, range);
  episode = advanceEpisode(episode, rule, 1, 0.3, result("daily.mean12"), 0.99, range);
  assert.equal(episode?.feature, "daily.mean12");
  assert.equal(advanceEpisode(episode, rule, 2, 0.3, result(null), 0.5, range), null);

  const settling = { threshold: 0.9, settleAfterMs: 60_000 };
  let held = advanceEpisode(null, settling, 0, 5, result("value"), 0.99, range);
  held = advanceEpisode(held, settling, 59_999, 5, result(null), 0, range);
  assert.notEqual(held, null);
  assert.equal(advanceEpisode(held, settling, 60_000, 5, result(null), 0, range), null);
});
