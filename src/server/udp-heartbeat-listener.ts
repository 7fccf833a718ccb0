// The server's UDP socket for heartbeat datagrams (src/protocol/heartbeat-datagram.ts):
// every datagram goes to `onDatagram`; what it means is decided there.
import { createSocket, type Socket } from "node:dgram";
import type { Logger } from "../util/logger.js";

/** Asked of the kernel so that a burst of 10,000 agents' heartbeats is not dropped while the loop is busy (capped by net.core.rmem_max). */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export interface HeartbeatListener {
  /** The bound port (the one asked for, or the one picked for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Binds a UDP socket on host:port. Rejects with an error naming the address and the
 * config keys that move or disable it when the port cannot be bound.
 */
export async function listenForHeartbeats(o: { host: string; port: number; logger: Logger; onDatagram(datagram: Buffer): void }): Promise<HeartbeatListener> {
  const socket: Socket = createSocket({ type: o.host.includes(":") ? "udp6" : "udp4" });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", (err) => {
      socket.close();
      reject(
        new Error(
          `cannot receive UDP heartbeats on ${o.host}:${o.port}: ${(err as NodeJS.ErrnoException).code ?? err.message}; ` +
            "set failureDetector.udpHeartbeats.port to a free UDP port, or failureDetector.udpHeartbeats.enabled: false to take heartbeats over the agents' websockets only",
        ),
      );
    });
    socket.bind(o.port, o.host, () => resolve());
  });
  socket.removeAllListeners("error");
  socket.on("error", (err) => o.logger.warn({ err }, "heartbeat UDP socket error"));
  try {
    socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
  } catch (err) {
    o.logger.debug({ err }, "could not enlarge the heartbeat socket's receive buffer");
  }
  socket.on("message", (datagram) => o.onDatagram(datagram));
  const port = socket.address().port;
  return {
    port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
