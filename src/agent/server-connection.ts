// The agent's websocket to the server: connects, says hello, hands every valid server frame
// to the agent, and reconnects with jittered exponential backoff whenever the link breaks or
// goes silent. What must not be lost is the outbox's job (resent after welcome), not this one.
// Messages go out as JSON text, except samples messages once the connection's welcome offers
// binary samples frames (src/protocol/samples-frame.ts): then as such a frame, which costs the
// server a fraction of the JSON's decoding. A server without the offer (an older one) gets JSON.
//
// Latency: ws turns on TCP_NODELAY for every socket it opens (WebSocket#setSocket calls
// socket.setNoDelay()), so small frames go out without Nagle's delay; per-message deflate
// is off because compressing small frames costs more latency than it saves.
import type { SecureContextOptions } from "node:tls";
import { WebSocket, type RawData } from "ws";
import { plainServerUrlRefusal } from "../security/plain-transport.js";
import {
  AGENT_MAX_FRAME_BYTES,
  AGENT_WS_PATH,
  parseMessage,
  serverMessageSchema,
  type AgentMessage,
  type Hello,
  type ServerMessage,
} from "../protocol/messages.js";
import { SAMPLES_FRAME_LAYOUT, encodeSamplesFrame } from "../protocol/samples-frame.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import type { Logger } from "../util/logger.js";

export const RECONNECT_INITIAL_MS = 100;
export const RECONNECT_MAX_MS = 5_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
/** How long stop() waits for the server to answer the close frame before cutting the socket. */
const CLOSE_GRACE_MS = 1_000;
/** An opening handshake (TCP, TLS, HTTP upgrade) that takes longer is abandoned and retried. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface ServerConnectionOptions {
  /** ws(s)://host:port/api/v1/agent/ws, or the server's http(s) base URL. */
  url: string;
  clock: Clock;
  logger: Logger;
  /** Builds the hello sent first on every new connection. */
  hello: () => Hello;
  onMessage: (message: ServerMessage) => void;
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
  /** Connect in plain text to a server that is not on loopback (`--insecure`). */
  insecure?: boolean;
}

/**
 * The wait before reconnect attempt `attempt` (0-based): the ceiling doubles from 100 ms up
 * to 5 s, and the wait is drawn uniformly from [ceiling/2, ceiling] ("equal jitter"), so that
 * agents cut off together by a server restart do not all come back in the same instant.
 */
export function reconnectDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_INITIAL_MS * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Turns the configured server address into the agent websocket URL. */
export function agentWebSocketUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`server URL ${JSON.stringify(url)} is not a valid URL (expected e.g. http://127.0.0.1:7070)`);
  }
  switch (parsed.protocol) {
    case "ws:":
    case "wss:":
      return parsed.href;
    case "http:":
    case "https:":
      parsed.protocol = parsed.protocol === "https:" ? "wss:" : "ws:";
      parsed.pathname = parsed.pathname.replace(/\/+$/, "") + AGENT_WS_PATH;
      return parsed.href;
    default:
      throw new Error(`server URL ${JSON.stringify(url)} must start with http://, https://, ws:// or wss://`);
  }
}

function frameText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data).toString("utf8");
}

export class ServerConnection {
  readonly url: string;
  private readonly idleTimeoutMs: number;
  private readonly random: () => number;
  private readonly logger: Logger;
  private socket: WebSocket | null = null;
  private started = false;
  private stopped = false;
  /** Reconnect attempts since the last welcome; drives the backoff. */
  private attempt = 0;
  private failedAttemptsLogged = false;
  private reconnectTimer: TimerHandle | null = null;
  private lastFrameAt = 0;
  private lastRefusal: string | null = null;
  /** This connection's welcome offered the binary samples frame layout this agent writes. */
  private samplesFrames = false;

  constructor(private readonly options: ServerConnectionOptions) {
    this.url = agentWebSocketUrl(options.url);
    const refusal = plainServerUrlRefusal(options.url, options.insecure === true);
    if (refusal !== null) throw new Error(refusal);
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (!(this.idleTimeoutMs > 0)) throw new Error(`idleTimeoutMs must be a positive number of ms, got ${options.idleTimeoutMs}`);
    this.random = options.random ?? Math.random;
    this.logger = options.logger.child({ component: "server-connection", url: this.url });
  }

