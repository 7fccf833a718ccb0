// The component graph incidents are reasoned over, on the localizer's TopologyGraph:
// services ("service:NAME") hosted on nodes ("node:NAME"), services depending on services
// (`dependsOn`). Which components are related (so their failures belong to one incident)
// and which failures are explained by another failure (a failing dependency or a down
// node). Pure; built once per placement (a failover moves a service to another node).
import { nodeId, serviceId, tryParseComponentId } from "./localization/component.js";
import { TopologyGraph, type TopologyService } from "./localization/topology-graph.js";

export interface Relation {
  reason: string;
  strength: number;
}

export class Topology {
  private readonly graph: TopologyGraph;

  constructor(readonly services: readonly TopologyService[]) {
    this.graph = new TopologyGraph({ services });
  }

  nodeOf(service: string): string | null {
    return this.graph.has(serviceId(service)) ? this.graph.nodeOf(serviceId(service)) : null;
  }

  /** Services on the node. */
  hostedOn(node: string): string[] {
    return namesOfServices(this.graph.dependentsOf(nodeId(node)));
  }

  /** Every service `service` depends on, directly or through others (cycles are fine). */
  dependenciesOf(service: string): Set<string> {
    return new Set(namesOfServices(this.graph.transitiveDependencies(serviceId(service))));
  }

  /**
   * Why two components' failures share a root, or null when they are unrelated. A
   * dependency (or the hosting node) is a strong relation (2); merely sharing a node is a
   * weaker one (1).
   */
  relation(a: string, b: string): Relation | null {
    const pa = tryParseComponentId(a);
    const pb = tryParseComponentId(b);
    if (!pa || !pb || a === b) return null;
    if (pa.kind === "node" && pb.kind === "node") return null;
    if (pa.kind === "node" || pb.kind === "node") {
      const [node, service] = pa.kind === "node" ? [pa.name, pb.name] : [pb.name, pa.name];
      return this.nodeOf(service) === node ? { reason: `${service} runs on ${node}`, strength: 2 } : null;
    }
    if (this.dependenciesOf(pa.name).has(pb.name)) return { reason: `${pa.name} depends on ${pb.name}`, strength: 2 };
    if (this.dependenciesOf(pb.name).has(pa.name)) return { reason: `${pb.name} depends on ${pa.name}`, strength: 2 };
    const node = this.nodeOf(pa.name);
    if (node !== null && node === this.nodeOf(pb.name)) return { reason: `${pa.name} and ${pb.name} both run on ${node}`, strength: 1 };
    return null;
  }

  /**
   * Why a failing component's failure is explained by another failing one (its node is
   * down, or a service it depends on fails), or null when it fails on its own account.
   */
  explainedBy(key: string, failing: (key: string) => boolean): string | null {
    const p = tryParseComponentId(key);
    if (!p || p.kind === "node") return null;
    const node = this.nodeOf(p.name);
    if (node !== null && failing(nodeId(node))) return nodeId(node);
    for (const dep of this.dependenciesOf(p.name)) if (failing(serviceId(dep))) return serviceId(dep);
    return null;
  }
}

function namesOfServices(ids: readonly string[]): string[] {
  return ids.filter((id) => id.startsWith("service:")).map((id) => id.slice("service:".length));
}
