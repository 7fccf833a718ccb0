// Which agent connection a heartbeat datagram belongs to, and whether it counts.
//
// Each agent connection gets a session (a random id and key, sent in its welcome). A
// connection's heartbeats count from one path at a time, so that φ never sees a heartbeat
// twice: the websocket until the first valid datagram arrives (the agent sends both ways
// until then), UDP from that datagram on, and the websocket again when datagrams stop
// arriving while the connection lives (a firewall that drops UDP). Pure: the caller
// passes the time and does the sending.
import { randomBytes } from "node:crypto";
import { heartbeatDatagramSession, verifiedHeartbeatSeq } from "../protocol/heartbeat-datagram.js";
import { SIP_KEY_BYTES, sipKey, type SipKey } from "../protocol/siphash.js";

export type HeartbeatPath = "websocket" | "udp";

/** What the welcome tells the agent: the session number and its key (hex). */
export interface HeartbeatChannel {
  session: number;
  key: string;
}

/** Why a datagram did not count as a heartbeat (the label of vigil_heartbeat_datagrams_total). */
export type DatagramRejection = "malformed" | "unknown-session" | "bad-mac" | "replayed" | "websocket-path";

export type DatagramOutcome =
  /** A heartbeat of `node`; `confirmed`: the first one, the path is now UDP (tell the agent). */
  | { counted: true; node: string; session: number; confirmed: boolean }
  | { counted: false; reason: DatagramRejection; session?: number };

interface Session {
  node: string;
  key: SipKey;
  lastSeq: number;
  path: HeartbeatPath;
  /** Whether UDP was ever confirmed: a session sent back to the websocket stays there. */
  fellBack: boolean;
  lastDatagramAt: number;
}

/**
 * Sessions are numbered slots, reused once closed: a datagram finds its session by index,
 * without building a string or hashing. A reused slot has a new key, so the datagrams of
 * the connection that had it before fail the tag.
 */
export class UdpHeartbeatSessions {
  private readonly slots: Array<Session | undefined> = [];
  private readonly free: number[] = [];
  private openCount = 0;

  constructor(private readonly random: (bytes: number) => Buffer = randomBytes) {}

  /** A new session for a connection of `node`; its heartbeats count from the websocket until a datagram arrives. */
  open(node: string): HeartbeatChannel {
    const session = this.free.pop() ?? this.slots.length;
    const key = this.random(SIP_KEY_BYTES);
    this.slots[session] = { node, key: sipKey(key), lastSeq: 0, path: "websocket", fellBack: false, lastDatagramAt: 0 };
    this.openCount++;
    return { session, key: key.toString("hex") };
  }

  /** The connection closed: its datagrams are refused from now on. */
  close(session: number): void {
    if (this.slots[session] === undefined) return;
    this.slots[session] = undefined;
    this.free.push(session);
    this.openCount--;
  }

  /** Whether a websocket heartbeat of this connection counts (it does until UDP took over). */
  countsWebsocketHeartbeat(session: number): boolean {
    return this.slots[session]?.path !== "udp";
  }

  receive(datagram: Buffer, now: number): DatagramOutcome {
    const claimed = heartbeatDatagramSession(datagram);
    if (!claimed.ok) return { counted: false, reason: "malformed" };
    const s = this.slots[claimed.session];
    if (!s) return { counted: false, reason: "unknown-session" };
    const seq = verifiedHeartbeatSeq(datagram, s.key);
    if (seq === null) return { counted: false, reason: "bad-mac", session: claimed.session };
    // Late, reordered or replayed: only a newer heartbeat says anything new.
    if (seq <= s.lastSeq) return { counted: false, reason: "replayed", session: claimed.session };
    s.lastSeq = seq;
    s.lastDatagramAt = now;
    if (s.fellBack) return { counted: false, reason: "websocket-path", session: claimed.session };
    const confirmed = s.path === "websocket";
    s.path = "udp";
    return { counted: true, node: s.node, session: claimed.session, confirmed };
  }

  /**
   * Sessions on the UDP path whose last datagram is older than `silentMs`: they go back to
   * the websocket path for good (the caller tells their agents). A node that is really
   * gone is judged by the failure detector either way; this only keeps a connection whose
   * datagrams are dropped from looking silent.
   */
  fallBack(now: number, silentMs: number): Array<{ session: number; node: string }> {
    const fallen: Array<{ session: number; node: string }> = [];
    for (let session = 0; session < this.slots.length; session++) {
      const s = this.slots[session];
      if (s === undefined || s.path !== "udp" || now - s.lastDatagramAt <= silentMs) continue;
      s.path = "websocket";
      s.fellBack = true;
      fallen.push({ session, node: s.node });
    }
    return fallen;
  }

  size(): number {
    return this.openCount;
  }
}
