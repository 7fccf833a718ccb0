// The vigil.yaml schema (zod). Every field's default lives here; `VigilConfig` is the
// validated, defaulted shape that the rest of Vigil works with (durations in ms).
import { parseQuery, typeOf } from "../promql/parser.js";
import { z } from "zod";
import { parseDuration } from "../util/duration.js";
import { scrapeJobsSchema } from "./scrape-schema.js";

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

const SIZE_UNITS: Record<string, number> = { "": 1, B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3 };

/** A size in bytes: a number, or "256MB", "1.5GiB". */
const size = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === "number") return v;
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(v.trim());
  const unit = m ? SIZE_UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined) {
    ctx.addIssue({ code: "custom", message: `expected a size such as "256MB" or "1GiB", got "${v}"` });
    return z.NEVER;
  }
  return Math.round(Number(m[1]) * unit);
});

/** A command line the agent may run for a service (argv without a shell unless it uses shell syntax). */
const declaredCommand = z.string().min(1, { error: "expected a command line" });

/** Checkpoints of a data directory that the service's agent keeps (src/agent/snapshots.ts). */
const snapshotSchema = z.strictObject({
  /** The data directory to copy; relative paths are relative to the config file. */
  path: z
    .string()
    .min(1)
    .refine((p) => p.replace(/\/+$/, "") !== "", { message: 'expected a data directory, not "/"' }),
  every: duration.default(300_000).refine((ms) => ms >= 1000, { message: "expected at least 1s" }),
  /** The newest `keep` snapshots are kept, older ones deleted. */
  keep: z.number().int().min(1).default(3),
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
  /** Nodes that may run it when its node is lost (failover targets, in order). */
  standby: z.array(name).min(1).optional(),
  /** Run on the standby after it started the service in a failover. */
  promote: declaredCommand.optional(),
  snapshot: snapshotSchema.optional(),
  /**
   * A TCP proxy the service's agent runs in front of it: dependents connect to `listen`, the
   * proxy forwards to `upstream` (the service's own address). The latency and drop chaos
   * faults act on it (src/chaos/proxy/).
   */
  proxy: z.strictObject({ listen: listenAddress, upstream: listenAddress }).optional(),
  /** Restores the service's data; omitted with `snapshot`: the latest snapshot is put back. */
  restore: declaredCommand.optional(),
  /** Commands that playbook `exec` steps may run, by name. */
  commands: z.record(name, declaredCommand).optional(),
  /** The command a `clean-disk` step runs. */
  cleanup: declaredCommand.optional(),
  /** Time limit of promote, restore, cleanup and commands (default 60s, see DEFAULT_COMMAND_TIMEOUT_MS). */
  commandTimeout: duration.optional(),
  /** The limits the service runs under (its cgroup or container, ulimit -n): what localization judges resources against. */
  limits: z
    .strictObject({ memory: size.optional(), fds: z.number().int().positive().optional(), cpu: z.number().positive().optional() })
    .optional(),
  /** Availability objective: `target` percent of the observed time up, measured over `window`. */
  slo: z
    .strictObject({
      target: z
        .number({ error: "expected a percentage such as 99.9" })
        .gt(0, "expected a percentage above 0 and below 100, such as 99.9")
        .lt(100, "expected a percentage above 0 and below 100, such as 99.9 (100 leaves no error budget)"),
      window: duration.default(30 * 86_400_000),
    })
    .optional(),
});

const verifyStep = z.strictObject({
  form: z.literal("verify"),
  verify: z.strictObject({
    healthyFor: duration.default(2000),
    within: duration.default(30_000),
  }),
});

/** What the localization may name as an incident's cause (src/incident/localization/). */
export const causes = ["crash", "hang", "restarting", "memory", "cpu", "disk", "fds", "network", "node-down", "dependency", "unknown"] as const;
export type Cause = (typeof causes)[number];
const cause = z.enum(causes, { error: `expected a cause: one of ${causes.join(", ")}` });

