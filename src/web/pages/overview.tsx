// Overview: the cluster at a glance — the freeze banner (in the layout), headline figures,
// active incidents first, nodes as a grid coloured by state, services with health, risk and
// this week's availability, and what is firing.
import { Badge, HealthBadge, IncidentBadge, NodeBadge, RiskBar, nodeTone, severityTone } from "../components/badges.js";
import { Empty, ErrorBox, Loading, PageHead, Panel } from "../components/states.js";
import { ago, percent } from "../format.js";
import { useApi, useNow } from "../hooks.js";
import { href } from "../router.js";
import type { AlertView, AvailabilityReport, IncidentView, NodeView, ServiceView, StatusView } from "../types.js";
import { Stat } from "../components/stat.js";


export function OverviewPage() {
  const now = useNow();
  const status = useApi<StatusView>("/api/v1/status");
  const nodes = useApi<{ nodes: NodeView[] }>("/api/v1/nodes", { pollMs: 15_000 });
  const services = useApi<{ services: ServiceView[] }>("/api/v1/services");
  const incidents = useApi<{ incidents: IncidentView[] }>("/api/v1/incidents?state=open");
  const alerts = useApi<{ alerts: AlertView[] }>("/api/v1/alerts");
  const week = useApi<AvailabilityReport>("/api/v1/availability?window=7d", { pollMs: 60_000 });
  const uptime = new Map((week.data?.services ?? []).map((s) => [s.name, s.windows[0]?.uptimePercent ?? null]));

  const nodeList = nodes.data?.nodes ?? [];
  const serviceList = services.data?.services ?? [];
  const open = incidents.data?.incidents ?? [];
  const firing = (alerts.data?.alerts ?? []).filter((a) => a.state === "firing");
  const alive = nodeList.filter((n) => n.state === "alive").length;
  const healthy = serviceList.filter((s) => s.health === "healthy").length;

  return (
    <>
      <PageHead title="Cluster overview" sub={status.data ? `Vigil ${status.data.version} · up ${ago(status.data.startedAt, now).replace(" ago", "")}` : " "} />
      {status.error && <ErrorBox message={status.error} />}
      <div class="stack">
        <div class="grid cols-4">
          <Stat label="Nodes alive" value={`${alive}/${nodeList.length}`} tone={alive === nodeList.length ? "ok" : "bad"} hint={nodeList.length - alive ? `${nodeList.length - alive} not alive` : "all alive"} />
          <Stat label="Services healthy" value={`${healthy}/${serviceList.length}`} tone={healthy === serviceList.length ? "ok" : "bad"} hint={serviceList.length - healthy ? `${serviceList.length - healthy} need attention` : "all healthy"} />
          <Stat label="Firing alerts" value={firing.length} tone={firing.length ? "warn" : "ok"} hint={`${(alerts.data?.alerts ?? []).length - firing.length} pending`} />
          <Stat label="Open incidents" value={open.length} tone={open.length ? "bad" : "ok"} hint={open.length ? "being handled" : "nothing on fire"} />
        </div>

        {open.length > 0 && (
          <Panel title="Active incidents" actions={<a href={href.incidents()}>All incidents →</a>} flush>
            <table class="list" data-testid="active-incidents">
              <tbody>
                {open.map((i) => (
                  <tr key={i.id}>
                    <td style={{ width: 130 }}>
                      <IncidentBadge state={i.state} waiting={i.waitingForApproval} />
                    </td>
                    <td>
                      <a class="title" href={href.incident(i.id)}>
                        #{i.id} {i.title}
                      </a>
                      {i.rootCause && <div class="small muted">{i.rootCause}</div>}
                    </td>
                    <td class="num muted small">detected {ago(i.detectedAt, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Panel>
        )}

        <Panel title="Nodes" actions={<span class="small muted">{nodeList.length} connected or known</span>}>
          {nodes.loading && !nodes.data ? (
            <Loading height={80} />
          ) : nodeList.length === 0 ? (
            <Empty title="No nodes yet">Start an agent with `vigil agent --server URL`.</Empty>
          ) : (
            <div class="tiles" data-testid="node-grid">
              {nodeList.map((n) => (
                <a key={n.name} class={`tile t-${nodeTone[n.state]}`} href={href.node(n.name)} data-node={n.name} data-state={n.state}>
                  <div class="row" style={{ justifyContent: "space-between", flexWrap: "nowrap" }}>
                    <span class="name">{n.name}</span>
                    <NodeBadge state={n.state} />
                  </div>
                  <div class="meta">
                    <span>{n.state === "alive" ? `seen ${ago(n.liveness?.lastSeen ?? n.lastHeartbeat, now)}` : `${n.state} ${ago(n.since, now)}`}</span>
                    <RiskBar score={n.risk.score} detail={n.risk.factors[0]?.detail} />
                  </div>
                </a>
              ))}
            </div>
          )}
        </Panel>

        <Panel title="Services" flush>
          {services.loading && !services.data ? (
            <div class="body">
              <Loading height={80} />
            </div>
          ) : serviceList.length === 0 ? (
            <Empty title="No services configured">Declare services in vigil.yaml to have them watched and healed.</Empty>
          ) : (
            <div class="table-wrap">
              <table class="list" data-testid="service-table">
                <thead>
                  <tr>
                    <th>Service</th>
                    <th>Health</th>
                    <th class="hide-phone">Node</th>
                    <th class="hide-phone">Since</th>
                    <th class="hide-phone">Risk</th>
                    <th class="num">7 d up</th>
                  </tr>
                </thead>
                <tbody>
                  {[...serviceList]
                    .sort((a, b) => Number(a.health === "healthy") - Number(b.health === "healthy") || b.risk.score - a.risk.score || a.name.localeCompare(b.name))
                    .map((s) => (
                      <tr key={s.name} data-service={s.name} data-health={s.health}>
                        <td>
                          <a class="title" href={href.service(s.name)}>
                            {s.name}
                          </a>
                          {s.health !== "healthy" && s.detail && <div class="small muted">{s.detail}</div>}
                        </td>
                        <td>
                          <HealthBadge health={s.health} />
                        </td>
                        <td class="hide-phone">
                          <a href={href.node(s.node)}>{s.node}</a>
                        </td>
                        <td class="hide-phone muted">{ago(s.since, now)}</td>
                        <td class="hide-phone">
                          <RiskBar score={s.risk.score} detail={s.risk.factors[0]?.detail} />
                        </td>
                        <td class="num">{percent(uptime.get(s.name) ?? null)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )}
        </Panel>

        <Panel title="Firing alerts" actions={<a href={href.alerts()}>Manage alerts →</a>} flush>
          {firing.length === 0 ? (
            <Empty title="Nothing is firing" />
          ) : (
            <table class="list">
              <tbody>
                {firing.slice(0, 8).map((a) => (
                  <tr key={a.fingerprint}>
                    <td style={{ width: 110 }}>
                      <Badge tone={severityTone(a.labels.severity)}>{a.labels.severity ?? "alert"}</Badge>
                    </td>
                    <td>
                      <span class="title">{a.labels.alertname}</span>
                      <div class="small muted">{a.annotations.summary}</div>
                    </td>
                    <td class="num muted small">{ago(a.firedAt ?? a.activeAt, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
      </div>
    </>
  );
}
