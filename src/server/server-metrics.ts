// Vigil's own metrics, served at /metrics in the Prometheus text format (prom-client).
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

export class ServerMetrics {
  readonly registry = new Registry();
  /**
   * Heartbeats (20,000 a second at 10,000 agents) are counted in plain numbers and added to
   * their counters when /metrics is read: a prom-client increment hashes its labels each time.
   */
  private heartbeats = 0;
  private countedDatagrams = 0;
  private readonly agentMessages = new Counter({
    name: "vigil_agent_messages_total",
    help: "Agent messages received, by type (type=\"invalid\" for rejected frames)",
    labelNames: ["type"],
    registers: [this.registry],
    collect: () => {
      if (this.heartbeats > 0) this.agentMessages.inc({ type: "heartbeat" }, this.heartbeats);
      this.heartbeats = 0;
    },
  });
  private readonly heartbeatDatagrams = new Counter({
    name: "vigil_heartbeat_datagrams_total",
    help:
      "UDP heartbeat datagrams received, by result: counted, or why not (malformed, unknown-session, bad-mac, replayed, " +
      "websocket-path: the connection went back to websocket heartbeats)",
    labelNames: ["result"],
    registers: [this.registry],
    collect: () => {
      if (this.countedDatagrams > 0) this.heartbeatDatagrams.inc({ result: "counted" }, this.countedDatagrams);
      this.countedDatagrams = 0;
    },
  });
  readonly agentSamplesMessages = new Counter({
    name: "vigil_agent_samples_messages_total",
    help: 'Valid samples messages from agents, by wire form: form="binary" (samples frames), form="json" (agents older than the binary form)',
    labelNames: ["form"],
    registers: [this.registry],
  });
  readonly agentMessagesReplayed = new Counter({
    name: "vigil_agent_messages_replayed_total",
    help: "Agent messages re-sent after a server crash or a reconnect that were processed before: not acted on again, only their samples re-appended",
    labelNames: ["type"],
    registers: [this.registry],
  });
  readonly samplesIngested = new Counter({
    name: "vigil_samples_ingested_total",
    help: "Samples appended to the series store (from agents, scrapes and remote-write)",
    registers: [this.registry],
  });
  readonly samplesRejected = new Counter({
    name: "vigil_samples_rejected_total",
    help: "Samples rejected by the series store (out of order or duplicate)",
    registers: [this.registry],
  });
  readonly samplesReplayed = new Counter({
    name: "vigil_samples_replayed_total",
    help:
      "Samples of messages an agent re-sent after a server crash or a reconnect, which the server had processed but not yet made durable: " +
      'result="stored" were lost and are restored, result="already-stored" the store still had (expected, not bad input)',
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly scrapes = new Counter({
    name: "vigil_scrapes_total",
    help: "Scrapes of Prometheus targets, by job and result (up: the page was read and stored; down: it could not be)",
    labelNames: ["job", "result"],
    registers: [this.registry],
  });
  readonly remoteWriteRequests = new Counter({
    name: "vigil_remote_write_requests_total",
    help: "Remote-write requests received at /api/v1/write, by the HTTP status answered",
    labelNames: ["code"],
    registers: [this.registry],
  });
  readonly actions = new Counter({
    name: "vigil_actions_total",
    help: "Recovery actions sent to agents, by action and result",
    labelNames: ["action", "result"],
    registers: [this.registry],
  });
  readonly nodeTransitions = new Counter({
    name: "vigil_node_liveness_transitions_total",
    help: "Failure detector state changes, by the new state (suspect, dead, unreachable, alive)",
    labelNames: ["state"],
    registers: [this.registry],
  });
  readonly nodes = new Gauge({ name: "vigil_nodes", help: "Nodes by state", labelNames: ["state"], registers: [this.registry] });
  readonly services = new Gauge({ name: "vigil_services", help: "Services by health", labelNames: ["health"], registers: [this.registry] });
  readonly alerts = new Gauge({ name: "vigil_alerts", help: "Active alerts by state", labelNames: ["state"], registers: [this.registry] });
  readonly openIncidents = new Gauge({ name: "vigil_incidents_open", help: "Incidents not yet resolved", registers: [this.registry] });
  readonly series = new Gauge({ name: "vigil_tsdb_series", help: "Series in the series store", registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "vigil_" });
  }

  /** An agent message received (type "invalid": a refused frame). */
  agentMessage(type: string): void {
    if (type === "heartbeat") this.heartbeats++;
    else this.agentMessages.inc({ type });
  }

  /** What became of one heartbeat datagram. */
  heartbeatDatagram(result: string): void {
    if (result === "counted") this.countedDatagrams++;
    else this.heartbeatDatagrams.inc({ result });
  }
}