/** The repairs a playbook step can name; failover is the server's, the others go to the service's agent. */
export const recoveryActions = ["restart", "stop", "start", "kill", "failover", "restore", "exec", "clean-disk"] as const;
export type RecoveryAction = (typeof recoveryActions)[number];

/** `{ do: kill, when: { cause: hang } }`, `{ do: exec, command: flush-cache, approve: true }`. */
const actionStep = z
  .strictObject({
    form: z.literal("do"),
    do: z.enum(recoveryActions, { error: `expected an action: one of ${recoveryActions.join(", ")}` }),
    /** Only when the localized cause is one of these. */
    when: z.strictObject({ cause: z.union([cause, z.array(cause).min(1)]).transform((c) => (Array.isArray(c) ? c : [c])) }).optional(),
    /** Wait for an operator's approval (`vigil approve INCIDENT`) before acting. */
    approve: z.boolean().default(false),
    /** For exec: the name of a command declared in the service's `commands`. */
    command: z.string().min(1).optional(),
  })
  .refine((s) => (s.do === "exec") === (s.command !== undefined), { message: "exec needs command: NAME (and only exec takes a command)" });

const STEP_FORMS =
  "expected an action name (restart, stop, start, kill, failover, restore, clean-disk), escalate, { verify: {...} } or { do: ACTION, ... }";
const stepName = z.enum([...recoveryActions.filter((a) => a !== "exec"), "escalate"], { error: STEP_FORMS });

/**
 * A step is a name, `{ verify: ... }` or `{ do: ... }`. Which form is meant is read off the
 * mapping's keys first (a hidden `form` key, removed again), so that errors come from it.
 */
export const stepSchema = z.preprocess(
  (v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? { ...(v as object), form: "verify" in v ? "verify" : "do" } : v),
  z.union([
    stepName,
    z.discriminatedUnion("form", [verifyStep, actionStep]).transform(({ form: _form, ...step }) => step),
  ], { error: STEP_FORMS }),
);

const playbookSchema = z.strictObject({
  steps: z.array(stepSchema).min(1),
  /** dry-run: journal what would be done, do nothing. */
  mode: z.enum(["act", "dry-run"]).optional(),
  limits: z
    .strictObject({
      /** At most this many recovery attempts within `within`, per service. */
      attempts: z.number().int().min(1).default(3),
      within: duration.default(600_000),
      backoff: z
        .strictObject({ initial: duration.default(10_000), max: duration.default(300_000) })
        .prefault({}),
    })
    .prefault({}),
});

/** Recovery everywhere: the default mode and how many actions may run at once. */
const recoverySchema = z.strictObject({
  mode: z.enum(["act", "dry-run"]).default("act"),
  maxConcurrentActions: z.number().int().min(1).default(4),
});

/** Incident correlation: failures related through a node or dependsOn within the window join one incident. */
const incidentsSchema = z.strictObject({
  correlationWindow: duration.default(120_000),
  /** Unrelated services on one node join one incident only when they fail this close together (a common cause on the node). */
  sameNodeWindow: duration.default(10_000),
  /** After a dependency recovers, its dependents get this long to recover by themselves before they are repaired. */
  dependentGrace: duration.default(10_000),
});

const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "expected a metric name such as node_cpu_usage_ratio");
const severity = z.enum(["info", "warning", "critical"]).default("warning");

