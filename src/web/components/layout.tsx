// The frame around every page: the navigation (a sidebar, a top bar at phone width) with the
// count of firing alerts and open incidents, the theme switch and whether live updates flow;
// and the freeze banner when the control plane believes it is cut off.
import type { ComponentChildren } from "preact";
import { useApi } from "../hooks.js";
import { useLive } from "../live.js";
import { href, type Route } from "../router.js";
import { useTheme } from "../theme.js";
import type { StatusView } from "../types.js";
import { duration } from "../format.js";
import { Icon } from "./icons.js";

const NAV: { page: Route["page"][]; to: string; label: string; icon: Parameters<typeof Icon>[0]["name"] }[] = [
  { page: ["overview", "node", "service"], to: href.overview(), label: "Overview", icon: "overview" },
  { page: ["alerts"], to: href.alerts(), label: "Alerts", icon: "alerts" },
  { page: ["incidents", "incident"], to: href.incidents(), label: "Incidents", icon: "incidents" },
  { page: ["availability"], to: href.availability(), label: "Availability", icon: "availability" },
  { page: ["advice"], to: href.advice(), label: "Advice", icon: "advice" },
  { page: ["gamedays", "gameday"], to: href.gamedays(), label: "Game days", icon: "gamedays" },
];

export function Layout({ route, children }: { route: Route; children: ComponentChildren }) {
  const status = useApi<StatusView>("/api/v1/status", { pollMs: 30_000 });
  const live = useLive();
  const [theme, toggleTheme] = useTheme();
  const s = status.data;
  const counts: Record<string, number> = { Alerts: s?.alerts.firing ?? 0, Incidents: s?.incidents.open ?? 0 };
  return (
    <div class="shell">
      <aside class="sidebar">
        <a class="brand" href={href.overview()}>
          <img src="/web/favicon.svg" alt="" />
          <span>Vigil</span>
        </a>
        <nav class="nav">
          {NAV.map((n) => (
            <a key={n.label} href={n.to} class={n.page.includes(route.page) ? "active" : ""} aria-label={n.label}>
              <Icon name={n.icon} />
              <span class="label">{n.label}</span>
              {counts[n.label] ? <span class="count">{counts[n.label]}</span> : null}
            </a>
          ))}
        </nav>
        <div class="sidebar-foot">
          <span class={`live ${live.status === "live" ? "on" : live.status === "reconnecting" ? "off" : ""}`} title="live updates from the server">
            <span class="dot" />
            <span class="text">{live.status === "live" ? "Live" : live.status === "reconnecting" ? "Reconnecting…" : "Connecting…"}</span>
          </span>
          <button class="icon" onClick={toggleTheme} aria-label={`switch to the ${theme === "dark" ? "light" : "dark"} theme`} title="theme">
            <Icon name={theme === "dark" ? "sun" : "moon"} width={16} height={16} />
          </button>
        </div>
      </aside>
      <main class="main">
        {s?.freeze.frozen && (
          <div class="banner bad" role="alert" data-testid="freeze-banner">
            <div>
              Recovery is frozen: the control plane looks cut off from the cluster
              {s.freeze.since ? ` (for ${duration(Date.now() - s.freeze.since)})` : ""}.
              <div class="detail">
                {s.freeze.reason ?? ""} — {s.freeze.out} of {s.freeze.population} nodes look out at once, so Vigil assumes it is the one isolated and takes no recovery action until they return.
              </div>
            </div>
          </div>
        )}
        {children}
      </main>
    </div>
  );
}
