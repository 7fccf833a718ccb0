// The agent <-> server protocol: JSON messages over one websocket (path /api/v1/agent/ws),
// each validated here on receipt; samples messages may instead come as binary frames
// (samples-frame.ts) once the welcome offers them. Messages that must not be lost carry an outbox `seq`:
// the agent keeps them on disk until the server acknowledges them with `ack`, which the
// server sends only once they are durable (README, "The acknowledgement contract").
import { z } from "zod";

export const PROTOCOL_VERSION = 1;
export const AGENT_WS_PATH = "/api/v1/agent/ws";
/**
 * The largest websocket frame either side accepts (ws maxPayload); a bigger one closes the
 * connection (1009). An agent's largest frames, samples of one collection, are a few hundred KB.
 */
export const AGENT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

const version = z.literal(PROTOCOL_VERSION, { error: `expected protocol version v: ${PROTOCOL_VERSION}` });
const ts = z.number().int().nonnegative();
const labels = z.record(z.string(), z.string());

export const sampleSchema = z.object({
  name: z.string().min(1),
  labels,
  ts,
  value: z.number(),
});
export type Sample = z.infer<typeof sampleSchema>;

export const healthStateSchema = z.enum(["healthy", "unhealthy", "unknown"]);
export type HealthState = z.infer<typeof healthStateSchema>;

/** What the agent knows about one of its services, sent in hello after a reconnect. */
export const serviceSnapshotSchema = z.object({
  name: z.string(),
  health: healthStateSchema,
  /** When the current health state began (for unhealthy: the first failing observation). */
  since: ts,
  pid: z.number().int().optional(),
  running: z.boolean(),
});
export type ServiceSnapshot = z.infer<typeof serviceSnapshotSchema>;

// ---- agent -> server -------------------------------------------------------------

export const helloSchema = z.object({
  type: z.literal("hello"),
  v: version,
  node: z.string().min(1),
  agentVersion: z.string(),
  /** Identifies the agent's outbox file; seq numbers are unique within one outboxId. */
  outboxId: z.string().min(1),
  pid: z.number().int(),
  ts,
  services: z.array(serviceSnapshotSchema).default([]),
  /**
   * The agent's TCP probe listener (HOST:PORT), which the server and other agents connect
   * to when they suspect the node: the node's kernel answers even while the agent pauses.
   */
  probeAddress: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "expected HOST:PORT").optional(),
});

export const heartbeatSchema = z.object({ type: z.literal("heartbeat"), v: version, ts });

export const samplesSchema = z.object({
  type: z.literal("samples"),
  v: version,
  seq: z.number().int().positive(),
  samples: z.array(sampleSchema),
});

/** A change of a service's health as the agent's probe runner decided it. */
export const probeSchema = z.object({
  type: z.literal("probe"),
  v: version,
  seq: z.number().int().positive(),
  service: z.string(),
  health: healthStateSchema,
  ts,
  /** For unhealthy: the time of the first failing observation of this streak. */
  since: ts,
  detail: z.string().default(""),
});

export const agentEventKinds = [
  "process.started",
  "process.exited",
  "process.adopted",
  "action.refused",
  "outbox.dropped",
  /** data: service, path, id, bytes, files, durationMs. */
  "snapshot.taken",
  /** data: service, path, error. */
  "snapshot.failed",
  /** A fault was applied (data: id, fault, target, targetKind, durationMs, endsAt, options, record). */
  "chaos.injected",
  /** A fault was undone (data: id, fault, reason: duration | stopped | ended | agent-restart, detail). */
  "chaos.reverted",
  /** A fault could not be applied (data: id, fault, error); nothing was changed. */
  "chaos.failed",
] as const;

export const eventSchema = z.object({
  type: z.literal("event"),
  v: version,
  seq: z.number().int().positive(),
  kind: z.enum(agentEventKinds),
  service: z.string().optional(),
  ts,
  data: z.record(z.string(), z.unknown()).default({}),
});

export const actionResultSchema = z.object({
  type: z.literal("action.result"),
  v: version,
  seq: z.number().int().positive(),
  actionId: z.string(),
  service: z.string(),
  action: z.string(),
  ok: z.boolean(),
  error: z.string().optional(),
  ts,
  data: z.record(z.string(), z.unknown()).default({}),
});

