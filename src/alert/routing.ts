// Which receivers an alert goes to: the single place of that decision. Today the first route
// whose `match` labels all equal the alert's wins; nested routes and `continue` will grow here.
import type { RouteConfig } from "../config/schema.js";

/** Receivers of the first matching route ([] when none matches); an empty match takes every alert. */
export function routeAlert(labels: Record<string, string>, routes: readonly RouteConfig[]): string[] {
  const route = routes.find((r) => Object.entries(r.match).every(([name, value]) => labels[name] === value));
  return route ? [route.receiver] : [];
}
