// Load generator for the failure-detector benchmark: N agents in one process, each a real
// websocket to the server speaking the agent protocol — hello (announcing a probe listener),
// then a heartbeat every interval the server's welcome sets, spread evenly over the interval
// (as UDP datagrams when the welcome offers them, the way real agents route them:
// src/agent/heartbeat-route.ts), and answers to indirect-probe requests. Prints one JSON
// status line per second on stdout.
// Usage: node agent-load.js --url ws://HOST:PORT/api/v1/agent/ws --agents N [--concurrency C] [--prefix NAME]
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { WebSocket } from "ws";
import { PROTOCOL_VERSION, parseMessage, serverMessageSchema, type AgentMessage } from "../../src/protocol/messages.js";
import { tcpConnect } from "../../src/util/tcp-connect.js";
import { encodeHeartbeatDatagram } from "../../src/protocol/heartbeat-datagram.js";
import { HeartbeatRoute } from "../../src/agent/heartbeat-route.js";
import { sipKey, type SipKey } from "../../src/protocol/siphash.js";
import { SamplesPump } from "./samples-pump.js";
import { SimulatedCollection } from "./simulated-collection.js";

/** Heartbeats go out from a ticker that serves one slice of the agents per tick. */
const TICK_MS = 10;
/** Samples frames handed to one socket and not yet written, at most. */
const FRAMES_IN_SOCKET = 4;
const ENCODINGS = ["json", "binary"] as const;

interface FakeAgent {
  node: string;
  socket: WebSocket;
  welcomed: boolean;
  route: HeartbeatRoute;
  datagrams: { session: number; key: SipKey; port: number; seq: number } | null;
  samples: SamplesPump | null;
  /** The seq the last welcome named. */
  ackedSeq: number;
}

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    agents: { type: "string" },
    concurrency: { type: "string", default: "200" },
    prefix: { type: "string", default: "load" },
    "series-per-agent": { type: "string", default: "0" },
    window: { type: "string", default: "256" },
    encoding: { type: "string", default: "json" },
  },
  strict: true,
});
const url = values.url;
const total = Number(values.agents);
const concurrency = Number(values.concurrency);
const seriesPerAgent = Number(values["series-per-agent"]);
const window = Number(values.window);
const encoding = values.encoding as (typeof ENCODINGS)[number];
if (
  !url ||
  !Number.isInteger(total) ||
  total < 1 ||
  !Number.isInteger(concurrency) ||
  concurrency < 1 ||
  !Number.isInteger(seriesPerAgent) ||
  seriesPerAgent < 0 ||
  !Number.isInteger(window) ||
  window < 1 ||
  !ENCODINGS.includes(encoding)
) {
  console.error(
    `usage: agent-load --url ws://HOST:PORT/api/v1/agent/ws --agents N [--concurrency C] [--prefix NAME] [--series-per-agent K --window W --encoding ${ENCODINGS.join("|")}]`,
  );
  process.exit(2);
}

const stats = {
  connecting: 0,
  open: 0,
  welcomed: 0,
  failed: 0,
  closed: 0,
  heartbeatsSent: 0,
  datagramsSent: 0,
  onUdp: 0,
  probesAnswered: 0,
  lastError: "",
  /** `error` messages from the server (a refused frame), and the last one's text. */
  serverErrors: 0,
  lastServerError: "",
};
const udp = createSocket("udp4");
const serverHost = new URL(url).hostname;
const agents: FakeAgent[] = [];
let heartbeatIntervalMs = 500;
/** Every agent has connected (or failed to): samples streams run from then on. */
let rampDone = false;

// One probe listener stands in for every agent's: a completed handshake, as from a live node.
const probeListener = createServer((socket) => {
  socket.on("error", () => {});
  socket.end();
});
await new Promise<void>((resolve) => probeListener.listen(0, "127.0.0.1", () => resolve()));
const probePort = (probeListener.address() as { port: number }).port;

/** Every agent's samples stream, counted together for the status line. */
function samplesStatus(): { messagesSent: number; samplesSent: number; messagesAcked: number; windowFullMs: number } {
  const sum = { messagesSent: 0, samplesSent: 0, messagesAcked: 0, windowFullMs: 0 };
  for (const agent of agents) {
    if (!agent.samples) continue;
    const c = agent.samples.counters;
    sum.messagesSent += c.messagesSent;
    sum.samplesSent += c.samplesSent;
    sum.messagesAcked += c.ackedSeq;
    sum.windowFullMs += agent.samples.windowFullMs();
  }
  return sum;
}

/** The samples stream of one agent: its collection, in the chosen wire form, through a pump. */
function samplesPump(socket: WebSocket, node: string): SamplesPump | null {
  if (seriesPerAgent === 0) return null;
  const collection = new SimulatedCollection(node, seriesPerAgent);
  return new SamplesPump({
    window,
    inSocket: FRAMES_IN_SOCKET,
    samplesPerMessage: seriesPerAgent,
    frame: (seq) => (encoding === "binary" ? collection.binaryFrame(seq) : collection.jsonFrame(seq)),
    send: (frame, written) => {
      if (socket.readyState !== WebSocket.OPEN) return written(new Error("connection closed"));
      socket.send(frame, written);
    },
  });
}

