// Node page: liveness (state, φ, the silence after which it would be suspected), charts of
// CPU, memory, disk, network and φ over a chosen range with anomaly / forecast markers and
// forecast lines, its services, and what raises its risk.
import { HealthBadge, NodeBadge, RiskBar } from "../components/badges.js";
import { RangePicker, rangeFrom } from "../components/range-picker.js";
import { Empty, ErrorBox, Loading, PageHead, Panel } from "../components/states.js";
import { TimeSeriesChart } from "../components/time-series-chart.js";
import { ago, duration } from "../format.js";
import { useApi, useNow } from "../hooks.js";
import { href } from "../router.js";
import type { ChartsPayload, NodeView, ServiceView } from "../types.js";

export function NodePage({ name, query }: { name: string; query: URLSearchParams }) {
  const now = useNow();
  const range = rangeFrom(query);
  const nodes = useApi<{ nodes: NodeView[] }>("/api/v1/nodes", { pollMs: 10_000 });
  const services = useApi<{ services: ServiceView[] }>("/api/v1/services");
  const charts = useApi<ChartsPayload>(`/api/v1/nodes/${encodeURIComponent(name)}/charts?range=${range}`, { pollMs: 15_000 });
  const node = nodes.data?.nodes.find((n) => n.name === name);
  const mine = (services.data?.services ?? []).filter((s) => s.node === name);

  if (nodes.data && !node) return <ErrorBox message={`No node "${name}": none by that name has connected.`} />;
  const l = node?.liveness;
  return (
    <>
      <PageHead
        crumbs={
          <>
            <a href={href.overview()}>Overview</a> / Nodes
          </>
        }
        title={
          <span class="row">
            {name} {node && <NodeBadge state={node.state} />}
          </span>
        }
        sub={node ? `${node.state} for ${duration(now - node.since)} · agent ${node.agentVersion ?? "?"} · ${node.connected ? "connected" : "not connected"}` : " "}
        actions={<RangePicker value={range} />}
      />
      <div class="stack">
        <div class="grid cols-3">
          <Panel title="Liveness">
            <dl class="kv">
              <dt>φ now</dt>
              <dd>{l?.phi === null || l === undefined ? "–" : l.phi.toFixed(2)}</dd>
              <dt>Suspected after</dt>
              <dd>{l ? `${duration(l.suspectAfterMs)} of silence` : "–"}</dd>
              <dt>Heartbeat every</dt>
              <dd>{l ? duration(l.meanIntervalMs) : "–"}</dd>
              <dt>Last seen</dt>
              <dd>{l ? ago(l.lastSeen, now) : "–"}</dd>
              {l?.probing && (
                <>
                  <dt>Now</dt>
                  <dd>being probed directly and by its peers</dd>
                </>
              )}
            </dl>
          </Panel>
          <Panel title="Risk">
            {node ? (
              <div class="stack" style={{ gap: 10 }}>
                <RiskBar score={node.risk.score} />
                {node.risk.factors.length === 0 ? <span class="muted small">No risk factors.</span> : node.risk.factors.map((f) => <div key={f.name} class="small">{f.detail}</div>)}
              </div>
            ) : (
              <Loading height={60} />
            )}
          </Panel>
          <Panel title={`Services (${mine.length})`} flush>
            {mine.length === 0 ? (
              <Empty title="No services run here" />
            ) : (
              <table class="list">
                <tbody>
                  {mine.map((s) => (
                    <tr key={s.name}>
                      <td>
                        <a class="title" href={href.service(s.name)}>
                          {s.name}
                        </a>
                      </td>
                      <td class="num">
                        <HealthBadge health={s.health} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Panel>
        </div>
        {charts.error && <ErrorBox message={charts.error} />}
        {!charts.data ? (
          <Loading height={220} />
        ) : (
          <>
            {charts.data.markers.length > 0 && (
              <div class="row small muted">
                Markers: {charts.data.markers.slice(-4).map((m) => (
                  <span key={`${m.ts}-${m.text}`} class="chip">
                    {m.kind} · {ago(m.ts, now)}
                  </span>
                ))}
              </div>
            )}
            <div class="grid cols-2">
              {charts.data.charts.map((c) => (
                <TimeSeriesChart key={c.id} chart={c} x={charts.data!.x} markers={charts.data!.markers} />
              ))}
            </div>
          </>
        )}
      </div>
    </>
  );
}
