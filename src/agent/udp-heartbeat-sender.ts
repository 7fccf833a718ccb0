// Sends this connection's heartbeats as UDP datagrams to the server (the host of the
// agent's server URL, the port its welcome named); see src/protocol/heartbeat-datagram.ts.
import { createSocket, type Socket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { encodeHeartbeatDatagram } from "../protocol/heartbeat-datagram.js";
import { sipKey, type SipKey } from "../protocol/siphash.js";

export class UdpHeartbeatSender {
  private seq = 0;
  /** Datagrams the kernel refused to send (e.g. an ICMP port unreachable for the last one). */
  sendErrors = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly session: number,
    private readonly key: SipKey,
  ) {}

  /**
   * Resolves the server's host once and connects a UDP socket to host:port (so that no
   * lookup happens per heartbeat, and the kernel reports an unreachable port).
   */
  static async open(serverUrl: string, channel: { port: number; session: number; key: string }): Promise<UdpHeartbeatSender> {
    const hostname = new URL(serverUrl).hostname.replace(/^\[|\]$/g, "");
    const { address, family } = await lookup(hostname);
    const socket = createSocket(family === 6 ? "udp6" : "udp4");
    const sender = new UdpHeartbeatSender(socket, channel.session, sipKey(Buffer.from(channel.key, "hex")));
    socket.on("error", () => sender.sendErrors++);
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(channel.port, address, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    return sender;
  }

  send(): void {
    this.seq++;
    this.socket.send(encodeHeartbeatDatagram(this.session, this.key, this.seq), (err) => {
      if (err) this.sendErrors++;
    });
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
