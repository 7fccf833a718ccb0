// A node's or service's risk of failing soon, in [0, 1]: a logistic combination of the
// signals Vigil already has about it (health, firing alerts, anomalies, exhaustion forecasts,
// recent incidents and restarts), with the factors that drove it, for the API and for
// ordering the dashboard. Pure: the caller gathers the signals from the registries.

export interface RiskSignals {
  /** Current health: a service's probe verdict, or a node's liveness (down = unhealthy). */
  health?: "healthy" | "unhealthy" | "unknown";
  /** Alerts firing now whose labels name this node or service, by severity. */
  firingAlerts?: { critical?: number; warning?: number; info?: number };
  /** Anomaly probabilities of its series, in [0, 1] (the highest counts). */
  anomalies?: { series: string; probability: number }[];
  /** Exhaustion forecasts of its resources (the most urgent counts); `what` names it in the factor. */
  forecasts?: { what: string; etaMs: number; confidence: number }[];
  /** Incidents opened for it in the look-back window the caller chose (e.g. 24 h). */
  recentIncidents?: number;
  /** Restarts (by Vigil or by crashes) in that window. */
  recentRestarts?: number;
}

export type RiskFactorName =
  | "unhealthy"
  | "unknown-health"
  | "critical-alerts"
  | "warning-alerts"
  | "info-alerts"
  | "anomaly"
  | "forecast"
  | "recent-incidents"
  | "recent-restarts";

export interface RiskFactor {
  factor: RiskFactorName;
  /** wᵢ·xᵢ: what this factor adds to the log-odds. */
  contribution: number;
  /** For people: "2 critical alerts firing", "memory of node a will run out in 12 min (confidence 0.80)". */
  detail: string;
}

export interface RiskAssessment {
  /** P = 1/(1 + e^−(w·x − b)), in (0, 1). */
  score: number;
  /** w·x − b. */
  logOdds: number;
  /** The factors with a contribution, largest first, at most `topFactors` of them. */
  factors: RiskFactor[];
}

/**
 * The weights are log-odds, set by hand so that single signals land where an operator would
 * rank them (they are priors, not fitted; once the incident journal holds enough history,
 * a logistic regression of "incident within the next hour" on these same features can replace
 * them). With the bias b = 4 a quiet target scores σ(−4) ≈ 0.02, and alone:
 *   unhealthy                               +6.0 → 0.88  (it is failing now)
 *   unknown health (no verdict, node lost)  +6.0·0.3 = 1.8 → 0.10
 *   1 critical alert (2)                    +6.5·0.75 (0.94) → 0.71 (0.89)
 *   1 warning alert (2)                     +4.2·0.75 (0.94) → 0.30 (0.48)
 *   1 info alert                            +1.3·0.75 → 0.05
 *   anomaly probability p                   +2.5·p → 0.18 at p = 1 (the highest of many series
 *                                           is often high by chance, so it weighs less)
 *   forecast with urgency u                 +5.0·u → 0.73 at u = 1
 *   recent incidents n                      +2.5·(1 − 0.5ⁿ) → 0.06 at n = 1, 0.14 at n = 3
 *   recent restarts n                       +2.0·(1 − 0.7ⁿ) → 0.03 at n = 1, 0.09 at n = 5
 * Counts enter as 1 − rⁿ: the first alert or incident says most, more of them add less, and
 * no count can outweigh "unhealthy". Signals add up in log-odds: a warning alert with an
 * anomaly at p = 0.9 scores σ(3.15 + 2.25 − 4) ≈ 0.80.
 */
export const RISK_WEIGHTS = {
  unhealthy: 6.0,
  unknownHealth: 6.0 * 0.3,
  critical: 6.5,
  warning: 4.2,
  info: 1.3,
  anomaly: 2.5,
  forecast: 5.0,
  incidents: 2.5,
  restarts: 2.0,
} as const;

export const RISK_BIAS = 4;

/** Per-count decay of alert and incident counts (1 − rⁿ), and of restarts. */
const ALERT_COUNT_DECAY = 0.25;
const INCIDENT_COUNT_DECAY = 0.5;
const RESTART_COUNT_DECAY = 0.7;

/**
 * A forecast's urgency u = confidence · 2^(−eta / 1 h): exhaustion now at full confidence is
 * 1; an hour away counts half, a day away nothing to speak of.
 */
export const FORECAST_URGENCY_HALF_LIFE_MS = 3_600_000;

export function forecastUrgency(etaMs: number, confidence: number): number {
  return confidence * 2 ** (-Math.max(0, etaMs) / FORECAST_URGENCY_HALF_LIFE_MS);
}

const DEFAULT_TOP_FACTORS = 3;