const ruleSchema = z
  .strictObject({
    name,
    kind: z.literal("threshold"),
    metric: metricName,
    /** Only series whose labels equal these. */
    labels: labels.default({}),
    above: z.number().optional(),
    below: z.number().optional(),
    /** Hysteresis: once firing, an `above` rule resolves only when the value is below this (default: not above `above`). */
    resolveBelow: z.number().optional(),
    /** Hysteresis: once firing, a `below` rule resolves only when the value is above this. */
    resolveAbove: z.number().optional(),
    for: duration.default(0),
    /** Keep firing this long after the condition cleared (Prometheus' keep_firing_for). */
    keepFiringFor: duration.default(0),
    severity: z.enum(["info", "warning", "critical"]).default("warning"),
    summary: z.string().optional(),
    annotations: labels.default({}),
  })
  .refine((r) => r.above !== undefined || r.below !== undefined, { message: "expected above or below (or both)" })
  .refine((r) => r.above === undefined || r.below === undefined || r.above >= r.below, {
    message: "above is less than below, so every value would be outside the band: expected above >= below",
  })
  .refine((r) => r.resolveBelow === undefined || (r.above !== undefined && r.resolveBelow <= r.above), {
    message: "resolveBelow needs above and must not exceed it",
  })
  .refine((r) => r.resolveAbove === undefined || (r.below !== undefined && r.resolveAbove >= r.below), {
    message: "resolveAbove needs below and must not be under it",
  });

/** An anomaly rule: the series compared with its own history (src/detect/anomaly/). */
const anomalyRuleSchema = z.strictObject({
  name,
  kind: z.literal("anomaly"),
  metric: metricName,
  labels: labels.default({}),
  /** high: probability ≥ 0.5, medium: ≥ 0.9, low: ≥ 0.99; or a number s in (0, 1): ≥ 1 − s. */
  sensitivity: z.union([z.enum(["low", "medium", "high"]), z.number().gt(0).lt(1)]).default("medium"),
  for: duration.default(0),
  keepFiringFor: duration.default(0),
  /** Accept a new level after this long (0: keep firing while beyond the old range). */
  settleAfter: duration.default(0),
  severity,
  summary: z.string().optional(),
  annotations: labels.default({}),
});

/** A forecast rule: warns before a resource runs out (src/detect/forecast/). */
const forecastRuleSchema = z.strictObject({
  name,
  kind: z.literal("forecast"),
  forecast: z
    .strictObject({
      metric: metricName,
      labels: labels.default({}),
      limit: z.number(),
      direction: z.enum(["down", "up"]).optional(),
      /** Active when the limit is projected to be reached within this. */
      within: duration,
      /** History the trend is fitted to. */
      window: duration.default(1_800_000),
      minConfidence: z.number().min(0).max(1).default(0.5),
    })
    .refine((f) => f.direction !== undefined || f.limit === 0, {
      message: 'direction ("down" or "up") is required when limit is not 0',
    }),
  for: duration.default(0),
  keepFiringFor: duration.default(0),
  severity,
  summary: z.string().optional(),
  annotations: labels.default({}),
});

/** A PromQL rule, like a Prometheus alerting rule: every series of `expr`'s result is an alert (src/detect/expr-rule.ts). */
const exprRuleSchema = z.strictObject({
  name,
  kind: z.literal("expr"),
  expr: z.string().superRefine((text, ctx) => {
    try {
      const type = typeOf(parseQuery(text));
      if (type !== "vector") ctx.addIssue({ code: "custom", message: `expected a PromQL expression whose result is an instant vector, got a ${type}` });
    } catch (err) {
      ctx.addIssue({ code: "custom", message: `invalid PromQL: ${(err as Error).message}` });
    }
  }),
  /** Added to every alert of the rule. */
  labels: labels.default({}),
  for: duration.default(0),
  keepFiringFor: duration.default(0),
  severity,
  summary: z.string().optional(),
  annotations: labels.default({}),
});

/**
 * A rule is a threshold rule unless it says `kind: anomaly`, has a `forecast:` section or an `expr:` (PromQL);
 * the kind is filled in first so that errors come from the rule kind that was meant.
 */
const anyRuleSchema = z.preprocess(
  (v) =>
    v !== null && typeof v === "object" && !Array.isArray(v) && !("kind" in v)
      ? { ...(v as object), kind: "forecast" in v ? "forecast" : "expr" in v ? "expr" : "threshold" }
      : v,
  z.discriminatedUnion("kind", [ruleSchema, anomalyRuleSchema, forecastRuleSchema, exprRuleSchema], {
    error: 'expected kind "threshold", "anomaly", "forecast" or "expr"',
  }),
);

