// Automatic inhibition from the topology: while a service or node is down, the alerts of the
// services that depend on it (transitively) or run on it are not notified, so one fault
// pages once, for its root. db → api → web with db down: only db's alerts are notified.
import type { VigilConfig } from "../config/schema.js";
import type { AlertRecord } from "../storage/storage.js";
import type { MuteReason, MuteStage } from "./mute.js";

export interface ServiceTopology {
  name: string;
  /** The node that runs it. */
  node: string;
  dependsOn: readonly string[];
}

/** The services of the config with their nodes (`node ?? localNode`, as the server assigns them). */
export function serviceTopology(config: Pick<VigilConfig, "services">, localNode: string): ServiceTopology[] {
  return config.services.map((s) => ({ name: s.name, node: s.node ?? localNode, dependsOn: [...s.dependsOn] }));
}

/** What is down at the bottom of a service's trouble. */
export type DependencyRoot =
  | { kind: "service"; service: string }
  /** `via`: the service on that node through which the alerted service is affected (itself or a dependency). */
  | { kind: "node"; node: string; via: string };

export interface DependencyInhibitionOptions {
  services: readonly ServiceTopology[];
  /** Whether the service is unhealthy now. */
  serviceDown: (service: string) => boolean;
  /** Whether the node is down now. */
  nodeDown: (node: string) => boolean;
  /**
   * Where the service runs now, when that can change (a failover moves it to its standby's
   * node); default: the node `services` gives it.
   */
  nodeOf?: (service: string) => string;
  /**
   * The alerts firing now, for reasons() to name the alerts that stand for a root (its
   * ServiceDown, NodeDown, ...) by fingerprint; without it, roots are named `service:db`, `node:a`.
   */
  firing?: () => readonly AlertRecord[];
}

export class DependencyInhibitionStage implements MuteStage {
  readonly kind = "inhibition" as const;
  private readonly byName: Map<string, ServiceTopology>;
  /** Each service's transitive dependencies, nearest first (breadth-first), without itself. */
  private readonly closure = new Map<string, string[]>();

  constructor(private readonly o: DependencyInhibitionOptions) {
    this.byName = new Map(o.services.map((s) => [s.name, s]));
    for (const s of o.services) this.closure.set(s.name, this.transitiveDependencies(s.name));
  }

  /**
   * An alert with a `service` label is inhibited while that service's node is down or a
   * service it depends on (transitively) is down. Alerts without a `service` label (NodeDown,
   * host metrics) are never inhibited here, and neither is the root: a down service whose
   * dependencies and node are all up is what must page.
   */
  muted(labels: Record<string, string>, _now: number): MuteReason | null {
    const service = labels.service;
    if (service === undefined) return null;
    const roots = this.rootsFor(service, labels.node);
    if (roots.length === 0) return null;
    return {
      kind: "inhibition",
      id: roots.map(rootId).join(","),
      detail: `inhibited: ${roots.map((r) => describeRoot(r, service)).join("; ")}`,
    };
  }

  private rootsFor(service: string, node: string | undefined): DependencyRoot[] {
    if (this.byName.has(service)) return this.rootsOf(service);
    // A service Vigil does not know (an alert from Prometheus, say): only its node label can tell.
    return node !== undefined && this.o.nodeDown(node) ? [{ kind: "node", node, via: service }] : [];
  }

  /**
   * One reason per firing alert about a root (for a service: the alerts labelled with it; for
   * a node: its alerts without a service label), its fingerprint as the id; a root with no
   * such alert gives one reason with the root as the id (`service:db`, `node:node-a`).
   */
  reasons(labels: Record<string, string>, _now: number): MuteReason[] {
    const service = labels.service;
    if (service === undefined) return [];
    const firing = (this.o.firing?.() ?? []).filter((a) => a.state === "firing");
    return this.rootsFor(service, labels.node).flatMap((root) => {
      const detail = `inhibited: ${describeRoot(root, service)}`;
      const about = firing.filter((a) =>
        root.kind === "service" ? a.labels.service === root.service : a.labels.node === root.node && a.labels.service === undefined,
      );
      if (about.length === 0) return [{ kind: "inhibition" as const, id: rootId(root), detail }];
      return about.map((a) => ({ kind: "inhibition" as const, id: a.fingerprint, detail }));
    });
  }

  /**
   * The roots of what is wrong beneath `service`: the down nodes that run it or any of its
   * dependencies, and the down dependencies that nothing further down explains (whose node
   * is up and whose own dependencies are all up). Empty when nothing beneath it is down.
   */
  rootsOf(service: string): DependencyRoot[] {
    const self = this.byName.get(service);
    if (!self) return [];
    const roots: DependencyRoot[] = [];
    const seenNodes = new Set<string>();
    const addNode = (node: string, via: string) => {
      if (seenNodes.has(node) || !this.o.nodeDown(node)) return;
      seenNodes.add(node);
      roots.push({ kind: "node", node, via });
    };
    addNode(this.nodeOf(self), service);
    const dependencies = this.closure.get(service) ?? [];
    const downDependencies: string[] = [];
    for (const dependency of dependencies) {
      const node = this.nodeOf(this.byName.get(dependency)!);
      addNode(node, dependency);
      if (this.o.nodeDown(node)) continue;
      if (this.o.serviceDown(dependency)) downDependencies.push(dependency);
    }
    for (const dependency of downDependencies) {
      if (!this.explainedBelow(dependency)) roots.push({ kind: "service", service: dependency });
    }
    // A dependency cycle (the config refuses them) could leave down services with no root: name the nearest.
    if (roots.length === 0 && downDependencies.length > 0) roots.push({ kind: "service", service: downDependencies[0]! });
    return roots;
  }

  /** Whether something beneath a down service (its node, or a dependency) is down too. */
  private explainedBelow(service: string): boolean {
    return (this.closure.get(service) ?? []).some(
      (d) => this.o.serviceDown(d) || this.o.nodeDown(this.nodeOf(this.byName.get(d)!)),
    );
  }

  private nodeOf(service: ServiceTopology): string {
    return this.o.nodeOf?.(service.name) ?? service.node;
  }

  private transitiveDependencies(service: string): string[] {
    const order: string[] = [];
    const seen = new Set([service]);
    const queue = [...(this.byName.get(service)?.dependsOn ?? [])];
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (seen.has(next) || !this.byName.has(next)) continue;
      seen.add(next);
      order.push(next);
      queue.push(...this.byName.get(next)!.dependsOn);
    }
    return order;
  }
}

function rootId(root: DependencyRoot): string {
  return root.kind === "service" ? `service:${root.service}` : `node:${root.node}`;
}

function describeRoot(root: DependencyRoot, service: string): string {
  if (root.kind === "service") return `depends on ${root.service}, which is down`;
  if (root.via === service) return `runs on ${root.node}, which is down`;
  return `depends on ${root.via}, whose node ${root.node} is down`;
}
