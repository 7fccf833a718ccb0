// An anomaly episode of one series, level-triggered for rules: it starts when a point's evidence
// reaches the rule's threshold and lasts while it stays there or the value stays beyond every
// value seen before (a level shift the detector has absorbed is still an anomaly to the operator).
import type { AnomalyResult } from "./anomaly-detector.js";

export interface AnomalyEpisode {
  since: number;
  /** The band expected at the first point of the episode, and the value range before it. */
  expected: { low: number; high: number };
  valueRange: { low: number; high: number };
  /** The latest value and the strongest probability of the episode, with the feature that gave it. */
  observed: number;
  peakProbability: number;
  feature: string | null;
}

export interface EpisodeRule {
  /** Evidence probability from which a point is anomalous. */
  threshold: number;
  /** An episode held only by the value staying out of range ends after this long (0: never). */
  settleAfterMs: number;
}

/**
 * The episode after one more point: `evidenceProbability` is the logistic of the point's
 * evidence before masking (a masked point of an ongoing anomaly still counts), `valueRange`
 * the range of the values before this point.
 */
export function advanceEpisode(
  episode: AnomalyEpisode | null,
  rule: EpisodeRule,
  ts: number,
  value: number,
  result: AnomalyResult,
  evidenceProbability: number,
  valueRange: { low: number; high: number },
): AnomalyEpisode | null {
  const anomalous = evidenceProbability >= rule.threshold;
  if (episode === null) {
    if (!anomalous) return null;
    return {
      since: ts,
      expected: { ...result.expected },
      valueRange: { ...valueRange },
      observed: value,
      peakProbability: evidenceProbability,
      feature: result.evidence.feature,
    };
  }
  const outsideRange = value < episode.valueRange.low || value > episode.valueRange.high;
  const settled = rule.settleAfterMs > 0 && ts - episode.since >= rule.settleAfterMs;
  if (!anomalous && (!outsideRange || settled)) return null;
  const stronger = evidenceProbability > episode.peakProbability;
  return {
    ...episode,
    observed: value,
    peakProbability: stronger ? evidenceProbability : episode.peakProbability,
    feature: stronger ? result.evidence.feature : episode.feature,
  };
}
