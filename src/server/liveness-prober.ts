// Carries out the failure detector's probe requests: a direct TCP connect from the server
// to the suspect's probe listener, and indirect probes through k peer agents. Results go
// back to the registry; what the detector then decides goes to `onOutput`.
import type { NodeRegistry } from "../detect/node-registry.js";
import type { FailureDetectorOutput } from "../detect/failure/failure-detector.js";
import type { ProbeRequest } from "../detect/failure/node-liveness.js";
import type { Logger } from "../util/logger.js";
import { tcpConnect } from "../util/tcp-connect.js";
import type { AgentChannels } from "./replicas/cluster-agents.js";

export class LivenessProber {
  private stopped = false;

  constructor(
    private readonly o: {
      nodes: NodeRegistry;
      hub: Pick<AgentChannels, "probeAddressOf" | "indirectProbe">;
      probeTimeoutMs: number;
      logger: Logger;
      onOutput(out: FailureDetectorOutput): Promise<void>;
    },
  ) {}

  /** Probes still running when the server stops report nothing: their node's record is not written after its storage closed. */
  stop(): void {
    this.stopped = true;
  }

  run(requests: readonly ProbeRequest[]): void {
    if (this.stopped) return;
    for (const r of requests) {
      const work = r.kind === "direct-probe" ? this.direct(r.node) : this.indirect(r.node, r.via);
      work.catch((err) => this.o.logger.error({ err, node: r.node, probe: r.kind }, "liveness probe failed"));
    }
  }

  private async direct(node: string): Promise<void> {
    const address = this.o.hub.probeAddressOf(node);
    const ok = address !== null && (await tcpConnect(address, this.o.probeTimeoutMs)).ok;
    if (this.stopped) return;
    await this.o.onOutput(await this.o.nodes.directProbeResult(node, ok));
  }

  private async indirect(node: string, via: string[]): Promise<void> {
    const address = this.o.hub.probeAddressOf(node);
    if (address === null) return;
    await Promise.all(
      via.map(async (peer) => {
        const result = await this.o.hub.indirectProbe(peer, node, address, this.o.probeTimeoutMs);
        if (result && !this.stopped) await this.o.onOutput(await this.o.nodes.indirectProbeResult(node, peer, result.ok));
      }),
    );
  }
}