const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected a URL such as "http://127.0.0.1:9000/hook"' }),
  timeout: duration.default(5000),
  /** Delivery attempts before a notification is given up (journalled as notify.failed). */
  maxAttempts: z.number().int().min(1).default(10),
  headers: z.record(z.string(), z.string()).default({}),
});

/** Message templates (Handlebars) with the notification's alerts, labels and annotations. */
const messageTemplates = {
  title: z.string().optional(),
  text: z.string().optional(),
};

const slackSchema = z.strictObject({
  /** Slack incoming-webhook URL (put it in an environment variable: it is a secret). */
  url: z.url({ protocol: /^https?$/, error: "expected the incoming-webhook URL" }),
  channel: z.string().optional(),
  timeout: duration.default(5000),
  maxAttempts: z.number().int().min(1).default(10),
  ...messageTemplates,
});

const emailSchema = z.strictObject({
  to: z.array(z.string().min(3)).min(1),
  from: z.string().min(3),
  smtp: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    user: z.string().optional(),
    password: z.string().optional(),
  }),
  timeout: duration.default(10_000),
  maxAttempts: z.number().int().min(1).default(10),
  ...messageTemplates,
});

const commandReceiverSchema = z.strictObject({
  /** A declared program; it gets the notification as JSON on stdin and must exit 0. */
  command: z.string().min(1),
  timeout: duration.default(10_000),
  maxAttempts: z.number().int().min(1).default(10),
});

const receiverSchema = z
  .strictObject({
    webhook: webhookSchema.optional(),
    slack: slackSchema.optional(),
    email: emailSchema.optional(),
    command: commandReceiverSchema.optional(),
  })
  .refine((r) => [r.webhook, r.slack, r.email, r.command].filter((x) => x !== undefined).length === 1, {
    message: "expected exactly one of webhook, slack, email or command",
  });

/** Matchers in Alertmanager's syntax: 'severity="critical"', 'service=~"api|web"', 'env!="dev"'. */
const matcherList = z.array(z.string().min(1)).default([]);

/** Grouping and timing, inherited by child routes that do not set them. */
const routeTimings = {
  groupBy: z.array(z.string()).optional(),
  groupWait: duration.optional(),
  groupInterval: duration.optional(),
  repeatInterval: duration.optional(),
};

export interface RouteInput {
  match?: Record<string, string>;
  matchers?: string[];
  receiver?: string;
  continue?: boolean;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  routes?: RouteInput[];
}
export interface RouteOutput {
  match: Record<string, string>;
  matchers: string[];
  receiver?: string;
  continue: boolean;
  groupBy?: string[];
  groupWait?: number;
  groupInterval?: number;
  repeatInterval?: number;
  routes: RouteOutput[];
}

const routeSchema: z.ZodType<RouteOutput, RouteInput> = z.lazy(() =>
  z.strictObject({
    /** Label equality; with `matchers`, both must hold. A route with neither takes every alert. */
    match: labels.default({}),
    matchers: matcherList,
    /** Inherited from the parent route when omitted. */
    receiver: name.optional(),
    /** After matching here, go on trying the following sibling routes. */
    continue: z.boolean().default(false),
    ...routeTimings,
    routes: z.array(routeSchema).default([]),
  }),
);

const inhibitRuleSchema = z.strictObject({
  /** While an alert matching these fires ... */
  sourceMatchers: z.array(z.string().min(1)).min(1),
  /** ... alerts matching these are not notified ... */
  targetMatchers: z.array(z.string().min(1)).min(1),
  /** ... when they have equal values for these labels. */
  equal: z.array(z.string()).default([]),
});

