// Roles and what each route needs. Roles are ordered: viewer (read) < operator (silences,
// approvals, unfencing, alerts, chaos, playbook runs: every mutating operational call) <
// admin (tokens, config reload). Every route declares its access once, at registration.
import type { Role } from "../../storage/token-store.js";

export type { Role };

export const ROLES: readonly Role[] = ["viewer", "operator", "admin"];

/**
 * What a route needs: a role, or `public` (no credentials: /healthz, the login), or `agent`
 * (the agent websocket, authenticated by the agent protocol's own credentials), or `replica`
 * (replica-to-replica calls, authenticated by the cluster key: src/server/auth/replica-key-auth.ts).
 */
export type RouteAccess = Role | "public" | "agent" | "replica";

export const ROUTE_ACCESS: readonly RouteAccess[] = [...ROLES, "public", "agent", "replica"];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function isRouteAccess(value: unknown): value is RouteAccess {
  return typeof value === "string" && (ROUTE_ACCESS as readonly string[]).includes(value);
}

/** Whether a holder of `have` may call a route that needs `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** The role just below `role`, or null for viewer. */
export function weakerRole(role: Role): Role | null {
  const i = ROLES.indexOf(role);
  return i > 0 ? ROLES[i - 1]! : null;
}
