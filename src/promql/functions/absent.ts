// absent(v) and absent_over_time(v[d]): a 1-valued sample when the argument has nothing,
// labelled with the selector's equality matchers (a label matched twice, or by any other
// operator, is left out), as in Prometheus.
import type { Expr } from "../ast.js";
import type { PromqlFunction } from "./function.js";
import { asMatrix, asVector } from "./helpers.js";
import { METRIC_NAME, vector } from "../values.js";
import type { Labels } from "../../tsdb/series-store.js";

function absentLabels(arg: Expr | undefined): Labels {
  const selector = arg?.type === "selector" ? arg : arg?.type === "matrix" ? arg.selector : undefined;
  const labels: Labels = {};
  if (selector === undefined) return labels;
  const dropped = new Set<string>();
  for (const m of selector.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.op === "=" && !(m.name in labels) && !dropped.has(m.name)) labels[m.name] = m.value;
    else {
      delete labels[m.name];
      dropped.add(m.name);
    }
  }
  return labels;
}

export const absentFunctions: PromqlFunction[] = [
  {
    name: "absent",
    argTypes: ["vector"],
    returns: "vector",
    call: ([v], ctx) => (asVector(v!).samples.length > 0 ? vector([]) : vector([{ labels: absentLabels(ctx.args[0]), value: 1 }])),
  },
  {
    name: "absent_over_time",
    argTypes: ["matrix"],
    returns: "vector",
    call: ([m], ctx) =>
      asMatrix(m!).series.some((s) => s.ts.length > 0) ? vector([]) : vector([{ labels: absentLabels(ctx.args[0]), value: 1 }]),
  },
];