/** Scores one node or service. Throws a RangeError naming the field when a signal is out of range. */
export function riskScore(signals: RiskSignals, options: { topFactors?: number } = {}): RiskAssessment {
  checkSignals(signals);
  const factors: RiskFactor[] = [];
  const add = (factor: RiskFactorName, contribution: number, detail: string) => {
    if (contribution > 0) factors.push({ factor, contribution, detail });
  };

  if (signals.health === "unhealthy") add("unhealthy", RISK_WEIGHTS.unhealthy, "unhealthy now");
  if (signals.health === "unknown") add("unknown-health", RISK_WEIGHTS.unknownHealth, "health unknown");

  const alerts = signals.firingAlerts ?? {};
  for (const [severity, weight, factor] of [
    ["critical", RISK_WEIGHTS.critical, "critical-alerts"],
    ["warning", RISK_WEIGHTS.warning, "warning-alerts"],
    ["info", RISK_WEIGHTS.info, "info-alerts"],
  ] as const) {
    const count = alerts[severity] ?? 0;
    add(factor, weight * saturate(count, ALERT_COUNT_DECAY), `${count} ${severity} alert${count === 1 ? "" : "s"} firing`);
  }

  const anomaly = maxBy(signals.anomalies ?? [], (a) => a.probability);
  if (anomaly !== undefined) {
    add("anomaly", RISK_WEIGHTS.anomaly * anomaly.probability, `${anomaly.series} anomalous (p ${anomaly.probability.toFixed(2)})`);
  }

  const forecast = maxBy(signals.forecasts ?? [], (f) => forecastUrgency(f.etaMs, f.confidence));
  if (forecast !== undefined) {
    add(
      "forecast",
      RISK_WEIGHTS.forecast * forecastUrgency(forecast.etaMs, forecast.confidence),
      `${forecast.what} (confidence ${forecast.confidence.toFixed(2)})`,
    );
  }

  const incidents = signals.recentIncidents ?? 0;
  add("recent-incidents", RISK_WEIGHTS.incidents * saturate(incidents, INCIDENT_COUNT_DECAY), `${incidents} recent incident${incidents === 1 ? "" : "s"}`);
  const restarts = signals.recentRestarts ?? 0;
  add("recent-restarts", RISK_WEIGHTS.restarts * saturate(restarts, RESTART_COUNT_DECAY), `${restarts} recent restart${restarts === 1 ? "" : "s"}`);

  const logOdds = factors.reduce((sum, f) => sum + f.contribution, 0) - RISK_BIAS;
  factors.sort((a, b) => b.contribution - a.contribution);
  return {
    score: 1 / (1 + Math.exp(-logOdds)),
    logOdds,
    factors: factors.slice(0, options.topFactors ?? DEFAULT_TOP_FACTORS),
  };
}

/** 1 − rⁿ: 0 for none, rising towards 1 with each more. */
function saturate(count: number, decay: number): number {
  return 1 - decay ** count;
}

function maxBy<T>(items: T[], key: (item: T) => number): T | undefined {
  let best: T | undefined;
  for (const item of items) if (best === undefined || key(item) > key(best)) best = item;
  return best;
}

function checkSignals(s: RiskSignals): void {
  const fail = (field: string, expected: string, got: unknown) => {
    throw new RangeError(`riskScore: ${field} must be ${expected}, got ${JSON.stringify(got)}`);
  };
  const isCount = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;
  const isProbability = (x: unknown) => typeof x === "number" && x >= 0 && x <= 1;
  if (s.health !== undefined && !["healthy", "unhealthy", "unknown"].includes(s.health)) {
    fail("health", '"healthy", "unhealthy" or "unknown"', s.health);
  }
  for (const severity of ["critical", "warning", "info"] as const) {
    const count = s.firingAlerts?.[severity];
    if (count !== undefined && !isCount(count)) fail(`firingAlerts.${severity}`, "a count >= 0", count);
  }
  s.anomalies?.forEach((a, i) => {
    if (!isProbability(a.probability)) fail(`anomalies[${i}].probability`, "in [0, 1]", a.probability);
  });
  s.forecasts?.forEach((f, i) => {
    if (!(typeof f.etaMs === "number" && f.etaMs >= 0)) fail(`forecasts[${i}].etaMs`, "a number of ms >= 0", f.etaMs);
    if (!isProbability(f.confidence)) fail(`forecasts[${i}].confidence`, "in [0, 1]", f.confidence);
  });
  if (s.recentIncidents !== undefined && !isCount(s.recentIncidents)) fail("recentIncidents", "a count >= 0", s.recentIncidents);
  if (s.recentRestarts !== undefined && !isCount(s.recentRestarts)) fail("recentRestarts", "a count >= 0", s.recentRestarts);
}
