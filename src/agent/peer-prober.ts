// Answers the server's indirect-probe requests: connect to a suspected peer's probe
// listener within the timeout and report whether the handshake completed.
import { PROTOCOL_VERSION, type IndirectProbeRequest, type IndirectProbeResult } from "../protocol/messages.js";
import { tcpConnect } from "../util/tcp-connect.js";

export async function probePeer(request: IndirectProbeRequest): Promise<IndirectProbeResult> {
  const started = performance.now();
  const outcome = await tcpConnect(request.address, request.timeoutMs);
  return {
    type: "indirect-probe.result",
    v: PROTOCOL_VERSION,
    requestId: request.requestId,
    target: request.target,
    ok: outcome.ok,
    elapsedMs: Math.round((performance.now() - started) * 10) / 10,
    ...(!outcome.ok && { error: outcome.error }),
  };
}