const maintenanceSchema = z
  .strictObject({
    name,
    /** What the window covers: alerts (and services and nodes) whose labels match. */
    matchers: z.array(z.string().min(1)).min(1),
    /** One-off window (ISO-8601 times)... */
    start: z.string().optional(),
    end: z.string().optional(),
    /** ... or weekly: days and hours ... */
    weekly: z
      .strictObject({
        days: z.array(z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])).min(1),
        from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time such as "02:00"'),
        to: z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'expected a time such as "04:00"'),
      })
      .optional(),
    /** ... or a cron expression for the start, with a duration. */
    cron: z.string().optional(),
    duration: duration.optional(),
    /** IANA time zone of weekly and cron schedules, e.g. "Europe/Berlin". */
    timezone: z.string().default("UTC"),
    /** Also pause automatic recovery for what the window matches. */
    pauseRecovery: z.boolean().default(true),
  })
  .refine(
    (m) =>
      [m.start !== undefined || m.end !== undefined, m.weekly !== undefined, m.cron !== undefined].filter(Boolean).length === 1,
    { message: "expected exactly one schedule: start/end, weekly, or cron with duration" },
  )
  .refine((m) => (m.start === undefined) === (m.end === undefined), { message: "a one-off window needs both start and end" })
  .refine((m) => (m.cron === undefined) === (m.duration === undefined), { message: "a cron window needs both cron and duration" });

/** TLS for the server's HTTP API and agent websocket (src/security/tls-files.ts). */
const serverTlsSchema = z
  .strictObject({
    cert: z.string().min(1, { error: "expected the path of the server's PEM certificate" }),
    key: z.string().min(1, { error: "expected the path of the server's PEM private key" }),
    /** The CA that signs agents' client certificates. */
    ca: z.string().min(1).optional(),
    /**
     * Agents' client certificates: `require` — an agent must present one signed by `ca` whose
     * CN/SAN is its node; `optional` — one presented must be valid and is then the agent's
     * identity; `off` — none is asked for. Default: `optional` with a `ca`, else `off`.
     */
    clientCerts: z.enum(["require", "optional", "off"]).optional(),
  })
  .refine((t) => t.ca !== undefined || t.clientCerts === undefined || t.clientCerts === "off", {
    message: "clientCerts require and optional need ca: the CA that signs the agents' certificates",
    path: ["ca"],
  })
  .transform((t) => ({ ...t, clientCerts: t.clientCerts ?? (t.ca !== undefined ? "optional" : "off") }));

/** TLS settings of an agent (`vigil up`'s own, or `vigil agent --config`). */
const agentTlsSchema = z.strictObject({
  /** The CA that signed the server's certificate (default: the system's CAs). */
  ca: z.string().min(1).optional(),
  /** The agent's client certificate and key (mTLS). */
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
}).refine((t) => (t.cert === undefined) === (t.key === undefined), { message: "cert and key go together" });

