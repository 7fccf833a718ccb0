// Service page: health history as an up/down strip, restarts, probe latency and resource
// charts, dependencies and dependents as a small graph, its playbook, recent actions and
// incidents.
import { Fragment } from "preact";
import { HealthBadge, IncidentBadge, RiskBar } from "../components/badges.js";
import { DependencyGraph } from "../components/dep-graph.js";
import { HealthStrip } from "../components/health-strip.js";
import { RangePicker, rangeFrom } from "../components/range-picker.js";
import { Empty, ErrorBox, Loading, PageHead, Panel } from "../components/states.js";
import { TimeSeriesChart } from "../components/time-series-chart.js";
import { ago, dateTime, duration } from "../format.js";
import { useApi, useNow } from "../hooks.js";
import { href } from "../router.js";
import type { ChartMarker, ServiceHistory, ServiceView } from "../types.js";
import { describeEvent } from "./event-text.js";

function stepText(step: unknown): string {
  if (typeof step === "string") return step;
  if (step && typeof step === "object") {
    const s = step as Record<string, unknown>;
    if (s.verify) {
      const v = s.verify as { healthyFor?: number; within?: number };
      return `verify: healthy ${duration(v.healthyFor ?? null)} within ${duration(v.within ?? null)}`;
    }
    if (s.do) return `${s.do}${s.command ? ` ${s.command}` : ""}${s.approve ? " (approval)" : ""}${s.when ? " (when cause…)" : ""}`;
  }
  return JSON.stringify(step);
}

export function ServicePage({ name, query }: { name: string; query: URLSearchParams }) {
  const now = useNow();
  const range = rangeFrom(query);
  const h = useApi<ServiceHistory>(`/api/v1/services/${encodeURIComponent(name)}/history?range=${range}`, { pollMs: 15_000 });
  const list = useApi<{ services: ServiceView[] }>("/api/v1/services");
  const risk = list.data?.services.find((x) => x.name === name)?.risk;
  if (h.error && !h.data) return <ErrorBox message={h.error} />;
  const d = h.data;
  const s = d?.service;
  const restartMarkers: ChartMarker[] = (d?.restarts ?? []).map((r) => ({ ts: r.ts, kind: "up", text: "process started" }));
  return (
    <>
      <PageHead
        crumbs={
          <>
            <a href={href.overview()}>Overview</a> / Services
          </>
        }
        title={
          <span class="row">
            {name} {s && <HealthBadge health={s.health} />}
          </span>
        }
        sub={
          s ? (
            <>
              on <a href={href.node(s.node)}>{s.node}</a> · {s.health} for {duration(now - s.since)}
              {s.pid ? ` · pid ${s.pid}` : ""} · {s.detail}
            </>
          ) : (
            " "
          )
        }
        actions={<RangePicker value={range} />}
      />
      {!d ? (
        <Loading height={300} />
      ) : (
        <div class="stack">
          <Panel title="Health history" actions={<span class="small muted">{d.restarts.length} process start(s) in range</span>}>
            <HealthStrip strip={d.strip} from={d.from} to={d.to} />
          </Panel>
          <div class="grid cols-3">
            {d.charts.charts.map((c) => (
              <TimeSeriesChart key={c.id} chart={c} x={d.charts.x} markers={restartMarkers} height={170} />
            ))}
          </div>
          <div class="grid cols-2">
            <Panel title="Dependencies">
              <DependencyGraph name={name} dependencies={d.dependencies} dependents={d.dependents} />
            </Panel>
            <Panel title={d.playbook ? `Playbook · ${d.playbook.name}` : "Playbook"}>
              {d.playbook ? (
                <div class="stack" style={{ gap: 10 }}>
                  <div class="steps">
                    {d.playbook.steps.map((st, i) => (
                      <Fragment key={i}>
                        {i > 0 && <span class="arrow">→</span>}
                        <span class="chip">{stepText(st)}</span>
                      </Fragment>
                    ))}
                  </div>
                  <div class="small muted">
                    at most {d.playbook.limits.attempts ?? "?"} attempts within {duration(d.playbook.limits.within ?? null)}
                  </div>
                  {risk && (
                    <div class="row small muted">
                      Risk <RiskBar score={risk.score} detail={risk.factors[0]?.detail} />
                    </div>
                  )}
                </div>
              ) : (
                <Empty title="No automatic recovery">recovery: none</Empty>
              )}
            </Panel>
          </div>
          <div class="grid cols-2">
            <Panel title="Recent actions" flush>
              {d.actions.length === 0 ? (
                <Empty title="No recovery actions yet" />
              ) : (
                <table class="list">
                  <tbody>
                    {d.actions.map((e) => (
                      <tr key={e.id}>
                        <td>
                          {describeEvent(e).what}
                          <div class="small muted">{describeEvent(e).detail}</div>
                        </td>
                        <td class="num small muted" title={dateTime(e.ts)}>
                          {ago(e.ts, now)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Panel>
            <Panel title="Incidents" flush>
              {d.incidents.length === 0 ? (
                <Empty title="No incidents" />
              ) : (
                <table class="list">
                  <tbody>
                    {d.incidents.map((i) => (
                      <tr key={i.id}>
                        <td>
                          <a class="title" href={href.incident(i.id)}>
                            #{i.id} {i.title}
                          </a>
                        </td>
                        <td>
                          <IncidentBadge state={i.state} waiting={i.waitingForApproval} />
                        </td>
                        <td class="num small muted">{ago(i.detectedAt, now)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Panel>
          </div>
        </div>
      )}
    </>
  );
}