function send(agent: FakeAgent, message: AgentMessage): void {
  if (agent.socket.readyState === WebSocket.OPEN) agent.socket.send(JSON.stringify(message));
}

function connect(index: number): Promise<void> {
  const node = `${values.prefix}-${String(index).padStart(5, "0")}`;
  return new Promise((resolve) => {
    stats.connecting++;
    const socket = new WebSocket(url!, { perMessageDeflate: false });
    const agent: FakeAgent = { node, socket, welcomed: false, route: new HeartbeatRoute(), datagrams: null, samples: samplesPump(socket, node), ackedSeq: 0 };
    let settled = false;
    let opened = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        stats.connecting--;
        resolve();
      }
    };
    socket.on("open", () => {
      opened = true;
      stats.open++;
      agents.push(agent);
      send(agent, {
        type: "hello",
        v: PROTOCOL_VERSION,
        node,
        agentVersion: "load-generator",
        outboxId: randomUUID(),
        pid: process.pid,
        ts: Date.now(),
        services: [],
        probeAddress: `127.0.0.1:${probePort}`,
      });
    });
    socket.on("message", (raw) => {
      const parsed = parseMessage(serverMessageSchema, raw.toString());
      if (!parsed.ok) return;
      const m = parsed.message;
      if (m.type === "welcome") {
        heartbeatIntervalMs = m.settings.heartbeatInterval;
        if (!agent.welcomed) stats.welcomed++;
        agent.welcomed = true;
        const offer = m.udpHeartbeats;
        agent.datagrams = offer ? { session: offer.session, key: sipKey(Buffer.from(offer.key, "hex")), port: offer.port, seq: 0 } : null;
        agent.route.welcomed(offer !== undefined);
        // Samples start once every agent is connected (a server busy with samples would slow the ramp).
        agent.ackedSeq = m.ackedSeq;
        if (rampDone) agent.samples?.welcomed(m.ackedSeq);
        settle();
      } else if (m.type === "ack") {
        agent.samples?.acked(m.seq);
      } else if (m.type === "error") {
        stats.serverErrors++;
        stats.lastServerError = m.error;
      } else if (m.type === "heartbeat-path") {
        if (m.via === "udp" && agent.route.state !== "udp") stats.onUdp++;
        if (m.via === "websocket" && agent.route.state === "udp") stats.onUdp--;
        agent.route.serverCounts(m.via);
      } else if (m.type === "indirect-probe") {
        void tcpConnect(m.address, m.timeoutMs).then((outcome) => {
          stats.probesAnswered++;
          send(agent, { type: "indirect-probe.result", v: PROTOCOL_VERSION, requestId: m.requestId, target: m.target, ok: outcome.ok, elapsedMs: 0 });
        });
      }
    });
    socket.on("error", (err) => {
      stats.lastError = err.message;
    });
    socket.on("close", () => {
      if (opened) stats.closed++;
      if (!settled) stats.failed++;
      agent.welcomed = false;
      agent.samples?.stop();
      settle();
    });
  });
}

// Every agent heartbeats once per interval: agent i in time slot i mod (interval / tick).
// Slots are taken from the clock, not counted per tick, so a late timer catches up instead
// of stretching everyone's interval.
const startedAt = performance.now();
let slotsDone = 0;
setInterval(() => {
  const slots = Math.max(1, Math.round(heartbeatIntervalMs / TICK_MS));
  const due = Math.floor((performance.now() - startedAt) / TICK_MS);
  const now = Date.now();
  for (; slotsDone < due; slotsDone++) {
    for (let i = slotsDone % slots; i < agents.length; i += slots) {
      const agent = agents[i]!;
      if (!agent.welcomed) continue;
      const way = agent.route.next();
      if (way.websocket) send(agent, { type: "heartbeat", v: PROTOCOL_VERSION, ts: now });
      if (way.udp && agent.datagrams) {
        const d = agent.datagrams;
        udp.send(encodeHeartbeatDatagram(d.session, d.key, ++d.seq), d.port, serverHost);
        stats.datagramsSent++;
      }
      stats.heartbeatsSent++;
    }
  }
}, TICK_MS);

setInterval(() => console.log(JSON.stringify({ ...stats, ...samplesStatus(), heartbeatIntervalMs })), 1000);

// Connect with bounded concurrency, so the server's accept queue is not the limit measured.
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(concurrency, total) }, async () => {
    while (next < total) await connect(next++);
  }),
);
rampDone = true;
for (const agent of agents) if (agent.welcomed) agent.samples?.welcomed(agent.ackedSeq);
console.log(JSON.stringify({ ...stats, ...samplesStatus(), heartbeatIntervalMs, rampDone: true }));
process.on("SIGTERM", () => process.exit(0));
