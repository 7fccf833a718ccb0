// The vigil.yaml schema (zod). Every field's default lives here; `VigilConfig` is the
// validated, defaulted shape that the rest of Vigil works with (durations in ms).
import { z } from "zod";
import { parseDuration } from "../util/duration.js";

/** A duration string ("250ms", "1s", "5m") turned into milliseconds. */
export const duration = z
  .string({ error: 'expected a duration such as "1s"' })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === null) {
      ctx.addIssue({ code: "custom", message: `expected a duration such as "1s", got "${text}"` });
      return z.NEVER;
    }
    return ms;
  });

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, "expected a name of letters, digits, '.', '_', ':' or '-'");

/** host:port, as in "127.0.0.1:7070" or "[::1]:7070". */
export const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT such as "127.0.0.1:7070"');

const labels = z.record(z.string(), z.string());

const runSchema = z.strictObject({
  command: z.string().min(1),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  /** Time between SIGTERM and SIGKILL when stopping the process. */
  stopTimeout: duration.default(5000),
});

const probeTimings = {
  interval: duration.default(1000),
  timeout: duration.default(1000),
  /** Consecutive failures before the service is unhealthy. */
  failures: z.number().int().min(1).default(3),
  /** Consecutive successes before an unhealthy service is healthy again. */
  successes: z.number().int().min(1).default(1),
  /** After a (re)start, failures do not count until the first success or until this has passed. */
  startPeriod: duration.default(5000),
};

const healthSchema = z
  .strictObject({
    http: z.url({ protocol: /^https?$/, error: 'expected a URL such as "http://127.0.0.1:8080/healthz"' }).optional(),
    /** For http: a substring the response body must contain. */
    expectBody: z.string().optional(),
    tcp: listenAddress.optional(),
    exec: z.string().min(1).optional(),
    process: z.literal(true).optional(),
    ...probeTimings,
  })
  .refine((h) => [h.http, h.tcp, h.exec, h.process].filter((x) => x !== undefined).length === 1, {
    message: "expected exactly one of http, tcp, exec or process",
  });

const serviceSchema = z.strictObject({
  name,
  /** The agent (node name) that runs it; omitted: the local node (this machine's hostname). */
  node: name.optional(),
  run: runSchema.optional(),
  /** Adopt a process not started by Vigil: the file holding its pid. */
  pidfile: z.string().optional(),
  health: healthSchema.optional(),
  dependsOn: z.array(name).default([]),
  /** A playbook name, or "none" to turn healing off; omitted: the default playbook. */
  recovery: name.optional(),
  labels: labels.default({}),
});

const verifyStep = z.strictObject({
  verify: z.strictObject({
    healthyFor: duration.default(2000),
    within: duration.default(30_000),
  }),
});
export const stepSchema = z.union(
  [z.enum(["restart", "stop", "start", "escalate"]), verifyStep],
  { error: 'expected one of restart, stop, start, escalate or { verify: { healthyFor, within } }' },
);

const playbookSchema = z.strictObject({
  steps: z.array(stepSchema).min(1),
  limits: z
    .strictObject({
      /** At most this many recovery attempts within `within`, per service. */
      attempts: z.number().int().min(1).default(3),
      within: duration.default(600_000),
      backoff: z
        .strictObject({ initial: duration.default(1000), max: duration.default(300_000) })
        .prefault({}),
    })
    .prefault({}),
});

const ruleSchema = z
  .strictObject({
    name,
    metric: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "expected a metric name such as node_cpu_usage_ratio"),
    /** Only series whose labels equal these. */
    labels: labels.default({}),
    above: z.number().optional(),
    below: z.number().optional(),
    for: duration.default(0),
    severity: z.enum(["info", "warning", "critical"]).default("warning"),
    summary: z.string().optional(),
    annotations: labels.default({}),
  })
  .refine((r) => r.above !== undefined || r.below !== undefined, { message: "expected above or below (or both)" })
  .refine((r) => r.above === undefined || r.below === undefined || r.above >= r.below, {
    message: "above is less than below, so every value would be outside the band: expected above >= below",
  });

const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected a URL such as "http://127.0.0.1:9000/hook"' }),
  timeout: duration.default(5000),
  /** Delivery attempts before a notification is given up (journalled as notify.failed). */
  maxAttempts: z.number().int().min(1).default(10),
  headers: z.record(z.string(), z.string()).default({}),
});

const receiverSchema = z.strictObject({ webhook: webhookSchema });

const routeSchema = z.strictObject({
  /** Label equality; a route without match takes every alert. */
  match: labels.default({}),
  receiver: name,
});

const serverSchema = z.strictObject({
  listen: listenAddress.default("127.0.0.1:7070"),
  data: z.string().default("./vigil-data"),
  /** A node whose heartbeats stop for this long is down. */
  heartbeatTimeout: duration.default(3000),
  /** How often threshold rules are evaluated. */
  evaluationInterval: duration.default(1000),
  /** The URL put into notifications (links back to Vigil); default http://<listen>. */
  externalURL: z.string().optional(),
});

const agentSchema = z.strictObject({
  heartbeatInterval: duration.default(500),
  collectInterval: duration.default(1000),
  /** Outbox bound of the `vigil up` agent (`vigil agent --outbox-max-messages` for others): beyond it the oldest samples are dropped, never events. */
  outboxMaxMessages: z.number().int().min(10).default(100_000),
});

export const configSchema = z.strictObject({
  server: serverSchema.prefault({}),
  agent: agentSchema.prefault({}),
  services: z.array(serviceSchema).default([]),
  playbooks: z.record(name, playbookSchema).default({}),
  rules: z.array(ruleSchema).default([]),
  notify: z
    .strictObject({
      receivers: z.record(name, receiverSchema).default({}),
      routes: z.array(routeSchema).default([]),
    })
    .prefault({}),
});

export type VigilConfig = z.output<typeof configSchema>;
export type ServiceConfig = VigilConfig["services"][number];
export type HealthConfig = NonNullable<ServiceConfig["health"]>;
export type RunConfig = NonNullable<ServiceConfig["run"]>;
export type PlaybookConfig = VigilConfig["playbooks"][string];
export type PlaybookStep = PlaybookConfig["steps"][number];
export type RuleConfig = VigilConfig["rules"][number];
export type ReceiverConfig = VigilConfig["notify"]["receivers"][string];
export type RouteConfig = VigilConfig["notify"]["routes"][number];
export type AgentSettings = VigilConfig["agent"];
