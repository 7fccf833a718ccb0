// The agent's TCP proxies in front of its services (`services[].proxy`): started when a
// service that declares one is handed to the agent, closed when it goes. They pass traffic
// through unchanged until a latency or drop fault sets their mode.
import type { AgentService } from "../../protocol/messages.js";
import type { Logger } from "../../util/logger.js";
import { parseHostPort, TcpProxy } from "./tcp-proxy.js";

export class ServiceProxies {
  private readonly proxies = new Map<string, { key: string; proxy: TcpProxy }>();

  constructor(private readonly logger: Logger) {}

  get(service: string): TcpProxy | undefined {
    return this.proxies.get(service)?.proxy;
  }

  async reconcile(services: readonly AgentService[]): Promise<void> {
    const wanted = new Map(services.filter((s) => s.proxy && !s.fenced && !s.standby).map((s) => [s.name, s.proxy!]));
    for (const [name, { key, proxy }] of this.proxies) {
      const want = wanted.get(name);
      if (want && `${want.listen}>${want.upstream}` === key) continue;
      await proxy.close();
      this.proxies.delete(name);
    }
    for (const [name, spec] of wanted) {
      if (this.proxies.has(name)) continue;
      const proxy = new TcpProxy({ listen: parseHostPort(spec.listen), upstream: parseHostPort(spec.upstream) });
      try {
        await proxy.listen();
        this.proxies.set(name, { key: `${spec.listen}>${spec.upstream}`, proxy });
        this.logger.info({ service: name, listen: spec.listen, upstream: spec.upstream }, "service proxy listening");
      } catch (err) {
        this.logger.error({ service: name, listen: spec.listen, err }, "service proxy cannot listen");
      }
    }
  }

  async closeAll(): Promise<void> {
    for (const { proxy } of this.proxies.values()) await proxy.close();
    this.proxies.clear();
  }
}