  /** Connects, and keeps reconnecting until stop(). Calling it again does nothing. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.connect();
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

  private connect(): void {
    this.reconnectTimer = null;
    const { clock } = this.options;
    let socket: WebSocket;
    try {
      const authorization = this.options.authorization?.() ?? null;
      socket = new WebSocket(this.url, {
        perMessageDeflate: false,
        maxPayload: AGENT_MAX_FRAME_BYTES,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        ...this.options.tls,
        ...(authorization !== null && { headers: { authorization } }),
      });
    } catch (err) {
      this.logger.error({ err }, "cannot create a websocket to the server; retrying with backoff");
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.samplesFrames = false;
    this.lastFrameAt = clock.now();
    let opened = false;
    /** onClose pairs with onOpen: only a connection the agent was told about is reported closed. */
    let announced = false;
    let lastError: string | undefined;
    // Pinging three times per idle window makes a live server answer (pong) well within it,
    // whatever its own ping policy; the same tick also bounds how long a handshake may hang.
    const ticker = clock.setInterval(() => this.tick(socket), Math.max(1, Math.floor(this.idleTimeoutMs / 3)));
    const sawFrame = () => (this.lastFrameAt = clock.now());

    socket.on("open", () => {
      opened = true;
      sawFrame();
      this.logger.info("connected to server");
      this.failedAttemptsLogged = false;
      let hello: Hello;
      try {
        hello = this.options.hello();
      } catch (err) {
        this.logger.error({ err }, "cannot build hello; closing the connection");
        socket.close(1011, "agent cannot build hello");
        return;
      }
      this.send(hello);
      announced = true;
      this.callback("onOpen", () => this.options.onOpen?.());
    });
    socket.on("message", (data, isBinary) => {
      sawFrame();
      if (isBinary) {
        this.logger.warn("ignoring a binary frame from the server (the protocol is JSON text)");
        return;
      }
      const raw = frameText(data);
      const parsed = parseMessage(serverMessageSchema, raw);
      if (!parsed.ok) {
        this.logger.warn({ error: parsed.error, frame: raw.slice(0, 200) }, "ignoring an invalid frame from the server");
        return;
      }
      // A welcome proves the server accepted this agent, not just the TCP connection; only
      // then is the backoff reset, so a server that accepts and immediately drops connections
      // is still retried ever more slowly.
      if (parsed.message.type === "welcome") {
        this.attempt = 0;
        this.lastRefusal = null;
        // Before the agent sees the welcome: it re-sends its backlog from there.
        this.samplesFrames = parsed.message.samplesFrames?.includes(SAMPLES_FRAME_LAYOUT) === true;
      }
      this.callback("onMessage", () => this.options.onMessage(parsed.message));
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
        if (!this.stopped && reason !== this.lastRefusal) this.logger.error({ status: res.statusCode, reason }, "server refused this agent");
        this.lastRefusal = reason;
        req.destroy();
      });
    });
    socket.on("close", (code, reason) => {
      ticker.cancel();
      if (this.socket === socket) this.socket = null;
      if (opened) {
        const log = this.stopped ? this.logger.info.bind(this.logger) : this.logger.warn.bind(this.logger);
        log({ code, reason: reason.toString(), error: lastError }, "connection to server closed");
        if (announced) this.callback("onClose", () => this.options.onClose?.());
      } else if (!this.stopped && !this.failedAttemptsLogged) {
        // Only the first failure of a streak is worth a warning; the rest would repeat it every 5 s.
        this.failedAttemptsLogged = true;
        this.logger.warn({ error: lastError }, "cannot connect to server; retrying with backoff");
      } else {
        this.logger.debug({ error: lastError }, "connection attempt failed");
      }
      if (!this.stopped) this.scheduleReconnect();
    });
  }

  private tick(socket: WebSocket): void {
    if (socket !== this.socket) return;
    const silentFor = this.options.clock.now() - this.lastFrameAt;
    if (silentFor >= this.idleTimeoutMs) {
      this.logger.warn({ silentForMs: silentFor }, "no frame from the server within the idle timeout; reconnecting");
      socket.terminate();
      return;
    }
    if (socket.readyState === WebSocket.OPEN) {
      try {
        socket.ping();
      } catch (err) {
        this.logger.debug({ err }, "ping failed");
      }
    }
  }

  private scheduleReconnect(): void {
    const delay = reconnectDelay(this.attempt, this.random);
    this.attempt++;
    this.reconnectTimer = this.options.clock.setTimeout(() => this.connect(), delay);
  }

  private callback(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err }, `${name} callback failed`);
    }
  }
}
