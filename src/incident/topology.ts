// The component graph incidents are reasoned over: services ("service:NAME") hosted on
// nodes ("node:NAME"), and services depending on services (`dependsOn`). Which components
// are related (so their failures belong to one incident) and which failures are explained
// by another failure (a dependency or the hosting node is failing too). Pure.

export interface TopologyService {
  name: string;
  /** The node it runs on now (after a failover: the standby). */
  node: string;
  dependsOn: readonly string[];
}

export interface Relation {
  reason: string;
  strength: number;
}

export type ComponentKey = `service:${string}` | `node:${string}`;

export function serviceKey(name: string): ComponentKey {
  return `service:${name}`;
}

export function nodeKey(name: string): ComponentKey {
  return `node:${name}`;
}

export function parseKey(key: string): { kind: "service" | "node"; name: string } | null {
  const m = /^(service|node):(.+)$/.exec(key);
  return m ? { kind: m[1] as "service" | "node", name: m[2]! } : null;
}

export class Topology {
  private readonly services = new Map<string, TopologyService>();

  constructor(services: Iterable<TopologyService>) {
    for (const s of services) this.services.set(s.name, s);
  }

  nodeOf(service: string): string | null {
    return this.services.get(service)?.node ?? null;
  }

  /** Services on the node. */
  hostedOn(node: string): string[] {
    return [...this.services.values()].filter((s) => s.node === node).map((s) => s.name);
  }

  /** Every service `service` depends on, directly or through others (cycles are fine). */
  dependenciesOf(service: string): Set<string> {
    const seen = new Set<string>();
    const stack = [...(this.services.get(service)?.dependsOn ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next) || next === service) continue;
      seen.add(next);
      stack.push(...(this.services.get(next)?.dependsOn ?? []));
    }
    return seen;
  }

  /**
   * Why two components' failures share a root, or null when they are unrelated. A
   * dependency (or the hosting node) is a strong relation (2); merely sharing a node is a
   * weaker one (1).
   */
  relation(a: string, b: string): Relation | null {
    const pa = parseKey(a);
    const pb = parseKey(b);
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
    const p = parseKey(key);
    if (!p || p.kind === "node") return null;
    const node = this.nodeOf(p.name);
    if (node !== null && failing(nodeKey(node))) return nodeKey(node);
    for (const dep of this.dependenciesOf(p.name)) if (failing(serviceKey(dep))) return serviceKey(dep);
    return null;
  }
}
