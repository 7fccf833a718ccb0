// time(), vector(s), scalar(v), and sort / sort_desc (which only order an instant query's result).
import type { PromqlFunction } from "./function.js";
import { asNumber, asVector } from "./helpers.js";
import { scalar, vector } from "../values.js";

function byValue(descending: boolean) {
  // NaN last either way, as Prometheus sorts.
  return (a: { value: number }, b: { value: number }) =>
    Number.isNaN(a.value) ? (Number.isNaN(b.value) ? 0 : 1) : Number.isNaN(b.value) ? -1 : descending ? b.value - a.value : a.value - b.value;
}

export const conversionFunctions: PromqlFunction[] = [
  { name: "time", argTypes: [], returns: "scalar", call: (_args, ctx) => scalar(ctx.t / 1000) },
  { name: "vector", argTypes: ["scalar"], returns: "vector", call: ([s]) => vector([{ labels: {}, value: asNumber(s!) }]) },
  {
    name: "scalar",
    argTypes: ["vector"],
    returns: "scalar",
    call: ([v]) => {
      const samples = asVector(v!).samples;
      return scalar(samples.length === 1 ? samples[0]!.value : NaN);
    },
  },
  { name: "sort", argTypes: ["vector"], returns: "vector", call: ([v]) => vector([...asVector(v!).samples].sort(byValue(false))) },
  { name: "sort_desc", argTypes: ["vector"], returns: "vector", call: ([v]) => vector([...asVector(v!).samples].sort(byValue(true))) },
];
