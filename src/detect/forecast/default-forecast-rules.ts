// The forecast rules `vigil up` starts with when the config names none: warn while there is
// still time to act, before a filesystem fills up, runs out of inodes, or memory or swap runs out.
import type { ResolvedForecastRuleConfig } from "./forecast-rule.js";

const MINUTE = 60_000;

/**
 * Filesystems get an hour's warning from a 30-minute window (a projection at most twice the
 * span, so its reach factor stays ≥ 0.71); memory and swap move faster and are judged on
 * 15 minutes for a 30-minute warning. `for` asks the forecast to hold over several
 * evaluations before it fires. Swap is watched through its used ratio, not its free bytes: a
 * node without swap reports 0 free bytes, which would read as "swap has run out", while its
 * used ratio is 0.
 */
export function defaultForecastRules(): ResolvedForecastRuleConfig[] {
  return [
    {
      name: "FilesystemWillFill",
      forecast: { metric: "node_filesystem_free_bytes", labels: {}, limit: 0, direction: "down", within: 60 * MINUTE, window: 30 * MINUTE, minConfidence: 0.5 },
      for: 2 * MINUTE,
      keepFiringFor: 0,
      severity: "warning",
      annotations: {},
    },
    {
      name: "FilesystemInodesWillRunOut",
      forecast: { metric: "node_filesystem_inodes_free_ratio", labels: {}, limit: 0, direction: "down", within: 60 * MINUTE, window: 30 * MINUTE, minConfidence: 0.5 },
      for: 2 * MINUTE,
      keepFiringFor: 0,
      severity: "warning",
      annotations: {},
    },
    {
      name: "MemoryWillRunOut",
      forecast: { metric: "node_memory_available_bytes", labels: {}, limit: 0, direction: "down", within: 30 * MINUTE, window: 15 * MINUTE, minConfidence: 0.5 },
      for: MINUTE,
      keepFiringFor: 0,
      severity: "warning",
      annotations: {},
    },
    {
      name: "SwapWillRunOut",
      forecast: { metric: "node_swap_used_ratio", labels: {}, limit: 1, direction: "up", within: 30 * MINUTE, window: 15 * MINUTE, minConfidence: 0.5 },
      for: MINUTE,
      keepFiringFor: 0,
      severity: "warning",
      annotations: {},
    },
  ];
}
