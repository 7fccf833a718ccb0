// The agent's websocket to the server: connects, says hello, hands every valid server frame
// to the agent, and reconnects whenever the link breaks or goes silent. With several server
// replicas it moves on through their URLs and follows redirects to a node's owner; where to
// go next and after how long is ServerList's decision (server-list.ts), this file only acts
// on it. What must not be lost is the outbox's job (resent after welcome), not this one.
// Messages go out as JSON text, except samples messages once the connection's welcome offers
// binary samples frames (src/protocol/samples-frame.ts): then as such a frame, which costs the
// server a fraction of the JSON's decoding. A server without the offer (an older one) gets JSON.
//
// Latency: ws turns on TCP_NODELAY for every socket it opens (WebSocket#setSocket calls
// socket.setNoDelay()), so small frames go out without Nagle's delay; per-message deflate
// is off because compressing small frames costs more latency than it saves.
import type { SecureContextOptions } from "node:tls";
import { WebSocket } from "ws";
import { frameText } from "../util/ws-frame.js";
import {
  AGENT_MAX_FRAME_BYTES,
  parseMessage,
  serverMessageSchema,
  type AgentMessage,
  type Hello,
  type RedirectMessage,
  type ServerMessage,
} from "../protocol/messages.js";
import { SAMPLES_FRAME_LAYOUT, encodeSamplesFrame } from "../protocol/samples-frame.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { ServerAddress } from "./server-address.js";
import { ServerList } from "./server-list.js";

export const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
/** How long stop() waits for the server to answer the close frame before cutting the socket. */
const CLOSE_GRACE_MS = 1_000;
/** An opening handshake (TCP, TLS, HTTP upgrade) that takes longer is abandoned and retried. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** What the connection hands to the agent: every server message but redirects, which it follows itself. */
export type AgentBoundMessage = Exclude<ServerMessage, RedirectMessage>;

export interface ServerConnectionOptions {
  /**
   * The server replicas, tried in this order: each ws(s)://host:port/api/v1/agent/ws or a
   * server's http(s) base URL. Every one is checked at construction (an Error names the bad one).
   */
  urls: readonly string[];
  clock: Clock;
  logger: Logger;
  /** Builds the hello sent first on every new connection. */
  hello: () => Hello;
  onMessage: (message: AgentBoundMessage) => void;
  /** Called after hello was sent on a new connection. */
  onOpen?: () => void;
  /** Called when a connection whose onOpen ran closes (not for failed connection attempts). */
  onClose?: () => void;
  /** With no frame at all from the server for this long, the link is dead: reconnect. */
  idleTimeoutMs?: number;
  /** Source of the backoff jitter, in [0, 1). */
  random?: () => number;
  /** CA, client certificate and key for wss:// (the server's certificate is always verified). */
  tls?: SecureContextOptions;
  /** The Authorization header of each connect (the agent's credential or enrollment token). */
  authorization?: () => string | null;
  /** Connect in plain text to a server that is not on loopback (`--insecure`); applies to redirects and learned replicas too. */
  insecure?: boolean;
}

export class ServerConnection {
  private readonly servers: ServerList;
  private readonly idleTimeoutMs: number;
  private readonly logger: Logger;
  private socket: WebSocket | null = null;
  private started = false;
  private stopped = false;
  private failedAttemptsLogged = false;
  private reconnectTimer: TimerHandle | null = null;
  private lastFrameAt = 0;
  private lastRefusal: string | null = null;
  /** This connection's welcome offered the binary samples frame layout this agent writes. */
  private samplesFrames = false;

  constructor(private readonly options: ServerConnectionOptions) {
    this.servers = new ServerList(options.urls, { insecure: options.insecure === true, random: options.random ?? Math.random });
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (!(this.idleTimeoutMs > 0)) throw new Error(`idleTimeoutMs must be a positive number of ms, got ${options.idleTimeoutMs}`);
    this.logger = options.logger.child({ component: "server-connection" });
  }

  /** The server connected to (or being connected to): where UDP heartbeats go after its welcome. */
  currentServer(): ServerAddress {
    return this.servers.current();
  }

