// The series store of a server or an edge replica, opened in its data directory with the
// config's retention, downsampling, checkpoint interval and memory budget.
import { join } from "node:path";
import type { VigilConfig } from "../config/schema.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { CompressedSeriesStore } from "./compressed-store.js";

export function openSeriesStore(config: VigilConfig, dataDir: string, clock: Clock, logger: Logger): CompressedSeriesStore {
  return CompressedSeriesStore.open({
    path: join(dataDir, "tsdb.db"),
    clock,
    logger: logger.child({ component: "tsdb" }),
    retentionMs: config.tsdb.retention,
    downsampling: config.tsdb.downsampling.map((d) => ({ resolutionMs: d.resolution, retentionMs: d.retention })),
    checkpointIntervalMs: config.tsdb.checkpointInterval,
    maxMemoryBytes: config.tsdb.maxMemoryBytes,
  });
}