const serverSchema = z.strictObject({
  listen: listenAddress.default("127.0.0.1:7070"),
  tls: serverTlsSchema.optional(),
  /**
   * Whether agents must prove who they are (an enrollment credential or a client certificate):
   * `auto` (default) — required unless the server listens on a loopback address only.
   */
  agentAuth: z.enum(["auto", "required", "off"]).default("auto"),
  data: z.string().default("./vigil-data"),
  /**
   * Where the control plane's records live (journal, nodes, services, alerts, incidents,
   * notifications, silences, tokens, audit): a postgres:// or postgresql:// URL for a shared
   * PostgreSQL; omitted: $VIGIL_DATABASE_URL, else SQLite in `data`. The series store stays in `data`.
   */
  storage: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/i, { error: 'expected a PostgreSQL URL such as "postgres://vigil:${VIGIL_DB_PASSWORD}@db:5432/vigil"' })
    .optional(),
  /**
   * A server on PostgreSQL storage is one replica of a cluster (src/replicas/): the replicas
   * register in the database, one holds the leader lease and runs the control plane, the
   * others stand by, send agents to the leader and take over when its lease lapses.
   */
  replica: z
    .strictObject({
      /** This replica's name, unique in the cluster. Default: "<hostname>:<listen port>". */
      name: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, { error: "expected 1–128 letters, digits, dots, colons, dashes or underscores" }).optional(),
      /** The base URL other replicas and agents reach this one at. Default: http(s)://<listen>. */
      advertiseURL: z.string().regex(/^https?:\/\/\S+$/, { error: 'expected an http:// or https:// base URL such as "https://vigil-2.example.com:7070"' }).optional(),
      /** The leader lease, timed by the database's clock; renewInterval + retryTimeout must stay below ttl (Patroni's rule). */
      lease: z
        .strictObject({
          ttl: duration.default(4000),
          renewInterval: duration.default(1000),
          retryTimeout: duration.default(2000),
        })
        .prefault({})
        .refine((l) => l.renewInterval + l.retryTimeout < l.ttl, {
          message: "renewInterval + retryTimeout must be less than ttl, or a leader cut off from the database could act after its lease expired",
        }),
    })
    .prefault({}),
  /** How often threshold and anomaly rules are evaluated. */
  evaluationInterval: duration.default(1000),
  /** How often forecast rules fit their trends. */
  forecastInterval: duration.default(15_000),
  /**
   * A series whose latest sample is older than this counts as not reporting (rules resolve).
   * Default: the longest of 3 × agent.collectInterval, 2 × evaluationInterval and
   * 2 × every scrape job's interval; set it for remote-written series (e.g. "5m").
   */
  staleAfter: duration.optional(),
  /** The URL put into notifications (links back to Vigil); default http://<listen>. */
  externalURL: z.string().optional(),
  /** API authentication (src/server/auth/auth-policy.ts). */
  auth: z
    .strictObject({
      /** auto: tokens required once one exists in the data directory; required: always; off: never (loopback only). */
      mode: z.enum(["auto", "required", "off"], { error: "expected auto, required or off" }).default("auto"),
      /** How long a dashboard login lasts. */
      sessionTtl: duration.default(12 * 3_600_000),
    })
    .prefault({}),
});

const agentSchema = z.strictObject({
  heartbeatInterval: duration.default(500),
  collectInterval: duration.default(1000),
  /** Outbox bound of the `vigil up` agent (`vigil agent --outbox-max-messages` for others): beyond it the oldest samples are dropped, never events. */
  outboxMaxMessages: z.number().int().min(10).default(100_000),
  tls: agentTlsSchema.optional(),
});

/**
 * Node failure detection (src/detect/failure/): φ accrual over heartbeats, direct and
 * indirect probes, Lifeguard suspicion, the partition guard. Omitted durations derive from
 * agent.heartbeatInterval (see failure-detector-options.ts for the reasoning).
 */
const failureDetectorSchema = z.strictObject({
  /** Heartbeat inter-arrival times kept per node. */
  window: z.number().int().min(2).default(1000),
  minStdDeviation: duration.optional(),
  acceptablePause: duration.optional(),
  /** φ at which a node becomes suspect and is probed (false-suspicion chance ≈ 10^−φ). */
  suspectPhi: z.number().positive().default(3),
  suspicion: z.strictObject({ min: duration.optional(), max: duration.optional() }).prefault({}),
  /** Peers asked to probe a suspect (SWIM's k). */
  indirectProbes: z.number().int().min(0).default(3),
  /** Timeout of one probe connection. */
  probeTimeout: duration.default(300),
  /** How often suspicion timeouts and the partition guard are evaluated. */
  tick: duration.default(100),
  unreachableRecheck: duration.default(5000),
  /**
   * Heartbeats as authenticated UDP datagrams (a third of a websocket read's cost on the
   * server), received on `port` (default: the port of server.listen) on the listen host.
   * Agents whose datagrams do not arrive keep heartbeating over their websocket.
   */
  udpHeartbeats: z
    .strictObject({
      enabled: z.boolean().default(true),
      port: z.number().int().min(0).max(65_535).optional(),
    })
    .prefault({}),
  isolation: z
    .strictObject({
      share: z.number().gt(0).max(1).default(0.5),
      minNodes: z.number().int().min(1).default(3),
      window: duration.optional(),
      stable: duration.optional(),
    })
    .prefault({}),
});

