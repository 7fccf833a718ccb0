// What Vigil does when the config says nothing: the default playbook every service with a
// health check gets (failover / kill / restart as the cause asks, verified, then escalate, rate-limited with crash-loop backoff like
// Kubernetes' restartPolicy Always), and the host rules `vigil up` starts with.
import { rulesOfKind } from "./rule-kinds.js";
import { configSchema, type PlaybookConfig, type RuleConfig, type VigilConfig } from "./schema.js";

/** The playbook a service gets without `recovery:`; a `playbooks: { default: ... }` entry replaces it. */
export const DEFAULT_PLAYBOOK_NAME = "default";

/** `recovery: none` turns healing off for a service. */
export const NO_RECOVERY = "none";

// Written as a user would write them and parsed by the schema, so that every default the
// schema fills in (and every later one) is present, and durations are ms like everywhere else.
const DEFAULT_PLAYBOOK_SOURCE = {
  steps: [
    { do: "failover", when: { cause: "node-down" } },
    { verify: { healthyFor: "2s", within: "30s" } },
    { do: "kill", when: { cause: "hang" } },
    { verify: { healthyFor: "2s", within: "30s" } },
    "restart",
    { verify: { healthyFor: "2s", within: "30s" } },
    "escalate",
  ],
  limits: { attempts: 3, within: "10m", backoff: { initial: "10s", max: "5m" } },
};

const DEFAULT_RULES_SOURCE = [
  {
    name: "HighCpu",
    metric: "node_cpu_usage_ratio",
    above: 0.9,
    for: "5m",
    severity: "warning",
    summary: "CPU usage above 90% for 5 minutes",
  },
  {
    name: "HighMemory",
    metric: "node_memory_used_ratio",
    above: 0.9,
    for: "5m",
    severity: "warning",
    summary: "memory usage above 90% for 5 minutes",
  },
  {
    name: "DiskAlmostFull",
    metric: "node_filesystem_used_ratio",
    above: 0.9,
    for: "10m",
    severity: "warning",
    summary: "filesystem more than 90% full for 10 minutes",
  },
  {
    name: "DiskFull",
    metric: "node_filesystem_used_ratio",
    above: 0.97,
    for: "1m",
    severity: "critical",
    summary: "filesystem more than 97% full",
  },
  {
    name: "SwapHeavy",
    metric: "node_swap_used_ratio",
    above: 0.8,
    for: "10m",
    severity: "warning",
    summary: "swap more than 80% used for 10 minutes",
  },
];

/**
 * failover (node down, with a standby) or kill (hang) or restart, each verified (healthy for
 * 2s within 30s), then escalate; at most 3 attempts in 10m, backoff 10s doubling up to 5m.
 */
export function defaultPlaybook(): PlaybookConfig {
  return configSchema.parse({ playbooks: { [DEFAULT_PLAYBOOK_NAME]: DEFAULT_PLAYBOOK_SOURCE } }).playbooks[
    DEFAULT_PLAYBOOK_NAME
  ]!;
}

/** Host rules for `vigil up` without a config: CPU, memory, disk and swap pressure. */
export function defaultRules(): RuleConfig[] {
  return rulesOfKind(configSchema.parse({ rules: DEFAULT_RULES_SOURCE }).rules, "threshold");
}

/**
 * The playbook that heals `serviceName`: the one its `recovery:` names, else the config's
 * `default` playbook if it defines one, else defaultPlaybook(). Null when healing is off
 * (`recovery: none`) or the config has no such service. A `recovery:` naming a playbook the
 * config lacks throws: checkReferences rejects such a config before it gets here.
 */
export function playbookFor(config: VigilConfig, serviceName: string): PlaybookConfig | null {
  const service = config.services.find((candidate) => candidate.name === serviceName);
  if (!service || service.recovery === NO_RECOVERY) return null;
  const name = service.recovery ?? DEFAULT_PLAYBOOK_NAME;
  // hasOwn, not `in` or indexing: a playbook named "toString" must not find Object.prototype's.
  if (Object.hasOwn(config.playbooks, name)) return config.playbooks[name]!;
  if (name === DEFAULT_PLAYBOOK_NAME) return defaultPlaybook();
  throw new Error(`service "${serviceName}" names playbook "${name}", which the config does not define`);
}
