// Colour-coded states, the same everywhere: green is fine, amber is in doubt or being
// repaired, red is broken, grey is unknown. Also the risk bar.
import type { Health, IncidentState, NodeState } from "../types.js";

export type Tone = "ok" | "warn" | "bad" | "info" | "idle";

export const nodeTone: Record<NodeState, Tone> = { alive: "ok", suspect: "warn", unreachable: "warn", down: "bad", unknown: "idle" };
export const healthTone: Record<Health, Tone> = { healthy: "ok", unhealthy: "bad", unknown: "idle" };
export const incidentTone: Record<IncidentState, Tone> = { open: "bad", mitigating: "warn", verifying: "info", resolved: "ok", escalated: "bad" };

export function severityTone(severity: string | undefined): Tone {
  return severity === "critical" ? "bad" : severity === "warning" ? "warn" : severity === "info" ? "info" : "idle";
}

export function Badge({ tone, children, plain, title }: { tone: Tone; children: preact.ComponentChildren; plain?: boolean; title?: string }) {
  return (
    <span class={`badge s-${tone}${plain ? " plain" : ""}`} title={title}>
      {children}
    </span>
  );
}

export function NodeBadge({ state }: { state: NodeState }) {
  return <Badge tone={nodeTone[state]}>{state}</Badge>;
}

export function HealthBadge({ health }: { health: Health }) {
  return <Badge tone={healthTone[health]}>{health}</Badge>;
}

export function IncidentBadge({ state, waiting }: { state: IncidentState; waiting?: boolean }) {
  return (
    <Badge tone={waiting ? "warn" : incidentTone[state]} title={waiting ? "a recovery step waits for approval (vigil approve)" : undefined}>
      {waiting ? "awaits approval" : state}
    </Badge>
  );
}

export function RiskBar({ score, detail }: { score: number; detail?: string }) {
  const color = score >= 0.5 ? "var(--bad)" : score >= 0.2 ? "var(--warn)" : "var(--ok)";
  return (
    <span class="risk" title={detail ?? "no risk factors"}>
      <span class="bar">
        <span style={{ width: `${Math.max(4, Math.round(score * 100))}%`, background: color }} />
      </span>
      <span class="v">{score.toFixed(2)}</span>
    </span>
  );
}
