// Which receivers an alert goes to, and with which grouping and timings: the routing tree,
// walked depth-first as Alertmanager's dispatch/route.go does. The tree is compiled once from
// `notify` (the root route) and its nested `routes`; every later decision only tests labels.
import type { NotifyConfig, RouteConfig } from "../config/schema.js";
import { compileMatcher, equalityMatchers, formatMatcher, matchesAll, parseMatcher, type CompiledMatcher, type Matcher } from "./matchers.js";

/** Alertmanager's `group_by: ['...']`: group by every label, i.e. one group per alert. */
export const GROUP_BY_ALL = "...";

/** Where one alert goes along one matching route. */
export interface RouteMatch {
  /** The path of the route in the tree: "0" is the root, "0.2.1" the second child of its third child. */
  routeId: string;
  /** Alertmanager's route key: the matchers from the root down, e.g. `{}/{severity="critical"}`. */
  routeKey: string;
  receiver: string;
  /** The labels alerts are grouped by (never containing GROUP_BY_ALL; see groupByAll). */
  groupBy: string[];
  groupByAll: boolean;
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
}

/** A route ready to match: matchers compiled, everything inherited already filled in. */
export interface CompiledRoute {
  routeId: string;
  routeKey: string;
  matchers: CompiledMatcher[];
  /** Undefined when neither this route nor any ancestor names one: what it takes is not notified. */
  receiver: string | undefined;
  groupBy: string[];
  groupByAll: boolean;
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
  continue: boolean;
  routes: CompiledRoute[];
}

/**
 * Compiles the tree whose root is `notify` itself (receiver, groupBy and timings; it matches
 * every alert). Child routes inherit receiver, groupBy and timings they do not set. Throws
 * naming the route path for a matcher that does not parse (config checks report it earlier).
 */
export function compileRouteTree(notify: Pick<NotifyConfig, "receiver" | "groupBy" | "groupWait" | "groupInterval" | "repeatInterval" | "routes">): CompiledRoute {
  const root: RouteConfig = {
    match: {},
    matchers: [],
    ...(notify.receiver !== undefined && { receiver: notify.receiver }),
    continue: false,
    groupBy: notify.groupBy,
    groupWait: notify.groupWait,
    groupInterval: notify.groupInterval,
    repeatInterval: notify.repeatInterval,
    routes: notify.routes,
  };
  return compileRoute(root, undefined, "0", "notify");
}

function compileRoute(route: RouteConfig, parent: CompiledRoute | undefined, routeId: string, path: string): CompiledRoute {
  const matchers: Matcher[] = [...equalityMatchers(route.match)];
  route.matchers.forEach((text, index) => {
    try {
      matchers.push(parseMatcher(text));
    } catch (err) {
      throw new Error(`${path}.matchers[${index}]: ${(err as Error).message}`);
    }
  });
  const groupBy = route.groupBy ?? parent?.groupBy ?? [];
  const compiled: CompiledRoute = {
    routeId,
    routeKey: (parent ? `${parent.routeKey}/` : "") + matchersKey(matchers),
    matchers: matchers.map(compileMatcher),
    receiver: route.receiver ?? parent?.receiver,
    groupBy: groupBy.filter((name) => name !== GROUP_BY_ALL),
    groupByAll: route.groupBy !== undefined ? route.groupBy.includes(GROUP_BY_ALL) : (parent?.groupByAll ?? false),
    groupWait: route.groupWait ?? parent?.groupWait ?? 0,
    groupInterval: route.groupInterval ?? parent?.groupInterval ?? 0,
    repeatInterval: route.repeatInterval ?? parent?.repeatInterval ?? 0,
    continue: route.continue,
    routes: [],
  };
  compiled.routes = route.routes.map((child, index) => compileRoute(child, compiled, `${routeId}.${index}`, `${path}.routes[${index}]`));
  return compiled;
}

/**
 * The routes that take an alert with these labels, each with its receiver and timings.
 * A route matches when all its matchers hold; its children are tried in order and the
 * deepest matching ones win; after a matching child without `continue` no later sibling is
 * tried; when no child matches, the route itself takes the alert. Routes whose receiver is
 * undefined take the alert without notifying anyone, so they are left out of the result.
 */
export function routeAlert(labels: Record<string, string>, root: CompiledRoute): RouteMatch[] {
  return matchingRoutes(labels, root)
    .filter((route) => route.receiver !== undefined)
    .map((route) => ({
      routeId: route.routeId,
      routeKey: route.routeKey,
      receiver: route.receiver!,
      groupBy: route.groupBy,
      groupByAll: route.groupByAll,
      groupWait: route.groupWait,
      groupInterval: route.groupInterval,
      repeatInterval: route.repeatInterval,
    }));
}

function matchingRoutes(labels: Record<string, string>, route: CompiledRoute): CompiledRoute[] {
  if (!matchesAll(route.matchers, labels)) return [];
  const taken: CompiledRoute[] = [];
  for (const child of route.routes) {
    const found = matchingRoutes(labels, child);
    taken.push(...found);
    if (found.length > 0 && !child.continue) break;
  }
  return taken.length > 0 ? taken : [route];
}

/**
 * `{name="value",...}` as Alertmanager's labels.Matchers.String() prints a route's matchers:
 * sorted by name, then value, then operator, joined by ",".
 */
function matchersKey(matchers: readonly Matcher[]): string {
  const order = ["=", "!=", "=~", "!~"];
  const sorted = [...matchers].sort(
    (a, b) => compare(a.name, b.name) || compare(a.value, b.value) || order.indexOf(a.op) - order.indexOf(b.op),
  );
  return `{${sorted.map(formatMatcher).join(",")}}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