  /** The server list: configured URLs first, then the replicas the last welcome named. */
  knownServers(): readonly ServerAddress[] {
    return this.servers.all();
  }

  /** Connects, and keeps reconnecting until stop(). Calling it again does nothing. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.connect(this.servers.current());
  }

  isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /**
   * Sends one message (samples as a binary frame when the server offered it); false when the
   * connection is not open or the message cannot be serialized. True means handed to the
   * socket, not delivered: delivery is what acks are for.
   */
  send(message: AgentMessage): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    try {
      if (message.type === "samples" && this.samplesFrames) socket.send(encodeSamplesFrame(message.seq, message.samples), { binary: true });
      else socket.send(JSON.stringify(message));
      return true;
    } catch (err) {
      this.logger.error({ err, type: (message as { type?: unknown }).type }, "cannot send message to server");
      return false;
    }
  }

  /** Closes the connection and stops reconnecting, for good; resolves once the socket is closed. */
  stop(): Promise<void> {
    this.stopped = true;
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const grace = this.options.clock.setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
      socket.once("close", () => {
        grace.cancel();
        resolve();
      });
      if (socket.readyState === WebSocket.OPEN) socket.close(1000, "agent stopping");
      else if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    });
  }

  private connect(server: ServerAddress): void {
    this.reconnectTimer = null;
    const { clock } = this.options;
    const logger = this.logger.child({ url: server.ws });
    let socket: WebSocket;
    try {
      const authorization = this.options.authorization?.() ?? null;
      socket = new WebSocket(server.ws, {
        perMessageDeflate: false,
        maxPayload: AGENT_MAX_FRAME_BYTES,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        ...this.options.tls,
        ...(authorization !== null && { headers: { authorization } }),
      });
    } catch (err) {
      logger.error({ err }, "cannot create a websocket to the server; retrying with backoff");
      this.connectNext();
      return;
    }
    this.socket = socket;
    this.samplesFrames = false;
    this.lastFrameAt = clock.now();
    let opened = false;
    /** onClose pairs with onOpen: only a connection the agent was told about is reported closed. */
    let announced = false;
    /** The server redirected this connection: the agent is leaving it for the next server. */
    let redirected = false;
    let lastError: string | undefined;
    // Pinging three times per idle window makes a live server answer (pong) well within it,
    // whatever its own ping policy; the same tick also bounds how long a handshake may hang.
    const ticker = clock.setInterval(() => this.tick(socket, logger), Math.max(1, Math.floor(this.idleTimeoutMs / 3)));
    const sawFrame = () => (this.lastFrameAt = clock.now());

    socket.on("open", () => {
      opened = true;
      sawFrame();
      logger.info("connected to server");
      this.failedAttemptsLogged = false;
      let hello: Hello;
      try {
        hello = this.options.hello();
      } catch (err) {
        logger.error({ err }, "cannot build hello; closing the connection");
        socket.close(1011, "agent cannot build hello");
        return;
      }
      this.send(hello);
      announced = true;
      this.callback("onOpen", () => this.options.onOpen?.());
    });
    socket.on("message", (data, isBinary) => {
      sawFrame();
      if (redirected) return;
      if (isBinary) {
        logger.warn("ignoring a binary frame from the server (the protocol is JSON text)");
        return;
      }
      const raw = frameText(data);
      const parsed = parseMessage(serverMessageSchema, raw);
      if (!parsed.ok) {
        logger.warn({ error: parsed.error, frame: raw.slice(0, 200) }, "ignoring an invalid frame from the server");
        return;
      }
      const message = parsed.message;
      if (message.type === "redirect") {
        redirected = true;
        this.followRedirect(socket, message, logger);
        return;
      }
      // A welcome proves the server accepted this agent, not just the TCP connection; only
      // then is the backoff reset, so a server that accepts and immediately drops connections
      // is still retried ever more slowly.
      if (message.type === "welcome") {
        this.lastRefusal = null;
        this.learnReplicas(message.replicas, logger);
        // Before the agent sees the welcome: it re-sends its backlog from there.
        this.samplesFrames = message.samplesFrames?.includes(SAMPLES_FRAME_LAYOUT) === true;
      }
      this.callback("onMessage", () => this.options.onMessage(message));
    });
    socket.on("ping", sawFrame);
    socket.on("pong", sawFrame);
    socket.on("error", (err) => {
      lastError = err.message;
    });
    // The server refused the upgrade (401/403 from agent authentication): say why, loudly.
    socket.on("unexpected-response", (req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d.slice(0, 2000)));
      res.on("end", () => {
        let reason = body;
        try {
          reason = (JSON.parse(body) as { error?: string }).error ?? body;
        } catch {
          // not JSON: the body as it is
        }
        lastError = `server refused this agent (HTTP ${res.statusCode}): ${reason}`;
        // Logged again only when the reason changes: the agent keeps retrying every few seconds.
        if (!this.stopped && reason !== this.lastRefusal) logger.error({ status: res.statusCode, reason }, "server refused this agent");
        this.lastRefusal = reason;
        req.destroy();
      });
    });
    socket.on("close", (code, reason) => {
      ticker.cancel();
      if (this.socket === socket) this.socket = null;
      if (redirected) {
        logger.debug({ code }, "left the server after its redirect");
      } else if (opened) {
        const log = this.stopped ? logger.info.bind(logger) : logger.warn.bind(logger);
        log({ code, reason: reason.toString(), error: lastError }, "connection to server closed");
      } else if (!this.stopped && !this.failedAttemptsLogged) {
        // Only the first failure of a streak is worth a warning; the rest would repeat it every 5 s.
        this.failedAttemptsLogged = true;
        logger.warn({ error: lastError }, "cannot connect to server; retrying with backoff");
      } else {
        logger.debug({ error: lastError }, "connection attempt failed");
      }
      if (announced) this.callback("onClose", () => this.options.onClose?.());
      if (!this.stopped) this.connectNext();
    });
  }

  /**
   * Leaves a server that sent a redirect: for its target (at once) when the list allows it,
   * else for the next server of the list. The close frame is given a short grace, not ws's
   * 30 s, since the agent is going elsewhere anyway.
   */
  private followRedirect(socket: WebSocket, m: RedirectMessage, logger: Logger): void {
    const verdict = this.servers.redirected(m.url);
    if (verdict.follow) {
      logger.info({ to: verdict.target.ws, owner: m.owner, reason: m.reason }, "redirected by the server to the node's owner replica");
    } else {
      logger.warn({ to: m.url, owner: m.owner, reason: m.reason }, verdict.warning);
    }
    const grace = this.options.clock.setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
    socket.once("close", () => grace.cancel());
    socket.close(1000, "agent follows a redirect");
  }

  /** A welcome's list of replicas becomes the agent's list (after the configured URLs). */
  private learnReplicas(replicas: readonly string[] | undefined, logger: Logger): void {
    const before = this.servers.all().map((s) => s.ws).join(" ");
    const { refused } = this.servers.welcomed(replicas);
    for (const reason of refused) logger.warn({ reason }, "ignoring a server replica the welcome named");
    const after = this.servers.all().map((s) => s.ws);
    if (after.join(" ") !== before) logger.info({ servers: after }, "server list updated from the welcome's replicas");
  }

  private connectNext(): void {
    const next = this.servers.disconnected();
    this.reconnectTimer = this.options.clock.setTimeout(() => this.connect(next.server), next.waitMs);
  }

  private tick(socket: WebSocket, logger: Logger): void {
    if (socket !== this.socket) return;
    const silentFor = this.options.clock.now() - this.lastFrameAt;
    if (silentFor >= this.idleTimeoutMs) {
      logger.warn({ silentForMs: silentFor }, "no frame from the server within the idle timeout; reconnecting");
      socket.terminate();
      return;
    }
    if (socket.readyState === WebSocket.OPEN) {
      try {
        socket.ping();
      } catch (err) {
        logger.debug({ err }, "ping failed");
      }
    }
  }

  private callback(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err }, `${name} callback failed`);
    }
  }
}
