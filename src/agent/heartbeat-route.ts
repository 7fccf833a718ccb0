// Which way each heartbeat goes: over the websocket, as UDP datagrams, or both while the
// server has not yet confirmed that datagrams arrive. Pure; the agent does the sending.
//
//   welcome without udpHeartbeats ─▶ websocket
//   welcome with udpHeartbeats    ─▶ trying (both ways) ─ server says "udp" ─▶ udp
//                                      │                                       │
//                                      └ no confirmation after MAX_UNCONFIRMED ┴ server says "websocket" ─▶ websocket
//
// Only the server's word moves a connection back to UDP; the next connection tries UDP again.

/** Datagrams sent without the server confirming any before the agent stops trying (5 s at 500 ms). */
export const MAX_UNCONFIRMED = 10;

export type HeartbeatRouteState = "websocket" | "trying" | "udp";

export class HeartbeatRoute {
  private current: HeartbeatRouteState = "websocket";
  private offered = false;
  private unconfirmed = 0;

  get state(): HeartbeatRouteState {
    return this.current;
  }

  /** A new connection was welcomed, offering UDP heartbeats or not. */
  welcomed(udpOffered: boolean): void {
    this.offered = udpOffered;
    this.current = udpOffered ? "trying" : "websocket";
    this.unconfirmed = 0;
  }

  /**
   * The server said which way it counts this connection's heartbeats now; it is followed
   * (also after giving up: a late confirmation means the server no longer counts the
   * websocket), unless UDP was never offered.
   */
  serverCounts(via: "udp" | "websocket"): void {
    if (via === "udp" && !this.offered) return;
    this.current = via;
  }

  /**
   * The ways the next heartbeat goes. `gaveUp`: this heartbeat is the first after the
   * agent stopped waiting for a confirmation (worth one log line).
   */
  next(): { websocket: boolean; udp: boolean; gaveUp: boolean } {
    if (this.current === "trying" && ++this.unconfirmed > MAX_UNCONFIRMED) {
      this.current = "websocket";
      return { websocket: true, udp: false, gaveUp: true };
    }
    return { websocket: this.current !== "udp", udp: this.current !== "websocket", gaveUp: false };
  }
}
