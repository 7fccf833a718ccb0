// `vigil demo --chaos`: a random fault every N seconds, from the faults that the demo's
// services show well (pure choice with an injected random source; the shell posts it).
import type { FaultKind } from "../chaos/faults/fault.js";

export interface ScheduledFault {
  fault: FaultKind;
  target: string;
  duration: string;
  options: Record<string, string | number>;
}

const MENU: readonly ScheduledFault[] = [
  { fault: "kill", target: "api", duration: "10s", options: {} },
  { fault: "kill", target: "db", duration: "10s", options: {} },
  { fault: "hang", target: "cache", duration: "30s", options: {} },
  { fault: "crash-loop", target: "queue", duration: "60s", options: { starts: 2 } },
  { fault: "memory", target: "api", duration: "60s", options: { rate: "25MB/s" } },
  { fault: "cpu", target: "worker", duration: "20s", options: { cores: 1 } },
  { fault: "fd", target: "worker", duration: "20s", options: {} },
  { fault: "latency", target: "db", duration: "20s", options: { delay: "2s" } },
  { fault: "drop", target: "cache", duration: "15s", options: {} },
  { fault: "disk", target: "db", duration: "20s", options: { limit: "100MB" } },
];

const PARTITION: ScheduledFault = { fault: "partition", target: "node-c", duration: "30s", options: {} };

export function pickDemoFault(random: () => number, o: { partition: boolean }): ScheduledFault {
  const menu = o.partition ? [...MENU, PARTITION] : MENU;
  return menu[Math.min(menu.length - 1, Math.floor(random() * menu.length))]!;
}
