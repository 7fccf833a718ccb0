// Checks that vigil.yaml's names agree with each other, which the schema alone cannot see:
// unique service and rule names; standby nodes other than the service's own; dependsOn, recovery and route receivers (at any depth of the
// routing tree) naming things that exist; no dependency cycles (a restart order must exist);
// and label matchers (routes, inhibition rules, maintenance windows) that parse.
import { parseMatcher } from "../alert/matchers.js";
import { formatPath, type ConfigProblem, type PathSegment } from "./config-error.js";
import { DEFAULT_PLAYBOOK_NAME, NO_RECOVERY } from "./defaults.js";

/**
 * The parts of a config that refer to other parts. A validated VigilConfig is one; so is
 * referencesOf(raw) for a config that failed the schema, where whatever could not be read
 * is undefined (and skipped) while list positions, and so paths, stay those of the file.
 */
export interface ReferencingConfig {
  services: readonly ServiceReferences[];
  playbooks: Readonly<Record<string, unknown>>;
  rules: readonly { name?: string }[];
  notify: {
    receivers: Readonly<Record<string, unknown>>;
    /** The root route's receiver. */
    receiver?: string;
    groupBy?: readonly (string | undefined)[];
    routes: readonly RouteReferences[];
    inhibitRules?: readonly { sourceMatchers?: readonly (string | undefined)[]; targetMatchers?: readonly (string | undefined)[] }[];
  };
  maintenance?: readonly { matchers?: readonly (string | undefined)[] }[];
}

interface RouteReferences {
  receiver?: string;
  matchers?: readonly (string | undefined)[];
  groupBy?: readonly (string | undefined)[];
  routes?: readonly RouteReferences[];
}

interface ServiceReferences {
  name?: string;
  node?: string;
  dependsOn?: readonly (string | undefined)[];
  recovery?: string;
  standby?: readonly (string | undefined)[];
  promote?: string;
}

export function checkReferences(config: ReferencingConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const report = (path: PathSegment[], message: string) => problems.push({ path: formatPath(path), message });

  const serviceIndex = new Map<string, number>();
  config.services.forEach((service, index) => {
    if (service.name === undefined) return;
    const first = serviceIndex.get(service.name);
    if (first === undefined) serviceIndex.set(service.name, index);
    else report(["services", index, "name"], `duplicate service name "${service.name}" (already used by services[${first}])`);
  });
  const serviceNames = [...serviceIndex.keys()];

  config.services.forEach((service, index) => {
    service.dependsOn?.forEach((dependency, position) => {
      if (dependency === undefined) return;
      const path = ["services", index, "dependsOn", position];
      if (dependency === service.name) report(path, `service "${dependency}" depends on itself`);
      else if (!serviceIndex.has(dependency)) report(path, unknownName("service", dependency, serviceNames));
    });
    const recovery = service.recovery;
    if (
      recovery !== undefined &&
      recovery !== NO_RECOVERY &&
      recovery !== DEFAULT_PLAYBOOK_NAME &&
      !Object.hasOwn(config.playbooks, recovery)
    ) {
      const defined = Object.keys(config.playbooks);
      report(
        ["services", index, "recovery"],
        `unknown playbook "${recovery}" (${defined.length > 0 ? `defined playbooks: ${defined.join(", ")}` : "no playbooks are defined"}; ` +
          `"${DEFAULT_PLAYBOOK_NAME}" for the default one, "${NO_RECOVERY}" to turn healing off)`,
      );
    }
  });

  config.services.forEach((service, index) => {
    const seen = new Set<string>();
    service.standby?.forEach((standby, position) => {
      if (standby === undefined) return;
      const path = ["services", index, "standby", position];
      if (standby === service.node) report(path, `standby "${standby}" is the service's own node: a standby must be another node`);
      else if (seen.has(standby)) report(path, `standby "${standby}" is listed twice`);
      seen.add(standby);
    });
    if (service.promote !== undefined && service.standby === undefined) {
      report(["services", index, "promote"], "promote runs on a standby after a failover: expected standby nodes too (standby: [NODE, ...])");
    }
  });

  for (const cycle of dependencyCycles(config.services, serviceIndex)) {
    report(["services", cycle.serviceIndex, "dependsOn", cycle.dependencyPosition], `dependency cycle: ${cycle.names.join(" -> ")}`);
  }

  const receiverNames = Object.keys(config.notify.receivers);
  const checkReceiver = (path: PathSegment[], receiver: string | undefined) => {
    if (receiver !== undefined && !Object.hasOwn(config.notify.receivers, receiver)) {
      report(path, unknownName("receiver", receiver, receiverNames));
    }
  };
  const checkMatchers = (path: PathSegment[], matchers: readonly (string | undefined)[] | undefined) => {
    matchers?.forEach((text, index) => {
      if (text === undefined) return;
      try {
        parseMatcher(text);
      } catch (err) {
        report([...path, index], (err as Error).message);
      }
    });
  };
  const checkGroupBy = (path: PathSegment[], groupBy: readonly (string | undefined)[] | undefined) => {
    if (groupBy?.includes("...") && groupBy.length > 1) {
      report(path, 'groupBy "..." (every label) cannot be combined with other labels');
    }
  };
  checkReceiver(["notify", "receiver"], config.notify.receiver);
  checkGroupBy(["notify", "groupBy"], config.notify.groupBy);
  const checkRoutes = (path: PathSegment[], routes: readonly RouteReferences[] | undefined) => {
    routes?.forEach((route, index) => {
      const at = [...path, index];
      checkReceiver([...at, "receiver"], route.receiver);
      checkMatchers([...at, "matchers"], route.matchers);
      checkGroupBy([...at, "groupBy"], route.groupBy);
      checkRoutes([...at, "routes"], route.routes);
    });
  };
  checkRoutes(["notify", "routes"], config.notify.routes);
  config.notify.inhibitRules?.forEach((rule, index) => {
    checkMatchers(["notify", "inhibitRules", index, "sourceMatchers"], rule.sourceMatchers);
    checkMatchers(["notify", "inhibitRules", index, "targetMatchers"], rule.targetMatchers);
  });
  config.maintenance?.forEach((window, index) => checkMatchers(["maintenance", index, "matchers"], window.matchers));

  const ruleIndex = new Map<string, number>();
  config.rules.forEach((rule, index) => {
    if (rule.name === undefined) return;
    const first = ruleIndex.get(rule.name);
    if (first === undefined) ruleIndex.set(rule.name, index);
    else report(["rules", index, "name"], `duplicate rule name "${rule.name}" (already used by rules[${first}])`);
  });

  return problems;
}

