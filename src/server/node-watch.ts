// What every replica does for the nodes it holds — a single server for all of them, an edge
// replica for its own (issue 11): the failure detector's tick, the rules over their series
// (threshold, anomaly and forecast; PromQL rules are the leader's, see server.ts), φ sampled
// into the store for the node page, storing their samples, and, on a cluster, handing nodes
// over when the replicas change. Where the verdicts and rule observations go is the caller's: the control plane in
// the same process, or the leader over an edge link.
import type { AlertObservation } from "../alert/alert-lifecycle.js";
import type { VigilConfig } from "../config/schema.js";
import { rulesOfKind } from "../config/rule-kinds.js";
import type { FailureDetectorOutput } from "../detect/failure/failure-detector.js";
import type { NodeRegistry } from "../detect/node-registry.js";
import { RuleEvaluator, type RuleObservation } from "../detect/rule-evaluator.js";
import { AnomalyRuleEvaluator } from "../detect/anomaly/anomaly-rule.js";
import { ForecastRuleEvaluator } from "../detect/forecast/forecast-rule.js";
import type { SampleColumns } from "../protocol/sample-columns.js";
import type { CompressedSeriesStore } from "../tsdb/compressed-store.js";
import type { AppendResult, SeriesStore } from "../tsdb/series-store.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { AgentHub } from "./agent-hub.js";
import type { ServerMetrics } from "./server-metrics.js";
import { phiSamples } from "./dashboard/phi-samples.js";
import type { Shard } from "./replicas/shard.js";

/** What a rule observed, as the alert manager takes it. */
export function alertObservation(r: RuleObservation): AlertObservation {
  return {
    labels: r.labels,
    annotations: r.annotations,
    active: r.active,
    value: r.value,
    forMs: r.forMs,
    keepFiringMs: r.keepFiringMs ?? 0,
    ...(r.sampleReceivedAt !== undefined && { sampleReceivedAt: r.sampleReceivedAt }),
  };
}

/** How long a series may go without a sample before its rules call it stale (server.staleAfter). */
export function staleAfterMs(config: VigilConfig): number {
  return config.server.staleAfter ?? Math.max(3 * config.agent.collectInterval, 2 * config.server.evaluationInterval, ...config.scrape.map((job) => 2 * job.interval));
}

export interface NodeRules {
  /** Evaluated as samples arrive too (ingest calls evaluateColumns). */
  threshold: RuleEvaluator;
  /** Evaluated every evaluation interval. */
  periodic: Array<{ evaluate(): void }>;
  /** Trend fits: every forecast interval. */
  forecasts: ForecastRuleEvaluator;
}

/** The threshold, anomaly and forecast rules over `store`'s series. */
export function nodeRules(config: VigilConfig, store: SeriesStore, clock: Clock, observe: (r: RuleObservation) => void): NodeRules {
  const stale = staleAfterMs(config);
  const threshold = new RuleEvaluator({ rules: rulesOfKind(config.rules, "threshold"), store, clock, staleAfterMs: stale, observe });
  return {
    threshold,
    periodic: [threshold, new AnomalyRuleEvaluator({ rules: rulesOfKind(config.rules, "anomaly"), store, clock, staleAfterMs: stale, observe })],
    forecasts: new ForecastRuleEvaluator({ rules: rulesOfKind(config.rules, "forecast"), store, clock, staleAfterMs: stale, observe }),
  };
}

/**
 * Storing samples: from agents, scrapes and remote-write senders (`ingest`), stored, then the
 * threshold rules on their series decide now, not at the next tick; an agent's re-sent ones
 * (`replay`, after a crash lost them) stored again but not re-evaluated.
 */
export function sampleIngest(o: { clock: Clock; logger: Logger; store: Pick<CompressedSeriesStore, "appendColumns">; metrics: ServerMetrics; threshold: RuleEvaluator }): {
  ingest(columns: SampleColumns): AppendResult;
  replay(columns: SampleColumns): void;
} {
  return {
    ingest(columns) {
      const receivedAt = o.clock.now();
      const result = o.store.appendColumns(columns);
      o.metrics.samplesIngested.inc(result.accepted);
      o.metrics.samplesRejected.inc(result.rejected);
      try {
        o.threshold.evaluateColumns(columns, receivedAt);
      } catch (err) {
        o.logger.error({ err }, "rule evaluation on arrival failed");
      }
      return result;
    },
    replay(columns) {
      const result = o.store.appendColumns(columns, { replay: true });
      o.metrics.samplesIngested.inc(result.accepted);
      o.metrics.samplesReplayed.inc({ result: "stored" }, result.accepted);
      o.metrics.samplesReplayed.inc({ result: "already-stored" }, result.rejected);
    },
  };
}

/** The loops: detector ticks, rule evaluations, forecasts, φ samples. Cancel the handles to stop them. */
export function startNodeWatchLoops(o: {
  config: VigilConfig;
  clock: Clock;
  logger: Logger;
  nodes: NodeRegistry;
  store: SeriesStore;
  onLiveness(out: FailureDetectorOutput): Promise<void>;
  /** Evaluated every evaluation interval, each on its own (one failing does not stop the others). */
  evaluators: Array<{ evaluate(): void }>;
  forecasts: { evaluate(): void };
}): TimerHandle[] {
  const { config, clock, logger } = o;
  const evaluate = (evaluator: { evaluate(): void }, what: string) => {
    try {
      evaluator.evaluate();
    } catch (err) {
      logger.error({ err }, `${what} failed`);
    }
  };
  return [
    clock.setInterval(() => {
      o.nodes
        .tick()
        .then((out) => o.onLiveness(out))
        .catch((err) => logger.error({ err }, "failure detector tick failed"));
    }, config.failureDetector.tick),
    clock.setInterval(() => {
      for (const evaluator of o.evaluators) evaluate(evaluator, "rule evaluation");
    }, config.server.evaluationInterval),
    // Trend fits over a window are heavier than threshold checks, and trends move slowly.
    clock.setInterval(() => evaluate(o.forecasts, "forecast evaluation"), config.server.forecastInterval),
    // φ over time for the node page: the detector keeps only the current value (and has one only for the nodes judged here).
    clock.setInterval(() => {
      o.store.append(phiSamples(o.nodes.all().map((n) => ({ name: n.name, phi: o.nodes.phi(n.name) })), clock.now()));
    }, config.agent.collectInterval),
  ];
}

/**
 * When the replicas change: nodes this replica no longer owns are sent to their new owner
 * (a redirect), and those it now owns get the re-homing grace (NodeRegistry.rebalance).
 * Returns the listener to subscribe.
 */
export function rehomeOnReplicasChange(o: { nodes: NodeRegistry; hub: AgentHub; shard: Shard; logger: Logger }): () => void {
  return () => {
    const { adopted, released } = o.nodes.rebalance();
    let moved = 0;
    for (const node of o.hub.connectedNodes()) {
      const redirect = o.shard.redirectFor(node);
      if (redirect && o.hub.moveAway(node, redirect)) moved++;
    }
    if (adopted.length + released.length + moved > 0) o.logger.info({ adopted: adopted.length, released: released.length, moved }, "replicas changed: nodes re-homed");
  };
}