/** The answer to an indirect-probe request (not outboxed: a late answer is useless). */
export const indirectProbeResultSchema = z.object({
  type: z.literal("indirect-probe.result"),
  v: version,
  requestId: z.string(),
  target: z.string(),
  ok: z.boolean(),
  elapsedMs: z.number().nonnegative(),
  error: z.string().optional(),
});
export type IndirectProbeResult = z.infer<typeof indirectProbeResultSchema>;

export const agentMessageSchema = z.discriminatedUnion("type", [
  helloSchema,
  heartbeatSchema,
  indirectProbeResultSchema,
  samplesSchema,
  probeSchema,
  eventSchema,
  actionResultSchema,
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;
export type Hello = z.infer<typeof helloSchema>;
export type SamplesMessage = z.infer<typeof samplesSchema>;
export type ProbeMessage = z.infer<typeof probeSchema>;
export type EventMessage = z.infer<typeof eventSchema>;
export type ActionResultMessage = z.infer<typeof actionResultSchema>;
/** Messages that go through the outbox (they carry seq). */
export type OutboxMessage = SamplesMessage | ProbeMessage | EventMessage | ActionResultMessage;
/** An outbox message before the outbox has numbered it. */
export type UnsequencedMessage = OutboxMessage extends infer M ? (M extends OutboxMessage ? Omit<M, "seq"> : never) : never;

// ---- server -> agent -------------------------------------------------------------

/** A service as the agent runs it: the config's service with durations in ms. */
export const agentServiceSchema = z.object({
  name: z.string(),
  run: z
    .object({
      command: z.string(),
      cwd: z.string().optional(),
      env: z.record(z.string(), z.string()),
      stopTimeout: z.number().int().nonnegative(),
    })
    .optional(),
  pidfile: z.string().optional(),
  health: z
    .object({
      http: z.string().optional(),
      expectBody: z.string().optional(),
      tcp: z.string().optional(),
      exec: z.string().optional(),
      process: z.literal(true).optional(),
      interval: z.number().int().positive(),
      timeout: z.number().int().positive(),
      failures: z.number().int().positive(),
      successes: z.number().int().positive(),
      startPeriod: z.number().int().nonnegative(),
    })
    .optional(),
  /**
   * This node is a standby for the service: the agent neither starts nor probes it until a
   * `start` action (a failover); from then on it supervises it like its own.
   */
  standby: z.boolean().optional(),
  /**
   * This instance must not run here: the agent stops it, does not start it, and refuses
   * start, restart, kill and restore until a later welcome or services message unfences it.
   */
  fenced: z.boolean().optional(),
  /** Declared command lines; they run with the cwd and env of `run` (see declared-command.ts). */
  promote: z.string().optional(),
  restore: z.string().optional(),
  cleanup: z.string().optional(),
  commands: z.record(z.string(), z.string()).optional(),
  /** Time limit of the declared commands, ms (default 60 s). */
  commandTimeout: z.number().int().positive().optional(),
  /** A TCP proxy the agent runs in front of the service (dependents connect to listen); latency and drop faults act on it. */
  proxy: z.object({ listen: z.string(), upstream: z.string() }).optional(),
  /** The agent checkpoints `path` every `every` ms into its data dir, keeping the newest `keep`. */
  snapshot: z
    .object({
      path: z.string().min(1),
      every: z.number().int().positive(),
      keep: z.number().int().positive(),
    })
    .optional(),
});
export type AgentService = z.infer<typeof agentServiceSchema>;

export const agentSettingsSchema = z.object({
  heartbeatInterval: z.number().int().positive(),
  collectInterval: z.number().int().positive(),
});
export type AgentSettings = z.infer<typeof agentSettingsSchema>;

export const welcomeSchema = z.object({
  type: z.literal("welcome"),
  v: version,
  node: z.string(),
  /**
   * The highest seq of this outboxId the server has acknowledged (made durable): the agent
   * re-sends every message after it. Of those, the ones the server had already processed
   * are not acted on again; only their samples are appended again.
   */
  ackedSeq: z.number().int().nonnegative(),
  services: z.array(agentServiceSchema),
  settings: agentSettingsSchema,
  serverTime: ts,
  /**
   * The agent's credential, issued when this connection spent an enrollment token: the
   * agent stores it (0600) and authenticates with it from now on.
   */
  credential: z.string().min(1).optional(),
  /**
   * Send heartbeats as UDP datagrams (src/protocol/heartbeat-datagram.ts) to this port on
   * the server's host, for this connection's session with this SipHash key (hex). Absent: the
   * server takes heartbeats over the websocket only. The agent keeps heartbeating over the
   * websocket too until the server confirms the datagrams arrive (`heartbeat-path`).
   */
  udpHeartbeats: z
    .object({
      port: z.number().int().min(1).max(65_535),
      session: z.number().int().min(0).max(2 ** 32 - 1),
      key: z.string().regex(/^[0-9a-f]{32}$/, "expected 16 bytes in hex"),
    })
    .optional(),
  /**
   * The base URLs (http(s):// or ws(s)://) of the live server replicas, this one included
   * (issue 11). The agent replaces the replicas it learned before with these and keeps its
   * configured URLs first, so that an agent configured with one URL still finds the others
   * when that one dies. Absent (a single server): the agent's list stays as it is.
   */
  replicas: z.array(z.string().min(1).max(2048)).max(256).optional(),
  /**
   * The layouts of binary samples frames (src/protocol/samples-frame.ts) the server takes:
   * the agent sends its samples messages as such a frame when it knows one of them, else as
   * JSON `samples` messages (absent: an older server, JSON only).
   */
  samplesFrames: z.array(z.number().int().positive()).optional(),
});

/**
 * Sent instead of `welcome` by a replica that does not own the node (issue 11, nodes are
 * spread over replicas by rendezvous hashing): the agent connects to `url` next, at once.
 * The agent refuses a URL that its own TLS rules refuse (no plain text beyond loopback
 * without --insecure), and follows at most 3 redirects in a row without a welcome.
 */
export const redirectSchema = z.object({
  type: z.literal("redirect"),
  v: version,
  /** The owner replica's base URL (http(s)://HOST:PORT) or agent websocket URL (ws(s)://...). */
  url: z.string().min(1).max(2048),
  /** The owner replica's name, for logs. */
  owner: z.string(),
  /** Why, for logs (e.g. "node-a belongs to replica r2"). */
  reason: z.string().default(""),
});
export type RedirectMessage = z.infer<typeof redirectSchema>;

/**
 * Which way the server now counts this connection's heartbeats: `udp` once the first
 * datagram arrived (the agent stops heartbeating over the websocket), `websocket` when
 * datagrams stopped arriving while the connection lives (the agent goes back to it).
 */
export const heartbeatPathSchema = z.object({ type: z.literal("heartbeat-path"), v: version, via: z.enum(["udp", "websocket"]) });
export type HeartbeatPathMessage = z.infer<typeof heartbeatPathSchema>;

export const actionKinds = ["restart", "stop", "start", "kill", "exec", "restore", "clean-disk", "promote"] as const;
export type ActionKind = (typeof actionKinds)[number];

export const actionSchema = z.object({
  type: z.literal("action"),
  v: version,
  actionId: z.string(),
  /** Any string: the agent refuses kinds it does not know. */
  action: z.string(),
  service: z.string(),
  reason: z.string().default(""),
  /** For `exec`: the name of a command declared in the service's `commands`. */
  command: z.string().optional(),
  /**
   * The sending leader's term (fencing token, issue 11): the agent refuses an action whose
   * term is lower than the highest it has seen. Absent from a single server.
   */
  term: z.number().int().nonnegative().optional(),
});

/**
 * Replaces the agent's service list while connected (fencing, unfencing, handing a service
 * to a standby): the agent starts what is new and not a standby, stops what is gone or
 * newly fenced, and leaves running services untouched.
 */
export const servicesSchema = z.object({
  type: z.literal("services"),
  v: version,
  services: z.array(agentServiceSchema),
});

/** Asks an agent to connect to a suspected peer's probe listener (SWIM's indirect probe). */
export const indirectProbeSchema = z.object({
  type: z.literal("indirect-probe"),
  v: version,
  requestId: z.string(),
  target: z.string(),
  address: z.string(),
  timeoutMs: z.number().int().positive(),
});
export type IndirectProbeRequest = z.infer<typeof indirectProbeSchema>;

/**
 * Every message of the agent's outbox with seq ≤ `seq` is durable on the server — samples
 * written by a series-store checkpoint, the rest committed to its database — so the agent may
 * forget them. Cumulative and in order; sent at the store's checkpoints, so up to
 * `tsdb.checkpointInterval` after a message, and at once when nothing before it awaits one.
 */
export const ackSchema = z.object({ type: z.literal("ack"), v: version, seq: z.number().int().nonnegative() });

/** A fault for the agent to apply now and revert after `durationMs` (src/chaos/faults/). */
export const chaosStartSchema = z.object({
  type: z.literal("chaos.start"),
  v: version,
  injection: z.object({
    id: z.string().min(1).max(100),
    fault: z.string(),
    target: z.object({ kind: z.enum(["service", "node"]), name: z.string().min(1) }),
    durationMs: z.number().int().positive(),
    options: z.record(z.string(), z.unknown()).default({}),
  }),
});
export type ChaosStartMessage = z.infer<typeof chaosStartSchema>;

/** Reverts an active fault before its time. */
export const chaosStopSchema = z.object({ type: z.literal("chaos.stop"), v: version, id: z.string().min(1) });
export type ChaosStopMessage = z.infer<typeof chaosStopSchema>;

export const errorSchema = z.object({ type: z.literal("error"), v: version, error: z.string() });

export const serverMessageSchema = z.discriminatedUnion("type", [
  welcomeSchema,
  redirectSchema,
  servicesSchema,
  actionSchema,
  indirectProbeSchema,
  ackSchema,
  chaosStartSchema,
  chaosStopSchema,
  heartbeatPathSchema,
  errorSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type Welcome = z.infer<typeof welcomeSchema>;
export type ActionMessage = z.infer<typeof actionSchema>;
export type ServicesMessage = z.infer<typeof servicesSchema>;

/** Parses an agent's websocket frame; returns a readable error naming what is wrong. */
export function parseAgentMessage(raw: string): { ok: true; message: AgentMessage } | { ok: false; error: string } {
  return parseMessage(agentMessageSchema, raw);
}

const HEARTBEAT_PREFIX = Buffer.from(`{"type":"heartbeat","v":${PROTOCOL_VERSION},"ts":`);
/** 15 digits: every such number is a safe integer (ms timestamps have 13 until the year 2286). */
const HEARTBEAT_MAX_DIGITS = 15;

/**
 * True when the frame is exactly a well-formed heartbeat as agents send it —
 * `{"type":"heartbeat","v":1,"ts":<integer ≥ 0>}` — checked on the bytes, without decoding
 * or allocating: 10,000 agents send 20,000 of them a second. Any other frame, including a
 * heartbeat written differently (other key order, spaces, extra keys), answers false and
 * takes parseAgentMessage, which accepts or refuses it with a precise error.
 */
export function isHeartbeatFrame(frame: Buffer): boolean {
  const prefix = HEARTBEAT_PREFIX.length;
  const digits = frame.length - prefix - 1;
  if (digits < 1 || digits > HEARTBEAT_MAX_DIGITS || frame[frame.length - 1] !== 0x7d /* } */) return false;
  if (frame.compare(HEARTBEAT_PREFIX, 0, prefix, 0, prefix) !== 0) return false;
  if (digits > 1 && frame[prefix] === 0x30 /* JSON numbers have no leading zero */) return false;
  for (let i = prefix; i < frame.length - 1; i++) {
    const c = frame[i]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

export function parseMessage<T>(
  schema: z.ZodType<T>,
  raw: string,
): { ok: true; message: T } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: `message is not JSON: ${(err as Error).message}` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, message: result.data };
  const issues = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join(".") : "(message)"}: ${i.message}`);
  return { ok: false, error: `invalid message: ${issues.join("; ")}` };
}
