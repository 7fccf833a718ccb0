// The words of a forecast alert: "`/` on node a will be full in 37 min (trend −2.1 MB/s, fit
// r² 0.97)", and the figures beside it as annotations a receiver or the dashboard can read.
import type { Labels } from "../../tsdb/series-store.js";
import { expandTemplate } from "../threshold-rule.js";
import type { Direction, ExhaustionForecast } from "./exhaustion.js";
import { formatDurationHuman, formatRate, unitOfMetric } from "./human-units.js";
import { describeExhaustion } from "./resource-phrases.js";

export interface ForecastSubject {
  metric: string;
  /** The series' labels (the sentence names node, mountpoint, service from them). */
  seriesLabels: Labels;
  limit: number;
  direction: Direction;
}

/** The default one-line summary of a forecast, whatever its state. */
export function forecastSummary(subject: ForecastSubject, forecast: ExhaustionForecast): string {
  const { metric, seriesLabels, limit, direction } = subject;
  const { subject: who, phrase } = describeExhaustion(metric, seriesLabels, limit, direction);
  const trend = `trend ${formatRate(forecast.trendPerSecond, unitOfMetric(metric))}`;
  const fit = `fit r² ${forecast.fit.r2.toFixed(2)}`;
  switch (forecast.state) {
    case "exhausting":
      return `${who} ${phrase.future} in ${formatDurationHuman(forecast.etaMs!)} (${trend}, ${fit})`;
    case "exhausted":
      return `${who} ${phrase.present} (${trend})`;
    case "flat":
      return `no exhaustion forecast for ${who}: the trend is flat within noise (${trend}, ${fit})`;
    case "receding":
      return `no exhaustion forecast for ${who}: the trend moves away from the limit (${trend}, ${fit})`;
    case "insufficient-data":
      return `no exhaustion forecast for ${who} yet: ${forecast.fit.points} point(s) over ${formatDurationHuman(forecast.fit.spanMs)}`;
  }
}

/** The figures of a forecast as annotation strings: only those that exist for its state. */
export function forecastFigures(forecast: ExhaustionForecast): Record<string, string> {
  const figures: Record<string, string> = {
    forecast_state: forecast.state,
    trend_per_second: String(Number(forecast.trendPerSecond.toPrecision(6))),
    fit_r2: forecast.fit.r2.toFixed(2),
  };
  if (forecast.etaMs !== null) {
    figures.eta = formatDurationHuman(forecast.etaMs);
    figures.eta_seconds = String(Math.round(forecast.etaMs / 1000));
    figures.projected_at = new Date(forecast.projectedAt!).toISOString();
    figures.confidence = forecast.confidence.toFixed(2);
  }
  return figures;
}

const forecastVariable = /\{\{\s*\$(eta|trend|r2|confidence)\s*\}\}/g;

/**
 * A user's summary or annotation template: `{{ $eta }}`, `{{ $trend }}`, `{{ $r2 }}` and
 * `{{ $confidence }}` from the forecast ("none" when there is no ETA), then `{{ $value }}`
 * (the latest sample) and `{{ $labels.x }}` as in threshold rules.
 */
export function expandForecastTemplate(
  text: string,
  subject: ForecastSubject,
  forecast: ExhaustionForecast,
  latestValue: number,
  alertLabels: Labels,
): string {
  const withForecast = text.replace(forecastVariable, (_whole, name: string) => {
    switch (name) {
      case "eta":
        return forecast.etaMs === null ? "none" : formatDurationHuman(forecast.etaMs);
      case "trend":
        return formatRate(forecast.trendPerSecond, unitOfMetric(subject.metric));
      case "r2":
        return forecast.fit.r2.toFixed(2);
      default:
        return forecast.etaMs === null ? "none" : forecast.confidence.toFixed(2);
    }
  });
  return expandTemplate(withForecast, latestValue, alertLabels);
}
