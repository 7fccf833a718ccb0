// Hash routing: every page has a URL that can be shared (`/#/services/api?range=6h`), and the
// browser's back button works. Pure parsing plus one hook.
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "overview" }
  | { page: "node"; name: string }
  | { page: "service"; name: string }
  | { page: "alerts" }
  | { page: "incidents" }
  | { page: "incident"; id: number }
  | { page: "availability" }
  | { page: "advice" }
  | { page: "gamedays" }
  | { page: "gameday"; id: number }
  | { page: "not-found"; path: string };

export interface Location {
  route: Route;
  query: URLSearchParams;
}

export function parseHash(hash: string): Location {
  const text = hash.replace(/^#/, "") || "/";
  const [pathPart, queryPart] = text.split("?", 2) as [string, string | undefined];
  const parts = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(queryPart ?? "");
  const route = ((): Route => {
    if (parts.length === 0) return { page: "overview" };
    const [head, arg] = parts;
    if (head === "nodes" && arg && parts.length === 2) return { page: "node", name: arg };
    if (head === "services" && arg && parts.length === 2) return { page: "service", name: arg };
    if (head === "alerts" && parts.length === 1) return { page: "alerts" };
    if (head === "incidents" && parts.length === 1) return { page: "incidents" };
    if (head === "incidents" && arg && /^\d+$/.test(arg) && parts.length === 2) return { page: "incident", id: Number(arg) };
    if (head === "availability" && parts.length === 1) return { page: "availability" };
    if (head === "advice" && parts.length === 1) return { page: "advice" };
    if (head === "gamedays" && parts.length === 1) return { page: "gamedays" };
    if (head === "gamedays" && arg && /^\d+$/.test(arg) && parts.length === 2) return { page: "gameday", id: Number(arg) };
    return { page: "not-found", path: pathPart };
  })();
  return { route, query };
}

export const href = {
  overview: () => "#/",
  node: (name: string) => `#/nodes/${encodeURIComponent(name)}`,
  service: (name: string) => `#/services/${encodeURIComponent(name)}`,
  alerts: () => "#/alerts",
  incidents: () => "#/incidents",
  incident: (id: number) => `#/incidents/${id}`,
  availability: () => "#/availability",
  advice: () => "#/advice",
  gamedays: () => "#/gamedays",
  gameday: (id: number) => `#/gamedays/${id}`,
  /** A component id ("service:api", "node:a") to its page. */
  component: (key: string) => {
    const [kind, ...rest] = key.split(":");
    const name = rest.join(":");
    return kind === "node" ? href.node(name) : href.service(name);
  },
};

/** The same page with one query parameter changed. */
export function withQuery(name: string, value: string): string {
  const { query } = parseHash(location.hash);
  query.set(name, value);
  const path = (location.hash.replace(/^#/, "") || "/").split("?")[0];
  return `#${path}?${query}`;
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setLoc(parseHash(location.hash));
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return loc;
}
