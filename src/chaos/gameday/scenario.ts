// A game-day scenario (YAML): the faults to inject one after another, each with its target,
// timing and the outcome expected of Vigil. Parsed and checked here (pure) so that a typo
// is reported with its path before anything is injected:
//   name: basic
//   settle: 10s                       # quiet time before each fault
//   faults:
//     - { name: api killed, fault: kill, target: api, duration: 20s,
//         expect: { root: api, cause: crash, steps: [restart], recoverWithin: 30s } }
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { parseDuration } from "../../util/duration.js";
import { ChaosSpecError } from "../chaos-spec-error.js";
import { faultOf } from "../faults/index.js";
import type { FaultKind } from "../faults/fault.js";

const duration = z.union([z.string(), z.number().int().nonnegative()]).transform((v, ctx) => {
  const ms = typeof v === "number" ? v : parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: "custom", message: `expected a duration such as "30s", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});

const expectSchema = z.strictObject({
  /** The component the incident must be localized to: a service or node name ("service:db", "node:node-a"), or "none": no incident. */
  root: z.string().min(1).optional(),
  /** The localized cause (crash, hang, restarting, memory, cpu, disk, fds, network, node-down). */
  cause: z.string().min(1).optional(),
  /** An alert (alertname) that must fire, e.g. for a fault that degrades without breaking anything. */
  alert: z.string().min(1).optional(),
  /** Recovery actions that must have been taken, in this order (others may be between). */
  steps: z.array(z.string().min(1)).default([]),
  /** From injection to the incident's resolution. */
  recoverWithin: duration.default(60_000),
});

const faultSchema = z.strictObject({
  name: z.string().min(1).optional(),
  fault: z.string(),
  target: z.string().min(1),
  duration: duration.default(30_000),
  options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** Extra wait before this fault (after the cluster is calm and `settle` has passed). */
  after: duration.default(0),
  expect: expectSchema.default({ steps: [], recoverWithin: 60_000 }),
});

const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  settle: duration.default(10_000),
  /** How long to wait for the cluster to be calm (all healthy, no open incident) before a fault. */
  calmWithin: duration.default(120_000),
  faults: z.array(faultSchema).min(1, { error: "expected at least one fault" }),
});

export type ScenarioFault = Omit<z.infer<typeof faultSchema>, "fault"> & { fault: FaultKind; name: string };
export type Scenario = Omit<z.infer<typeof scenarioSchema>, "faults"> & { faults: ScenarioFault[] };

export class ScenarioError extends Error {}

export function parseScenario(text: string, source = "scenario"): Scenario {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ScenarioError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.slice(0, 10).map((i) => `  ${formatPath(i.path) || "(top)"}: ${i.message}`);
    throw new ScenarioError(`${source}: invalid scenario:\n${lines.join("\n")}`);
  }
  const faults = result.data.faults.map((f, index) => {
    try {
      const fault = faultOf(f.fault);
      fault.parse(f.options);
      return { ...f, fault: fault.kind, name: f.name ?? `${f.fault} ${f.target}` };
    } catch (err) {
      if (err instanceof ChaosSpecError) throw new ScenarioError(`${source}: faults[${index}].${err.path}: ${err.problem}`);
      throw err;
    }
  });
  return { ...result.data, faults };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i > 0 ? "." : ""}${String(p)}`)).join("");
}