function unknownName(kind: string, name: string, defined: readonly string[]): string {
  return `unknown ${kind} "${name}" (${defined.length > 0 ? `defined ${kind}s: ${defined.join(", ")}` : `no ${kind}s are defined`})`;
}

interface Cycle {
  /** The edge that closes the cycle: services[serviceIndex].dependsOn[dependencyPosition]. */
  serviceIndex: number;
  dependencyPosition: number;
  /** The services around it, first one repeated at the end: a -> b -> a. */
  names: string[];
}

/**
 * Depth-first search in declaration order; an edge back to a service still on the stack
 * closes a cycle, reported once at that edge. Every strongly connected component holds
 * at least one such edge, so no cyclic group goes unreported. Self-dependencies and
 * unknown names are reported elsewhere and skipped here.
 */
function dependencyCycles(services: readonly ServiceReferences[], serviceIndex: ReadonlyMap<string, number>): Cycle[] {
  const cycles: Cycle[] = [];
  const state = new Map<string, "on-stack" | "done">();
  const stack: string[] = [];

  const visit = (name: string): void => {
    state.set(name, "on-stack");
    stack.push(name);
    const index = serviceIndex.get(name)!;
    services[index]!.dependsOn?.forEach((dependency, position) => {
      if (dependency === undefined || dependency === name || !serviceIndex.has(dependency)) return;
      const seen = state.get(dependency);
      if (seen === "on-stack") {
        cycles.push({ serviceIndex: index, dependencyPosition: position, names: [...stack.slice(stack.indexOf(dependency)), dependency] });
      } else if (seen === undefined) {
        visit(dependency);
      }
    });
    stack.pop();
    state.set(name, "done");
  };

  for (const name of serviceIndex.keys()) if (!state.has(name)) visit(name);
  return cycles;
}

/**
 * A best-effort reading of the names in a config that failed the schema, so that its
 * reference problems are reported together with its schema problems. Values of the wrong
 * type become undefined rather than shifting list positions.
 */
export function referencesOf(raw: unknown): ReferencingConfig {
  const root = asRecord(raw);
  const notify = asRecord(root.notify);
  return {
    services: asList(root.services).map((item) => {
      const service = asRecord(item);
      return {
        name: asString(service.name),
        node: asString(service.node),
        dependsOn: Array.isArray(service.dependsOn) ? service.dependsOn.map(asString) : undefined,
        recovery: asString(service.recovery),
        standby: asStringList(service.standby),
        promote: asString(service.promote),
      };
    }),
    playbooks: asRecord(root.playbooks),
    rules: asList(root.rules).map((rule) => ({ name: asString(asRecord(rule).name) })),
    notify: {
      receivers: asRecord(notify.receivers),
      receiver: asString(notify.receiver),
      groupBy: asStringList(notify.groupBy),
      routes: routesOf(notify.routes),
      inhibitRules: asList(notify.inhibitRules).map((item) => {
        const rule = asRecord(item);
        return { sourceMatchers: asStringList(rule.sourceMatchers), targetMatchers: asStringList(rule.targetMatchers) };
      }),
    },
    maintenance: asList(root.maintenance).map((item) => ({ matchers: asStringList(asRecord(item).matchers) })),
  };
}

function routesOf(value: unknown): RouteReferences[] {
  return asList(value).map((item) => {
    const route = asRecord(item);
    return {
      receiver: asString(route.receiver),
      matchers: asStringList(route.matchers),
      groupBy: asStringList(route.groupBy),
      routes: routesOf(route.routes),
    };
  });
}

function asStringList(value: unknown): (string | undefined)[] | undefined {
  return Array.isArray(value) ? value.map(asString) : undefined;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
