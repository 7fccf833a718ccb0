// The PromQL functions Vigil knows, by name. Adding a function means adding a plugin file
// here; the parser checks calls against these signatures.
import type { PromqlFunction } from "./function.js";
import { absentFunctions } from "./absent.js";
import { conversionFunctions } from "./conversion.js";
import { histogramQuantile } from "./histogram-quantile.js";
import { mathFunctions } from "./math.js";
import { overTimeFunctions } from "./over-time.js";
import { rateFunctions } from "./rate.js";
import { regressionFunctions } from "./regression.js";

export const FUNCTIONS: ReadonlyMap<string, PromqlFunction> = new Map(
  [...rateFunctions, ...regressionFunctions, ...overTimeFunctions, histogramQuantile, ...mathFunctions, ...absentFunctions, ...conversionFunctions].map(
    (f) => [f.name, f],
  ),
);

/** Prometheus functions Vigil does not implement: a call gets "not supported" rather than "unknown". */
export const UNSUPPORTED_FUNCTIONS = new Set([
  "label_replace",
  "label_join",
  "timestamp",
  "day_of_month",
  "day_of_week",
  "day_of_year",
  "days_in_month",
  "hour",
  "minute",
  "month",
  "year",
  "holt_winters",
  "histogram_count",
  "histogram_sum",
  "histogram_fraction",
  "histogram_stddev",
  "histogram_stdvar",
  "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan", "tanh", "deg", "rad", "pi",
]);
