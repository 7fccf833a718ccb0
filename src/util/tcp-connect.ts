// One TCP handshake with HOST:PORT (also [v6]:PORT) within a timeout: the liveness probe
// the server and peer agents run against a node's probe listener.
import { connect } from "node:net";

export type ConnectOutcome = { ok: true } | { ok: false; error: string };

export function tcpConnect(address: string, timeoutMs: number): Promise<ConnectOutcome> {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  if (!m) return Promise.resolve({ ok: false, error: `invalid address "${address}"` });
  return new Promise((resolve) => {
    const socket = connect({ host: m[1] ?? m[2]!, port: Number(m[3]) });
    const done = (outcome: ConnectOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ ok: false, error: `timed out after ${timeoutMs}ms` }), timeoutMs);
    socket.once("connect", () => done({ ok: true }));
    socket.once("error", (err) => done({ ok: false, error: err.message }));
  });
}
