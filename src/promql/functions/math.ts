// Functions of each sample's value: abs, ceil, floor, exp, sqrt, ln, log2, log10, sgn,
// round(v, to_nearest), clamp(v, min, max), clamp_min, clamp_max. All drop the metric name.
import type { PromqlFunction } from "./function.js";
import { asNumber, mapSamples } from "./helpers.js";
import { vector } from "../values.js";

function simple(name: string, f: (value: number) => number): PromqlFunction {
  return { name, argTypes: ["vector"], returns: "vector", call: ([v]) => mapSamples(v!, f) };
}

export const mathFunctions: PromqlFunction[] = [
  simple("abs", Math.abs),
  simple("ceil", Math.ceil),
  simple("floor", Math.floor),
  simple("exp", Math.exp),
  simple("sqrt", Math.sqrt),
  simple("ln", Math.log),
  simple("log2", Math.log2),
  simple("log10", Math.log10),
  simple("sgn", (v) => (v > 0 ? 1 : v < 0 ? -1 : v)),
  {
    name: "round",
    argTypes: ["vector", "scalar"],
    optionalArgs: 1,
    returns: "vector",
    call: ([v, nearest]) => {
      // Prometheus rounds half up, through the inverse so that round(x, 0.1) gives clean decimals.
      const inverse = 1 / (nearest === undefined ? 1 : asNumber(nearest));
      return mapSamples(v!, (x) => Math.floor(x * inverse + 0.5) / inverse);
    },
  },
  {
    name: "clamp",
    argTypes: ["vector", "scalar", "scalar"],
    returns: "vector",
    call: ([v, minArg, maxArg]) => {
      const min = asNumber(minArg!);
      const max = asNumber(maxArg!);
      if (max < min) return vector([]);
      return mapSamples(v!, (x) => Math.max(min, Math.min(max, x)));
    },
  },
  {
    name: "clamp_min",
    argTypes: ["vector", "scalar"],
    returns: "vector",
    call: ([v, min]) => mapSamples(v!, (x) => Math.max(x, asNumber(min!))),
  },
  {
    name: "clamp_max",
    argTypes: ["vector", "scalar"],
    returns: "vector",
    call: ([v, max]) => mapSamples(v!, (x) => Math.min(x, asNumber(max!))),
  },
];
