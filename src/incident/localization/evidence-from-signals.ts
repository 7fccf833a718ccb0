// Evidence items from what the control plane already hears: service health transitions
// (probe, process, snapshot, node), process events and node liveness verdicts. The
// strengths encode "decisive beats weak": a process exit or a node confirmed dead by its
// peers says far more than one slow probe. The composition root maps its signals here.
import type { HealthTransition } from "../../detect/service-registry.js";
import type { LivenessVerdict } from "../../detect/failure/node-liveness.js";
import type { Evidence, EvidenceKind } from "./observation.js";

/** Default strength of each kind: how sure the item alone makes us that the component itself is at fault. */
export const EVIDENCE_STRENGTH: Readonly<Record<EvidenceKind, number>> = Object.freeze({
  "process-exited": 0.95,
  "process-stopped": 0.9,
  "node-down": 0.95,
  "probe-refused": 0.8,
  "probe-error": 0.7,
  "probe-timeout": 0.65,
  "process-started": 0.3,
  "node-unreachable": 0.4,
  "node-suspect": 0.35,
  "probe-slow": 0.25,
  alert: 0.5,
});

/** The kind a failing probe's detail describes (the probes' own wording, see src/agent/probes/). */
export function probeKindOf(detail: string): EvidenceKind {
  if (/timed out|timeout/i.test(detail)) return "probe-timeout";
  if (/ECONNREFUSED|refused|no process|not running|ECONNRESET/i.test(detail)) return "probe-refused";
  if (/process stopped|state [Tt]\b/.test(detail)) return "process-stopped";
  return "probe-error";
}

/** Evidence from a service's health transition to unhealthy; null for any other transition. */
export function transitionEvidence(t: HealthTransition): Evidence | null {
  if (t.to !== "unhealthy") return null;
  const kind: EvidenceKind = t.source === "process" && /process exited/.test(t.detail) ? "process-exited" : probeKindOf(t.detail);
  return { source: t.source, kind, detail: t.detail, strength: EVIDENCE_STRENGTH[kind], at: t.since };
}

/** Evidence from an agent's process event (exited unexpectedly, started); null for the rest. */
export function processEventEvidence(kind: string, data: Record<string, unknown>, at: number): Evidence | null {
  if (kind === "process.exited") {
    if (data.expected === true) return null;
    const how = data.signal ? `killed by ${String(data.signal)}` : `exit code ${String(data.code ?? "?")}`;
    return { source: "process", kind: "process-exited", detail: `process exited (${how})`, strength: EVIDENCE_STRENGTH["process-exited"], at };
  }
  if (kind === "process.started") {
    const pid = typeof data.pid === "number" ? ` ${data.pid}` : "";
    return { source: "process", kind: "process-started", detail: `process${pid} started`, strength: EVIDENCE_STRENGTH["process-started"], at };
  }
  return null;
}

/** Evidence from a node liveness verdict; null for alive. */
export function livenessEvidence(v: LivenessVerdict): Evidence | null {
  const kind: EvidenceKind | null =
    v.state === "dead" ? "node-down" : v.state === "suspect" ? "node-suspect" : v.state === "unreachable" ? "node-unreachable" : null;
  if (kind === null) return null;
  return { source: "node", kind, detail: `node ${v.node} is ${v.state === "dead" ? "down" : v.state}: ${v.reason}`, strength: EVIDENCE_STRENGTH[kind], at: v.since };
}
