// The dependency graph the localizer walks: services depend on the services they name in
// dependsOn and, implicitly, on the node hosting them. Built once per localization from a
// plain topology (the config's services), validated with errors that name the field.
import { LocalizationInputError, nodeId, serviceId, type ComponentId } from "./component.js";

export interface TopologyService {
  name: string;
  /** The node the service runs on. */
  node: string;
  dependsOn?: readonly string[];
}

export interface Topology {
  services: readonly TopologyService[];
  /** Nodes without services may be listed too; nodes named by services are added anyway. */
  nodes?: readonly string[];
}

export class TopologyGraph {
  private readonly dependencies = new Map<ComponentId, ComponentId[]>();
  private readonly dependents = new Map<ComponentId, ComponentId[]>();
  private readonly hosts = new Map<ComponentId, string>();

  constructor(topology: Topology) {
    const names = new Set<string>();
    topology.services.forEach((s, i) => {
      if (typeof s.name !== "string" || s.name === "") throw new LocalizationInputError(`topology.services[${i}].name: expected a non-empty string`);
      if (typeof s.node !== "string" || s.node === "") throw new LocalizationInputError(`topology.services[${i}].node: expected a non-empty string`);
      if (names.has(s.name)) throw new LocalizationInputError(`topology.services[${i}].name: service "${s.name}" is listed twice`);
      names.add(s.name);
    });
    for (const node of topology.nodes ?? []) this.add(nodeId(node));
    for (const s of topology.services) {
      this.add(serviceId(s.name));
      this.add(nodeId(s.node));
    }
    topology.services.forEach((s, i) => {
      const id = serviceId(s.name);
      this.hosts.set(id, s.node);
      this.link(id, nodeId(s.node));
      (s.dependsOn ?? []).forEach((dep, j) => {
        if (!names.has(dep)) throw new LocalizationInputError(`topology.services[${i}].dependsOn[${j}]: unknown service "${dep}"`);
        // A service naming itself adds nothing: it cannot be its own victim.
        if (dep !== s.name) this.link(id, serviceId(dep));
      });
    });
  }

  has(id: ComponentId): boolean {
    return this.dependencies.has(id);
  }

  components(): ComponentId[] {
    return [...this.dependencies.keys()];
  }

  /** What `id` needs to work: its dependsOn services and its node (for a node: nothing). */
  dependenciesOf(id: ComponentId): readonly ComponentId[] {
    return this.dependencies.get(id) ?? [];
  }

  /** What needs `id`: the services depending on it, or (for a node) the services it hosts. */
  dependentsOf(id: ComponentId): readonly ComponentId[] {
    return this.dependents.get(id) ?? [];
  }

  /** The node a service runs on; a node's own name for a node. */
  nodeOf(id: ComponentId): string | null {
    if (id.startsWith("node:")) return id.slice("node:".length);
    return this.hosts.get(id) ?? null;
  }

  /** Everything that needs `id` directly or through others, `id` excluded; cycles are walked once. */
  transitiveDependents(id: ComponentId): ComponentId[] {
    return this.walk(id, (c) => this.dependentsOf(c));
  }

  /** Everything `id` needs directly or through others, `id` excluded. */
  transitiveDependencies(id: ComponentId): ComponentId[] {
    return this.walk(id, (c) => this.dependenciesOf(c));
  }

  private walk(start: ComponentId, next: (id: ComponentId) => readonly ComponentId[]): ComponentId[] {
    const seen = new Set<ComponentId>([start]);
    const queue: ComponentId[] = [start];
    const out: ComponentId[] = [];
    while (queue.length > 0) {
      for (const n of next(queue.shift()!)) {
        if (seen.has(n)) continue;
        seen.add(n);
        out.push(n);
        queue.push(n);
      }
    }
    return out;
  }

  private add(id: ComponentId): void {
    if (!this.dependencies.has(id)) {
      this.dependencies.set(id, []);
      this.dependents.set(id, []);
    }
  }

  private link(from: ComponentId, to: ComponentId): void {
    const deps = this.dependencies.get(from)!;
    if (deps.includes(to)) return;
    deps.push(to);
    this.dependents.get(to)!.push(from);
  }
}
