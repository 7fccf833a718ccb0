// Which of the suspect's parts gave out at the onset. Decisive first: a node confirmed down.
// Then a resource that was abnormal (for its own series) and near its limit by the onset,
// because it explains the process' end (an OOM kill is a memory fault, not a crash).
// Then the process' own evidence (crash, crash loop, stopped). Then weaker findings.
// An exit is explained only by a resource whose exhaustion ends a process (memory: the OOM
// killer; fds: EMFILE; disk: ENOSPC); a saturated CPU or a troubled network makes a process
// slow, not dead, so a busy node does not turn a SIGKILL into a CPU fault.
import type { AttributionContext, Cause, CauseFinding } from "./causes/cause.js";
import { RESOURCE_CHECKS } from "./causes/index.js";
import { NodeDownCheck } from "./causes/node-down.js";
import { ProcessEvidenceCheck } from "./causes/process-evidence.js";

export interface Attribution {
  cause: Cause;
  /** How sure the attribution is of the cause, in [0, 1]; 0 for unknown. */
  confidence: number;
  /** The phrase after the dash in the summary. */
  phrase: string;
  evidence: string[];
  /** Every finding, strongest first, for the record. */
  findings: CauseFinding[];
}

/** A resource finding at least this strong names the cause even over process evidence. */
export const DECISIVE_RESOURCE_SCORE = 0.6;
/** Below this a finding is not worth naming; the cause is unknown. */
export const MIN_FINDING_SCORE = 0.3;
/**
 * Among resource findings within this fraction of the best score, the one abnormal first is
 * the cause: a leaking process ends up burning CPU in its garbage collector, but memory
 * climbed first.
 */
export const EARLIEST_AMONG = 0.75;

/** Resources whose exhaustion ends a process: the only ones that explain an exit. */
export const ENDS_A_PROCESS: ReadonlySet<Cause> = new Set<Cause>(["memory", "fds", "disk"]);

const nodeDown = new NodeDownCheck();
const processEvidence = new ProcessEvidenceCheck();

export function attributeCause(ctx: AttributionContext): Attribution {
  const node = nodeDown.check(ctx);
  const process = processEvidence.check(ctx);
  const resources = RESOURCE_CHECKS.map((c) => c.check(ctx))
    .filter((f): f is CauseFinding => f !== null)
    .map((f) => (f.abnormalSince !== null && f.abnormalSince > ctx.onset ? afterOnset(f) : f));
  const all = [node, process, ...resources].filter((f): f is CauseFinding => f !== null).sort((a, b) => b.score - a.score);
  const exited = process !== null && (process.cause === "crash" || process.cause === "restarting");
  const resource = earliestOfTheStrongest(exited ? resources.filter((f) => ENDS_A_PROCESS.has(f.cause)) : resources);

  let chosen: CauseFinding | null = null;
  if (node && node.score >= 0.9) chosen = node;
  else if (resource && resource.score >= DECISIVE_RESOURCE_SCORE) chosen = resource;
  else if (process && process.score >= 0.8) chosen = process;
  else chosen = all.find((f) => f.score >= MIN_FINDING_SCORE) ?? null;

  if (!chosen) {
    return {
      cause: "unknown",
      confidence: 0,
      phrase: "cause unknown (no process event, node verdict or abnormal resource at the onset)",
      evidence: all.flatMap((f) => f.evidence),
      findings: all,
    };
  }
  const evidence = [...chosen.evidence];
  // The process' outcome still belongs in the record when a resource explains it.
  if (process && chosen !== process) evidence.push(...process.evidence);
  return { cause: chosen.cause, confidence: chosen.score, phrase: chosen.phrase, evidence, findings: all };
}

/** A resource that went abnormal only after the first signal is more likely a consequence: half the weight. */
function afterOnset(f: CauseFinding): CauseFinding {
  return { ...f, score: f.score * 0.5, evidence: [...f.evidence.map((e) => `${e} (after the onset)`)] };
}

function earliestOfTheStrongest(findings: readonly CauseFinding[]): CauseFinding | null {
  if (findings.length === 0) return null;
  const best = Math.max(...findings.map((f) => f.score));
  const close = findings.filter((f) => f.score >= EARLIEST_AMONG * best);
  return close.reduce((a, b) => ((b.abnormalSince ?? Infinity) < (a.abnormalSince ?? Infinity) ? b : a));
}
