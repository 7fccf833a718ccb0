// Maps the `failureDetector:` config section (and the agents' heartbeat interval) onto
// the detector's options; settings left out take the defaults derived from the interval.
import type { VigilConfig } from "../../config/schema.js";
import type { FailureDetectorOptions } from "./failure-detector-options.js";

export function failureDetectorOptions(config: Pick<VigilConfig, "agent" | "failureDetector">): Partial<FailureDetectorOptions> {
  const f = config.failureDetector;
  const optional = <K extends keyof FailureDetectorOptions>(key: K, value: FailureDetectorOptions[K] | undefined) =>
    value === undefined ? {} : { [key]: value };
  return {
    heartbeatIntervalMs: config.agent.heartbeatInterval,
    windowSize: f.window,
    suspectPhi: f.suspectPhi,
    indirectProbes: f.indirectProbes,
    unreachableRecheckMs: f.unreachableRecheck,
    isolationShare: f.isolation.share,
    isolationMinNodes: f.isolation.minNodes,
    ...optional("minStdDeviationMs", f.minStdDeviation),
    ...optional("acceptablePauseMs", f.acceptablePause),
    ...optional("suspicionMinMs", f.suspicion.min),
    ...optional("suspicionMaxMs", f.suspicion.max),
    ...optional("isolationWindowMs", f.isolation.window),
    ...optional("isolationStableMs", f.isolation.stable),
  };
}