/** The series store (src/tsdb/): compressed chunks in <data>/tsdb.db. */
const tsdbSchema = z.strictObject({
  /** Raw samples are kept this long. */
  retention: duration.default(7 * 86_400_000),
  /** Downsampled levels (min/max/avg/count), finest first, each coarser than the previous. */
  downsampling: z
    .array(z.strictObject({ resolution: duration, retention: duration }))
    .prefault([
      { resolution: "1m", retention: "30d" },
      { resolution: "1h", retention: "365d" },
    ]),
  /** How often open chunks are checkpointed: what a kill -9 of the server can lose. */
  checkpointInterval: duration.default(5000).refine((ms) => ms <= 10_000, { message: "expected at most 10s" }),
  /** Beyond this, the oldest closed chunks leave memory (they stay on disk). */
  maxMemoryBytes: z.number().int().min(1024 * 1024).default(256 * 1024 * 1024),
});

export const configSchema = z.strictObject({
  server: serverSchema.prefault({}),
  agent: agentSchema.prefault({}),
  failureDetector: failureDetectorSchema.prefault({}),
  tsdb: tsdbSchema.prefault({}),
  services: z.array(serviceSchema).default([]),
  playbooks: z.record(name, playbookSchema).default({}),
  recovery: recoverySchema.prefault({}),
  incidents: incidentsSchema.prefault({}),
  rules: z.array(anyRuleSchema).default([]),
  /** Prometheus targets to scrape (src/scrape/). */
  scrape: scrapeJobsSchema(duration).default([]),
  notify: z
    .strictObject({
      receivers: z.record(name, receiverSchema).default({}),
      /** The root route's receiver: alerts no child route takes go here (none: not notified). */
      receiver: name.optional(),
      /** The root route's grouping and timings (Alertmanager semantics). */
      groupBy: z.array(z.string()).default(["alertname", "service", "node"]),
      groupWait: duration.default(1000),
      groupInterval: duration.default(10_000),
      repeatInterval: duration.default(4 * 3_600_000),
      /** Child routes of the root, tried in order. */
      routes: z.array(routeSchema).default([]),
      inhibitRules: z.array(inhibitRuleSchema).default([]),
      /** Inhibit alerts of services that depend on, or run on, something that is down. */
      dependencyInhibition: z.boolean().default(true),
      /** An alert changing state `changes` times within `within` is flapping until stable for `settle`. */
      flapping: z
        .strictObject({
          changes: z.number().int().min(2).default(6),
          within: duration.default(600_000),
          settle: duration.default(300_000),
        })
        .prefault({}),
    })
    .prefault({}),
  maintenance: z.array(maintenanceSchema).default([]),
});

export type VigilConfig = z.output<typeof configSchema>;
export type ServiceConfig = VigilConfig["services"][number];
export type HealthConfig = NonNullable<ServiceConfig["health"]>;
export type RunConfig = NonNullable<ServiceConfig["run"]>;
export type PlaybookConfig = VigilConfig["playbooks"][string];
export type PlaybookStep = PlaybookConfig["steps"][number];
export type AnyRuleConfig = VigilConfig["rules"][number];
export type RuleConfig = Extract<AnyRuleConfig, { kind: "threshold" }>;
export type AnomalyRuleConfig = Extract<AnyRuleConfig, { kind: "anomaly" }>;
export type ForecastRuleConfig = Extract<AnyRuleConfig, { kind: "forecast" }>;
export type ExprRuleConfig = Extract<AnyRuleConfig, { kind: "expr" }>;
export type ReceiverConfig = VigilConfig["notify"]["receivers"][string];
export type RouteConfig = RouteOutput;
export type InhibitRuleConfig = VigilConfig["notify"]["inhibitRules"][number];
export type MaintenanceConfig = VigilConfig["maintenance"][number];
export type NotifyConfig = VigilConfig["notify"];
export type FailureDetectorConfig = VigilConfig["failureDetector"];
export type AgentSettings = VigilConfig["agent"];
export type ScrapeJobConfig = VigilConfig["scrape"][number];
