// The shapes of the server's JSON as the dashboard reads them (the server's README "HTTP API"
// section is the contract); only the fields the pages use.
import type { GamedayReport } from "../chaos/gameday/gameday-report.js";
import type { FaultResult } from "../chaos/gameday/fault-result.js";
import type { ChartsPayload } from "../server/dashboard/node-charts.js";

export type NodeState = "alive" | "suspect" | "unreachable" | "down" | "unknown";
export type Health = "healthy" | "unhealthy" | "unknown";

export interface Risk {
  score: number;
  factors: { name: string; detail: string }[];
}

export interface NodeView {
  name: string;
  state: NodeState;
  since: number;
  lastHeartbeat: number | null;
  agentVersion: string | null;
  connected: boolean;
  liveness?: { phi: number | null; suspectAfterMs: number; meanIntervalMs: number; lastSeen: number; heldBack: boolean; probing: boolean };
  risk: Risk;
}

export interface ServiceView {
  name: string;
  node: string;
  health: Health;
  since: number;
  detail: string;
  pid: number | null;
  running: boolean;
  fencedOn: string[];
  dependsOn: string[];
  recovery: string;
  risk: Risk;
}

export interface FreezeStatus {
  frozen: boolean;
  since: number | null;
  reason: string | null;
  out: number;
  population: number;
}

export interface StatusView {
  version: string;
  startedAt: number;
  nodes: Record<string, number>;
  services: Record<string, number>;
  alerts: Record<string, number>;
  incidents: { open: number };
  freeze: FreezeStatus;
}

export interface AlertView {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing" | "resolved";
  activeAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  value: number | null;
}

export interface AlertmanagerAlert {
  fingerprint: string;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[]; mutedBy: string[] };
}

export interface SilenceView {
  id: number;
  state: "pending" | "active" | "expired";
  matchers: { name: string; op: string; value: string; text: string }[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

export interface MaintenanceView {
  name: string;
  matchers: string[];
  schedule: { kind: "once"; start: string; end: string } | { kind: "weekly"; days: string[]; from: string; to: string } | { kind: "cron"; cron: string; durationMs: number };
  timezone: string;
  pauseRecovery: boolean;
  active: boolean;
  nextChange: number | null;
}

export type IncidentState = "open" | "mitigating" | "verifying" | "resolved" | "escalated";

export interface IncidentView {
  id: number;
  key: string;
  kind: "service" | "node";
  target: string;
  node: string | null;
  state: IncidentState;
  title: string;
  firstSignalAt: number;
  detectedAt: number;
  recoveredAt: number | null;
  resolvedAt: number | null;
  escalatedAt: number | null;
  rootCause: string | null;
  rootKey: string | null;
  cause: string | null;
  confidence: number | null;
  localizedAt: number | null;
  members: string[];
  waitingForApproval: boolean;
  figures: { mttdMs: number; mttlMs: number | null; mttrMs: number | null; timeToResolveMs: number | null };
}

export interface JournalEvent {
  id: number;
  ts: number;
  kind: string;
  incidentId?: number;
  node?: string;
  service?: string;
  data: Record<string, unknown>;
}

// The chart payloads are the server's own types (src/server/dashboard/), checked on both sides.
export type { Chart as ChartData, ChartUnit } from "../server/dashboard/chart-reader.js";
export type { ChartMarker, ChartsPayload } from "../server/dashboard/node-charts.js";
export interface ServiceHistory {
  /** The registry's record: health, node, pid; risk and dependencies come from /api/v1/services. */
  service: Omit<ServiceView, "risk" | "fencedOn" | "dependsOn" | "recovery">;
  range: string;
  from: number;
  to: number;
  strip: { segments: { from: number; to: number; state: Health }[]; shares: Record<Health, number> };
  restarts: { ts: number; pid: number | null }[];
  charts: Omit<ChartsPayload, "markers">;
  dependencies: string[];
  dependents: string[];
  playbook: { name: string; steps: unknown[]; limits: { attempts?: number; within?: number } } | null;
  actions: JournalEvent[];
  incidents: IncidentView[];
}

// The availability report is the server's own type (src/availability/).
export type { WindowFigures } from "../availability/figures.js";
export type { ComponentAvailability } from "../availability/component-availability.js";
export type { AvailabilityReport } from "../availability/availability-report.js";

export interface AdviceItem {
  kind: string;
  severity: "info" | "warning" | "critical";
  subject: string;
  message: string;
  evidence: Record<string, unknown>;
}

/** GET /api/v1/gamedays: one line per report (the types are the game-day runner's own). */
export type GamedayTotals = GamedayReport["totals"];
export type GamedayFaultResult = FaultResult;

export interface GamedaySummary {
  id: number;
  scenario: string;
  startedAt: number;
  endedAt: number;
  passed: boolean;
  totals: GamedayTotals;
}

/** GET /api/v1/gamedays/:id. */
export interface GamedayDetail {
  id: number;
  report: GamedayReport;
  markdown: string;
}
